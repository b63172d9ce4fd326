#!/usr/bin/env python3
"""Fits the cost exponent p in time ∝ N^p from criterion's medians.

Usage: scripts/cost_exponent.py target/criterion/GROUP [target/criterion/GROUP …]
Each GROUP directory holds one sub-directory per N (criterion's BenchmarkId::from_parameter) with
new/estimates.json; prints N, the median in ms, and the least-squares slope of log(time) on
log(N) with its standard error.
"""

import json
import math
import pathlib
import sys


def fit(points):
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    k = len(xs)
    mx, my = sum(xs) / k, sum(ys) / k
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    if k < 3:
        return slope, float("nan")
    resid = [y - my - slope * (x - mx) for x, y in zip(xs, ys)]
    return slope, math.sqrt(sum(r * r for r in resid) / (k - 2) / sxx)


def main(groups):
    for group in map(pathlib.Path, groups):
        points = []
        for sub in group.iterdir():
            est = sub / "new" / "estimates.json"
            if sub.name.isdigit() and est.exists():
                median_ns = json.loads(est.read_text())["median"]["point_estimate"]
                points.append((int(sub.name), median_ns * 1e-6))
        points.sort()
        if len(points) < 2:
            print(f"{group.name}: fewer than two sizes measured")
            continue
        for n, ms in points:
            print(f"{group.name}/{n}: {ms:.3f} ms")
        p, se = fit(points)
        print(f"{group.name}: cost exponent {p:.3f} ± {se:.3f} over N = {points[0][0]}..{points[-1][0]}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
