"""Ensembles: replicates plus parameter draws, in parallel, stored run by run.

An :class:`Ensemble` is a set of runs of one scenario. Run ``i`` (its id is the
replicate index) gets a seed derived from the base seed and ``i``
(``numpy.random.SeedSequence(base, spawn_key=(i,))``), and, unless draws are
turned off, a value of every uncertain parameter drawn from its declared range
(or the range the scenario's ``parameters.csv`` gives). A run's seed and
parameters therefore depend only on the base seed and its index: the results
are the same whatever the number of workers or the backend (in-process, a
local process pool, or Dask), and an ensemble can be extended or resumed.

Workers compile the network once and keep it; they return tables, and only the
parent process writes, one transaction per finished run, into a DuckDB store
(:mod:`isthmus.results.ensemble_store`).

Examples
--------
>>> from isthmus.experiments.ensemble import Ensemble
>>> ens = Ensemble("central-america", runs=2, seed=7)
>>> [s.run_id for s in ens.specs()]
[0, 1]
>>> res = ens.run()                      # in memory, one worker
>>> sorted(res.indicators["run_id"].unique().tolist())
[0, 1]
>>> {"q05", "q50", "q95"} <= set(res.bands.columns)
True
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import multiprocessing as mp
import os
import socket
import subprocess
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..results.ensemble_store import EnsembleStore, RunRecord, StoreBusyError, StoreLock
from ..scenario import Problem, Scenario, ScenarioError, load_scenario

SAMPLINGS = ("uniform", "lhs")
_LHS_TAG = 0x4C4853  # entropy tag of the Latin hypercube stream ("LHS")


class EnsembleError(Exception):
    """A usage problem with an ensemble store (already exists, in use, or a resume mismatch)."""


# ---------------------------------------------------------------------------
# seeds and parameter draws


def derive_seed(base_seed: int, index: int) -> int:
    """The seed of replicate ``index``: a child of the base seed's SeedSequence.

    Examples
    --------
    >>> derive_seed(7, 0) == derive_seed(7, 0) != derive_seed(7, 1)
    True
    """
    ss = np.random.SeedSequence(int(base_seed), spawn_key=(int(index),))
    return int(ss.generate_state(1, np.uint32)[0])


@dataclass(frozen=True)
class ParamRange:
    """An uncertain parameter: its scenario value and the range draws come from."""

    key: str  # "module.name"
    value: float
    low: float
    high: float
    unit: str = ""
    source: str = ""


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def parameter_space(
    scenario: Scenario, keys: Sequence[str] | None = None, require_range: bool = True
) -> list[ParamRange]:
    """The uncertain parameters of a scenario, with the ranges to draw from.

    Declared ranges (``Sim.declared_params()``) apply unless the scenario's
    ``parameters.csv`` gives ``low``/``high`` (and its ``value`` replaces the
    default).

    Parameters
    ----------
    scenario : Scenario
    keys : list of str, optional
        ``"module.name"`` keys to keep (default: every parameter with a range).
    require_range : bool
        Raise if a requested key has no range (``low < high``).

    Examples
    --------
    >>> from isthmus import load_scenario
    >>> space = parameter_space(load_scenario("central-america"), ["routes.theta"])
    >>> space[0].low < space[0].value < space[0].high
    True
    """
    from ..engine.sim import Sim

    declared = Sim.declared_params()
    table = scenario.parameters
    over = {}
    for _, r in table.iterrows():
        over[f"{r['module']}.{r['name']}"] = r
    space: dict[str, ParamRange] = {}
    for m, ps in declared.items():
        for k, p in ps.items():
            key = f"{m}.{k}"
            value, low, high, src = p.default, p.low, p.high, p.source
            r = over.get(key)
            if r is not None:
                value = float(r["value"])
                low = low if _nan(r.get("low")) else float(r["low"])
                high = high if _nan(r.get("high")) else float(r["high"])
                src = str(r.get("source") or src)
            if low is None or high is None or not low < high:
                low = high = None
            space[key] = ParamRange(
                key, float(value), low if low is None else float(low), high, p.unit, src
            )
    if keys is None:
        return [p for p in space.values() if p.low is not None]
    problems, out = [], []
    for key in keys:
        if key not in space:
            problems.append(
                Problem("--params", None, key, f"unknown parameter (known: {', '.join(space)})")
            )
        elif space[key].low is None and require_range:
            problems.append(Problem("--params", None, key, "has no uncertainty range (low < high)"))
        else:
            out.append(space[key])
    if problems:
        raise ScenarioError(problems)
    return out


def draw_unit(
    n_params: int, base_seed: int, run_ids: Sequence[int], n_runs: int, sampling: str
) -> np.ndarray:
    """Points in the unit cube, one row per run id.

    ``uniform`` draws each run from its own stream (``spawn_key=(i, 1)``), so a
    run's draw does not depend on the ensemble size; ``lhs`` stratifies the
    ``n_runs`` draws (a Latin hypercube), so it depends on ``n_runs``.
    """
    if n_params == 0:
        return np.zeros((len(run_ids), 0))
    if sampling == "uniform":
        return np.array(
            [
                np.random.default_rng(
                    np.random.SeedSequence(int(base_seed), spawn_key=(int(i), 1))
                ).random(n_params)
                for i in run_ids
            ]
        )
    if sampling == "lhs":
        from scipy.stats import qmc

        rng = np.random.default_rng(np.random.SeedSequence([int(base_seed), _LHS_TAG]))
        u = qmc.LatinHypercube(d=n_params, rng=rng).random(n_runs)
        return u[np.asarray(run_ids, dtype=int)]
    raise ValueError(f"unknown sampling {sampling!r} (one of {SAMPLINGS})")


@dataclass(frozen=True)
class RunSpec:
    """What one run needs: its id, seed and the parameter values set for it."""

    run_id: int
    seed: int
    params: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# the work of one run (executed in a worker)


@dataclass
class Job:
    """Everything shared by the runs of an ensemble; sent once to each worker."""

    scenario: Scenario
    scenario_hash: str
    fixed: dict[str, float] = field(default_factory=dict)
    policies: list[Any] | None = None
    modules: list[str] | None = None
    # None: return the annual indicators table; else objects with .value(results)
    outputs: list[Any] | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


# Per-process cache of the compiled network (one entry: the current job).
_WORKER: dict[str, Any] = {}


def _prepare(job: Job) -> Any:
    """Compile the job's network once per process and keep it."""
    hit = _WORKER.get("net")
    if hit is None or _WORKER.get("token") != job.token:
        from ..engine.network import compile_network

        _WORKER.clear()
        _WORKER.update(token=job.token, net=compile_network(job.scenario))
        hit = _WORKER["net"]
    return hit


def _peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB.

    ``VmHWM`` of ``/proc/self/status`` where there is one: ``ru_maxrss`` keeps the
    high-water mark of the parent across ``exec``, so a Dask worker spawned by a
    big process would report the parent's size.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux
    except Exception:  # pragma: no cover - not on Linux
        return float("nan")


def execute(job: Job, spec: RunSpec) -> RunRecord:
    """Run one replicate and return its record (errors are returned, not raised)."""
    from ..engine.sim import Sim

    t0 = time.perf_counter()
    rec = RunRecord(spec.run_id, spec.seed, dict(spec.params), {}, _EMPTY)
    try:
        net = _prepare(job)
        sc = job.scenario.copy()  # why: no module may leak state from one run into the next
        h = job.scenario_hash
        sc.hash = lambda: h  # why: hashing every table costs ~9 ms a run; it is known
        sim = Sim(
            sc,
            seed=spec.seed,
            params={**job.fixed, **spec.params},
            policies=copy.deepcopy(job.policies),
            modules=job.modules,
            network=copy.deepcopy(net),
        )
        res = sim.run()
        rec.params = dict(res.params)
        rec.scenario, rec.scenario_hash, rec.code_version = res.scenario_name, h, res.version
        if job.outputs is None:
            rec.indicators = annual_table(res, spec.run_id, spec.seed)
        else:
            rec.extra["values"] = [float(o.value(res)) for o in job.outputs]
    except Exception:
        rec.error = traceback.format_exc()
    rec.elapsed_s = time.perf_counter() - t0
    rec.peak_rss_mb = _peak_rss_mb()
    rec.worker = f"{socket.gethostname()}:{os.getpid()}"
    return rec


def canonical(x: np.ndarray) -> np.ndarray:
    """Values with one NaN and one zero, so that tables compare equal byte for byte.

    NumPy's SIMD loops may return a NaN with either sign bit depending on memory
    alignment (so ``-nan`` in one process and ``nan`` in another for the same
    run); ``-0.0`` becomes ``0.0`` likewise.

    Examples
    --------
    >>> canonical(np.array([-np.nan, -0.0, 1.5])).tolist()
    [nan, 0.0, 1.5]
    >>> bool(np.signbit(canonical(np.array([-np.nan]))[0]))
    False
    """
    return np.where(np.isnan(x), np.nan, x + 0.0)


def annual_table(res: Any, run_id: int = 0, seed: int = 0) -> Any:
    """A run's annual indicators as an Arrow table, ready for the store.

    The same rows, in the same order, as ``res.indicators_annual`` plus the
    ``run_id`` and ``seed`` columns, but built straight from the recorded arrays
    with dictionary-encoded names: about 10 times faster than going through
    pandas, and cheap to send back from a worker and to insert into DuckDB.

    Examples
    --------
    >>> from isthmus import Sim
    >>> res = Sim("central-america", seed=1).run()
    >>> tab = annual_table(res, run_id=3, seed=1)
    >>> tab.num_rows == len(res.indicators_annual)
    True
    """
    import pyarrow as pa

    if not hasattr(res, "_annual_values"):  # pragma: no cover - another Results type
        df = res.indicators_annual
        return pa.table(
            {
                "run_id": np.full(len(df), run_id, dtype=np.int32),
                "seed": np.full(len(df), seed, dtype=np.int64),
                **{c: df[c].to_numpy() for c in ("indicator", "region", "year", "value", "unit")},
            }
        )
    names: list[str] = []
    units: dict[str, int] = {}
    regions: dict[str, int] = {}
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("ind", "reg", "year", "val", "unit")}
    for s in res.series.values():
        if not s.public:
            continue
        years, vals = res._annual_values(s)
        n = vals.size
        codes = np.array([regions.setdefault(r, len(regions)) for r in s.regions], dtype=np.int32)
        cols["ind"].append(np.full(n, len(names), dtype=np.int32))
        names.append(s.name)
        cols["reg"].append(np.tile(codes, len(years)))
        cols["year"].append(np.repeat(years, len(s.regions)).astype(np.int32))
        cols["val"].append(canonical(np.asarray(vals, dtype=float).ravel()))
        cols["unit"].append(np.full(n, units.setdefault(s.unit, len(units)), dtype=np.int32))

    def cat(k: str, dtype: Any) -> np.ndarray:
        return np.concatenate(cols[k]) if cols[k] else np.zeros(0, dtype=dtype)

    def dic(k: str, labels: Sequence[str]) -> Any:
        return pa.DictionaryArray.from_arrays(
            pa.array(cat(k, np.int32)), pa.array(list(labels), type=pa.string())
        )

    n = sum(len(v) for v in cols["val"])
    return pa.table(
        {
            "run_id": pa.array(np.full(n, run_id, dtype=np.int32)),
            "seed": pa.array(np.full(n, seed, dtype=np.int64)),
            "indicator": dic("ind", names),
            "region": dic("reg", list(regions)),
            "year": pa.array(cat("year", np.int32)),
            "value": pa.array(cat("val", float)),
            "unit": dic("unit", list(units)),
        }
    )


_EMPTY = pd.DataFrame(
    {
        "indicator": pd.Series([], dtype=object),
        "region": pd.Series([], dtype=object),
        "year": pd.Series([], dtype="int64"),
        "value": pd.Series([], dtype=float),
        "unit": pd.Series([], dtype=object),
    }
)


def _set_pdeathsig() -> None:
    """Ask Linux to end this worker if its parent dies (e.g. on SIGKILL)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - not Linux
        pass


_POOL_JOB: list[Job] = []


def _pool_init(job: Job) -> None:
    _set_pdeathsig()
    _POOL_JOB[:] = [job]
    _prepare(job)


def _pool_task(spec: RunSpec) -> RunRecord:
    return execute(_POOL_JOB[0], spec)


def _dask_task(job: Job, spec: RunSpec) -> RunRecord:
    return execute(job, spec)


# ---------------------------------------------------------------------------
# backends: each yields RunRecords as they finish


def run_serial(job: Job, specs: Sequence[RunSpec]) -> Iterator[RunRecord]:
    """Run in this process, one after the other."""
    for s in specs:
        yield execute(job, s)


def run_pool(job: Job, specs: Sequence[RunSpec], workers: int) -> Iterator[RunRecord]:
    """Run on a local process pool of ``workers`` processes."""
    # fork starts workers in milliseconds and shares the loaded code; the workers
    # never touch the parent's DuckDB connection.
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else methods[0])
    ex = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_pool_init, initargs=(job,))
    try:
        futs = [ex.submit(_pool_task, s) for s in specs]
        for f in as_completed(futs):
            yield f.result()
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def run_dask(job: Job, specs: Sequence[RunSpec], client: Any) -> Iterator[RunRecord]:
    """Run on a Dask cluster (``client`` is a ``distributed.Client``)."""
    from distributed import as_completed as dask_completed

    [job_f] = client.scatter([job], broadcast=True, hash=False)
    futs = [
        client.submit(_dask_task, job_f, s, key=f"isthmus-{job.token}-{s.run_id}", pure=False)
        for s in specs
    ]
    try:
        for f in dask_completed(futs):
            rec = f.result()
            f.release()
            yield rec
    finally:
        client.cancel(futs)
        client.cancel([job_f])


@contextlib.contextmanager
def local_cluster(n_workers: int = 2, **kwargs: Any) -> Iterator[Any]:
    """A Dask LocalCluster on this machine, bound to 127.0.0.1, and its client.

    Workers are single-threaded processes. The nanny's ``MALLOC_TRIM_THRESHOLD_``
    is not set (it makes numpy about 2.3x slower), and the scheduler, workers,
    nannies and dashboard listen on 127.0.0.1 only.

    Examples
    --------
    >>> with local_cluster(1) as client:  # doctest: +SKIP
    ...     client.scheduler.address.startswith("tcp://127.0.0.1:")
    True
    """
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        opts = dict(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        opts.update(kwargs)
        cluster = LocalCluster(**opts)
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()


def connect(scheduler: str, timeout: float = 30.0) -> Any:
    """A ``distributed.Client`` for a scheduler address, or a clear :class:`EnsembleError`."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, ValueError, TimeoutError) as exc:
        raise EnsembleError(
            f"cannot connect to the Dask scheduler at {scheduler!r}: {exc}".strip()
        ) from None


def code_version() -> tuple[str, str]:
    """The package version and the git commit of the code, if it is a checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        commit = out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return __version__, commit


# ---------------------------------------------------------------------------
# the ensemble


class Ensemble:
    """Replicates of a scenario plus parameter draws from their uncertainty ranges.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A loaded scenario, a shipped scenario name or a folder.
    runs : int
        Number of runs; run ids are ``0 .. runs-1``.
    seed : int
        Base seed. Run ``i``'s seed is :func:`derive_seed` ``(seed, i)``.
    draws : bool
        Draw the uncertain parameters (default); if False, runs are replicates
        that differ only by their seed.
    params : list of str, optional
        Draw only these ``"module.name"`` parameters (default: all with a range).
    sampling : {"uniform", "lhs"}
        Independent uniform draws per run (default; a run's draw does not depend
        on ``runs``, so an ensemble can be extended with ``resume``) or a Latin
        hypercube over the ``runs`` draws.
    fixed : dict, optional
        Parameter overrides applied to every run.
    policies, modules : list, optional
        As for :class:`isthmus.Sim`.

    Examples
    --------
    >>> ens = Ensemble("central-america", runs=3, seed=1, params=["routes.theta"])
    >>> [sorted(s.params) for s in ens.specs()]
    [['routes.theta'], ['routes.theta'], ['routes.theta']]
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "central-america",
        runs: int = 10,
        seed: int = 0,
        draws: bool = True,
        params: Sequence[str] | None = None,
        sampling: str = "uniform",
        fixed: dict[str, float] | None = None,
        policies: list[Any] | None = None,
        modules: list[str] | None = None,
    ):
        if runs < 1:
            raise ValueError("runs must be >= 1")
        if sampling not in SAMPLINGS:
            raise ValueError(f"unknown sampling {sampling!r} (one of {SAMPLINGS})")
        if int(seed) < 0:
            raise ValueError("seed must be >= 0")
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.runs = int(runs)
        self.seed = int(seed)
        self.draws = bool(draws)
        self.sampling = sampling
        self.fixed = dict(fixed or {})
        self.policies = list(policies) if policies else None
        self.modules = list(modules) if modules else None
        self.space = parameter_space(self.scenario, params) if draws else []
        self.scenario_hash = self.scenario.hash()

    # -- what to run ---------------------------------------------------------------------
    def specs(self, run_ids: Sequence[int] | None = None) -> list[RunSpec]:
        """The runs (seed and drawn parameters), all of them or the given ids."""
        ids = list(range(self.runs)) if run_ids is None else [int(i) for i in run_ids]
        u = draw_unit(len(self.space), self.seed, ids, self.runs, self.sampling)
        out = []
        for row, i in zip(u, ids, strict=True):
            params = {
                p.key: float(p.low + x * (p.high - p.low))
                for p, x in zip(self.space, row, strict=True)
            }
            out.append(RunSpec(i, derive_seed(self.seed, i), params))
        return out

    def job(self) -> Job:
        return Job(self.scenario, self.scenario_hash, self.fixed, self.policies, self.modules)

    def identity(self) -> dict[str, str]:
        """What defines this ensemble; a resume must match it."""

        def pol(p: Any) -> Any:
            return p if isinstance(p, dict) else p.to_dict()

        return {
            "kind": "ensemble",
            "scenario": self.scenario.name,
            "scenario_hash": self.scenario_hash,
            "base_seed": str(self.seed),
            "draws": str(self.draws),
            "sampling": self.sampling,
            "space": json.dumps([[p.key, p.low, p.high] for p in self.space]),
            "fixed": json.dumps(self.fixed, sort_keys=True),
            "policies": json.dumps([pol(p) for p in self.policies or []], default=str),
            "modules": json.dumps(self.modules),
        }

    def validate(self) -> Any:
        """Build one Sim in this process, so that bad input fails before any work."""
        from ..engine.sim import Sim

        sim = Sim(
            self.scenario,
            seed=self.seed,
            params=self.fixed,
            policies=copy.deepcopy(self.policies),
            modules=self.modules,
        )
        return sim.net

    # -- running -------------------------------------------------------------------------
    def run(
        self,
        out: str | Path | None = None,
        workers: int = 1,
        client: Any = None,
        scheduler: str | None = None,
        local_cluster_workers: int | None = None,
        resume: bool = False,
        progress: Callable[[int, int, RunRecord], None] | None = None,
        plots: bool = True,
    ) -> EnsembleResult:
        """Run the ensemble and return its results.

        Parameters
        ----------
        out : str or Path, optional
            Folder for ``results.duckdb`` (and ``bands.html``); in memory if None.
        workers : int
            Local worker processes (1 runs in this process).
        client : distributed.Client, optional
            Run on this Dask cluster.
        scheduler : str, optional
            Address of a Dask scheduler to connect to.
        local_cluster_workers : int, optional
            Start a Dask LocalCluster (127.0.0.1 only) with this many workers.
        resume : bool
            Finish an ensemble already in ``out``: runs whose ids are in the store
            are not run again. The store's scenario hash, base seed and parameter
            space must match. ``runs`` may be larger than the stored ensemble's
            (it is extended, with uniform sampling) but not smaller.
        progress : callable, optional
            ``progress(done, total, record)`` after each finished run.
        plots : bool
            Write ``bands.html`` (band plots) into ``out``.
        """
        from ..results.atomic import check_out_dir

        if out is not None:
            check_out_dir(out)
        self.validate()
        path: str | Path = ":memory:"
        lock: StoreLock | None = None
        out_created = False
        if out is not None:
            out = Path(out)
            out_created = not out.exists()
            out.mkdir(parents=True, exist_ok=True)
            path = out / "results.duckdb"
            # why lock before looking: two processes that both found no store would
            # both create one; with the lock, the second one stops here
            try:
                lock = StoreLock(path)
            except StoreBusyError as exc:
                raise EnsembleError(str(exc)) from None
        with contextlib.ExitStack() as stack:
            if out_created:
                # last on an error: a folder made for this call and left empty goes too
                stack.push(lambda et, ev, tb: _rmdir(out) if et is not None else None)
            if lock is not None:
                # on an error before the store owns the lock; a no-op once the store closed
                stack.push(lambda et, ev, tb: lock.release() if et is not None else None)
            if path != ":memory:" and Path(path).exists() and not resume:
                raise EnsembleError(
                    f"{path} already exists: pass resume=True (--resume) to finish that "
                    "ensemble, or choose another output folder"
                )
            written = [0]
            if path != ":memory:" and not Path(path).exists():
                # a store this call creates and that gets no run (a full disk at once,
                # Ctrl-C during the first run) is removed
                stack.push(
                    lambda et, ev, tb: (
                        _discard_store(Path(path)) if et is not None and not written[0] else None
                    )
                )
            if client is None and scheduler is not None:
                # connect before touching the store: a wrong address must leave nothing behind
                client = stack.enter_context(connect(scheduler))
            store = self._open_store(path, resume, lock)
            # on any error (or Ctrl-C), release the file: committed runs stay for --resume
            stack.push(lambda et, ev, tb: store.close() if et is not None else None)
            _, commit = code_version()
            done = store.done_ids()
            todo = [s for s in self.specs() if s.run_id not in done]
            total, n_done = self.runs, len([i for i in done if i < self.runs])
            t0 = time.perf_counter()
            failures: list[RunRecord] = []
            if not todo:
                recs: Iterator[RunRecord] = iter(())
            elif client is not None:
                recs = run_dask(self.job(), todo, client)
            elif local_cluster_workers is not None:
                cl = stack.enter_context(local_cluster(local_cluster_workers))
                recs = run_dask(self.job(), todo, cl)
            elif workers > 1:
                recs = run_pool(self.job(), todo, min(workers, len(todo)))
            else:
                recs = run_serial(self.job(), todo)
            stack.callback(getattr(recs, "close", lambda: None))
            for rec in recs:
                store.write_run(rec, git_commit=commit, base_seed=self.seed)
                written[0] += 1
                if rec.error is None:
                    n_done += 1
                else:
                    failures.append(rec)
                if progress is not None:
                    progress(n_done, total, rec)
        elapsed = time.perf_counter() - t0
        try:
            store.write_bands()
            result = EnsembleResult(store, out, elapsed=elapsed, n_new=len(todo) - len(failures))
            result.failures = failures
            if plots and out is not None:
                write_band_plots(result.bands, out / "bands.html", title=self.scenario.name)
        except BaseException:
            store.close()  # the committed runs stay; --resume rewrites the bands
            raise
        return result

    def _open_store(
        self, path: str | Path, resume: bool, lock: StoreLock | None = None
    ) -> EnsembleStore:
        exists = path != ":memory:" and Path(path).exists()
        if exists and not resume:
            raise EnsembleError(
                f"{path} already exists: pass resume=True (--resume) to finish that "
                "ensemble, or choose another output folder"
            )
        try:
            store = EnsembleStore(path, lock=lock)
        except StoreBusyError as exc:
            raise EnsembleError(str(exc)) from None
        meta = store.get_meta()
        ident = self.identity()
        if exists and not meta:
            store.close()
            raise EnsembleError(f"{path} is not an ensemble store (it has no 'meta' table rows)")
        if meta:
            diff = [k for k, v in ident.items() if meta.get(k) != v]
            if self.sampling == "lhs" and meta.get("n_runs") != str(self.runs):
                diff.append("n_runs (a Latin hypercube depends on the number of runs)")
            elif not diff:
                stored = max(int(meta.get("n_runs") or 0), max(store.done_ids(), default=-1) + 1)
                if self.runs < stored:
                    store.close()
                    raise EnsembleError(
                        f"cannot resume {path} with {self.runs} run(s): it holds an ensemble "
                        f"of {stored} runs, whose bands would cover runs outside the "
                        f"{self.runs} asked for (give --runs {stored} to finish it, or more "
                        "to extend it)"
                    )
            if diff:
                store.close()
                raise EnsembleError(
                    f"cannot resume {path}: it was made with a different "
                    + ", ".join(diff)
                    + " (use the same scenario, --seed and parameters, or another --out)"
                )
            if meta.get("code_version") != __version__:
                warnings.warn(
                    f"{path} was started with isthmus {meta.get('code_version')}, "
                    f"resuming with {__version__}",
                    stacklevel=3,
                )
        store.set_meta({**ident, "n_runs": self.runs, "code_version": __version__})
        return store


def _discard_store(path: Path) -> None:
    """Remove a store file (and its write-ahead log) that holds no run."""
    for f in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(OSError):
            f.unlink()


def _rmdir(folder: Path) -> None:
    """Remove ``folder`` if it is empty (never its contents)."""
    with contextlib.suppress(OSError):
        folder.rmdir()


class EnsembleResult:
    """The results of an ensemble, read from its store.

    Attributes
    ----------
    store : EnsembleStore
        The open store (query it with ``store.sql("select ...")``).
    out : Path or None
        The output folder.
    elapsed : float
        Seconds spent running (this call).
    n_new : int
        Runs finished by this call.
    """

    def __init__(
        self, store: EnsembleStore, out: Path | None, elapsed: float = 0.0, n_new: int = 0
    ):
        self.store = store
        self.out = out
        self.elapsed = elapsed
        self.n_new = n_new
        self.failures: list[RunRecord] = []

    @property
    def indicators(self) -> pd.DataFrame:
        """Long table: run_id, seed, indicator, region, year, value, unit."""
        return self.store.table("indicators")

    @property
    def runs(self) -> pd.DataFrame:
        return self.store.table("runs")

    @property
    def params(self) -> pd.DataFrame:
        """Drawn parameters, long: run_id, param, value."""
        return self.store.table("params")

    @property
    def bands(self) -> pd.DataFrame:
        """Quantile bands: indicator, region, year, unit, n_runs, n_nan, q05..q95, mean."""
        return self.store.table("bands")

    @property
    def run_log(self) -> pd.DataFrame:
        return self.store.table("run_log")

    def band(self, indicator: str, region: str) -> pd.DataFrame:
        """The bands of one indicator and region, by year."""
        b = self.bands
        return b[(b["indicator"] == indicator) & (b["region"] == region)].reset_index(drop=True)

    def close(self) -> None:
        self.store.close()


# ---------------------------------------------------------------------------
# band plots


def band_figure(
    bands: pd.DataFrame, keys: Sequence[tuple[str, str]] | None = None, title: str = ""
):  # noqa: ANN201
    """A plotly figure of quantile bands with a menu to pick indicator and region.

    The 5-95% and 25-75% bands are shaded, the median is a line and the mean a
    dotted line.

    Examples
    --------
    >>> b = pd.DataFrame({"indicator": "delivered_t", "region": "usa", "year": [2000, 2001],
    ...     "unit": "t", "n_runs": 5, "n_nan": 0, "q05": [1., 2], "q25": [2., 3], "q50": [3., 4],
    ...     "q75": [4., 5], "q95": [5., 6], "mean": [3., 4]})
    >>> len(band_figure(b).data)
    6
    """
    import plotly.graph_objects as go

    if keys is None:
        keys = list(dict.fromkeys(zip(bands["indicator"], bands["region"], strict=True)))
    groups = {k: g.sort_values("year") for k, g in bands.groupby(["indicator", "region"])}
    keys = [k for k in keys if k in groups]

    def series(k: tuple[str, str]) -> tuple[list[list[Any]], list[list[float]], str]:
        g = groups[k]
        x = g["year"].tolist()
        cols = ["q05", "q95", "q25", "q75", "q50", "mean"]
        return [x] * len(cols), [g[c].tolist() for c in cols], str(g["unit"].iloc[0])

    fig = go.Figure()
    styles = [
        dict(name="5%", line=dict(width=0, color="rgba(31,119,180,0.2)"), showlegend=False),
        dict(name="5-95%", fill="tonexty", fillcolor="rgba(31,119,180,0.18)", line=dict(width=0)),
        dict(name="25%", line=dict(width=0, color="rgba(31,119,180,0.4)"), showlegend=False),
        dict(name="25-75%", fill="tonexty", fillcolor="rgba(31,119,180,0.38)", line=dict(width=0)),
        dict(name="median", line=dict(color="rgb(31,119,180)", width=2)),
        dict(name="mean", line=dict(color="rgb(80,80,80)", width=1, dash="dot")),
    ]
    if keys:
        xs, ys, unit = series(keys[0])
    else:
        xs, ys, unit = [[]] * 6, [[]] * 6, ""
    for st, x, y in zip(styles, xs, ys, strict=True):
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", **st))
    buttons = []
    for k in keys:
        xs_k, ys_k, unit_k = series(k)
        buttons.append(
            dict(
                label=f"{k[0]}, {k[1]}",
                method="update",
                args=[
                    {"x": xs_k, "y": ys_k},
                    {"yaxis.title.text": unit_k, "title.text": f"{title} {k[0]}, {k[1]}".strip()},
                ],
            )
        )
    head = f"{title} {keys[0][0]}, {keys[0][1]}".strip() if keys else title
    fig.update_layout(
        title=head,
        xaxis_title="year",
        yaxis_title=unit,
        template="plotly_white",
        updatemenus=[dict(buttons=buttons, x=1.0, xanchor="right", y=1.15, yanchor="top")]
        if len(buttons) > 1
        else [],
    )
    return fig


def write_band_plots(bands: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Write the band plots to one self-contained HTML file (plotly.js embedded, no CDN)."""
    from ..results.atomic import atomic_file

    path = Path(path)
    fig = band_figure(bands, title=title)
    with atomic_file(path) as tmp:  # nothing half-written is left, whatever fails
        fig.write_html(str(tmp), include_plotlyjs=True, full_html=True)
    return path
