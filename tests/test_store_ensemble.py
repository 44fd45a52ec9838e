"""The ensemble store: one transaction per run, no duplicates, deterministic export."""

from __future__ import annotations

import duckdb
import numpy as np
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


# -- one writer at a time; errors that do not hide each other; reproducible bands -------


def test_second_writer_is_refused_and_names_the_folder(tmp_path):
    from isthmus.results.ensemble_store import StoreBusyError

    path = tmp_path / "results.duckdb"
    st = EnsembleStore(path)
    with pytest.raises(StoreBusyError, match=f"{tmp_path} is in use by another process .pid"):
        EnsembleStore(path)
    st.close()
    EnsembleStore(path).close()  # free again once closed
    assert not (tmp_path / ".results.duckdb.lock").exists()


def test_lock_dies_with_its_process(tmp_path):
    """A killed writer (SIGKILL) leaves no lock behind: the kernel drops flock locks."""
    import subprocess
    import sys

    path = tmp_path / "results.duckdb"
    code = (
        "import sys, time; from isthmus.results.ensemble_store import StoreLock; "
        f"l = StoreLock({str(path)!r}); print('locked', flush=True); time.sleep(60)"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    from isthmus.results.ensemble_store import StoreBusyError, StoreLock

    with pytest.raises(StoreBusyError):
        StoreLock(path)
    p.kill()
    p.wait(timeout=30)
    StoreLock(path).release()


def test_failed_commit_raises_the_real_error_not_the_rollback(tmp_path):
    st = EnsembleStore(tmp_path / "r.duckdb")
    with pytest.raises(ValueError, match="the real error"):
        with st._transaction() as con:
            con.execute("commit")  # the transaction is gone, as after a failed commit
            raise ValueError("the real error")
    st.write_run(_rec(0))  # the store is still usable
    assert st.done_ids() == {0}
    st.close()


def test_bands_do_not_depend_on_the_order_runs_arrive_in(tmp_path):
    rng = np.random.default_rng(3)
    n_runs = 60
    # values whose float sum depends on the order they are added in
    vals = rng.lognormal(0, 6, size=(n_runs, 40)) * rng.choice([1, -1], size=(n_runs, 40))

    def rec(i: int) -> RunRecord:
        ind = pd.DataFrame(
            {
                "indicator": ["x"] * 40,
                "region": [f"r{k % 4}" for k in range(40)],
                "year": [2000 + k // 4 for k in range(40)],
                "value": vals[i],
                "unit": ["t"] * 40,
            }
        )
        return RunRecord(i, i, {}, {}, ind)

    bands = []
    for order in (range(n_runs), rng.permutation(n_runs), rng.permutation(n_runs)):
        st = EnsembleStore(":memory:")
        for i in order:
            st.write_run(rec(int(i)))
        bands.append(st.write_bands())
        st.close()
    for b in bands[1:]:
        pd.testing.assert_frame_equal(b, bands[0], check_exact=True)
    # and the mean is the mean (up to rounding)
    b0 = bands[0].sort_values(["year", "region"])
    exp = vals.reshape(n_runs, 10, 4).mean(axis=0).ravel()
    np.testing.assert_allclose(b0["mean"].to_numpy(), exp, rtol=1e-12)
