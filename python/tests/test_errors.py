"""Errors: one-line SpecErrors, exceptions from callables propagated unchanged, clear errors for
wrong shapes and non-finite returns, divergence reported in Trajectory.stop."""

import sys

import numpy as np
import pytest

import optdyn


def test_bad_specs_raise_spec_error_with_the_cli_message():
    with pytest.raises(optdyn.SpecError, match=r"^adam: beta1 must be in \[0, 1\), got 1.2$"):
        optdyn.run("sphere", [1.0], "adam:beta1=1.2", steps=3)
    with pytest.raises(optdyn.SpecError, match="unknown optimizer 'adma'"):
        optdyn.run("sphere", [1.0], "adma", steps=3)
    with pytest.raises(optdyn.SpecError, match="unknown key 'betaa'"):
        optdyn.run("sphere", [1.0], "adam:betaa=0.3", steps=3)
    with pytest.raises(optdyn.SpecError, match="dimension must be 2, got 3"):
        optdyn.run("beale", [1.0, 1.0, 1.0], "sgd", steps=3)
    with pytest.raises(optdyn.SpecError, match="amsgrad=true is not modelled"):
        optdyn.run("sphere", [1.0], "adam:amsgrad=true", model="adam-ide1", steps=3)
    with pytest.raises(optdyn.SpecError, match="give steps=K or t_end=T"):
        optdyn.run("sphere", [1.0], "sgd")


def test_a_raising_callable_propagates_unchanged_with_the_step():
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == 4:
            raise ZeroDivisionError("mine")
        return float(x @ x), 2 * x

    with pytest.raises(ZeroDivisionError, match="mine") as info:
        optdyn.run(f, [1.0], "sgd:lr=0.1", steps=10)
    if sys.version_info >= (3, 11):
        assert info.value.__notes__ == ["optdyn: raised by the objective at step 4"]
    assert len(calls) == 4, "the run stops at the first exception"

    class Rule:
        lr = 0.1

        def init(self, n):
            return 0

        def step(self, x, g, s):
            if s == 2:
                raise RuntimeError("rule")
            return x - self.lr * g, s + 1

    with pytest.raises(RuntimeError, match="rule"):
        optdyn.run("sphere", [1.0], Rule(), steps=10)

    def rhs(t, z):
        if t > 0.05:
            raise KeyError("model")
        return -z

    with pytest.raises(KeyError):
        optdyn.run("sphere", [1.0], "sgd:lr=0.01", model=optdyn.CustomModel(rhs, lambda x: x), steps=10)


def test_wrong_shapes_and_types_are_named():
    with pytest.raises(ValueError, match=r"objective: the gradient must have shape \(2,\), got \(3,\)"):
        optdyn.run(lambda x: (0.0, np.zeros(3)), [1.0, 2.0], "sgd", steps=2)
    with pytest.raises(TypeError, match="must return a pair"):
        optdyn.run(lambda x: 1.0, [1.0], "sgd", steps=2)
    with pytest.raises(TypeError, match="the value must be a real number"):
        optdyn.run(lambda x: ("a", x), [1.0], "sgd", steps=2)
    with pytest.raises(ValueError, match="non-finite value at a finite x"):
        optdyn.run(lambda x: (float("nan"), x), [1.0], "sgd", steps=2)
    with pytest.raises(ValueError, match="non-finite gradient at a finite x"):
        optdyn.run(lambda x: (0.0, np.array([np.inf])), [1.0], "sgd", steps=2)
    with pytest.raises(TypeError, match="optimizer must be a spec string"):
        optdyn.run("sphere", [1.0], object(), steps=2)
    with pytest.raises(TypeError, match="objective must be a spec string"):
        optdyn.run(42, [1.0], "sgd", steps=2)
    with pytest.raises(ValueError, match=r"CustomModel: rhs\(t, z\) must have shape \(1,\)"):
        optdyn.run("sphere", [1.0], "sgd", model=optdyn.CustomModel(lambda t, z: np.zeros(2), lambda x: x), steps=2)
    with pytest.raises(ValueError, match="at least n = 2 entries"):
        optdyn.run("sphere", [1.0, 1.0], "sgd", model=optdyn.CustomModel(lambda t, z: z, lambda x: x[:1]), steps=2)


def test_divergence_is_reported_not_raised():
    tr = optdyn.run(lambda x: (float(x @ x), 2 * x), [1.0], "sgd:lr=1.5", steps=200)
    assert tr.stop.kind == "diverged" and not tr.stop.ok
    assert tr.stop.step == len(tr)
    assert np.all(np.isfinite(tr.x))
    assert "exceeds the bound" in tr.stop.message
