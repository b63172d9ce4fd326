"""A built-in run from Python against the same run through the `optdyn` CLI.

Adam on the 2-D Rosenbrock function for `N` steps, keeping only the last sample, timed as
`optdyn.run(...)` from Python and as the whole `optdyn run` process (which includes process
start and writing one CSV row); the median and the minimum of `REPEATS` (on a busy
machine the minimum is the steadier figure).

    python python/benchmarks/builtin_vs_cli.py PATH_TO_OPTDYN_BINARY [N] [REPEATS]
"""

import statistics
import subprocess
import sys
import time

import optdyn


def main(binary, n=2_000_000, repeats=15):
    py, cli = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        optdyn.run("rosenbrock", [-1.2, 1.0], "adam:lr=1e-3", steps=n, every=n)
        py.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run(
            [binary, "run", "--objective", "rosenbrock", "--x0", "-1.2,1",
             "--optimizer", "adam:lr=1e-3", "--steps", str(n), "--every", str(n)],
            check=True, stdout=subprocess.DEVNULL,
        )
        cli.append(time.perf_counter() - t)
    for label, stat in (("median", statistics.median), ("min", min)):
        p, c = stat(py), stat(cli)
        print(f"{label:6}  Python optdyn.run: {1e3 * p:.1f} ms   CLI process: {1e3 * c:.1f} ms   "
              f"ratio {p / c:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], *[int(a) for a in sys.argv[2:]])
