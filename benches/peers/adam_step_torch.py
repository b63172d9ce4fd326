#!/usr/bin/env python3
"""Peer of `cargo bench -p optdyn --bench optim -- f32` (`adam_step/f32/10000000`) in torch.

One `torch.optim.Adam` step (torch defaults but lr = 1e-3, `fused=True`, also the default
foreach and the single-tensor implementations) on 10^7 float32 parameters with a fixed gradient,
the data of the criterion bench (x_i = (i mod 1000)·1e-3, g_i = ((i mod 777) − 388)·1e-4).
Prints the best and median of --repeat timed steps per implementation, after warm-up steps.
Threads: torch's default intra-op pool (all cores), as optdyn's rayon pool.

    python3 benches/peers/adam_step_torch.py
    cargo bench -p optdyn --bench optim -- f32

Skips (exit 0) when torch is not installed.
"""
import argparse
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("adam_step_torch: torch is not installed; skipped (pip install torch)")
    sys.exit(0)

N = 10_000_000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    i = torch.arange(N, dtype=torch.int64)
    for label, kw in [("fused", {"fused": True}), ("foreach", {"foreach": True}), ("single-tensor", {"foreach": False})]:
        x = torch.nn.Parameter(((i % 1000).to(torch.float32)) * 1e-3)
        x.grad = ((i % 777).to(torch.float32) - 388.0) * 1e-4
        opt = torch.optim.Adam([x], lr=1e-3, **kw)
        for _ in range(3):
            opt.step()
        ts = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            opt.step()
            ts.append(time.perf_counter() - t0)
        print(f"torch {torch.__version__} Adam({label}) 1e7 f32: best {min(ts) * 1e3:.2f} ms, "
              f"median {statistics.median(ts) * 1e3:.2f} ms ({torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
