"""Your own continuous model, integrated by optdyn's integrators on the optimizer's clock."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np


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
