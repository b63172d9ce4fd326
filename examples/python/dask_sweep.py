"""Fan an optdyn sweep out over a Dask cluster and merge the shards.

Each task runs ``optdyn.sweep(..., shard=(i, n), out=DIR)``: a contiguous slice of the grid,
written durably to ``DIR/shard-i-of-n.csv`` (every row a pure function of its index, so any
worker computes the same bytes; a failed task can simply be re-run with ``resume=True``).
``optdyn.merge`` then checks that every point is present exactly once and writes
``DIR/results.csv`` — byte-identical to a single-process ``optdyn.sweep(..., out=DIR)``.

    python examples/python/dask_sweep.py OUT_DIR [N_SHARDS]

With Ray instead of Dask the pattern is the same::

    import ray
    ray.init()
    run = ray.remote(optdyn.sweep)
    ray.get([run.remote(**SWEEP, shard=(i, n), out=out) for i in range(n)])
    optdyn.merge(out)

The shard files must land on storage the merging process can read (a shared file system, or
copy them back before merging).
"""

import sys

import optdyn

# Adam's basin of attraction on the bistable rosen1d over (β1, β2): 14 × 4 = 56 runs.
SWEEP = dict(
    objective="rosen1d:c=4",
    x0=[-1.5],
    optimizer="adam:lr=0.01",
    grid="beta1=0:0.99:14,beta2=0.9:0.9999:4",
    metric="final_x,final_loss,diverged",
    steps=500,
)


def run_shard(i, n, out):
    """One shard of the sweep (what each Dask task runs); returns its CSV path."""
    return optdyn.sweep(**SWEEP, shard=(i, n), out=out, threads=1)["path"]


def dask_sweep(client, out, shards=4):
    """Runs the sweep as `shards` Dask tasks on `client` and merges them; returns the path of
    the merged `results.csv`."""
    futures = [client.submit(run_shard, i, shards, out, pure=False) for i in range(shards)]
    client.gather(futures)
    return optdyn.merge(out)


def main(argv):
    from dask.distributed import Client, LocalCluster

    out = argv[1] if len(argv) > 1 else "optdyn-out/dask-sweep"
    shards = int(argv[2]) if len(argv) > 2 else 4
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            print(dask_sweep(client, out, shards))


if __name__ == "__main__":
    main(sys.argv)
