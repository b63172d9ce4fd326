#!/usr/bin/env python3
"""Peer of benches/ensemble.rs: the same ensembles vectorised over paths in numpy.

SGD with additive gradient noise on f = 1/2 sum_i d_i x_i^2 (d = 1..10), lr = 0.01, sigma = 0.5,
x0 = 1, M = 10000 paths x 200 steps, and its SME-1 by Euler-Maruyama with one step per optimizer
step (dX = -d X dt + sqrt(lr) sigma dW). Prints path-steps per second (median of --repeat runs)
and E x0 at the end, to compare with optdyn's ensembles on the same machine:

    python3 benches/peers/ensemble_numpy.py
    cargo bench -p optdyn --bench ensemble
"""
import argparse
import statistics
import time

import numpy as np


def sgd(rng, d, lr, sigma, paths, steps):
    x = np.ones((paths, d.size))
    for _ in range(steps):
        g = d * x + sigma * rng.standard_normal(x.shape)
        x -= lr * g
    return x


def sme1(rng, d, lr, sigma, paths, steps):
    x = np.ones((paths, d.size))
    h = lr
    s = np.sqrt(lr) * sigma * np.sqrt(h)
    for _ in range(steps):
        x += -d * x * h + s * rng.standard_normal(x.shape)
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    d = np.arange(1.0, 11.0)
    for name, f in [("sgd", sgd), ("sme1_euler_maruyama", sme1)]:
        times = []
        for r in range(a.repeat):
            rng = np.random.default_rng(r)
            t = time.perf_counter()
            x = f(rng, d, 0.01, 0.5, a.paths, a.steps)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        print(
            f"numpy {name}: {a.paths}x{a.steps} in {med * 1e3:.1f} ms median "
            f"= {a.paths * a.steps / med:.3e} path-steps/s; E x0 = {x[:, 0].mean():.5f}"
        )


if __name__ == "__main__":
    main()
