"""A crash-safe DuckDB store for ensembles: one transaction per finished run.

Only the parent process writes (workers return tables). Each finished run is
committed at once, with its seed, parameters, scenario hash and code version,
so a killed ensemble loses at most the runs that were in flight, and
``--resume`` can finish it without redoing or duplicating anything.

Tables
------
``meta``
    key/value pairs describing the ensemble (base seed, scenario hash, the
    parameter space, ...); checked on resume.
``runs``
    one row per finished run: run_id (the replicate index), seed, scenario,
    scenario_hash, code_version, git_commit, base_seed, params (JSON of every
    resolved parameter).
``params``
    drawn parameter values, long: run_id, param, value.
``indicators``
    annual indicators of every run: run_id, seed, indicator, region, year,
    value, unit.
``run_log``
    where and how fast each run ran: run_id, worker, elapsed_s, peak_rss_mb
    (not part of the reproducible results: it depends on the machine).
``failures``
    runs that raised, with the error (a resume retries them).
``bands``
    quantile bands across runs: indicator, region, year, unit, n_runs, n_nan,
    q05, q25, q50, q75, q95, mean (NaN values are counted in n_nan and left out).
    They are computed in a fixed order (the mean sums the runs by run id), so two
    identical ensembles have identical bands, whatever order their runs finished in.

Only one process may write a store: opening it for writing takes a lock
(:class:`StoreLock`, a ``.results.duckdb.lock`` file next to it, held with
``flock``); a second writer gets :class:`StoreBusyError` naming the holder.

Examples
--------
>>> import pandas as pd
>>> st = EnsembleStore(":memory:")
>>> ind = pd.DataFrame({"indicator": ["delivered_t"], "region": ["usa"], "year": [2005],
...                     "value": [400.0], "unit": ["t"]})
>>> st.write_run(RunRecord(0, 11, {"routes.theta": 30.0}, {"routes.theta": 30.0}, ind))
>>> st.done_ids()
{0}
>>> st.write_bands()["q50"].tolist()
[400.0]
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
INDICATOR_COLUMNS = ["run_id", "seed", "indicator", "region", "year", "value", "unit"]

_SCHEMA = """
create table if not exists meta (key varchar primary key, value varchar);
create table if not exists runs (
    run_id integer primary key, seed bigint, scenario varchar, scenario_hash varchar,
    code_version varchar, git_commit varchar, base_seed bigint, params varchar);
create table if not exists params (run_id integer, param varchar, value double);
create table if not exists indicators (
    run_id integer, seed bigint, indicator varchar, region varchar, year integer,
    value double, unit varchar);
create table if not exists run_log (
    run_id integer, worker varchar, elapsed_s double, peak_rss_mb double);
create table if not exists failures (run_id integer, seed bigint, error varchar);
"""


class StoreBusyError(Exception):
    """Another process holds the store open for writing."""


class StoreLock:
    """An exclusive, non-blocking lock on a store file, held by this process.

    The lock is ``flock`` on ``.<name>.lock`` next to the store; the kernel
    drops it when the process ends, even on SIGKILL, so a killed ensemble
    never leaves a stale lock. The file records who holds it, for the message
    a second process gets.

    Parameters
    ----------
    path : str or Path
        The store file (``results.duckdb``).

    Raises
    ------
    StoreBusyError
        If another process holds the lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "results.duckdb"
    >>> lock = StoreLock(p)
    >>> lock.path.name
    '.results.duckdb.lock'
    >>> lock.release()
    >>> lock.path.exists()
    False
    """

    def __init__(self, path: str | Path):
        import fcntl

        self.store = Path(path)
        self.path = self.store.with_name(f".{self.store.name}.lock")
        self.fd: int | None = None
        for _ in range(20):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder(fd)
                os.close(fd)
                raise StoreBusyError(
                    f"{self.store.parent} is in use by another process{holder}: wait for it "
                    "to finish (then --resume if needed), or choose another --out"
                ) from None
            except BaseException:
                os.close(fd)
                raise
            # why: the holder before us may have removed the file after we opened it;
            # a lock on a removed file protects nothing, so try again on the new one
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                break
            os.close(fd)
        else:  # pragma: no cover - twenty lost races in a row
            raise StoreBusyError(f"{self.store.parent} is in use by another process")
        info = f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
        os.ftruncate(self.fd, 0)
        os.write(self.fd, info.encode())

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            text = os.pread(fd, 200, 0).decode(errors="replace").strip()
        except OSError:
            return ""
        return f" ({text})" if text else ""

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still holding it: no one can lock the old file after
        with contextlib.suppress(OSError):
            os.close(self.fd)  # closing the descriptor releases the flock
        self.fd = None

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class RunRecord:
    """What a worker hands back for one finished run.

    Attributes
    ----------
    run_id, seed : int
        The replicate index and its derived seed.
    drawn : dict
        The parameter values drawn for this run (``{"module.name": value}``).
    params : dict
        Every resolved parameter of the run (drawn, scenario and defaults).
    indicators : pandas.DataFrame or pyarrow.Table
        The run's annual indicators (indicator, region, year, value, unit); an
        Arrow table must also have the run_id and seed columns.
    """

    run_id: int
    seed: int
    drawn: dict[str, float]
    params: dict[str, float]
    indicators: Any  # pandas.DataFrame or pyarrow.Table
    scenario: str = ""
    scenario_hash: str = ""
    code_version: str = ""
    worker: str = ""
    elapsed_s: float = 0.0
    peak_rss_mb: float = 0.0
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class EnsembleStore:
    """The DuckDB file of an ensemble (or ``":memory:"``).

    Parameters
    ----------
    path : str or Path
        File to open or create; ``":memory:"`` keeps everything in memory.
    read_only : bool
        Open an existing file without writing.
    lock : StoreLock, optional
        A lock already taken on ``path`` (the store then owns it and releases it
        on :meth:`close`); a writable file store takes one itself otherwise.

    Raises
    ------
    StoreBusyError
        When another process has the store open for writing.
    """

    def __init__(self, path: str | Path, read_only: bool = False, lock: StoreLock | None = None):
        self.path = str(path)
        self.lock = lock
        if read_only and not Path(self.path).exists():
            raise FileNotFoundError(self.path)
        if not read_only and self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            if self.lock is None:
                self.lock = StoreLock(self.path)
        try:
            # One thread: the parent must leave the cores to the workers.
            try:
                self.con = duckdb.connect(self.path, read_only=read_only, config={"threads": 1})
            except duckdb.IOException as exc:
                if "lock" in str(exc).lower():  # held by a process that is not isthmus
                    raise StoreBusyError(
                        f"{self.path} is in use by another process: {str(exc).splitlines()[0]}"
                    ) from None
                raise
            self.con.execute("set enable_progress_bar = false")  # it would print to stdout
            if not read_only:
                self.con.execute(_SCHEMA)
                self._cleanup()
        except BaseException:
            if getattr(self, "con", None) is not None:
                with contextlib.suppress(Exception):
                    self.con.close()
            if self.lock is not None:
                self.lock.release()
            raise

    def close(self) -> None:
        """Close the connection and release the write lock (idempotent)."""
        try:
            self.con.close()
        finally:
            if self.lock is not None:
                self.lock.release()

    def __enter__(self) -> EnsembleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- bookkeeping ------------------------------------------------------------------
    def _cleanup(self) -> None:
        """Drop rows of runs that are not in ``runs``.

        Runs are written in one transaction, so there should be none; this keeps
        the invariant even if a file was edited by hand.
        """
        with self._transaction():
            for t in ("params", "indicators", "run_log"):
                self.con.execute(f"delete from {t} where run_id not in (select run_id from runs)")

    @contextlib.contextmanager
    def _transaction(self) -> Any:
        """One transaction; on error it is rolled back and the *first* error is raised.

        (A failed commit, e.g. on a full disk, leaves no transaction to roll back;
        the rollback's own error must not hide the real one.)
        """
        self.con.execute("begin transaction")
        try:
            yield self.con
            self.con.execute("commit")
        except BaseException:
            with contextlib.suppress(Exception):
                self.con.execute("rollback")
            raise

    def get_meta(self) -> dict[str, str]:
        return dict(self.con.execute("select key, value from meta").fetchall())

    def set_meta(self, meta: dict[str, Any]) -> None:
        with self._transaction() as con:
            for k, v in meta.items():
                con.execute("delete from meta where key = ?", [k])
                con.execute("insert into meta values (?, ?)", [k, str(v)])

    def done_ids(self) -> set[int]:
        """Run ids already committed."""
        return {int(r[0]) for r in self.con.execute("select run_id from runs").fetchall()}

    def n_runs(self) -> int:
        return int(self.con.execute("select count(*) from runs").fetchone()[0])

    def nan_runs(self) -> list[int]:
        """Ids of runs with a NaN indicator value (the model went non-finite)."""
        q = (
            "select distinct run_id from indicators where value is null or isnan(value) "
            "order by run_id"
        )
        return [int(r[0]) for r in self.con.execute(q).fetchall()]

    # -- writing ----------------------------------------------------------------------
    def write_run(self, rec: RunRecord, git_commit: str = "", base_seed: int | None = None) -> None:
        """Commit one finished run (or record its failure) in a single transaction."""
        with self._transaction() as con:
            if rec.error is not None:
                con.execute("delete from failures where run_id = ?", [rec.run_id])
                con.execute(
                    "insert into failures values (?, ?, ?)", [rec.run_id, rec.seed, rec.error]
                )
                return
            con.execute(
                "insert into runs values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    rec.run_id,
                    rec.seed,
                    rec.scenario,
                    rec.scenario_hash,
                    rec.code_version,
                    git_commit,
                    base_seed,
                    json.dumps(rec.params, sort_keys=True),
                ],
            )
            if rec.drawn:
                pdf = pd.DataFrame(
                    {
                        "run_id": rec.run_id,
                        "param": list(rec.drawn),
                        "value": [float(v) for v in rec.drawn.values()],
                    }
                )
                con.register("_params_view", pdf)
                con.execute("insert into params select run_id, param, value from _params_view")
                con.unregister("_params_view")
            ind = rec.indicators
            if not isinstance(ind, pd.DataFrame):  # an Arrow table from a worker (fast path)
                ind = ind.select(INDICATOR_COLUMNS)
            else:
                ind = self._frame(rec, ind)
            con.register("_ind_view", ind)
            con.execute(
                f"insert into indicators select {', '.join(INDICATOR_COLUMNS)} from _ind_view"
            )
            con.unregister("_ind_view")
            con.execute(
                "insert into run_log values (?, ?, ?, ?)",
                [rec.run_id, rec.worker, rec.elapsed_s, rec.peak_rss_mb],
            )
            con.execute("delete from failures where run_id = ?", [rec.run_id])

    @staticmethod
    def _frame(rec: RunRecord, ind: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "run_id": rec.run_id,
                "seed": rec.seed,
                "indicator": ind["indicator"].to_numpy(dtype=object),
                "region": ind["region"].to_numpy(dtype=object),
                "year": ind["year"].to_numpy(),
                "value": ind["value"].to_numpy(dtype=float),
                "unit": ind["unit"].to_numpy(dtype=object),
            }
        )

    def write_bands(self) -> pd.DataFrame:
        """(Re)compute the quantile bands over every finished run and return them.

        The result depends only on the runs stored, not on the order they were
        inserted in nor on the number of threads: quantiles come from sorted
        values, and the mean sums each group's values in run-id order (in NumPy;
        a parallel SQL ``avg`` adds them in a varying order, which changes the
        last bits).
        """
        # NaN values (a run whose model state went non-finite) are left out of the
        # quantiles and counted in n_nan, so one bad run does not blank a band.
        # (pandas hands NaN over as NULL; a NaN computed in SQL stays NaN: catch both)
        ok = "filter (where value is not null and not isnan(value))"
        qs = ", ".join(
            f"quantile_cont(value, {q}) {ok} as q{int(round(q * 100)):02d}" for q in QUANTILES
        )
        keys = "indicator, region, year"
        # the workers are done by now: let the aggregation use every core
        self.con.execute(f"set threads = {os.cpu_count() or 1}")
        try:
            bands = self.con.execute(
                f"select {keys}, min(unit) as unit, count(*) {ok} as n_runs, "
                "count(*) filter (where value is null or isnan(value)) as n_nan, "
                f"{qs} from indicators group by {keys} order by {keys}"
            ).df()
            values = self.con.execute(
                f"select coalesce(value, 'NaN'::double) as v from indicators "
                f"order by {keys}, run_id"
            ).fetchnumpy()["v"]
        finally:
            self.con.execute("set threads = 1")
        values = np.asarray(values, dtype=float)
        n_ok = bands["n_runs"].to_numpy(dtype=np.int64)
        sizes = n_ok + bands["n_nan"].to_numpy(dtype=np.int64)
        mean = np.full(len(bands), np.nan)
        if len(bands):
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            sums = np.add.reduceat(np.where(np.isnan(values), 0.0, values), starts)
            has = n_ok > 0
            mean[has] = sums[has] / n_ok[has]
        bands["mean"] = mean
        with self._transaction() as con:
            con.register("_bands_view", bands)
            # no value to summarise is NULL, as SQL's own aggregates give it
            stats = ", ".join(
                f"case when isnan({c}) then null else {c} end as {c}"
                for c in [f"q{int(round(q * 100)):02d}" for q in QUANTILES] + ["mean"]
            )
            con.execute(
                f"create or replace table bands as select {keys}, unit, n_runs, n_nan, "
                f"{stats} from _bands_view order by {keys}"
            )
            con.unregister("_bands_view")
        return self.table("bands")

    # -- reading ----------------------------------------------------------------------
    def tables(self) -> list[str]:
        rows = self.con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "order by table_name"
        ).fetchall()
        return [r[0] for r in rows]

    def table(self, name: str) -> pd.DataFrame:
        """A whole table, in a deterministic order (sorted by all columns)."""
        if name not in self.tables():
            raise KeyError(f"no table {name!r} in {self.path}")
        return self.con.execute(f"select * from {name} order by all").df()

    def sql(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a SQL query on the store and return a DataFrame."""
        return self.con.execute(query, params or []).df()


def export_store(path: str | Path, out: str | Path, fmt: str = "csv") -> list[Path]:
    """Write every table of a DuckDB results file to ``out`` (one file per table).

    Rows are sorted by all columns, so two stores with the same content export to
    identical files whatever order the runs finished in.

    Parameters
    ----------
    path : str or Path
        A ``results.duckdb`` file, or a folder holding one.
    out : str or Path
        Existing folder to write into.
    fmt : {"csv", "parquet"}

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> st = EnsembleStore(d / "results.duckdb"); st.set_meta({"base_seed": 1}); st.close()
    >>> sorted(p.name for p in export_store(d, d / "x", "csv"))[:2]
    ['failures.csv', 'indicators.csv']
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r} (csv or parquet)")
    path = Path(path)
    if path.is_dir():
        path = path / "results.duckdb"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        ]
        for name in sorted(names):
            f = out / f"{name}.{fmt}"
            opts = "format csv, header true" if fmt == "csv" else "format parquet"
            target = str(f).replace("'", "''")
            con.execute(f"copy (select * from {name} order by all) to '{target}' ({opts})")
            written.append(f)
    finally:
        con.close()
    return written
