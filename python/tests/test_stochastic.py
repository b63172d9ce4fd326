"""The stochastic layer from Python: ensembles of SGD with stated gradient noise and of its SMEs
against the exact moments; the same seed gives the same ensemble; diverging paths are reported;
weak orders from exact moments; bad input raises SpecError."""

import numpy as np
import pytest

import optdyn

SPEC = "quadratic:diag=2,grad_noise=0.5"


def exact_sgd(lr, steps, c=2.0, sigma=0.5, x0=1.0):
    a = 1.0 - lr * c
    mean = a**steps * x0
    second = a ** (2 * steps) * x0**2 + lr**2 * sigma**2 * (1 - a ** (2 * steps)) / (1 - a**2)
    return mean, second


def test_sgd_ensemble_has_the_exact_moments_and_is_reproducible():
    lr, steps = 0.05, 20
    e = optdyn.ensemble(SPEC, [1.0], f"sgd:lr={lr}", 4000, steps=steps, every=5, seed=3)
    assert list(e["step"]) == [0, 5, 10, 15, 20]
    assert e["mean"].shape == (5, 2) and e["se"].shape == (5, 2)
    assert len(e["bands"]) == 3 and e["bands"][1].shape == (5, 2)
    mean, second = exact_sgd(lr, steps)
    assert abs(e["mean"][-1, 0] - mean) < 4 * e["se"][-1, 0]
    assert int(e["alive"][-1]) == 4000 and e["stopped"] == []
    again = optdyn.ensemble(SPEC, [1.0], f"sgd:lr={lr}", 50, steps=steps, seed=3, all_paths=True)
    once = optdyn.ensemble(SPEC, [1.0], f"sgd:lr={lr}", 50, steps=steps, seed=3, all_paths=True)
    assert again["all_paths"].shape == (50, steps + 1, 2)
    np.testing.assert_array_equal(again["all_paths"], once["all_paths"])
    x2 = np.mean(again["all_paths"][:, -1, 0] ** 2)
    assert x2 > 0


def test_sme_ensembles_and_exact_weak_orders():
    e = optdyn.ensemble(
        SPEC, [1.0], "sgd:lr=0.05", 2000, steps=20, every=20, model="sgd-sme1", antithetic=True
    )
    # OU mean x0 e^{-2T}: antithetic pairs cancel the sampling error; weak2's bias is ~1e-5.
    assert abs(e["mean"][-1, 0] - np.exp(-2.0)) < 1e-4
    w = optdyn.weak_converge(
        SPEC, [1.0], "sgd", ["sgd-sme1", "sgd-sme2"], [0.04, 0.02, 0.01, 0.005], 1.0,
        functional="x2", exact=True,
    )
    p = [m["fit"]["p"] for m in w["models"]]
    assert abs(p[0] - 1) < 0.1 and abs(p[1] - 2) < 0.2, p
    assert w["method"] == "exact"


def test_diverging_paths_are_reported():
    e = optdyn.ensemble("quadratic:diag=1,grad_noise=6", [0.0], "sgd:lr=0.1", 100, steps=50, max_abs=3)
    assert 0 < len(e["stopped"]) < 100
    first = e["stopped"][0]
    assert first["stop"]["kind"] == "diverged"
    assert int(e["alive"][-1]) == 100 - len(e["stopped"])


def test_bad_input_raises_spec_error():
    with pytest.raises(optdyn.SpecError, match="paths must be >= 1"):
        optdyn.ensemble(SPEC, [1.0], "sgd:lr=0.1", 0, steps=5)
    with pytest.raises(optdyn.SpecError, match="exact step gradients"):
        optdyn.ensemble("quadratic:diag=2", [1.0], "sgd:lr=0.1", 4, steps=5, model="sgd-sme1")
    with pytest.raises(optdyn.SpecError, match="x, x2 or loss"):
        optdyn.weak_converge(SPEC, [1.0], "sgd", ["sgd-sme1"], [0.1, 0.05], 1.0, functional="x3")
    with pytest.raises(optdyn.SpecError, match="substeps"):
        optdyn.ensemble(SPEC, [1.0], "sgd:lr=0.1", 4, steps=5, model="sgd-sme1", integrator="weak2:substeps=0")


def test_svag_class_rescales_and_rebuilds_with_lr():
    s = optdyn.optim.SVAG(optdyn.optim.SGD(lr=0.4), l=2)
    assert s.lr == pytest.approx(0.1)
    assert s.with_lr(0.8).lr == pytest.approx(0.2)
    assert optdyn.optim.SVAG("sgd:lr=0.4", 2).with_lr(0.8).lr == pytest.approx(0.2)
    with pytest.raises(optdyn.SpecError, match="l must be"):
        optdyn.optim.SVAG("sgd", 0.5)
