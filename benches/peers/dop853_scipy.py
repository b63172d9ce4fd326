#!/usr/bin/env python3
"""Peer run for optdyn's `dop853`: scipy's solve_ivp(method="DOP853") on the classic non-stiff
problems of Hairer, Norsett & Wanner (Arenstorf orbit, Euler rigid body, Brusselator, Pleiades;
the definitions of optdyn::integrate::problems::hnw) at rtol = atol = 1e-6 .. 1e-14, printing
nfev and the max-norm error of y(t_end).

The Arenstorf orbit is periodic, so its exact end state is its start. The other end states are
optdyn's dopri5 at rtol = atol = 1e-14 (a different method from both DOP853 codes); the script
also prints the distance of scipy's own DOP853 at 1e-14 to them, a check of both.

solve_ivp is called without t_eval and without dense_output: scipy's DOP853 then spends
12 evaluations per attempted step plus 2 at the start (one for f(t0), one for the initial
step), the same work optdyn counts when no sample or event falls inside a step (optdyn spends 11, not
12, on a rejected step). scipy raises an rtol below 100 machine epsilons to 2.22e-14, so its
1e-14 rows are not at the stated tolerance.

Recorded once with scipy 1.17.1 / numpy 2.4.6; the numbers at 1e-7 .. 1e-13 are the table
`SCIPY` in crates/optdyn/tests/dop853.rs.

Usage: python3 benches/peers/dop853_scipy.py   (exits 0 with a message when scipy is missing)
"""

import math
import sys
import warnings

try:
    import numpy as np
    from scipy.integrate import solve_ivp
except ImportError:
    print("dop853_scipy.py: scipy (and numpy) not installed; skipping the scipy DOP853 peer run")
    sys.exit(0)

MU = 0.012277471
ARENSTORF_PERIOD = 17.0652165601579625588917206249


def arenstorf(_t, y):
    mu1 = 1.0 - MU
    d1 = ((y[0] + MU) ** 2 + y[1] ** 2) ** 1.5
    d2 = ((y[0] - mu1) ** 2 + y[1] ** 2) ** 1.5
    return [
        y[2],
        y[3],
        y[0] + 2.0 * y[3] - mu1 * (y[0] + MU) / d1 - MU * (y[0] - mu1) / d2,
        y[1] - 2.0 * y[2] - mu1 * y[1] / d1 - MU * y[1] / d2,
    ]


def euler_rigid_body(t, y):
    f = 0.25 * math.sin(t) ** 2 if 3.0 * math.pi <= t <= 4.0 * math.pi else 0.0
    return [-2.0 * y[1] * y[2], 1.25 * y[2] * y[0], -0.5 * y[0] * y[1] + f]


def brusselator(_t, y):
    q = y[0] * y[0] * y[1]
    return [1.0 + q - 4.0 * y[0], 3.0 * y[0] - q]


def pleiades(_t, y):
    x, yy, v = y[:7], y[7:14], y[14:]
    acc = np.zeros(14)
    for i in range(7):
        for j in range(7):
            if j != i:
                dx, dy = x[j] - x[i], yy[j] - yy[i]
                r2 = dx * dx + dy * dy
                w = (j + 1) / (r2 * math.sqrt(r2))
                acc[i] += w * dx
                acc[7 + i] += w * dy
    return np.concatenate([v, acc])


# (name, rhs, t_end, y0, end state)
PROBLEMS = [
    ("arenstorf", arenstorf, ARENSTORF_PERIOD,
     [0.994, 0.0, 0.0, -2.00158510637908252240537862224],
     [0.994, 0.0, 0.0, -2.00158510637908252240537862224]),
    ("euler-rigid-body", euler_rigid_body, 60.0, [1.0, 0.0, 0.9],
     [1.05489940989785910e-1, 7.86158330247801129e-1, 1.16310675021090559e0]),
    ("brusselator", brusselator, 20.0, [1.5, 3.0],
     [4.98637071268357324e-1, 4.59678034945202985e0]),
    ("pleiades", pleiades, 3.0,
     [3, 3, -1, -3, 2, -2, 2, 3, -3, 2, 0, 0, -4, 4,
      0, 0, 0, 0, 0, 1.75, -1.5, 0, 0, 0, -1.25, 1, 0, 0],
     [3.70613914399166244e-1, 3.23728409205729628e0, -3.22255903241800779e0,
      6.59709145577370704e-1, 3.42558170716658228e-1, 1.56217210140057761e0,
      -7.00309292222298208e-1, -3.94343758551673051e0, -3.27138097397255212e0,
      5.22508184345363258e0, -2.59061243497743998e0, 1.19821369339209727e0,
      -2.42968234493582153e-1, 1.09144924043022695e0, 3.41700380631874623e0,
      1.35458450162550936e0, -2.59006559780991052e0, 2.02505373471341921e0,
      -1.15581510015460931e0, -8.07298817022281345e-1, 5.95239635416140667e-1,
      -3.74124496123185502e0, 3.77345968575047319e-1, 9.38685886952297488e-1,
      3.66792222719734828e-1, -3.47404635379413518e-1, 2.34491544818095576e0,
      -1.94702043426325222e0]),
]


def main():
    import scipy

    warnings.filterwarnings("ignore", message="At least one element of `rtol` is too small")
    print(f"scipy {scipy.__version__}, numpy {np.__version__}: "
          "solve_ivp(method='DOP853', rtol=tol, atol=tol), no t_eval "
          "(rtol 1e-14 is raised to 2.22e-14 by scipy)")
    print(f"{'problem':18} {'tol':>7} {'nfev':>6} {'error':>10}")
    for name, f, t_end, y0, want in PROBLEMS:
        for e in range(6, 15):
            tol = 10.0 ** -e
            sol = solve_ivp(f, (0.0, t_end), np.array(y0, dtype=float), method="DOP853",
                            rtol=tol, atol=tol)
            if not sol.success:
                print(f"{name:18} {tol:7.0e} failed: {sol.message}")
                continue
            err = float(np.max(np.abs(sol.y[:, -1] - np.array(want))))
            print(f"{name:18} {tol:7.0e} {sol.nfev:6d} {err:10.3e}")


if __name__ == "__main__":
    main()
