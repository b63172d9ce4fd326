#!/usr/bin/env python3
"""Peer of `cargo bench -p optdyn --bench sweep` (`sweep_adam_1d/rosen1d_1e6x200`) in JAX.

10^6 one-dimensional Adam runs x 200 steps on rosen1d (f = (1 - x)^2 + c (x^2 - 1)^2, c = 4), f64:
lr (10 values, log 1e-3..1e-1) x beta1 (10, 0..0.99) x beta2 (10, 0.9..0.9999) x x0 (1000, -3..3),
eps = 1e-8, the first axis varying slowest — the grid of the criterion bench. Each run computes
what optdyn's batched kernel computes: torch.optim.Adam's update in PyTorch's order of operations
(except β^t, kept as running products: `b ** t` per element costs XLA about 20 ns, 30x the rest
of the step, which would make this peer absurdly slow) and the sweep metrics (final x, final loss, first step with |f'| <= 1e-6, first divergent step
with |x| > 1e12 or NaN, largest update). Jitted `lax.fori_loop`, vectorised over runs.

Prints the median and the best of --repeat timed calls (after a compile-and-warm-up call), in
milliseconds and optimizer steps per second. With --check FILE (optdyn's `results.csv` of the
same sweep: `optdyn sweep --objective rosen1d:c=4 --x0 0 --optimizer adam:lr=0.01,eps=1e-8
--grid lr=1e-3:1e-1:10:log,beta1=0:0.99:10,beta2=0.9:0.9999:10,x0=-3:3:1000 --steps 200
--metric final_x --tol 1e-6 --out DIR`) it also reports how far JAX's final iterates are from
optdyn's (optdyn's equal torch.optim.Adam's bit for bit).

Timing varies between processes (XLA's thread pool and its vector code paths); run it several
times and compare at each side's best:

    for i in 1 2 3; do python3 benches/peers/sweep_adam_1d_jax.py; done
    cargo bench -p optdyn --bench sweep -- rosen1d

Skips (exit 0) when JAX is not installed.
"""
import argparse
import statistics
import sys
import time

try:
    import jax
    import jax.numpy as jnp
except ImportError:
    print("sweep_adam_1d_jax: JAX is not installed; skipped (pip install jax)")
    sys.exit(0)

jax.config.update("jax_enable_x64", True)

C = 4.0
STEPS = 200
TOL = 1e-6
MAX_ABS = 1e12
CHUNK = 1000


def grid():
    lr = jnp.logspace(-3.0, -1.0, 10)
    b1 = jnp.linspace(0.0, 0.99, 10)
    b2 = jnp.linspace(0.9, 0.9999, 10)
    x0 = jnp.linspace(-3.0, 3.0, 1000)
    mesh = jnp.meshgrid(lr, b1, b2, x0, indexing="ij")
    return [a.reshape(-1) for a in mesh]


def grad(x):
    return 2.0 * (x - 1.0) * (1.0 + 2.0 * C * x * (x + 1.0))


def loss(x):
    p = 1.0 - x
    q = x * x - 1.0
    return p * p + C * q * q


def runs(lr, b1, b2, eps, x0):
    inf = jnp.full_like(x0, jnp.inf)
    w1 = 1.0 - b1
    small = jnp.abs(w1) < 0.5

    def observe(k, x, prev, acc):
        xf, div, hit, mu = acc
        alive = div == jnp.inf
        bad = jnp.isnan(x) | (jnp.abs(x) > MAX_ABS)
        div = jnp.where(alive & bad, k, div)
        xf = jnp.where(alive, x, xf)
        ok = alive & ~bad
        du = jnp.abs(x - prev)
        mu = jnp.where(ok & (du > mu), du, mu)
        hit = jnp.where(ok & (jnp.abs(grad(x)) <= TOL) & (hit == jnp.inf), k, hit)
        return xf, div, hit, mu

    def body(k, state):
        x, prev, m, v, p1, p2, acc = state
        kf = jnp.asarray(k, x.dtype)
        acc = observe(kf, x, prev, acc)
        g = grad(x)
        d = g - m
        m = jnp.where(small, m + w1 * d, g - d * b1)
        v = v * b2 + (1.0 - b2) * g * g
        p1, p2 = p1 * b1, p2 * b2
        neg_step = -(lr / (1.0 - p1))
        denom = jnp.sqrt(v) / jnp.sqrt(1.0 - p2) + eps
        return x + neg_step * m / denom, x, m, v, p1, p2, acc

    zeros = jnp.zeros_like(x0)
    ones = jnp.ones_like(x0)
    state = (x0, x0, zeros, zeros, ones, ones, (zeros, inf, inf, zeros))
    x, prev, _, _, _, _, acc = jax.lax.fori_loop(0, STEPS, body, state)
    xf, div, hit, mu = observe(jnp.asarray(STEPS, x.dtype), x, prev, acc)
    return xf, loss(xf), div, hit, mu


@jax.jit
def sweep(lr, b1, b2, eps, x0):
    """All runs, in chunks of CHUNK runs whose state stays in cache for the 200 steps (one
    `fori_loop` over 10^6-element arrays instead streams 70 MB of state through memory per
    step and is several times slower)."""
    chunks = [a.reshape(-1, CHUNK) for a in (lr, b1, b2, eps, x0)]
    out = jax.lax.map(lambda c: runs(*c), chunks)
    return tuple(o.reshape(-1) for o in out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--check", help="optdyn's results.csv of the same sweep")
    a = ap.parse_args()
    lr, b1, b2, x0 = grid()
    eps = jnp.full_like(x0, 1e-8)
    out = sweep(lr, b1, b2, eps, x0)
    jax.block_until_ready(out)
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        out = sweep(lr, b1, b2, eps, x0)
        jax.block_until_ready(out)
        times.append(time.perf_counter() - t0)
    n = x0.size * STEPS
    med, best = statistics.median(times), min(times)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}: {x0.size} runs x {STEPS} steps")
    print(f"median {med * 1e3:.1f} ms ({n / med:.3g} steps/s), best {best * 1e3:.1f} ms ({n / best:.3g} steps/s)")
    if a.check:
        import numpy as np

        with open(a.check) as f:
            header = f.readline().strip().split(",")
            col = header.index("final_x0")
            ref = np.array([float(line.split(",")[col]) for line in f])
        got = np.asarray(out[0])
        same = np.sum(got == ref)
        both = np.isfinite(got) & np.isfinite(ref)
        rel = np.abs(got[both] - ref[both]) / np.maximum(np.abs(ref[both]), 1e-300)
        print(f"vs optdyn: {same}/{ref.size} final x bit-identical, max relative difference {rel.max():.3g}")


if __name__ == "__main__":
    main()
