"""The user's own objective, update rule and continuous model, side by side with the built-ins."""

import numpy as np

import optdyn
from conftest import rosenbrock


class Rosenbrock:
    """An objective object with value_grad and an exact hvp."""

    def value_grad(self, x):
        return rosenbrock(x)

    def hvp(self, x, v):
        h00 = 1200.0 * x[0] ** 2 - 400.0 * x[1] + 2.0
        h01 = -400.0 * x[0]
        return np.array([h00 * v[0] + h01 * v[1], h01 * v[0] + 200.0 * v[1]])


def test_a_callable_equals_the_builtin_objective():
    for opt in [optdyn.optim.Adam(lr=1e-2), optdyn.optim.SGD(lr=1e-4, momentum=0.9)]:
        built = optdyn.run("rosenbrock", [-1.2, 1.0], opt, steps=300)
        mine = optdyn.run(rosenbrock, [-1.2, 1.0], opt, steps=300)
        obj = optdyn.run(Rosenbrock(), [-1.2, 1.0], opt, steps=300)
        assert np.max(np.abs(mine.x - built.x)) <= 1e-12 * np.max(np.abs(built.x))
        np.testing.assert_array_equal(mine.x, obj.x)
        np.testing.assert_allclose(mine.loss, built.loss, rtol=1e-12)


class HeavyBall:
    """torch SGD(momentum=μ) as a user update rule: b ← μb + g (b₁ = g₁), x ← x − lr·b."""

    def __init__(self, lr, momentum):
        self.lr = lr
        self.momentum = momentum

    def init(self, n):
        return None

    def step(self, x, g, b):
        b = g.copy() if b is None else self.momentum * b + g
        return x - self.lr * b, b

    def with_lr(self, lr):
        return HeavyBall(lr, self.momentum)


def test_a_user_update_rule_equals_the_builtin_optimizer():
    rule = optdyn.run("rosenbrock", [-1.2, 1.0], HeavyBall(1e-4, 0.9), steps=500)
    built = optdyn.run("rosenbrock", [-1.2, 1.0], "sgd:lr=1e-4,momentum=0.9", steps=500)
    assert np.max(np.abs(rule.x - built.x)) <= 1e-12
    assert rule.stop.ok


def test_a_custom_model_against_the_closed_form_and_the_builtin_flow():
    # Gradient flow of ½ Σ dᵢ(xᵢ − cᵢ)²: x(t) = c + (x0 − c)·e^{−d t}.
    d, c = np.array([1.0, 10.0]), np.array([0.5, -1.0])
    f = lambda x: (0.5 * float(d @ (x - c) ** 2), d * (x - c))  # noqa: E731
    flow = optdyn.CustomModel(
        lambda t, z: -(d * (z - c)), lambda x0: np.array(x0, dtype=float), name="flow"
    )
    x0 = np.array([2.0, 1.0])
    tr = optdyn.run(f, x0, "sgd:lr=0.01", model=flow, steps=100, integrator="rk4:substeps=40")
    exact = c + (x0 - c) * np.exp(-np.outer(tr.t, d))
    assert np.max(np.abs(tr.x - exact)) <= 3e-11
    built = optdyn.run(
        "quadratic:diag=1;10,center=0.5;-1",
        x0,
        "sgd:lr=0.01",
        model="gradient-flow",
        steps=100,
        integrator="rk4:substeps=40",
    )
    np.testing.assert_array_equal(tr.x, built.x)
    assert tr.stats["rhs_evals"] == built.stats["rhs_evals"] == 16000


def test_custom_model_state_blocks_are_named():
    # Heavy-ball ODE lr·ẍ + (1 − μ)ẋ + ∇f = 0 on f = ½x², state [x, v].
    lr, mu = 0.01, 0.9
    hb = optdyn.CustomModel(
        lambda t, z: np.array([z[1], -((1 - mu) * z[1] + z[0]) / lr]),
        lambda x0: np.array([x0[0], 0.0]),
        state_names=["vel"],
    )
    tr = optdyn.run(
        "quadratic:diag=1", [1.0], optdyn.optim.SGD(lr=lr, momentum=mu), model=hb, steps=50
    )
    assert set(tr.state) == {"vel"} and tr.state["vel"].shape == (51, 1)
    assert "vel0" in tr.columns
    built = optdyn.run(
        "quadratic:diag=1", [1.0], optdyn.optim.SGD(lr=lr, momentum=mu), model="heavy-ball", steps=50
    )
    np.testing.assert_allclose(tr.x, built.x, rtol=0, atol=1e-13)


def test_a_curvature_model_uses_the_objects_hvp():
    # The modified flow θ' = −∇(f + (lr/4)‖∇f‖²) needs ∇²f·∇f.
    sgd = optdyn.optim.SGD(lr=1e-4)
    mine = optdyn.run(Rosenbrock(), [-1.2, 1.0], sgd, model="modified-flow", steps=200)
    built = optdyn.run("rosenbrock", [-1.2, 1.0], sgd, model="modified-flow", steps=200)
    assert np.max(np.abs(mine.x - built.x)) <= 1e-12
    # Without hvp, a central difference of the callable's gradient serves (≈ 1e-10 relative).
    approx = optdyn.run(rosenbrock, [-1.2, 1.0], sgd, model="modified-flow", steps=200)
    assert np.max(np.abs(approx.x - built.x)) <= 1e-9


def test_trajectory_views_and_renderings():
    tr = optdyn.run("rosen1d:c=4", 2.0, "adam:lr=1e-2", steps=10, state=True)
    assert tr.step.dtype == np.int64 and list(tr.step) == list(range(11))
    assert tr.x.shape == (11, 1) and set(tr.state) == {"m", "v"}
    d = tr.to_dict()
    assert list(d) == tr.columns == ["step", "t", "loss", "grad_norm", "x0", "m0", "v0"]
    assert len(tr) == 11 and "finished" in repr(tr)
    every = optdyn.run("rosen1d:c=4", 2.0, "adam:lr=1e-2", steps=10, every=4)
    assert list(every.step) == [0, 4, 8, 10]


def test_to_pandas():
    pd = __import__("pytest").importorskip("pandas")
    df = optdyn.run("sphere", [1.0, 2.0], "sgd:lr=0.1", steps=3).to_pandas()
    assert isinstance(df, pd.DataFrame) and list(df.columns)[:5] == ["step", "t", "loss", "grad_norm", "x0"]
