"""optdyn — optimization algorithms as dynamical systems.

Run a discrete optimizer (SGD, heavy ball, Nesterov, AdaGrad, RMSProp, Adam, AdamW, …, with
``torch.optim``'s exact semantics) beside its continuous-time models (gradient flow, inertial
ODEs, integro-differential equations with memory kernels) on the same objective and the same
clock ``t_k = k·lr``, and measure how well they agree — with built-in pieces or your own
objective, update rule, model and memory kernel ``K(s)`` (:class:`KernelModel`), as numpy
callables.

Quick start::

    import numpy as np
    import optdyn

    # Built-ins by spec: discrete Adam and its nonlocal model on (1 − θ)² + 4(θ² − 1)².
    adam = optdyn.optim.Adam(lr=1e-2)
    disc = optdyn.run("rosen1d:c=4", [2.0], adam, t_end=1.0)
    ide = optdyn.run("rosen1d:c=4", [2.0], adam, t_end=1.0, model="adam-ide1")

    # Your own objective and model: f(x) = ½‖x‖², GD and its gradient flow ż = −z.
    f = lambda x: (0.5 * x @ x, x.copy())
    flow = optdyn.CustomModel(lambda t, z: -z, lambda x0: x0, name="flow")
    c = optdyn.converge(f, [1.0, 2.0], "sgd", [flow], lrs=[0.04, 0.02, 0.01], t_end=1.0)
    c["models"][0]["fit_t"]["p"]   # ≈ 1: GD is first order in lr

Functions: :func:`run`, :func:`compare`, :func:`converge`, :func:`sweep`, :func:`merge`,
:func:`basins`, :func:`stability`, :func:`spectrum`, :func:`monitor`, :func:`reproduce`,
:func:`demo`, :func:`learn`, :func:`list`. Optimizers with torch's argument names:
:mod:`optdyn.optim`. Bad specs and values raise :class:`SpecError` (a ``ValueError``).
"""

from . import optim
from ._core import SpecError, __version__
from .api import (
    basins,
    compare,
    converge,
    demo,
    ensemble,
    learn,
    list,
    merge,
    monitor,
    reproduce,
    run,
    spectrum,
    stability,
    sweep,
    weak_converge,
)
from .model import CustomModel, KernelModel
from .trajectory import Stop, Trajectory

__all__ = [
    "SpecError",
    "__version__",
    "optim",
    "CustomModel",
    "KernelModel",
    "Trajectory",
    "Stop",
    "run",
    "compare",
    "converge",
    "ensemble",
    "weak_converge",
    "sweep",
    "merge",
    "basins",
    "stability",
    "spectrum",
    "monitor",
    "reproduce",
    "demo",
    "learn",
    "list",
]
