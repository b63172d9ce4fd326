"""compare, converge (with custom models and factories), basins, stability, spectrum, monitor,
reproduce and demo through the package, with the CLI's files when `out` is given."""

import numpy as np
import pytest

import optdyn

F = lambda x: (0.5 * float(x @ x), x.copy())  # noqa: E731  f = ½‖x‖²


def test_compare_puts_every_model_on_one_clock(tmp_path):
    c = optdyn.compare(
        "rosen1d:c=4", [2.0], "adam:lr=1e-3,beta1=0.99,beta2=0.999", "adam-ide1+adam-ide2:u0=1",
        t_end=1.0, out=tmp_path,
    )
    assert c["lr"] == 1e-3 and len(c["models"]) == 2
    for m in c["models"]:
        assert m["trajectory"].t[-1] == c["discrete"].t[-1] == 1.0
        assert 0 < m["e_t"] < 2e-3 and m["velocity"].shape == (1001, 1)
    for name in ["discrete.csv", "table.csv", "trajectories.png", "dynamics.svg"]:
        assert (tmp_path / name).exists(), name


def test_converge_fits_the_order_of_a_custom_model_factory():
    flow = lambda lr: optdyn.CustomModel(lambda t, z: -z, lambda x0: x0, name="flow")  # noqa: E731
    c = optdyn.converge(F, [1.0, 2.0], optdyn.optim.SGD(lr=0.1), [flow, "gradient-flow"], lrs=[0.04, 0.02, 0.01, 0.005], t_end=1.0)
    assert [m["model"] for m in c["models"]] == ["<lambda>", "gradient-flow"]
    for m in c["models"]:
        assert abs(m["fit_t"]["p"] - 1.0) < 0.02, m["fit_t"]
    # The user's flow and the built-in gradient flow are the same model of the same GD.
    np.testing.assert_allclose(c["models"][0]["e_t"], c["models"][1]["e_t"], rtol=1e-12)
    assert list(c["steps"]) == [25, 50, 100, 200]


def test_basins_scan_and_map(tmp_path):
    b = optdyn.basins("rosen1d:c=4", "adam:beta1=0.99,beta2=0.999", x0=[-1.5], lrs="1e-3:1e-1:5:log", out=tmp_path)
    assert b["lr"][0] == 1e-3 and b["lr"][-1] == 1e-1
    assert b["discrete"][0] < 0 < b["discrete"][-1]  # the local minimum at small lr, θ = 1 at large
    assert (tmp_path / "basins.csv").exists()
    m = optdyn.basins("himmelblau", "sgd:lr=0.01", xs="-5:5:5", ys="-5:5:5", steps=2000)
    assert m["ends"].shape == (25, 2) and m["attractors"].shape[0] == 4
    assert set(m["labels"]) == {0, 1, 2, 3}


def test_stability_spectrum_monitor(tmp_path):
    s = optdyn.stability(beta1="0.5;0.99", beta2="0.9;0.999", out=tmp_path)
    assert list(s["theory_stable"]) == [True, False, True, True]
    assert abs(s["growth"][1] - 0.99 / np.sqrt(0.9)) < 2e-2
    assert (tmp_path / "stability.png").exists()
    sp = optdyn.spectrum("rosen1d:c=4", [2.0], "adam:lr=1e-3", "adam-ide1", 200)
    assert sp["eigenvalues"].shape == (21, 3) and sp["eigenvalues"].dtype == np.complex128
    mo = optdyn.monitor("rosen1d:c=4", [2.0], "sgd:lr=0.01,momentum=0.9", "heavy-ball", 500)
    assert mo["lyapunov"]["non_increasing"] and not mo["loss"]["non_increasing"]
    assert mo["kinetic"].shape == (501,)


def test_reproduce_and_demo(tmp_path):
    reps = optdyn.reproduce("dereich2025-zero", out=tmp_path / "rep")
    assert len(reps) == 1 and reps[0]["passed"]
    assert all(c["pass"] for c in reps[0]["checks"])
    d = optdyn.demo(tmp_path / "report")
    assert d["index"].endswith("index.html") and "adam-ide1" in d["table"]


def test_unknown_names_are_spec_errors():
    with pytest.raises(optdyn.SpecError, match="unknown target"):
        optdyn.reproduce("nope")
    with pytest.raises(optdyn.SpecError, match="unknown model 'nope'"):
        optdyn.compare("sphere", [1.0], "sgd", "nope", t_end=1.0)
