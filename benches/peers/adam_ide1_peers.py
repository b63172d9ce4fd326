#!/usr/bin/env python3
"""Peers of optdyn's adam-ide1 solves: diffrax (JAX) and scipy on the same equations.

The first-order nonlocal Adam model (Heredia 2024; optdyn `adam-ide1`, default `t0=0`,
`rate=taylor`) in its auxiliary-state form, on rosen1d (f = (1 - x)^2 + 4 (x^2 - 1)^2):

    theta' = -m_hat / (sqrt(v_hat) + eps),  m' = l1 (g - m),  v' = l2 (g^2 - v),  g = f'(theta),
    m_hat = m / (1 - b1^(t/lr)),  v_hat = v / (1 - b2^(t/lr)),  l_i = (1 - b_i) / lr,

with m_hat -> (l1/L1) g, v_hat -> (l2/L2) g^2 at t = 0 (L_i = -ln(b_i)/lr; the ratio is 0 for
b_i = 0), lr = 1e-3, b = (0.9, 0.999), eps = 1e-8, theta(0) = 2, m(0) = v(0) = 0, T = 10.

Rows (compare with optdyn on the same machine, in the same sitting):
  1. one adaptive solve, rtol 1e-10, atol 1e-12: diffrax `jit` Dopri5 and scipy `solve_ivp`
     DOP853 (optdyn: `cargo bench -p optdyn --bench models -- dopri5`);
  2. 1000 runs (b1 = linspace(0, 0.99, 1000)) x 10^4 fixed steps dt = lr to T = 10: diffrax
     `vmap` Tsit5 (6 rhs evaluations per step) — optdyn: RK4 through the sweep,
     `optdyn sweep --objective rosen1d:c=4 --x0 2 --optimizer adam:lr=1e-3 --model adam-ide1
     --integrator rk4:dt=1e-3 --grid beta1=0:0.99:1000 --steps 10000 --metric final_x`.

Prints the best and median of --repeat timed calls after a warm-up call, and the rhs counts.
Each peer is skipped (with a message) when its package is not installed; exit status 0.
"""
import argparse
import math
import statistics
import time

LR, B1, B2, EPS, X0, T, C = 1e-3, 0.9, 0.999, 1e-8, 2.0, 10.0, 4.0


def timed(f, repeat):
    f()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return min(ts), statistics.median(ts)


def scipy_row(repeat):
    try:
        from scipy.integrate import solve_ivp
    except ImportError:
        print("scipy: not installed; skipped")
        return
    l1, l2 = (1 - B1) / LR, (1 - B2) / LR
    r1, r2 = l1 / (-math.log(B1) / LR), l2 / (-math.log(B2) / LR)

    def rhs(t, y):
        th, m, v = y
        g = 2.0 * (th - 1.0) * (1.0 + 2.0 * C * th * (th + 1.0))
        if t == 0.0:
            mh, vh = r1 * g, r2 * g * g
        else:
            mh, vh = m / (1.0 - B1 ** (t / LR)), v / (1.0 - B2 ** (t / LR))
        return [-mh / (math.sqrt(max(vh, 0.0)) + EPS), l1 * (g - m), l2 * (g * g - v)]

    out = {}

    def solve():
        out["sol"] = solve_ivp(rhs, (0.0, T), [X0, 0.0, 0.0], method="DOP853", rtol=1e-10, atol=1e-12)

    best, med = timed(solve, repeat)
    s = out["sol"]
    print(f"scipy DOP853 rtol 1e-10: best {best * 1e3:.2f} ms, median {med * 1e3:.2f} ms, "
          f"{s.nfev} rhs evaluations, theta(T) = {s.y[0, -1]:.15g}")


def diffrax_rows(repeat):
    try:
        import diffrax
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("diffrax/jax: not installed; skipped")
        return
    jax.config.update("jax_enable_x64", True)

    def field(t, y, b1):
        th, m, v = y[0], y[1], y[2]
        l1, l2 = (1 - b1) / LR, (1 - B2) / LR
        L1 = jnp.where(b1 > 0, -jnp.log(jnp.where(b1 > 0, b1, 1.0)) / LR, jnp.inf)
        r1, r2 = l1 / L1, l2 / (-math.log(B2) / LR)
        g = 2.0 * (th - 1.0) * (1.0 + 2.0 * C * th * (th + 1.0))
        t0 = t == 0.0
        ts = jnp.where(t0, 1.0, t)
        mh = jnp.where(t0, r1 * g, m / (1.0 - b1 ** (ts / LR)))
        vh = jnp.where(t0, r2 * g * g, v / (1.0 - B2 ** (ts / LR)))
        return jnp.stack([-mh / (jnp.sqrt(jnp.maximum(vh, 0.0)) + EPS), l1 * (g - m), l2 * (g * g - v)])

    term = diffrax.ODETerm(field)
    y0 = jnp.array([X0, 0.0, 0.0])

    @jax.jit
    def adaptive():
        sol = diffrax.diffeqsolve(term, diffrax.Dopri5(), 0.0, T, None, y0, args=jnp.asarray(B1),
                                  stepsize_controller=diffrax.PIDController(rtol=1e-10, atol=1e-12),
                                  max_steps=1_000_000)
        return sol.ys[-1, 0], sol.stats["num_steps"]

    best, med = timed(lambda: jax.block_until_ready(adaptive()), repeat)
    th, steps = adaptive()
    print(f"diffrax {diffrax.__version__} Dopri5 rtol 1e-10: best {best * 1e3:.2f} ms, median {med * 1e3:.2f} ms, "
          f"{int(steps)} steps (~{6 * int(steps)} rhs evaluations), theta(T) = {float(th):.15g}")

    b1s = jnp.linspace(0.0, 0.99, 1000)

    @jax.jit
    def ensemble():
        def one(b1):
            sol = diffrax.diffeqsolve(term, diffrax.Tsit5(), 0.0, T, LR, y0, args=b1,
                                      stepsize_controller=diffrax.ConstantStepSize(),
                                      max_steps=10_001)
            return sol.ys[-1, 0]
        return jax.vmap(one)(b1s)

    best, med = timed(lambda: jax.block_until_ready(ensemble()), repeat)
    n = 1000 * 10_000 * 6
    print(f"diffrax vmap Tsit5, 1000 runs x 10^4 steps: best {best:.3f} s, median {med:.3f} s, "
          f"{n:.3g} rhs evaluations ({n / best:.3g} per second)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    scipy_row(a.repeat)
    diffrax_rows(a.repeat)


if __name__ == "__main__":
    main()
