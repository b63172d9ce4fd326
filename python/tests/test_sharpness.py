"""Sharpness along runs from Python: the measured columns against numpy's eigenvalues of the
closed-form Hessian, user callables with and without ``hvp``, the preconditioned sharpness of
Adam, compare/monitor with the stability threshold, and bad requests."""

import numpy as np
import pytest

import optdyn


def rosen_hessian(p):
    x, y = p
    return np.array([[1200 * x * x - 400 * y + 2, -400 * x], [-400 * x, 200.0]])


def rosen(p):
    x, y = p
    r = y - x * x
    return (1 - x) ** 2 + 100 * r * r, np.array([-2 * (1 - x) - 400 * x * r, 200 * r])


def test_sharpness_columns_equal_numpy_eigenvalues():
    tr = optdyn.run("rosenbrock", [-1.2, 1.0], "adam:lr=1e-3", steps=200, every=20, sharpness=2)
    assert tr.sharpness.shape == (11, 2)
    assert tr.columns[-4:] == ["sharp0", "sharp1", "psharp0", "psharp1"]
    for x, s in zip(tr.x, tr.sharpness):
        want = np.linalg.eigvalsh(rosen_hessian(x))[::-1]
        np.testing.assert_allclose(s, want, rtol=1e-9)
    assert tr.preconditioned_sharpness.shape == (11, 2)
    assert "sharp0" in tr.to_dict()


def test_callables_with_and_without_hvp():
    class WithHvp:
        def value_grad(self, p):
            return rosen(p)

        def hvp(self, p, v):
            return rosen_hessian(p) @ v

    exact = optdyn.run(WithHvp(), [-1.2, 1.0], optdyn.optim.SGD(lr=1e-4), steps=50, every=10,
                       sharpness=1)
    fd = optdyn.run(rosen, [-1.2, 1.0], optdyn.optim.SGD(lr=1e-4), steps=50, every=10,
                    sharpness=1)
    for x, s in zip(exact.x, exact.sharpness[:, 0]):
        assert abs(s - np.linalg.eigvalsh(rosen_hessian(x))[-1]) < 1e-9 * s
    np.testing.assert_allclose(fd.sharpness, exact.sharpness, rtol=1e-6)
    assert exact.preconditioned_sharpness is None


def test_compare_and_monitor_carry_the_threshold(tmp_path):
    c = optdyn.compare("quadratic:diag=4;1", [1.0, 1.0], "sgd:lr=0.1", "gradient-flow",
                       t_end=1.0, sharpness=1, out=tmp_path / "cmp")
    assert c["threshold"] == {"value": 20.0, "preconditioned": False, "formula": "2/lr"}
    np.testing.assert_allclose(c["discrete"].sharpness[:, 0], 4.0, rtol=1e-14)
    np.testing.assert_allclose(c["models"][0]["trajectory"].sharpness[:, 0], 4.0, rtol=1e-14)
    assert (tmp_path / "cmp" / "sharpness.png").exists()
    m = optdyn.monitor("rosen1d:c=4", [0.5], "adam:lr=1e-2", "adam-ide1", 50, sharpness=1,
                       out=tmp_path / "mon")
    th = m["threshold"]
    assert th["preconditioned"] and abs(th["value"] - 3800.0) < 1e-9
    x = m["trajectory"].x[:, 0]
    np.testing.assert_allclose(m["trajectory"].sharpness[:, 0], 2 + 16 * (3 * x * x - 1),
                               rtol=1e-12)
    assert (tmp_path / "mon" / "sharpness.png").exists()


def test_bad_sharpness_requests():
    with pytest.raises(optdyn.SpecError, match="sharpness must be >= 1"):
        optdyn.run("rosen1d", [0.5], "sgd:lr=0.1", steps=3, sharpness=0)
    with pytest.raises(optdyn.SpecError, match=r"K must be in 1..=1 \(the dimension of x\), got 3"):
        optdyn.run("rosen1d", [0.5], "sgd:lr=0.1", steps=3, sharpness=3)


def minimalist(p):
    """¼(x²y² − 1)², the minimalist edge-of-stability example (Zhu et al. 2023)."""
    x, y = p
    r = x * x * y * y - 1
    return 0.25 * r * r, np.array([r * x * y * y, r * x * x * y])


def test_central_flow_from_python_with_a_numpy_objective():
    # GD with lr 0.2 settles at sharpness 2/lr = 10; its central flow lands within 1e-2 of it.
    # The numpy objective has no third derivatives: the flow uses second differences of its
    # gradients and agrees with the exact (expr) flow to 1e-4.
    expr = "expr:0.25*(x^2*y^2-1)^2"
    sgd = optdyn.optim.SGD(lr=0.2)
    gd = optdyn.run(expr, [2.5, 0.05], sgd, steps=600, sharpness=1)
    cf = optdyn.run(expr, [2.5, 0.05], sgd, steps=600, model="central-flow", sharpness=1)
    cf_np = optdyn.run(minimalist, [2.5, 0.05], sgd, steps=600, model="central-flow")
    assert np.linalg.norm(gd.x[-1] - cf.x[-1]) < 1e-2
    assert abs(cf.sharpness[-1, 0] - 10.0) < 1e-5
    assert np.max(np.abs(cf_np.x - cf.x)) < 1e-4
    sr = optdyn.optim.ScalarRMSprop(lr=0.01)
    assert sr.lr == 0.01
