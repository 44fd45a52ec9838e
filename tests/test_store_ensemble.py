"""The ensemble store: one transaction per run, no duplicates, deterministic export."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from isthmus.results.ensemble_store import EnsembleStore, RunRecord, export_store


def _rec(run_id: int, value: float = 1.0, n: int = 3) -> RunRecord:
    ind = pd.DataFrame(
        {
            "indicator": ["delivered_t"] * n,
            "region": ["usa"] * n,
            "year": list(range(2000, 2000 + n)),
            "value": [value + k for k in range(n)],
            "unit": ["t"] * n,
        }
    )
    return RunRecord(run_id, 100 + run_id, {"routes.theta": 10.0 + run_id}, {"a.b": 1.0}, ind)


def test_a_run_is_written_whole_or_not_at_all(tmp_path):
    st = EnsembleStore(tmp_path / "r.duckdb")
    st.write_run(_rec(0))
    # a second run with the same id violates the primary key: nothing of it may remain
    with pytest.raises(duckdb.Error):
        st.write_run(_rec(0, value=99.0))
    ind = st.table("indicators")
    assert len(ind) == 3 and ind["value"].max() < 99
    assert st.done_ids() == {0}
    assert len(st.table("params")) == 1
    st.close()


def test_orphan_rows_are_dropped_on_open(tmp_path):
    path = tmp_path / "r.duckdb"
    st = EnsembleStore(path)
    st.write_run(_rec(0))
    st.con.execute("insert into indicators values (7, 1, 'x', 'y', 2000, 1.0, 't')")
    st.close()
    st = EnsembleStore(path)
    assert set(st.table("indicators")["run_id"]) == {0}
    st.close()


def test_failures_are_recorded_then_cleared(tmp_path):
    st = EnsembleStore(tmp_path / "r.duckdb")
    bad = _rec(2)
    bad.error = "Traceback: boom"
    st.write_run(bad)
    assert st.done_ids() == set()
    assert st.table("failures")["run_id"].tolist() == [2]
    st.write_run(_rec(2))
    assert st.done_ids() == {2}
    assert st.table("failures").empty
    st.close()


def test_export_is_independent_of_completion_order(tmp_path):
    for name, order in (("a", [0, 1, 2]), ("b", [2, 0, 1])):
        st = EnsembleStore(tmp_path / name / "results.duckdb")
        st.set_meta({"base_seed": 1})
        for i in order:
            st.write_run(_rec(i, value=float(i)))
        st.write_bands()
        st.close()
        export_store(tmp_path / name, tmp_path / f"x{name}", "csv")
    for f in ("indicators.csv", "runs.csv", "params.csv", "bands.csv"):
        a = (tmp_path / "xa" / f).read_text()
        assert a == (tmp_path / "xb" / f).read_text(), f
    ind = pd.read_csv(tmp_path / "xa" / "indicators.csv")
    assert list(ind.columns) == ["run_id", "seed", "indicator", "region", "year", "value", "unit"]
    bands = pd.read_csv(tmp_path / "xa" / "bands.csv")
    assert bands.loc[bands["year"] == 2000, "q50"].item() == pytest.approx(1.0)


def test_export_parquet_round_trips(tmp_path):
    st = EnsembleStore(tmp_path / "results.duckdb")
    st.write_run(_rec(0))
    st.write_run(_rec(1, value=5.0))
    st.close()
    files = export_store(tmp_path, tmp_path / "pq", "parquet")
    assert {f.name for f in files} >= {"indicators.parquet", "runs.parquet", "meta.parquet"}
    ind = pd.read_parquet(tmp_path / "pq" / "indicators.parquet")
    assert ind["run_id"].tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError):
        export_store(tmp_path, tmp_path / "z", "xlsx")


def test_read_only_store_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError):
        EnsembleStore(tmp_path / "missing.duckdb", read_only=True)
