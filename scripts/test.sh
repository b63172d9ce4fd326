#!/usr/bin/env bash
# The whole test suite: the Rust workspace (unit, integration, doc and example tests), then the
# Python package built from this tree with `pip install .` and its pytest suite.
#   PYTHON  the interpreter to install into and test with (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

cargo test --workspace --exclude optdyn-py

"$PYTHON" -m pip install --quiet --no-build-isolation .
# From the repository root, so `import optdyn` is the installed package, not python/optdyn.
"$PYTHON" -m pytest -q python/tests
