"""Per-call overhead of a Python objective driven by optdyn, beyond the callable itself.

A cheap numpy objective `f(x) = (x·x, 2x)` (n = 4) is called `N` times by a plain Python loop
(the callable's own cost, with the loop's) and by `optdyn.run` with plain SGD for `N − 1` steps
(one call per step and one at the end); the overhead per call is the difference divided by `N`.
Medians of `REPEATS` timings. The run records only its last sample (`every=N`).

    python python/benchmarks/callable_overhead.py [N] [REPEATS]
"""

import statistics
import sys
import time

import numpy as np

import optdyn


def f(x):
    return float(x @ x), 2.0 * x


def main(n=200_000, repeats=5):
    x0 = np.array([1.0, -2.0, 0.5, 3.0])
    sgd = optdyn.optim.SGD(lr=1e-6)
    direct, through = [], []
    for _ in range(repeats):
        x = x0.copy()
        t = time.perf_counter()
        for _ in range(n):
            _, g = f(x)
        direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        optdyn.run(f, x0, sgd, steps=n - 1, every=n)
        through.append(time.perf_counter() - t)
    d, o = statistics.median(direct), statistics.median(through)
    print(f"callable alone: {1e6 * d / n:.3f} µs/call")
    print(f"through optdyn: {1e6 * o / n:.3f} µs/call")
    print(f"overhead:       {1e6 * (o - d) / n:.3f} µs/call (goal ≤ 2 µs)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
