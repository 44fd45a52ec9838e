"""Benchmarks of the isthmus engine (kept apart from the tests).

Prints run time per simulated month against network size, and with ``--json``
one JSON object (last line) with:

- ``default_run_s``: median wall time of a full default run (load, compile, 192 months);
- ``month_s_5000``: seconds per simulated month on a synthetic network of 5,000 places
  and 25,000 links (compilation excluded);
- ``narcologic_run_s``: a full 179-month run on NarcoLogic's published network
  (import, compile, run), read from ``../shared/peers/narcologic/``; the engine
  only, in a warm process (as ``default_run_s``);
- ``import_s``: wall time of a fresh interpreter running ``import isthmus``
  (median of ``--repeat`` processes, interpreter start-up included);
- ``cli_run_s``: wall time of the whole ``isthmus run central-america`` process
  (start-up, imports, loading, the run and the printed summary; median);
- ``narcologic_process_s``: wall time of a whole fresh process that runs
  NarcoLogic's network once (179 months): the figure to set against NarcoLogic's
  own whole-process time;
- ``ensemble_runs_per_min_1w`` / ``_2w`` when ``bench/bench_ensemble.py`` is present.

Usage::

    python bench/bench.py [--json] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NARCOLOGIC = Path(
    os.environ.get("ISTHMUS_NARCOLOGIC", ROOT.parent / "shared" / "peers" / "narcologic")
)
#: NarcoLogic's Python port, one replicate of 179 months, whole process, measured side by side
#: with isthmus on a 2-core machine like this one (issue 15; the peer README gives 33-35 s).
NARCOLOGIC_PROCESS_S = 45.0


def _median_time(fn, repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def default_run_s(repeat: int) -> float:
    from isthmus import Sim, load_scenario

    return _median_time(lambda: Sim(load_scenario("central-america"), seed=0).run(), repeat)


def month_s(n_places: int, n_links: int, months: int = 24) -> tuple[float, int, int]:
    from isthmus import Sim
    from isthmus.scenario.synthetic import synthetic_scenario

    sc = synthetic_scenario(
        n_places, n_links, seed=0, end=f"{2000 + (months - 1) // 12}-{(months - 1) % 12 + 1:02d}"
    )
    sim = Sim(sc, seed=0)
    sim.init()
    t = time.perf_counter()
    for k in range(months):
        for m in sim.modules:
            m.step(k)
    return (time.perf_counter() - t) / months, len(sc.links), sim.net.n_paths


def narcologic_run_s(repeat: int) -> float | None:
    from isthmus import Sim
    from isthmus.scenario.narcologic import load_narcologic

    if not (NARCOLOGIC / "NodeTable.csv").exists():
        return None
    return _median_time(lambda: Sim(load_narcologic(NARCOLOGIC), seed=0).run(), repeat)


def _process_s(cmd: list[str], repeat: int) -> float:
    """Median wall time of a whole process (a fresh interpreter each time), after a warm-up."""
    subprocess.run(cmd, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def import_s(repeat: int) -> float:
    return _process_s([sys.executable, "-c", "import isthmus"], repeat)


def cli_run_s(repeat: int) -> float:
    return _process_s([sys.executable, "-m", "isthmus", "run", "central-america"], repeat)


def narcologic_process_s(repeat: int) -> float | None:
    if not (NARCOLOGIC / "NodeTable.csv").exists():
        return None
    code = (
        "from isthmus import Sim; from isthmus.scenario.narcologic import load_narcologic; "
        f"Sim(load_narcologic({str(NARCOLOGIC)!r}), seed=0).run()"
    )
    return _process_s([sys.executable, "-c", code], repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description="isthmus benchmarks")
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-ensemble", action="store_true", help="skip the ensemble benchmarks")
    a = ap.parse_args()
    out: dict[str, float | None] = {}
    out["default_run_s"] = default_run_s(a.repeat)
    print(
        f"default run (central-america, 192 months): {out['default_run_s']:.3f} s", file=sys.stderr
    )
    for n, m in ((250, 1000), (1000, 5000), (5000, 25000)):
        s, nl, npaths = month_s(n, m)
        print(
            f"  {n:>5} places, {nl:>6} links, {npaths:>5} routes: {s * 1000:.2f} ms per month",
            file=sys.stderr,
        )
        if n == 5000:
            out["month_s_5000"] = s
    out["narcologic_run_s"] = narcologic_run_s(a.repeat)
    out["import_s"] = import_s(a.repeat)
    print(f"import isthmus (fresh interpreter): {out['import_s']:.3f} s", file=sys.stderr)
    out["cli_run_s"] = cli_run_s(a.repeat)
    print(
        f"isthmus run central-america (whole process): {out['cli_run_s']:.3f} s, of which the "
        f"engine {out['default_run_s']:.3f} s",
        file=sys.stderr,
    )
    out["narcologic_process_s"] = narcologic_process_s(a.repeat)
    if out["narcologic_run_s"] is not None and out["narcologic_process_s"] is not None:
        print(
            f"NarcoLogic network, 179 months: whole process {out['narcologic_process_s']:.3f} s "
            f"against NarcoLogic's own {NARCOLOGIC_PROCESS_S:.0f} s "
            f"(x{NARCOLOGIC_PROCESS_S / out['narcologic_process_s']:.0f}); "
            f"engine alone {out['narcologic_run_s']:.3f} s",
            file=sys.stderr,
        )
    if not a.no_ensemble:
        try:
            sys.path.insert(0, str(ROOT / "bench"))
            from bench_ensemble import ensemble_benchmarks  # type: ignore[import-not-found]

            out.update(ensemble_benchmarks())
        except ImportError:
            pass
    if a.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
