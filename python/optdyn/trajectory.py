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
        columns: the CSV column names (``step, t, loss, grad_norm, x0…, m0…``).
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
        s = data["stop"]
        self.stop = Stop(s["kind"], s["step"], s["t"], s["message"])
        self.stats: Optional[Dict[str, int]] = data["stats"]

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
        return out

    def to_pandas(self):
        """The columns as a ``pandas.DataFrame`` (needs pandas: ``pip install optdyn[pandas]``)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Trajectory.to_pandas needs pandas: pip install pandas") from e
        return pd.DataFrame(self.to_dict())
