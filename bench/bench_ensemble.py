"""Ensemble benchmarks: runs per minute of the default scenario on 1 and 2 workers.

``ensemble_benchmarks()`` returns a dict that ``bench/bench.py`` merges into its
JSON:

- ``ensemble_runs_per_min_1w``: runs per minute in one process (the default
  backend for ``--workers 1``), wall time of the whole ``Ensemble.run`` call
  (validation, runs, one DuckDB transaction per run, quantile bands);
- ``ensemble_runs_per_min_2w``: the same on a local pool of 2 worker processes;
- ``ensemble_speedup_2w``: their ratio;
- ``ensemble_peak_rss_mb_per_worker_1w`` / ``_2w``: the largest peak resident
  memory (``ru_maxrss``) of a worker process (with 1 worker: this process);
- ``ensemble_identical_1w_2w``: whether both gave identical indicator tables.

With ``--dask`` it also times a Dask LocalCluster of 2 workers (started and
stopped outside the timing).

Usage::

    python bench/bench_ensemble.py [--runs 40] [--dask]
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def _timed(ens, **kw) -> tuple[float, object]:  # noqa: ANN001
    t = time.perf_counter()
    res = ens.run(plots=False, **kw)
    return time.perf_counter() - t, res


def _peak(res) -> float:  # noqa: ANN001
    log = res.run_log
    return float(log.groupby("worker")["peak_rss_mb"].max().max())


def ensemble_benchmarks(n_runs: int = 40, seed: int = 0, dask: bool = False) -> dict:
    """Time an ensemble of ``n_runs`` default runs on 1 and 2 local workers."""
    from isthmus.experiments.ensemble import Ensemble, local_cluster

    Ensemble("central-america", runs=2, seed=seed).run(plots=False)  # warm-up: imports, caches
    ens = Ensemble("central-america", runs=n_runs, seed=seed)
    t1, r1 = _timed(ens, workers=1)
    t2, r2 = _timed(ens, workers=2)
    out = {
        "ensemble_bench_runs": n_runs,
        "ensemble_runs_per_min_1w": n_runs / t1 * 60,
        "ensemble_runs_per_min_2w": n_runs / t2 * 60,
        "ensemble_speedup_2w": t1 / t2,
        "ensemble_peak_rss_mb_per_worker_1w": _peak(r1),
        "ensemble_peak_rss_mb_per_worker_2w": _peak(r2),
        "ensemble_identical_1w_2w": bool(r1.indicators.equals(r2.indicators)),
    }
    if dask:
        with local_cluster(2) as client:
            client.wait_for_workers(2)
            ens.run(client=client, plots=False)  # warm-up: ship the job, compile per worker
            td, rd = _timed(ens, client=client)
            out["ensemble_runs_per_min_dask_2w"] = n_runs / td * 60
            out["ensemble_peak_rss_mb_per_worker_dask_2w"] = _peak(rd)
            out["ensemble_identical_1w_dask"] = bool(r1.indicators.equals(rd.indicators))
    for r in (r1, r2):
        r.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dask", action="store_true", help="also time a Dask LocalCluster")
    a = ap.parse_args()
    out = ensemble_benchmarks(a.runs, a.seed, a.dask)
    for k, v in out.items():
        print(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
