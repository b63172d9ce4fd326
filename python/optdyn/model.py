"""Your own continuous model, integrated by optdyn's integrators on the optimizer's clock, and
the nonlocal models with your own memory kernel."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence, Union

import numpy as np

from . import _core

#: A memory kernel: a spec string or a callable ``K(s) -> float``.
Kernel = Union[str, Callable[[float], float]]


class CustomModel:
    """A continuous-time model ``ż = rhs(t, z)`` with ``z[:n] = θ``.

    Args:
        rhs: ``rhs(t, z) -> dz`` (``z`` and ``dz`` numpy float64 arrays of the same length).
        initial_state: ``initial_state(x0) -> z0``; its first ``n`` entries are θ(t0), the rest
            the model's auxiliary state (momenta, memory moments, …).
        state_names: names of equal blocks splitting ``z[n:]`` (``["m", "v"]``); they become
            :attr:`optdyn.Trajectory.state` keys and CSV columns ``m0, m1, …``. Default: one
            block ``"z"`` when there is auxiliary state.
        name: the label in tables and figures.

    The model runs on the clock of the optimizer passed with it (``t_k = k·lr``), by any
    integrator (default RK4 with ``dt = lr/10``). For :func:`optdyn.converge`, pass a factory
    ``lr -> CustomModel`` when the model depends on the learning rate.

    Example: the gradient flow of ``f(x) = ½‖x‖²`` is
    ``CustomModel(lambda t, z: -z, lambda x0: x0, name="flow")``.
    """

    def __init__(
        self,
        rhs: Callable[[float, np.ndarray], np.ndarray],
        initial_state: Callable[[np.ndarray], np.ndarray],
        state_names: Optional[Sequence[str]] = None,
        name: str = "custom",
    ):
        if not callable(rhs) or not callable(initial_state):
            raise TypeError("CustomModel: rhs and initial_state must be callables")
        self.rhs = rhs
        self.initial_state = initial_state
        self.state_names = None if state_names is None else [str(s) for s in state_names]
        self.name = str(name)

    def __repr__(self) -> str:
        return f"CustomModel(name={self.name!r}, state_names={self.state_names!r})"


def _option_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (str, int, np.integer)):
        return str(value)
    raise TypeError(
        f"KernelModel: option {key} must be a string or a number, got {type(value).__name__}"
    )


class KernelModel:
    """A nonlocal model of Adam, RMSProp or AdaGrad with your own memory kernel ``K(s)``.

    Args:
        model: ``"adam-ide1"``, ``"adam-ide2"``, ``"rmsprop-ide1"`` or ``"adagrad-ide1"``.
        kernel: the kernel of every memory (both moments of the Adam models).
        kernel_m, kernel_v: the first- and second-moment kernels of the Adam models (instead
            of ``kernel``).
        name: the label in tables and figures (default: the spec text, a callable written
            ``user``, e.g. ``"adam-ide1:kernel_v=user"``).
        **options: the model's other spec keys: ``t0`` (``0`` or ``"lr"``), ``rate``
            (``"taylor"`` or ``"exact"``; the paper kernels' rate), ``u0`` (``adam-ide2``),
            ``v0`` (``"window"`` or ``"zero"``; RMSProp and AdaGrad).

    Each kernel is a spec string — ``"paper"`` (the default), ``"power:a=0.5"``,
    ``"power:a=0.5;c=2"``, ``"power:a=0.5;T=10"``, ``"soe:terms=1/2;0.5/0.1"`` — or a callable
    ``K(s) -> float`` of the lag ``s > 0`` (on the optimizer's clock ``t_k = k·lr``). A user
    kernel must be finite for ``s > 0`` and smooth on each step of the grid: the integrator
    evaluates it at Gauss–Legendre nodes (8 per step), never at ``s = 0``, so an integrable
    singularity at 0 (``s**-0.5``) runs but its newest step is integrated less accurately than
    by the closed form of ``"power:a=0.5;c=1"``.

    Equations (memories ``M[u](t) = ∫_{t0}^t K(t − τ) u(τ) dτ``, masses
    ``μ(t) = ∫_0^{t−t0} K``):

    * ``adam-ide1``: ``θ' = −m̂/(√v̂ + ε)``, ``m̂ = M_m[g]/μ_m``, ``v̂ = M_v[g²]/μ_v`` — the bias
      correction divides by the kernel's mass so far, so the scale of an Adam kernel cancels;
    * ``adam-ide2``: ``(lr/2)θ'' + θ' = −m̂/(√v̂ + ε)``, ``θ'(t0) = u0``;
    * ``rmsprop-ide1``: ``θ' = −g/(√v + ε)``, ``v = M[g²] + g(θ0)²·∫_{t−t0}^{t−t0+lr} K``
      (``v0="window"``) or ``v = M[g²]`` (``v0="zero"``); the scale of ``K`` sets that of ``v``;
    * ``adagrad-ide1``: ``θ' = −a(t) g/(√v + ε)``, ``v = S0 + M[g²] + g(θ)²·∫_0^{lr} K``
      (``v0="window"``) or ``S0 + M[g²]``.

    The paper's kernels are ``λ e^{−λ s}`` (``λ = (1 − β)/lr``, or ``−ln β/lr`` with
    ``rate="exact"``) for ``adam-ide1`` and
    ``rmsprop-ide1``, a second-order kernel for ``adam-ide2`` and ``1/lr`` for AdaGrad.

    With a kernel other than ``"paper"`` the model is a Volterra system solved by the
    ``volterra`` integrator (the default then, ``"volterra:substeps=10"``). Each evaluation of a
    callable calls into Python (about 1 µs); per run, for ``N`` grid steps:

    * ``"volterra:substeps=S,memory=quadrature"`` (exact history): ``8·N`` evaluations per
      memory, tabulated once before the first step (``O(N²)`` work in Rust);
    * the fast path (``memory=soe``, the default) fits the callable once by a sum of
      exponentials on ``[h, T]`` (least squares with 8 to 128 rates, a few thousand
      evaluations; measured on ``[1e-3, 10]``: ``s**-0.5`` and ``1/(1+s)**2`` to 2e-13,
      ``5*exp(-5*s)`` to 6e-10 relative). A kernel whose fit misses ``tol`` stops the run
      with the reason (``Trajectory.stop``, "failed … use memory=quadrature or a larger
      tol");
    * ``rmsprop-ide1`` with ``v0="window"`` also integrates ``K`` over a moving window at every
      field evaluation (128 evaluations, two field evaluations per grid step), and
      ``adagrad-ide1`` over ``[0, lr]`` once when built (128).

    An exception raised by ``K``, a value that is not a real number or a non-finite value
    stops the run and is raised when it returns: ``ValueError``/``TypeError`` with a one-line
    message naming the model, the kernel key and ``s``; your own exception unchanged, with a
    note naming them.

    Without a callable the model is exactly its spec string:
    ``KernelModel("adam-ide1", kernel="power:a=0.5", t0="lr")`` is
    ``"adam-ide1:t0=lr,kernel=power:a=0.5"``. For :func:`optdyn.converge` the model is rebuilt
    for each learning rate (the kernel is a function of ``s`` alone; pass a factory
    ``lr -> KernelModel`` when it depends on ``lr``). Bad keys and spec strings raise
    :class:`optdyn.SpecError` (a ``ValueError``) naming the key, when constructed.

    Example: Adam's IDE with an exponential second-moment kernel ``λ e^{−λ s}`` (``λ = 5``)
    written as a callable::

        k = optdyn.KernelModel("adam-ide1", kernel_v=lambda s: 5.0 * math.exp(-5.0 * s))
        tr = optdyn.run("rosen1d:c=4", [2.0], "adam:lr=0.01", model=k, t_end=1.0,
                        integrator="volterra:substeps=4,memory=quadrature")
    """

    _optdyn_kernel_model = True

    def __init__(
        self,
        model: str,
        kernel: Optional[Kernel] = None,
        kernel_m: Optional[Kernel] = None,
        kernel_v: Optional[Kernel] = None,
        *,
        name: Optional[str] = None,
        **options: Any,
    ):
        self.model = str(model)
        given = {"kernel": kernel, "kernel_m": kernel_m, "kernel_v": kernel_v}
        self.kernels: Dict[str, Kernel] = {k: v for k, v in given.items() if v is not None}
        self.options: Dict[str, str] = {
            str(k): _option_text(str(k), v) for k, v in options.items() if v is not None
        }
        self.name = None if name is None else str(name)
        #: The spec text (a callable written ``user``), checked.
        self.spec: str = _core.kernel_model_spec(self)

    def __repr__(self) -> str:
        return f"KernelModel({self.spec!r})" if self.name is None else (
            f"KernelModel({self.spec!r}, name={self.name!r})"
        )
