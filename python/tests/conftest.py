"""Shared fixtures of the Python suite: the torch.optim float64 reference cases (one copy, in
the library's test data) and numpy objectives written from their formulas."""

import json
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TORCH_DATA = ROOT / "crates" / "optdyn" / "tests" / "data" / "torch_optim_public.json"


@pytest.fixture(scope="session")
def torch_cases():
    return json.loads(TORCH_DATA.read_text())["cases"]


def shifted_square(x):
    """(x − 4)², its gradient."""
    return float((x[0] - 4.0) ** 2), np.array([2.0 * (x[0] - 4.0)])


def rosenbrock(x):
    """(1 − x)² + 100(y − x²)², its gradient in the order reverse-mode autograd evaluates it."""
    r = x[1] - x[0] * x[0]
    s = 1.0 - x[0]
    g0 = -2.0 * s + (-(200.0 * r)) * (2.0 * x[0])
    return float(s * s + 100.0 * r * r), np.array([g0, 200.0 * r])


def rel(a, b):
    """max |a − b| / |b| elementwise."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
