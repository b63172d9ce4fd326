"""Sweeps from Python: the CLI's durable shards, merge, and the Dask example on a LocalCluster
of 2 workers giving a merged file byte-identical to one single-process sweep."""

import importlib.util
import pathlib

import numpy as np

import optdyn

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "dask_sweep.py"


def load_example():
    spec = importlib.util.spec_from_file_location("dask_sweep", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sweep_columns_and_engines_agree(tmp_path):
    kw = dict(grid="beta1=0:0.99:6,beta2=0.9:0.9999:5", metric="final_x,diverged,steps_to_tol,max_update", steps=300)
    a = optdyn.sweep("rosen1d:c=4", [-1.5], "adam:lr=0.01", **kw, engine="auto")
    b = optdyn.sweep("rosen1d:c=4", [-1.5], "adam:lr=0.01", **kw, engine="generic")
    assert a["points"] == 30 and a["path"] is None
    for name in ["index", "beta1", "beta2", "final_x0", "diverged", "max_update"]:
        np.testing.assert_array_equal(a["columns"][name], b["columns"][name])
    assert a["columns"]["index"].dtype == np.int64
    assert a["columns"]["status"] == ["ok"] * 30


def test_shards_merge_to_the_single_process_bytes(tmp_path):
    mod = load_example()
    whole = optdyn.sweep(**mod.SWEEP, out=tmp_path / "whole")
    for i in range(3):
        optdyn.sweep(**mod.SWEEP, shard=(i, 3), out=tmp_path / "sharded")
    merged = optdyn.merge(tmp_path / "sharded")
    assert pathlib.Path(merged).read_bytes() == pathlib.Path(whole["path"]).read_bytes()


def test_dask_local_cluster_of_two_workers(tmp_path):
    distributed = __import__("pytest").importorskip("dask.distributed")
    mod = load_example()
    whole = optdyn.sweep(**mod.SWEEP, out=tmp_path / "whole")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            merged = mod.dask_sweep(client, str(tmp_path / "dask"), shards=4)
    assert pathlib.Path(merged).read_bytes() == pathlib.Path(whole["path"]).read_bytes()
    assert len(list((tmp_path / "dask").glob("shard-*-of-4.csv"))) == 4
