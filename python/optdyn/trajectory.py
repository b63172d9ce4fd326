"""Trajectories returned by :func:`optdyn.run` and the analyses."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np


class Stop:
    """Why a run stopped.

    Attributes:
        kind: ``"finished"``, ``"converged"``, ``"diverged"``, ``"non_finite"``, ``"event"`` or
            ``"failed"``.
        step: the optimizer step where it stopped (``None`` when finished or not step-bound).
        t: the time where it stopped, when known.
        message: one line saying what happened (``"diverged at step 20 (t = 2): max |x| = …"``).
    """

    def __init__(self, kind: str, step: Optional[int], t: Optional[float], message: str):
        self.kind = kind
        self.step = step
        self.t = t
        self.message = message

    @property
    def ok(self) -> bool:
        """True when the run ended normally (finished, converged or at an event)."""
        return self.kind in ("finished", "converged", "event")

    def __repr__(self) -> str:
        return f"Stop({self.message!r})"


class Trajectory:
    """The samples of a run on the clock ``t_k = t0 + k·lr`` (as scipy's ``solve_ivp`` result).

    Attributes:
        t: sample times, shape ``(rows,)``.
        step: optimizer steps ``k`` (int64), shape ``(rows,)``.
        x: parameters, shape ``(rows, n)``.
        loss: ``f(x_k)`` (for a discrete run on minibatches, the batch the optimizer saw).
        grad_norm: ``‖∇f(x_k)‖₂``.
        state: named state blocks, ``{"m": (rows, n), "v": (rows, n), …}`` — a model's
            auxiliary state, or the optimizer's buffers when ``state=True``.
        measured: computed columns, ``{"sharp0": (rows,), "psharp0": (rows,), …}`` (empty unless
            the run measured something, e.g. ``sharpness=K``).
        columns: the CSV column names (``step, t, loss, grad_norm, x0…, m0…, sharp0…``).
        stop: why the run stopped (:class:`Stop`); divergence is reported here, not raised.
        stats: the integrator's work counters for model runs (``rhs_evals``, ``accepted``, …),
            else ``None``.
    """

    def __init__(self, data: Dict[str, Any]):
        self.n: int = data["n"]
        self.columns: List[str] = list(data["columns"])
        self.step: np.ndarray = data["step"]
        self.t: np.ndarray = data["t"]
        self.loss: np.ndarray = data["loss"]
        self.grad_norm: np.ndarray = data["grad_norm"]
        self.x: np.ndarray = data["x"]
        self.state: Dict[str, np.ndarray] = dict(data["state"])
        self.measured: Dict[str, np.ndarray] = dict(data["measured"])
        s = data["stop"]
        self.stop = Stop(s["kind"], s["step"], s["t"], s["message"])
        self.stats: Optional[Dict[str, int]] = data["stats"]

    def _stack(self, prefix: str) -> Optional[np.ndarray]:
        cols = []
        while f"{prefix}{len(cols)}" in self.measured:
            cols.append(self.measured[f"{prefix}{len(cols)}"])
        return np.column_stack(cols) if cols else None

    @property
    def sharpness(self) -> Optional[np.ndarray]:
        """The top-K Hessian eigenvalues per sample, shape ``(rows, K)`` (``sharp0…``), or
        ``None`` when the run did not measure them (``sharpness=K``)."""
        return self._stack("sharp")

    @property
    def preconditioned_sharpness(self) -> Optional[np.ndarray]:
        """``λ_max(P⁻¹H)`` and the next ``K − 1`` per sample, shape ``(rows, K)`` (``psharp0…``;
        discrete Adam, AdamW, RMSProp, AdaGrad and scalar RMSProp runs with ``sharpness=K``), or ``None``."""
        return self._stack("psharp")

    def __len__(self) -> int:
        return len(self.t)

    def __repr__(self) -> str:
        return (
            f"Trajectory(rows={len(self)}, n={self.n}, state={sorted(self.state)}, "
            f"stop={self.stop.message!r})"
        )

    def to_dict(self) -> Dict[str, np.ndarray]:
        """Every column as a 1-D array, in the order of :attr:`columns`."""
        out: Dict[str, np.ndarray] = {
            "step": self.step,
            "t": self.t,
            "loss": self.loss,
            "grad_norm": self.grad_norm,
        }
        for i in range(self.n):
            out[f"x{i}"] = self.x[:, i]
        for name, block in self.state.items():
            for i in range(block.shape[1]):
                out[f"{name}{i}"] = block[:, i]
        out.update(self.measured)
        return out

    def to_pandas(self):
        """The columns as a ``pandas.DataFrame`` (needs pandas: ``pip install optdyn[pandas]``)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Trajectory.to_pandas needs pandas: pip install pandas") from e
        return pd.DataFrame(self.to_dict())
