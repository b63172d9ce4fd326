"""Sweeps written as Apache Parquet (``format="parquet"``), read back by pyarrow — a reader
independent of the Rust writer: the schema's types, every value equal to the CSV's, nulls where
the CSV is empty, and merged shards equal to the single-process file."""

import pathlib

import numpy as np
import pytest

import optdyn

pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")

SWEEP = dict(
    objective="quadratic:diag=1;4",
    x0=[1.0, -2.0],
    optimizer="sgd:lr=0.1",
    grid="lr=0.01;0.3;0.6,momentum=0;0.5;-0.5,x0[1]=-2:2:7",
    metric="final_x,final_loss,diverged,steps_to_tol,max_update",
    steps=300,
    tol=1e-6,
    max_abs=1e6,
)


def test_parquet_columns_are_typed_and_equal_the_csv(tmp_path):
    r = optdyn.sweep(**SWEEP, out=tmp_path, format="parquet")
    assert r["parquet"] == str(tmp_path / "results.parquet")
    t = pq.read_table(r["parquet"])
    types = {f.name: (f.type, f.nullable) for f in t.schema}
    assert types["index"] == (pa.uint64(), False)
    assert types["x0[1]"] == (pa.float64(), False)
    assert types["final_x1"] == (pa.float64(), True)
    assert types["diverged"] == (pa.bool_(), True)
    assert types["steps_to_tol"] == (pa.uint64(), True)
    assert types["status"] == (pa.string(), False)
    cols = r["columns"]
    assert t.column_names == list(cols)
    invalid = np.array(cols["status"]) == "invalid"
    assert invalid.sum() == r["invalid"] == 21
    for name in ["lr", "momentum", "x0[1]", "final_x0", "final_x1", "final_loss", "max_update"]:
        got = t.column(name).to_numpy(zero_copy_only=False).astype(float)
        np.testing.assert_array_equal(got, cols[name])
    assert t.column("final_loss").null_count == int(np.isnan(cols["final_loss"]).sum()) >= 21
    div = t.column("diverged").to_pylist()
    assert [d is None for d in div] == list(invalid)
    assert any(div) and [int(d) for d in div if d is not None] == list(cols["diverged"][~invalid])
    hit = t.column("steps_to_tol").to_pylist()
    assert [h if h is not None else -1 for h in hit] == list(np.nan_to_num(cols["steps_to_tol"], nan=-1))
    assert t.column("status").to_pylist() == cols["status"]


def test_merged_shards_give_the_single_process_parquet(tmp_path):
    whole = optdyn.sweep(**SWEEP, out=tmp_path / "whole", format="parquet")
    for i in range(3):
        optdyn.sweep(**SWEEP, shard=(i, 3), out=tmp_path / "sharded")
    merged = optdyn.merge(tmp_path / "sharded", format="parquet")
    assert pathlib.Path(merged).with_suffix(".parquet").read_bytes() == pathlib.Path(
        whole["parquet"]
    ).read_bytes()


def test_format_errors_name_the_field(tmp_path):
    with pytest.raises(optdyn.SpecError, match="format must be 'csv' or 'parquet', got 'xlsx'"):
        optdyn.sweep(**SWEEP, out=tmp_path, format="xlsx")
    with pytest.raises(optdyn.SpecError, match="needs out="):
        optdyn.sweep(**SWEEP, format="parquet")
