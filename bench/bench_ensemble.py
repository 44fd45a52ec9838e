"""Ensemble benchmarks: runs per minute of the default scenario on 1 and 2 workers.

``ensemble_benchmarks()`` returns a dict that ``bench/bench.py`` merges into its
JSON:

- ``ensemble_runs_per_min_1w``: runs per minute in one process (the default
  backend for ``--workers 1``), wall time of the whole ``Ensemble.run`` call
  into a results folder (validation, runs, one DuckDB transaction per run,
  quantile bands), best of ``repeat`` timings;
- ``ensemble_runs_per_min_2w``: the same on a local pool of 2 worker processes;
- ``ensemble_speedup_2w``: their ratio;
- ``ensemble_peak_rss_mb_per_worker_1w`` / ``_2w``: the largest peak resident
  memory (``ru_maxrss``) of a worker process (with 1 worker: this process, which
  also holds the store; forked workers count the pages they share with it);
- ``ensemble_identical_1w_2w``: whether both gave identical indicator tables.

With ``--dask`` it also times a Dask LocalCluster of 2 workers (started and
stopped outside the timing).

Usage::

    python bench/bench_ensemble.py [--runs 40] [--repeat 2] [--dask]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def _timed(ens, **kw) -> tuple[float, object]:  # noqa: ANN001
    """Wall time of one ``Ensemble.run`` into a fresh results folder (as the CLI does)."""
    with tempfile.TemporaryDirectory(prefix="isthmus-bench-") as d:
        t = time.perf_counter()
        res = ens.run(out=Path(d) / "ens", plots=False, **kw)
        dt = time.perf_counter() - t
        # a checksum of the indicators table, computed in DuckDB (no big frame in memory)
        digest = res.store.sql(
            "select count(*) as n, bit_xor(hash(run_id, seed, indicator, region, year, "
            "value::varchar, unit)) as h from indicators"
        ).to_dict("records")[0]
        log = res.run_log
        res.close()
    return dt, (digest, log)


def _peak(log) -> float:  # noqa: ANN001
    return float(log.groupby("worker")["peak_rss_mb"].max().max())


def ensemble_benchmarks(
    n_runs: int = 40, seed: int = 0, dask: bool = False, repeat: int = 2
) -> dict:
    """Time an ensemble of ``n_runs`` default runs on 1 and 2 local workers.

    Each configuration is timed ``repeat`` times and the best time is kept (the
    machine may be shared). The 2-worker runs come first, so that the forked
    workers start from a lean parent.
    """
    from isthmus.experiments.ensemble import Ensemble, local_cluster

    Ensemble("central-america", runs=2, seed=seed).run(plots=False).close()  # warm-up
    ens = Ensemble("central-america", runs=n_runs, seed=seed)
    t1 = t2 = float("inf")
    peak2 = 0.0
    for _ in range(repeat):
        dt, (ind2, log2) = _timed(ens, workers=2)
        peak2 = max(peak2, _peak(log2))
        t2 = min(t2, dt)
        dt, (ind1, log1) = _timed(ens, workers=1)
        t1 = min(t1, dt)
    out = {
        "ensemble_bench_runs": n_runs,
        "ensemble_runs_per_min_1w": n_runs / t1 * 60,
        "ensemble_runs_per_min_2w": n_runs / t2 * 60,
        "ensemble_speedup_2w": t1 / t2,
        "ensemble_peak_rss_mb_per_worker_1w": _peak(log1),
        "ensemble_peak_rss_mb_per_worker_2w": peak2,
        "ensemble_identical_1w_2w": ind1 == ind2,
    }
    if dask:
        with local_cluster(2) as client:
            client.wait_for_workers(2)
            ens.run(client=client, plots=False).close()  # warm-up: ship the job, compile
            td = float("inf")
            for _ in range(repeat):
                dt, (indd, logd) = _timed(ens, client=client)
                td = min(td, dt)
            out["ensemble_runs_per_min_dask_2w"] = n_runs / td * 60
            out["ensemble_peak_rss_mb_per_worker_dask_2w"] = _peak(logd)
            out["ensemble_identical_1w_dask"] = ind1 == indd
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dask", action="store_true", help="also time a Dask LocalCluster")
    ap.add_argument("--repeat", type=int, default=2, help="keep the best of this many timings")
    a = ap.parse_args()
    out = ensemble_benchmarks(a.runs, a.seed, a.dask, a.repeat)
    for k, v in out.items():
        print(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
