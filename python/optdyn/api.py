"""The functions of :mod:`optdyn`: runs, comparisons, convergence studies, sweeps and analyses.

Arguments follow the command line's options (dashes become underscores). Wherever an
``objective``, ``optimizer`` or ``model`` is expected, a spec string works, and so do your own
Python objects:

* objective: ``"rosen1d:c=4"``, a callable ``f(x) -> (value, grad)`` on numpy float64 arrays, or
  an object with ``value_grad(x)`` and optionally ``hvp(x, v)`` (models that use curvature need
  it; otherwise a central difference of the gradient is used);
* optimizer: ``"adam:lr=1e-3"``, an :mod:`optdyn.optim` instance, or an update rule with ``lr``,
  ``init(n) -> state`` and ``step(x, g, state) -> (x_new, state)``;
* model: ``"adam-ide1"``, an :class:`optdyn.KernelModel` (a nonlocal model with your own
  memory kernel ``K(s)``) or an :class:`optdyn.CustomModel`.

Runs execute in Rust with the interpreter released; an exception raised by your callable
propagates unchanged (with a note naming the step), a wrong shape or a non-finite value at a
finite argument raises ``ValueError``/``TypeError``, and a run that diverges is reported in
``Trajectory.stop``, not raised.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from .trajectory import Trajectory

PathLike = Union[str, "os.PathLike[str]"]


def _path(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


def run(
    objective: Any,
    x0: Any,
    optimizer: Any,
    *,
    steps: Optional[int] = None,
    t_end: Optional[float] = None,
    model: Any = None,
    integrator: Optional[str] = None,
    every: int = 1,
    state: bool = False,
    max_abs: float = 1e12,
    sharpness: Optional[int] = None,
    sharpness_vectors: bool = False,
) -> Trajectory:
    """Run a discrete optimizer, or a continuous model of it, on the clock ``t_k = k·lr``.

    Args:
        objective: spec string, callable ``f(x) -> (value, grad)`` or object with
            ``value_grad(x)`` (and optionally ``hvp(x, v)``).
        x0: start point (a number or a 1-D array-like).
        optimizer: spec string, :mod:`optdyn.optim` instance or your own update rule; its
            learning rate sets the clock.
        steps: number of optimizer steps ``K`` (or give ``t_end``).
        t_end: end time ``T`` (``K = round(T/lr)``).
        model: a continuous model of the optimizer to integrate instead (spec,
            :class:`optdyn.KernelModel` or :class:`optdyn.CustomModel`), sampled at
            ``t0 + k·lr``.
        integrator: integrator spec for the model (default ``"rk4:substeps=10"``; e.g.
            ``"dopri5:rtol=1e-10,atol=1e-12"``).
        every: keep every ``every``-th sample (and the last).
        state: also record the optimizer's buffers (``m``, ``v``, …) of a discrete run.
        max_abs: divergence bound on ``max |x_i|``.
        sharpness: measure the top ``K`` Hessian eigenvalues at every sample
            (:attr:`Trajectory.sharpness`; for discrete Adam, AdamW, RMSProp, AdaGrad and scalar RMSProp runs also
            the preconditioned sharpness ``λ_max(P⁻¹H)``, :attr:`Trajectory.preconditioned_sharpness`).
            Needs the objective's Hessian-vector products (built-ins exact; callables with an
            ``hvp`` method, else a finite difference of gradients).
        sharpness_vectors: also record the eigenvectors (columns ``sharp{i}_u{j}``).

    Returns:
        The :class:`Trajectory`.

    Example:
        >>> import optdyn
        >>> tr = optdyn.run("rosen1d:c=4", [2.0], optdyn.optim.Adam(lr=1e-2), steps=100)
        >>> tr.x.shape, tr.stop.kind
        ((101, 1), 'finished')
    """
    return Trajectory(
        _core.run(
            objective,
            x0,
            optimizer,
            steps,
            t_end,
            model,
            integrator,
            every,
            state,
            max_abs,
            sharpness,
            sharpness_vectors,
        )
    )


def _comparison(d: Dict[str, Any]) -> Dict[str, Any]:
    d["discrete"] = Trajectory(d["discrete"])
    for m in d["models"]:
        m["trajectory"] = Trajectory(m["trajectory"])
    return d


def compare(
    objective: Any,
    x0: Any,
    optimizer: Any,
    models: Any,
    *,
    t_end: Optional[float] = None,
    steps: Optional[int] = None,
    integrator: Optional[str] = None,
    every: int = 1,
    out: Optional[PathLike] = None,
    sharpness: Optional[int] = None,
) -> Dict[str, Any]:
    """The discrete optimizer beside each of its models on one clock.

    Args:
        objective, x0, optimizer: as for :func:`run`.
        models: ``"adam-ide1+adam-ide2:u0=1"``, or a list of specs, :class:`KernelModel` and
            :class:`CustomModel` objects and factories ``lr -> CustomModel``.
        t_end / steps: the horizon (``K = round(T/lr)``) or the number of steps.
        integrator: integrator spec for the models (default ``"rk4:substeps=10"``).
        every: sample every ``every``-th step.
        out: directory for the CLI's files (``discrete.csv``, ``model-*.csv``, ``table.csv``)
            and figures (trajectories, gap over time, dynamics panel, and with ``sharpness`` the
            sharpness against the optimizer's stability threshold).
        sharpness: measure the top ``K`` Hessian eigenvalues along every run (as in :func:`run`).

    Returns:
        ``{"lr", "threshold", "discrete": Trajectory, "models": [{"model", "trajectory",
        "velocity" (rows, n), "e_t", "e_f", "gap", "stats", "seconds"}]}`` with
        ``e_t = ‖θ_K − θ(T)‖``, ``e_f = |f(θ_K) − f(θ(T))|`` and ``threshold`` the optimizer's
        linear-stability bound ``{"value", "preconditioned", "formula"}`` (``None`` if unknown).
    """
    return _comparison(
        _core.compare(
            objective, x0, optimizer, models, t_end, steps, integrator, every, _path(out),
            sharpness,
        )
    )


def converge(
    objective: Any,
    x0: Any,
    optimizer: Any,
    models: Any,
    lrs: Union[str, Sequence[float]],
    t_end: float,
    *,
    integrator: Optional[str] = None,
    out: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """The gap at a fixed horizon ``T`` as the learning rate shrinks, with fitted orders.

    For each learning rate the optimizer is rebuilt with it (``with_lr``) and every model from
    the new optimizer (a :class:`CustomModel` factory is called with ``lr``).

    Args:
        objective, x0, optimizer, models: as for :func:`compare`.
        lrs: the learning rates (a list, or a range ``"1e-3:1e-1:5:log"``).
        t_end: the horizon ``T``.
        integrator: integrator spec for the models.
        out: directory for ``convergence.csv``, ``convergence.json`` and the log-log figure.

    Returns:
        ``{"lrs", "steps", "t_end", "models": [{"model", "e_t", "e_f", "fit_t", "fit_f"}]}``
        where ``fit_t = {"p", "p_stderr", "c"}`` fits ``E_T ≈ c·lr^p``.
    """
    return _core.converge(
        objective, x0, optimizer, models, lrs, t_end, integrator, _path(out)
    )


def ensemble(
    objective: Any,
    x0: Any,
    optimizer: Any,
    paths: int,
    *,
    steps: Optional[int] = None,
    t_end: Optional[float] = None,
    model: Optional[str] = None,
    integrator: Optional[str] = None,
    seed: int = 0,
    every: int = 1,
    max_abs: float = 1e12,
    antithetic: bool = False,
    quantiles: Sequence[float] = (0.05, 0.5, 0.95),
    all_paths: bool = False,
) -> Dict[str, Any]:
    """``paths`` runs of a stochastic optimizer or model in parallel, with per-step statistics.

    A discrete run is stochastic when its objective's step gradients are (``grad_noise=σ``,
    ``grad_noise_diag=…``, or a data objective with ``batch=B``); path ``p`` draws its own
    noise, folded from ``(seed, p)``. With ``model`` (``"sgd-sme1"``, ``"sgd-sme2"``,
    ``"rmsprop-sde"``, ``"adam-sde"``) the stochastic model of the optimizer is integrated along
    Brownian path ``p`` of ``seed``. The ensemble is the same at any thread count. Paths that
    diverge stop (``stopped``); statistics at each step are over the paths still running.

    Args:
        objective, x0, optimizer: as for :func:`run`.
        paths: number of paths ``M``.
        steps, t_end: the length (``t_end`` on the run's clock: ``lr`` for SGD models, ``lr²``
            for the adaptive SDEs).
        model: a stochastic model spec (see ``optdyn.list("models")``).
        integrator: ``"euler-maruyama"``, ``"milstein"`` or ``"weak2"`` with ``:substeps=N``
            (default ``weak2`` for additive noise, else ``euler-maruyama``, 10 substeps).
        seed: the ensemble seed.
        every: keep every ``every``-th step (and the last).
        max_abs: divergence bound on ``max |x_i|``.
        antithetic: pair path ``2k+1`` with the negated Brownian increments of ``2k`` (models).
        quantiles: the quantiles of ``bands``.
        all_paths: also return every path.

    Returns:
        ``{"n", "paths", "step", "t", "alive", "mean", "se", "quantiles", "bands", "columns",
        "stopped", ["all_paths"]}``: ``mean`` and ``se`` of shape ``(samples, n + 1)`` (columns
        ``x0 … x{n-1}, loss``), ``bands[i]`` the ``quantiles[i]`` quantile of the same shape,
        ``stopped`` a list of ``{"path", "stop"}``, ``all_paths`` of shape
        ``(paths, samples, n + 1)`` (NaN after a path stopped).

    Example:
        >>> import optdyn
        >>> e = optdyn.ensemble("quadratic:diag=2,grad_noise=0.5", [1.0], "sgd:lr=0.05", 500, steps=20, every=20)
        >>> e["mean"].shape, int(e["alive"][-1])
        ((2, 2), 500)
    """
    return _core.ensemble(
        objective,
        x0,
        optimizer,
        paths,
        steps,
        t_end,
        model,
        integrator,
        seed,
        every,
        max_abs,
        antithetic,
        [float(q) for q in quantiles],
        all_paths,
    )


def weak_converge(
    objective: Any,
    x0: Any,
    optimizer: Any,
    models: Sequence[str],
    lrs: Union[str, Sequence[float]],
    t_end: float,
    *,
    functional: str = "x",
    paths: int = 1000,
    seed: int = 0,
    exact: bool = False,
    integrator: Optional[str] = None,
    out: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """The weak error ``|E F(θ_K) − E F(X_T)|`` of stochastic models as the learning rate shrinks.

    For each learning rate, ``K = round(T/lr)`` steps of the optimizer and of each stochastic
    model; the expectations are Monte Carlo means over ``paths`` paths (with standard errors;
    points not resolved above two standard errors are not fitted) or, with ``exact=True`` (SGD
    and ``sgd-sme1``/``sgd-sme2`` on a convex quadratic with additive noise), exact moments.

    Args:
        objective, x0, optimizer: as for :func:`run`.
        models: stochastic model specs.
        lrs: the learning rates (a list, or a range ``"1e-3:1e-1:5:log"``).
        t_end: the horizon ``T``.
        functional: ``"x"`` (``‖E θ − E X‖``), ``"x2"`` (``E‖θ‖²``) or ``"loss"`` (``E f``).
        paths, seed: the Monte Carlo ensembles.
        exact: exact moments instead of Monte Carlo.
        integrator: SDE solver spec for the models.
        out: directory for ``convergence.csv``, ``convergence.json`` and the figure.

    Returns:
        ``{"lrs", "steps", "t_end", "functional", "method", "paths", "seed", "models":
        [{"model", "error", "stderr", "resolved", "fit"}]}`` with ``fit = {"p", "p_stderr",
        "c"}`` or ``None``.

    Example:
        >>> import optdyn
        >>> w = optdyn.weak_converge("quadratic:diag=2,grad_noise=0.5", [1.0], "sgd",
        ...     ["sgd-sme1", "sgd-sme2"], [0.04, 0.02, 0.01, 0.005], 1.0, functional="x2", exact=True)
        >>> [round(m["fit"]["p"], 2) for m in w["models"]]
        [0.97, 2.14]
    """
    return _core.weak_converge(
        objective,
        x0,
        optimizer,
        [str(m) for m in models],
        lrs,
        t_end,
        functional,
        paths,
        seed,
        exact,
        integrator,
        _path(out),
    )


def sweep(
    objective: str,
    x0: Any,
    optimizer: str,
    grid: str,
    *,
    model: Optional[str] = None,
    integrator: str = "rk4",
    sample: Optional[str] = None,
    metric: str = "final_loss",
    steps: int = 1000,
    tol: float = 1e-8,
    tol_on: str = "grad",
    max_abs: float = 1e12,
    max_loss: float = 1e200,
    shard: Optional[Tuple[int, int]] = None,
    out: Optional[PathLike] = None,
    resume: bool = False,
    engine: str = "auto",
    threads: Optional[int] = None,
    chunk: int = 256,
    format: str = "csv",
) -> Dict[str, Any]:
    """A grid of runs, one row of per-run metrics each, on all cores (the CLI's ``sweep``).

    Args:
        objective, optimizer, model, integrator: spec strings (the grid overrides their keys).
        x0: start point.
        grid: axes ``"beta1=0:0.99:100,beta2=0.9:0.9999:101"`` (``lo:hi:count[:log]`` or
            ``a;b;c``); keys are optimizer keys, ``objective.KEY``, ``model.KEY``, ``x0``,
            ``x0[i]``.
        sample: ``"halton:N,seed=S"`` instead of the Cartesian product.
        metric: comma-separated: ``final_x``, ``final_loss``, ``diverged``, ``steps_to_tol``,
            ``max_update``.
        steps, tol, tol_on, max_abs, max_loss: run length, tolerance of ``steps_to_tol``
            (``grad`` or ``gap``) and divergence bounds.
        shard: ``(i, n)`` computes the ``i``-th of ``n`` contiguous slices into
            ``out/shard-i-of-n.csv`` (join them with :func:`merge`).
        out: directory for the durable CSV and its manifest (a temporary one when omitted).
        resume: continue an interrupted sweep in ``out``.
        engine: ``auto`` (batched 1-D Adam path or batched RK4 model lanes when they apply,
            bit-identical) or ``generic``.
        threads: worker threads (default: all cores).
        chunk: smallest number of runs per durable append.
        format: ``"csv"``, or ``"parquet"`` to also write the complete shard as Apache Parquet
            beside the CSV (needs ``out``; read it with ``pandas.read_parquet`` or polars).

    Returns:
        ``{"columns": {name: array}, "path", "parquet", "points", "resumed", "computed",
        "invalid", "first_invalid"}``; ``columns["status"]`` is a list of
        ``"ok"``/``"invalid"``; ``parquet`` is the Parquet file's path or ``None``.
    """
    return _core.sweep(
        objective,
        x0,
        optimizer,
        grid,
        model,
        integrator,
        sample,
        metric,
        steps,
        tol,
        tol_on,
        max_abs,
        max_loss,
        shard,
        _path(out),
        resume,
        engine,
        threads,
        chunk,
        format,
    )


def merge(
    inputs: Union[PathLike, Sequence[PathLike]],
    out: Optional[PathLike] = None,
    format: str = "csv",
) -> str:
    """Join sweep shards (files or directories of ``shard-*-of-*.csv``) into one CSV, checking
    that every point is present exactly once; returns the merged file's path (default
    ``results.csv`` beside the first input). ``format="parquet"`` also writes the merged rows
    as Apache Parquet beside it (``results.parquet``)."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    return _core.merge([os.fspath(p) for p in inputs], _path(out), format)


def basins(
    objective: Any,
    optimizer: Any,
    *,
    x0: Any = None,
    model: Any = None,
    lrs: Any = None,
    xs: Any = None,
    ys: Any = None,
    steps: Optional[int] = None,
    integrator: Optional[str] = None,
    out: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """Where runs end: as a function of the learning rate (``lrs`` with ``x0``), or of the start
    point over ``xs × ys`` (2-D objectives).

    Returns:
        lr scan: ``{"lr", "steps", "discrete", "model"}`` (final ``x0`` per lr, NaN where a run
        diverged; ``steps`` defaults to ``max(1000, round(4/lr))``). Map:
        ``{"xs", "ys", "ends" (points, 2), "labels" (attractor index, −1 diverged),
        "attractors"}``. With ``out``, the CLI's CSV and figure.
    """
    return _core.basins(
        objective, optimizer, x0, model, lrs, xs, ys, steps, integrator, _path(out)
    )


def stability(
    *,
    optimizer: str = "adam:lr=1,eps=1e-300",
    beta1: Any = "0:0.99:34",
    beta2: Any = "0.5:0.999:34",
    decay: float = 0.3,
    steps: int = 400,
    out: Optional[PathLike] = None,
) -> Dict[str, np.ndarray]:
    """The (β1, β2) map of Adam-type update growth on the gradient history ``g_k = decay^k``
    (Gould–Tanaka: growth ``β1/√β2`` per step outside ``β1² < β2``).

    Returns:
        ``{"beta1", "beta2", "growth", "predicted", "max_update", "theory_stable"}`` (one entry
        per cell, row-major by β2); with ``out``, the CSV and the heat map.
    """
    return _core.stability(optimizer, beta1, beta2, decay, steps, _path(out))


def spectrum(
    objective: Any,
    x0: Any,
    optimizer: Any,
    model: Any,
    steps: int,
    *,
    every: int = 10,
    integrator: Optional[str] = None,
    tol: float = 1e-9,
    out: Optional[PathLike] = None,
) -> Dict[str, np.ndarray]:
    """Eigenvalues of the model's Jacobian along its run (ill-posed where a real part exceeds
    ``tol``).

    Returns:
        ``{"t", "max_re", "radius", "ill_posed", "eigenvalues" (samples, dim) complex}``.
    """
    return _core.spectrum(
        objective, x0, optimizer, model, steps, every, integrator, tol, _path(out)
    )


def monitor(
    objective: Any,
    x0: Any,
    optimizer: Any,
    model: Any,
    steps: int,
    *,
    integrator: Optional[str] = None,
    tol: float = 1e-10,
    out: Optional[PathLike] = None,
    sharpness: Optional[int] = None,
) -> Dict[str, Any]:
    """Loss, the model's Lyapunov functional, kinetic energy and moment positivity along its run.

    With ``sharpness=K`` the top ``K`` Hessian eigenvalues are measured too
    (``trajectory.sharpness``), and ``out`` gets a sharpness figure with the threshold.

    Returns:
        ``{"trajectory", "t", "loss", "lyapunov", "kinetic", "min_v", "stats", "threshold"}``
        where ``loss`` and ``lyapunov`` are ``{"values", "max_increase", "t_max_increase",
        "non_increasing"}`` (``lyapunov`` is ``None`` when the model declares none).
    """
    d = _core.monitor(
        objective, x0, optimizer, model, steps, integrator, tol, _path(out), sharpness
    )
    d["trajectory"] = Trajectory(d["trajectory"])
    return d


def reproduce(
    name: Optional[str] = None, *, out: PathLike = "optdyn-out/reproduce"
) -> List[Dict[str, Any]]:
    """Run the seed papers' reproductions (one target, or all) and check their numbers.

    Returns:
        One report per target: ``{"target", "summary", "passed", "checks": [{"quantity",
        "expected", "got", "tol", "relative", "source", "pass"}], "notes", "files"}``.
    """
    return json.loads(_core.reproduce(name, os.fspath(out)))


def demo(out: PathLike = "optdyn-report") -> Dict[str, str]:
    """The built-in demo: an HTML report of discrete Adam beside its continuous models.

    Returns:
        ``{"index": path of index.html, "table", "thresholds"}``.
    """
    return _core.demo(os.fspath(out))


def learn(
    experiment: str,
    *,
    steps: Optional[int] = None,
    seeds: Optional[Sequence[int]] = None,
    out: PathLike = "optdyn-out/learn",
) -> str:
    """A learning-problem experiment: ``"kadam"`` (Adam vs 2-Adam vs layer norm), ``"stability"``
    ((β1, β2) update growth on a training problem) or ``"erm"`` (Dereich–Jentzen–Kassing);
    writes its data and figure into ``out/<experiment>`` and returns the summary text."""
    seed_list = None if seeds is None else [int(s) for s in seeds]
    return _core.learn(experiment, steps, seed_list, os.fspath(out))


def list(what: Optional[str] = None) -> Dict[str, Any]:  # noqa: A001 - the CLI's name
    """Every objective, optimizer, model and integrator with its parameters and defaults.

    Args:
        what: ``"objectives"``, ``"optimizers"``, ``"models"`` or ``"integrators"`` for one
            section.

    Returns:
        ``{section: [{"name", "summary", "params": [{"key", "default", "help"}]}]}``, or the one
        section's list.
    """
    catalogs = json.loads(_core.catalogs())
    if what is None:
        return catalogs
    if what not in catalogs:
        raise _core.SpecError(
            f"list: unknown section '{what}' (allowed: objectives, optimizers, models, integrators)"
        )
    return catalogs[what]
