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
