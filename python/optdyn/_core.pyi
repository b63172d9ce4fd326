"""Type stubs of the native module ``optdyn._core`` (the public API is :mod:`optdyn`)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

__version__: str

class SpecError(ValueError):
    """A bad spec or value: the message names the field, the value and what is allowed."""

def run(
    objective: Any,
    x0: Any,
    optimizer: Any,
    steps: Optional[int] = None,
    t_end: Optional[float] = None,
    model: Any = None,
    integrator: Optional[str] = None,
    every: int = 1,
    state: bool = False,
    max_abs: float = 1e12,
    sharpness: Optional[int] = None,
    sharpness_vectors: bool = False,
) -> Dict[str, Any]: ...
def compare(
    objective: Any,
    x0: Any,
    optimizer: Any,
    models: Any,
    t_end: Optional[float] = None,
    steps: Optional[int] = None,
    integrator: Optional[str] = None,
    every: int = 1,
    out: Optional[str] = None,
    sharpness: Optional[int] = None,
) -> Dict[str, Any]: ...
def converge(
    objective: Any,
    x0: Any,
    optimizer: Any,
    models: Any,
    lrs: Any,
    t_end: float,
    integrator: Optional[str] = None,
    out: Optional[str] = None,
) -> Dict[str, Any]: ...
def basins(
    objective: Any,
    optimizer: Any,
    x0: Any = None,
    model: Any = None,
    lrs: Any = None,
    xs: Any = None,
    ys: Any = None,
    steps: Optional[int] = None,
    integrator: Optional[str] = None,
    out: Optional[str] = None,
) -> Dict[str, Any]: ...
def stability(
    optimizer: str = "adam:lr=1,eps=1e-300",
    beta1: Any = None,
    beta2: Any = None,
    decay: float = 0.3,
    steps: int = 400,
    out: Optional[str] = None,
) -> Dict[str, Any]: ...
def spectrum(
    objective: Any,
    x0: Any,
    optimizer: Any,
    model: Any,
    steps: int,
    every: int = 10,
    integrator: Optional[str] = None,
    tol: float = 1e-9,
    out: Optional[str] = None,
) -> Dict[str, Any]: ...
def monitor(
    objective: Any,
    x0: Any,
    optimizer: Any,
    model: Any,
    steps: int,
    integrator: Optional[str] = None,
    tol: float = 1e-10,
    out: Optional[str] = None,
    sharpness: Optional[int] = None,
) -> Dict[str, Any]: ...
def sweep(
    objective: str,
    x0: Any,
    optimizer: str,
    grid: str,
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
    out: Optional[str] = None,
    resume: bool = False,
    engine: str = "auto",
    threads: Optional[int] = None,
    chunk: int = 256,
    format: str = "csv",
) -> Dict[str, Any]: ...
def merge(inputs: Sequence[str], out: Optional[str] = None, format: str = "csv") -> str: ...
def reproduce(name: Optional[str] = None, out: str = "optdyn-out/reproduce") -> str: ...
def demo(out: str = "optdyn-report") -> Dict[str, str]: ...
def learn(
    experiment: str,
    steps: Optional[int] = None,
    seeds: Optional[List[int]] = None,
    out: str = "optdyn-out/learn",
) -> str: ...
def catalogs() -> str: ...
def kernel_model_spec(model: Any) -> str:
    """Checks an ``optdyn.KernelModel`` and returns its spec text (callables written ``user``)."""
    ...
def check_optimizer(spec: str) -> float: ...
def ensemble(
    objective: Any,
    x0: Any,
    optimizer: Any,
    paths: int,
    steps: Optional[int] = None,
    t_end: Optional[float] = None,
    model: Optional[str] = None,
    integrator: Optional[str] = None,
    seed: int = 0,
    every: int = 1,
    max_abs: float = 1e12,
    antithetic: bool = False,
    quantiles: List[float] = ...,
    all_paths: bool = False,
) -> Dict[str, Any]: ...
def weak_converge(
    objective: Any,
    x0: Any,
    optimizer: Any,
    models: List[str],
    lrs: Any,
    t_end: float,
    functional: str = "x",
    paths: int = 1000,
    seed: int = 0,
    exact: bool = False,
    integrator: Optional[str] = None,
    out: Optional[str] = None,
) -> Dict[str, Any]: ...
