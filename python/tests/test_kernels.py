"""Memory kernels from Python: optdyn.KernelModel with a callable K(s) against the same kernel as
a spec string, errors raised by a kernel, and bad kernel specs."""

import math

import numpy as np
import pytest

import optdyn

OBJ, X0 = "rosen1d:c=4", [2.0]
QUAD = "volterra:substeps={},memory=quadrature"


def gap(a, b):
    assert a.stop.ok and b.stop.ok, (a.stop, b.stop)
    assert a.x.shape == b.x.shape
    return float(np.max(np.abs(a.x - b.x)))


def test_a_callable_power_law_matches_the_spec_on_both_paths():
    # The callable s^-1/2 gets its lag-0 weights by dyadically graded Gauss–Legendre (the
    # neglected [0, h·2^-120] holds 2^-60 of that interval's mass) and 8-point Gauss–Legendre on
    # the later lags (relative error ≤ 5e-13 on [h, 2h]); the spec uses closed forms. On the
    # fast path both are fitted on [h, T] to tol = 1e-9. Bound 1e-8 on |Δθ| (|θ(T) − θ0| ≈ 0.9).
    k = optdyn.KernelModel("adam-ide1", kernel=lambda s: s**-0.5)
    spec = "adam-ide1:kernel=power:a=0.5;c=1"
    for integrator in (QUAD.format(4), "volterra:substeps=4"):
        a = optdyn.run(OBJ, X0, "adam:lr=0.01", model=k, t_end=1.0, integrator=integrator)
        b = optdyn.run(OBJ, X0, "adam:lr=0.01", model=spec, t_end=1.0, integrator=integrator)
        assert gap(a, b) <= 1e-8, (integrator, gap(a, b))
    assert a.x[-1, 0] < X0[0] - 0.5  # the runs moved


@pytest.mark.parametrize(
    "model,optimizer",
    [
        ("adam-ide1", "adam:lr=0.01"),
        ("adam-ide2", "adam:lr=0.01,beta1=0.8,beta2=0.99"),
        ("rmsprop-ide1", "rmsprop:lr=0.01"),
        ("adagrad-ide1", "adagrad:lr=0.05"),
    ],
)
def test_a_callable_exponential_kernel_matches_its_sum_of_exponentials(model, optimizer):
    # λe^{−λs}: the spec's closed-form weights against Gauss–Legendre on a smooth kernel
    # (λh = 0.0125: exact to rounding), measured ≤ 5e-14; the fast path fits the callable by
    # least squares (bound ≤ tol = 1e-9 relative), measured ≤ 4e-15.
    lam = 5.0
    k = optdyn.KernelModel(model, kernel=lambda s: lam * math.exp(-lam * s))
    spec = f"{model}:kernel=soe:terms={lam}/{lam}"
    for integrator, tol in [(QUAD.format(4), 1e-12), ("volterra:substeps=4", 1e-8), (None, 1e-8)]:
        a = optdyn.run(OBJ, X0, optimizer, model=k, t_end=1.0, integrator=integrator)
        b = optdyn.run(OBJ, X0, optimizer, model=spec, t_end=1.0, integrator=integrator)
        assert gap(a, b) <= tol, (integrator, gap(a, b))


def test_kernels_per_moment_options_and_every_entry_point():
    lam1, lam2 = 10.0, 0.1
    k = optdyn.KernelModel(
        "adam-ide1",
        kernel_m=lambda s: lam1 * math.exp(-lam1 * s),
        kernel_v="power:a=0.3",
        t0="lr",
        rate="exact",
    )
    assert k.spec == "adam-ide1:t0=lr,rate=exact,kernel_m=user,kernel_v=power:a=0.3"
    spec = f"adam-ide1:t0=lr,rate=exact,kernel_m=soe:terms={lam1}/{lam1},kernel_v=power:a=0.3"
    a = optdyn.run(OBJ, X0, "adam:lr=0.01", model=k, t_end=0.5, integrator=QUAD.format(4))
    b = optdyn.run(OBJ, X0, "adam:lr=0.01", model=spec, t_end=0.5, integrator=QUAD.format(4))
    assert gap(a, b) <= 1e-12
    # compare, converge (rebuilt per lr), monitor take it like any model; the label is the spec
    # text or the name given.
    named = optdyn.KernelModel("adam-ide2", kernel=lambda s: math.exp(-s), u0=0.5, name="mine")
    c = optdyn.compare(OBJ, X0, "adam:lr=0.01", [k, named, spec], t_end=0.3)
    assert [m["model"] for m in c["models"]] == [k.spec, "mine", spec]
    assert abs(c["models"][0]["e_t"] - c["models"][2]["e_t"]) <= 1e-8
    cv = optdyn.converge(OBJ, X0, "adam:lr=0.01", named, lrs=[0.02, 0.01], t_end=0.2)
    assert cv["models"][0]["model"] == "mine" and np.all(np.isfinite(cv["models"][0]["e_t"]))
    # A factory lr -> KernelModel: the paper's exponential kernel λe^{−λs}, λ = (1 − β)/lr, as a
    # callable (β = 0.9 for both moments) is the spec's soe kernel at every lr.
    def factory(lr):
        lam = 0.1 / lr
        return optdyn.KernelModel("adam-ide1", kernel=lambda s: lam * math.exp(-lam * s))

    opt, lrs = "adam:lr=0.01,beta2=0.9", [0.02, 0.01]
    mine = optdyn.converge(OBJ, X0, opt, [factory], lrs=lrs, t_end=0.2, integrator=QUAD.format(4))
    soe = [
        optdyn.compare(OBJ, X0, f"adam:lr={lr},beta2=0.9",
                       [f"adam-ide1:kernel=soe:terms={0.1 / lr}/{0.1 / lr}"], t_end=0.2,
                       integrator=QUAD.format(4))["models"][0]["e_t"]
        for lr in lrs
    ]
    assert mine["models"][0]["model"] == "factory"
    np.testing.assert_allclose(mine["models"][0]["e_t"], soe, rtol=1e-6)
    flat = optdyn.KernelModel("rmsprop-ide1", kernel=lambda s: 1.0)
    mon = optdyn.monitor(OBJ, X0, "rmsprop:lr=0.01", flat, 20)
    assert mon["trajectory"].stop.ok and mon["lyapunov"]["non_increasing"]


def test_a_kernel_model_of_spec_strings_is_the_string_model():
    k = optdyn.KernelModel("rmsprop-ide1", kernel="soe:terms=1/2;0.5/0.1", v0="zero")
    assert k.spec == "rmsprop-ide1:v0=zero,kernel=soe:terms=1/2;0.5/0.1"
    a = optdyn.run(OBJ, X0, "rmsprop:lr=0.01", model=k, steps=50)
    b = optdyn.run(OBJ, X0, "rmsprop:lr=0.01", model=k.spec, steps=50)
    np.testing.assert_array_equal(a.x, b.x)
    paper = optdyn.run(OBJ, X0, "adam:lr=0.01", model=optdyn.KernelModel("adam-ide2"), steps=50)
    np.testing.assert_array_equal(
        paper.x, optdyn.run(OBJ, X0, "adam:lr=0.01", model="adam-ide2", steps=50).x
    )


def one_line(e):
    text = str(e.value)
    assert "\n" not in text, text
    return text


@pytest.mark.parametrize("integrator", [QUAD.format(4), None])
def test_a_kernel_that_raises_stops_the_run_and_its_exception_propagates(integrator):
    def k(s):
        if s > 0.05:
            raise ZeroDivisionError("my kernel broke")
        return 1.0

    model = optdyn.KernelModel("adam-ide1", kernel_v=k)
    with pytest.raises(ZeroDivisionError, match="my kernel broke") as e:
        optdyn.run(OBJ, X0, "adam:lr=0.01", model=model, t_end=1.0, integrator=integrator)
    one_line(e)
    notes = " ".join(getattr(e.value, "__notes__", []))
    assert "user kernel K(s) of adam-ide1: kernel_v at s = " in notes, notes


@pytest.mark.parametrize(
    "value,error,message",
    [
        (float("nan"), ValueError, r"adam-ide1: kernel: K\(s\) returned NaN at s = [0-9.e-]+ "),
        (math.inf, ValueError, r"adam-ide1: kernel: K\(s\) returned inf at s = "),
        ("1.0", TypeError, r"adam-ide1: kernel: K\(s\) must return a real number, got str at s = "),
        (None, TypeError, r"must return a real number, got NoneType"),
    ],
)
def test_a_kernel_returning_a_bad_value_raises_naming_the_kernel_and_s(value, error, message):
    model = optdyn.KernelModel("adam-ide1", kernel=lambda s: value)
    with pytest.raises(error, match=message) as e:
        optdyn.run(OBJ, X0, "adam:lr=0.01", model=model, steps=10, integrator=QUAD.format(4))
    one_line(e)


def test_kernel_errors_at_build_time_and_in_analyses_propagate():
    # AdaGrad's start-up window integrates K over [0, lr] when the model is built.
    bad = optdyn.KernelModel("adagrad-ide1", kernel=lambda s: float("nan"))
    with pytest.raises(ValueError, match=r"adagrad-ide1: kernel: K\(s\) returned NaN") as e:
        optdyn.run(OBJ, X0, "adagrad:lr=0.05", model=bad, steps=10)
    one_line(e)
    with pytest.raises(ValueError, match=r"adagrad-ide1: kernel: K\(s\) returned NaN"):
        optdyn.compare(OBJ, X0, "adagrad:lr=0.05", [bad], steps=10)

    def k(s):
        raise KeyError("lag")

    with pytest.raises(KeyError):
        optdyn.converge(
            OBJ, X0, "adam:lr=0.01", optdyn.KernelModel("adam-ide2", kernel_m=k),
            lrs=[0.02, 0.01], t_end=0.2,
        )


BAD = [
    ("adam-ide1", {"kernel_m": "power:a=1.5"},
     r"adam-ide1: kernel_m: kernel power: a must be in \(0, 1\), got 1.5"),
    ("adam-ide1", {"kernel_v": "power"}, r"adam-ide1: kernel_v: power needs its exponent"),
    ("adam-ide2", {"kernel": "soe:terms=1/-2"}, r"adam-ide2: kernel: .*rate 1 must be >= 0"),
    ("rmsprop-ide1", {"kernel": "gauss"}, r"rmsprop-ide1: kernel: unknown kernel 'gauss'"),
    ("adagrad-ide1", {"kernel": "power:a=0.5;c=1;T=2"}, r"adagrad-ide1: kernel: .*not both"),
    ("rmsprop-ide1", {"kernel_v": math.exp},
     r"rmsprop-ide1: unknown kernel key 'kernel_v' \(allowed: kernel\)"),
    ("adam-ide1", {"kernel": "paper", "kernel_m": math.exp},
     r"give kernel \(both moments\) or kernel_m/kernel_v, not both"),
    ("adam-field", {"kernel": math.exp},
     r"KernelModel: model must be one of adam-ide1, adam-ide2, rmsprop-ide1, adagrad-ide1, "
     r"got 'adam-field'"),
    ("adam-ide1", {"kernel": math.exp, "t0": 2}, r"adam-ide1: t0 must be one of 0, lr, got '2'"),
    ("adam-ide1", {"kernel": math.exp, "u0": 1}, r"adam-ide1: unknown key 'u0'"),
    ("adam-ide2", {"kernel": math.exp, "u0": "fast"}, r"adam-ide2: u0 must be a number"),
    ("rmsprop-ide1", {"kernel": math.exp, "v0": "first"},
     r"rmsprop-ide1: v0=first .* with a user kernel use v0=window or v0=zero"),
    ("adagrad-ide1", {"kernel": "power:a=0.5", "v0": "first"},
     r"adagrad-ide1: v0 must be one of window, zero, got 'first'"),
]


@pytest.mark.parametrize("model,kwargs,message", BAD)
def test_bad_kernel_specs_and_keys_are_refused_when_constructed(model, kwargs, message):
    with pytest.raises(optdyn.SpecError, match=message) as e:
        optdyn.KernelModel(model, **kwargs)
    one_line(e)


def test_a_kernel_that_is_not_a_callable_or_a_string_and_a_wrong_optimizer():
    with pytest.raises(
        TypeError,
        match=r"adam-ide1: kernel_m must be a kernel spec string or a callable K\(s\) -> float, "
        r"got float",
    ):
        optdyn.KernelModel("adam-ide1", kernel_m=0.5)
    k = optdyn.KernelModel("adam-ide1", kernel=math.exp)
    wrong = r"adam-ide1: models the optimizer adam or adamw, got optimizer 'sgd'"
    with pytest.raises(optdyn.SpecError, match=wrong):
        optdyn.run(OBJ, X0, "sgd:lr=0.01", model=k, steps=10)
