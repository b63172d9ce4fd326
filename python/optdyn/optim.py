"""The optimizer zoo with ``torch.optim``'s argument names and defaults.

Each class builds the same typed optimizer as its spec string (``optdyn.optim.Adam(lr=1e-3,
betas=(0.9, 0.999))`` is ``"adam:lr=0.001,beta1=0.9,beta2=0.999,…"``): the defaults are read
from optdyn's own hyperparameter tables, and bad values raise :class:`optdyn.SpecError` at
construction, with the same message as the command line. Pass an instance wherever an
``optimizer`` is expected.

Your own update rule needs no base class: any object with ``lr``, ``init(n) -> state`` and
``step(x, g, state) -> (x_new, state)`` works (and ``with_lr(lr)`` for :func:`optdyn.converge`).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Tuple

from . import _core

_TABLES: Dict[str, Dict[str, str]] = {
    e["name"]: {p["key"]: p["default"] for p in e["params"]}
    for e in json.loads(_core.catalogs())["optimizers"]
}


def _default(name: str, key: str) -> Any:
    text = _TABLES[name][key]
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text)
    except ValueError:
        return text


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(float(v))
    if isinstance(v, (list, tuple)):
        return ";".join(_text(x) for x in v)
    return str(v)


class Optimizer:
    """An optimizer of the zoo: its spec name and hyperparameters.

    Attributes:
        lr: the learning rate (the clock is ``t_k = k·lr``).
        params: the hyperparameters under their spec keys.
    """

    _name = ""

    def __init__(self, **params: Any):
        self.params = {k: v for k, v in params.items() if v is not None}
        self.lr = float(_core.check_optimizer(self._optdyn_spec))

    @property
    def _optdyn_spec(self) -> str:
        kv = ",".join(f"{k}={_text(v)}" for k, v in self.params.items())
        return f"{self._name}:{kv}" if kv else self._name

    @property
    def spec(self) -> str:
        """The equivalent spec string."""
        return self._optdyn_spec

    def with_lr(self, lr: float) -> "Optimizer":
        """The same optimizer with learning rate ``lr``."""
        other = object.__new__(type(self))
        other.params = dict(self.params, lr=lr)
        other.lr = float(_core.check_optimizer(other._optdyn_spec))
        return other

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


def _betas(name: str) -> Tuple[float, float]:
    return (_default(name, "beta1"), _default(name, "beta2"))


class SGD(Optimizer):
    """``torch.optim.SGD``: momentum, dampening, Nesterov, L2 weight decay."""

    _name = "sgd"

    def __init__(
        self,
        lr: float = _default("sgd", "lr"),
        momentum: float = _default("sgd", "momentum"),
        dampening: float = _default("sgd", "dampening"),
        weight_decay: float = _default("sgd", "weight_decay"),
        nesterov: bool = _default("sgd", "nesterov"),
        *,
        maximize: bool = _default("sgd", "maximize"),
    ):
        super().__init__(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``: learning-rate decay, initial accumulator, L2 weight decay."""

    _name = "adagrad"

    def __init__(
        self,
        lr: float = _default("adagrad", "lr"),
        lr_decay: float = _default("adagrad", "lr_decay"),
        weight_decay: float = _default("adagrad", "weight_decay"),
        initial_accumulator_value: float = _default("adagrad", "initial_accumulator_value"),
        eps: float = _default("adagrad", "eps"),
        *,
        maximize: bool = _default("adagrad", "maximize"),
    ):
        super().__init__(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``: smoothing ``alpha``, momentum, centered variant."""

    _name = "rmsprop"

    def __init__(
        self,
        lr: float = _default("rmsprop", "lr"),
        alpha: float = _default("rmsprop", "alpha"),
        eps: float = _default("rmsprop", "eps"),
        weight_decay: float = _default("rmsprop", "weight_decay"),
        momentum: float = _default("rmsprop", "momentum"),
        centered: bool = _default("rmsprop", "centered"),
        *,
        maximize: bool = _default("rmsprop", "maximize"),
    ):
        super().__init__(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )


class ScalarRMSprop(Optimizer):
    """Scalar RMSProp (the central-flows paper's running example; not in torch.optim): one
    second moment ``ν = EMA(‖g‖²)`` shared by every coordinate, ``x ← x − lr·g/(√ν + eps)``."""

    _name = "scalar-rmsprop"

    def __init__(
        self,
        lr: float = _default("scalar-rmsprop", "lr"),
        beta2: float = _default("scalar-rmsprop", "beta2"),
        eps: float = _default("scalar-rmsprop", "eps"),
        *,
        maximize: bool = _default("scalar-rmsprop", "maximize"),
    ):
        super().__init__(lr=lr, beta2=beta2, eps=eps, maximize=maximize)


class Adadelta(Optimizer):
    """``torch.optim.Adadelta``."""

    _name = "adadelta"

    def __init__(
        self,
        lr: float = _default("adadelta", "lr"),
        rho: float = _default("adadelta", "rho"),
        eps: float = _default("adadelta", "eps"),
        weight_decay: float = _default("adadelta", "weight_decay"),
        *,
        maximize: bool = _default("adadelta", "maximize"),
    ):
        super().__init__(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)


class Adam(Optimizer):
    """``torch.optim.Adam`` (AMSGrad, L2 weight decay)."""

    _name = "adam"

    def __init__(
        self,
        lr: float = _default("adam", "lr"),
        betas: Tuple[float, float] = _betas("adam"),
        eps: float = _default("adam", "eps"),
        weight_decay: float = _default("adam", "weight_decay"),
        amsgrad: bool = _default("adam", "amsgrad"),
        *,
        maximize: bool = _default("adam", "maximize"),
    ):
        super().__init__(
            lr=lr,
            beta1=betas[0],
            beta2=betas[1],
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )


class AdamW(Optimizer):
    """``torch.optim.AdamW``: Adam with decoupled weight decay (default 1e-2)."""

    _name = "adamw"

    def __init__(
        self,
        lr: float = _default("adamw", "lr"),
        betas: Tuple[float, float] = _betas("adamw"),
        eps: float = _default("adamw", "eps"),
        weight_decay: float = _default("adamw", "weight_decay"),
        amsgrad: bool = _default("adamw", "amsgrad"),
        *,
        maximize: bool = _default("adamw", "maximize"),
    ):
        super().__init__(
            lr=lr,
            beta1=betas[0],
            beta2=betas[1],
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )


class Adamax(Optimizer):
    """``torch.optim.Adamax``: Adam with an infinity norm."""

    _name = "adamax"

    def __init__(
        self,
        lr: float = _default("adamax", "lr"),
        betas: Tuple[float, float] = _betas("adamax"),
        eps: float = _default("adamax", "eps"),
        weight_decay: float = _default("adamax", "weight_decay"),
        *,
        maximize: bool = _default("adamax", "maximize"),
    ):
        super().__init__(
            lr=lr,
            beta1=betas[0],
            beta2=betas[1],
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
        )


class NAdam(Optimizer):
    """``torch.optim.NAdam``: Nesterov Adam with the ``μ_t`` schedule."""

    _name = "nadam"

    def __init__(
        self,
        lr: float = _default("nadam", "lr"),
        betas: Tuple[float, float] = _betas("nadam"),
        eps: float = _default("nadam", "eps"),
        weight_decay: float = _default("nadam", "weight_decay"),
        momentum_decay: float = _default("nadam", "momentum_decay"),
        decoupled_weight_decay: bool = _default("nadam", "decoupled_weight_decay"),
        *,
        maximize: bool = _default("nadam", "maximize"),
    ):
        super().__init__(
            lr=lr,
            beta1=betas[0],
            beta2=betas[1],
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )


class RAdam(Optimizer):
    """``torch.optim.RAdam``: rectified Adam."""

    _name = "radam"

    def __init__(
        self,
        lr: float = _default("radam", "lr"),
        betas: Tuple[float, float] = _betas("radam"),
        eps: float = _default("radam", "eps"),
        weight_decay: float = _default("radam", "weight_decay"),
        decoupled_weight_decay: bool = _default("radam", "decoupled_weight_decay"),
        *,
        maximize: bool = _default("radam", "maximize"),
    ):
        super().__init__(
            lr=lr,
            beta1=betas[0],
            beta2=betas[1],
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )


class NAGC(Optimizer):
    """Nesterov's accelerated gradient for convex objectives, momentum ``k/(k+3)`` (Nesterov
    1983, in the form of Su–Boyd–Candès and Shi et al.; not in torch.optim). The iterate is the
    point where the gradient is evaluated."""

    _name = "nag-c"

    def __init__(
        self,
        lr: float = _default("nag-c", "lr"),
        *,
        maximize: bool = _default("nag-c", "maximize"),
    ):
        super().__init__(lr=lr, maximize=maximize)


class Lion(Optimizer):
    """Lion (Chen et al. 2023): sign of an interpolated momentum, decoupled weight decay."""

    _name = "lion"

    def __init__(
        self,
        lr: float = _default("lion", "lr"),
        betas: Tuple[float, float] = _betas("lion"),
        weight_decay: float = _default("lion", "weight_decay"),
        *,
        maximize: bool = _default("lion", "maximize"),
    ):
        super().__init__(
            lr=lr, beta1=betas[0], beta2=betas[1], weight_decay=weight_decay, maximize=maximize
        )


class KAdam(Optimizer):
    """k-Adam (Gould–Tanaka, reconstructed): ``k`` Adam normalisations in series with
    decoupled weight decay; ``k = 1`` is Adam/AdamW. ``strategy`` is ``repeat``,
    ``norm_layer``, ``inverse_exp`` or ``explicit`` (see ``optdyn.list()``)."""

    _name = "kadam"

    def __init__(
        self,
        lr: float = _default("kadam", "lr"),
        k: int = 2,
        betas: Tuple[float, float] = _betas("kadam"),
        eps: float = _default("kadam", "eps"),
        weight_decay: float = _default("kadam", "weight_decay"),
        strategy: str = "repeat",
        **levels: Any,
    ):
        super().__init__(
            lr=lr,
            k=str(int(k)),
            beta1=betas[0],
            beta2=betas[1],
            eps=eps,
            weight_decay=weight_decay,
            strategy=strategy,
            **levels,
        )


class SVAG(Optimizer):
    """SVAG (Li, Malladi, Arora 2021; Malladi et al. 2022): each step mixes two independent
    gradient draws ``½(1±√(2ℓ²−1))`` (noise covariance ×ℓ²) and runs ``inner`` (``sgd``,
    ``rmsprop`` or ``adam``) with its hyperparameters rescaled so that the SDE is unchanged;
    run ``ℓ²`` times as many steps. ``lr`` is the rescaled rate."""

    _name = "svag"

    def __init__(self, inner: Any = "sgd", l: float = 1.0):  # noqa: E741 (the paper's name)
        spec = inner if isinstance(inner, str) else inner.spec
        self._inner = inner
        super().__init__(l=float(l), inner=spec.replace(",", "|"))

    def with_lr(self, lr: float) -> "Optimizer":
        """SVAG of the inner optimizer with (unscaled) learning rate ``lr``."""
        inner = self._inner
        if isinstance(inner, str):
            name, _, rest = inner.partition(":")
            keep = [kv for kv in rest.split(",") if kv and not kv.strip().startswith("lr=")]
            inner = f"{name}:" + ",".join(keep + [f"lr={lr!r}"])
        else:
            inner = inner.with_lr(lr)
        return SVAG(inner, self.params["l"])


__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "RMSprop",
    "ScalarRMSprop",
    "Adadelta",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "NAGC",
    "Lion",
    "KAdam",
    "SVAG",
]
