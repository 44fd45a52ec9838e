"""Calibrate the default scenario on the record up to 2006, in the order the model needs.

1. **Markets** (:func:`isthmus.engine.markets.calibrate`, levels only): the US demand,
   purity and users curves through the 2006 STRIDE price, purity and NSDUH users at the
   model's deliveries; Europe at its structural wholesale price.
2. **Routes and interdiction** (:class:`isthmus.experiments.calibration.Calibration`,
   differential evolution): route choice, the corridors' adaptation, the seizure
   hazards by mode, the transit zone's exposure and the chain's markups, on the corridor
   shares, departures, seizures and the price chain up to 2006 (observations.csv).
3. Steps 1 and 2 again (route choice answers the prices and the prices the routes), and
   the market levels once more; the groups' upkeeps at their 2000-2002 steady state
   (``scripts/build_actors.py --upkeep``). The route loss is printed after the rounds,
   after the final market levels and at the end, and a result worse than the starting
   scenario is not kept (``--keep-worse`` keeps it).
4. **Violence** (:func:`isthmus.experiments.violence_fit.fit_violence`): the fixed
   effects and the mechanisms' coefficients, jointly, on the homicide record up to 2006.

Everything is written into ``src/isthmus/scenario/shipped/central-america`` with its
provenance (parameters.csv sources, calibration.yaml, violence_fit.yaml). Nothing
after 2006 enters: the simulations stop in December 2006.

Usage::

    .venv/bin/python scripts/calibrate_default.py [--rounds 2] [--maxiter 8] [--popsize 5]
        [--hold routes.asc_europe,interdiction.k_container]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "isthmus" / "scenario" / "shipped" / "central-america"

ROUTE_PARAMS = {
    "routes.theta": (12.0, 45.0),
    "routes.corridor_adaptation": (0.02, 0.15),
    "routes.asc_europe": (-6.0, 3.0),
    "interdiction.k_sea": (0.05, 2.0),
    "interdiction.k_air": (0.05, 3.0),
    "interdiction.k_container": (0.3, 10.0),
    "interdiction.k_land": (0.05, 1.5),
    "interdiction.lane_exposure": (0.1, 5.0),
    "markets.arrest_premium": (0.0, 2.0),
    "markets.export_margin": (0.0, 1.5),
    # The demand curves move with the flows the routes deliver (else a fit of the routes
    # against stale demand levels would keep deliveries where the last market fit left them).
    "markets.us_demand_t_at_100": (120.0, 450.0),
    "markets.eu_demand_t_at_100": (120.0, 500.0),
}
ROUTE_TARGETS = [
    "us_bound_share",
    "seized_t",
    "departed_t",
    "price_usd_per_kg",
    "price_per_pure_gram_usd",
]


DEMAND = {"us_demand_t_at_100", "eu_demand_t_at_100"}


def _markets(final: bool = False, keep_demand: bool = False) -> None:
    """The market levels on the 2006 data (purity, users, import markups; and, the last
    time, the demand curves too). The chain's markups stay those of the route search,
    which fits them on the chain's prices together with the routes they feed."""
    from isthmus.engine.markets import calibrate, write_fitted
    from isthmus.scenario import load_scenario

    fitted, report = calibrate(load_scenario(OUT), rounds=0)
    chain = {"arrest_premium", "export_margin", "markup_per_1000km"}
    if final and keep_demand:  # the route search's demand curves stay
        chain = chain | DEMAND
    keep = {
        k: v
        for k, v in fitted.items()
        if k.split(".")[1] not in (chain if final else ROUTE_PARAM_NAMES)
    }
    write_fitted(keep, OUT / "parameters.csv")
    print(report[["target", "observed", "model", "ratio"]].round(3).to_string(), flush=True)


ROUTE_PARAM_NAMES = {k.split(".")[1] for k in ROUTE_PARAMS}


def _routes(maxiter: int, popsize: int, seeds: list[int], hold: frozenset = frozenset()) -> None:
    from isthmus.experiments.calibration import Calibration

    params = {k: v for k, v in ROUTE_PARAMS.items() if k not in hold}
    cal = Calibration(OUT, parameters=params, targets=ROUTE_TARGETS, seeds=seeds)
    t0 = time.time()

    def prog(done: int, total: int, best: float) -> None:
        if done % 25 == 0 or done == total:
            print(
                f"  routes {done}/{total} best loss {best:.3f} ({time.time() - t0:.0f} s)",
                flush=True,
            )

    res = cal.run(maxiter=maxiter, popsize=popsize, seed=0, workers=2, progress=prog)
    print(f"  loss {res.loss_before:.3f} -> {res.loss_after:.3f}", flush=True)
    cols = ["term", "observed", "low", "high", "model_after", "loss_after"]
    print(res.terms[cols].round(3).to_string(), flush=True)
    cal.write(OUT, res)


def _upkeep() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_actors", ROOT / "scripts" / "build_actors.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.steady_upkeep()


def _violence(seeds: list[int]) -> None:
    from isthmus.experiments.violence_fit import fit_violence, write_fit

    fit = fit_violence(OUT, seeds=seeds)
    print(fit.table().round(4).to_string(), flush=True)
    write_fit(fit, OUT)


def _route_loss(seeds: list[int]) -> float:
    """The route search's loss at the scenario's current values (every route term)."""
    from isthmus.experiments.calibration import Calibration

    cal = Calibration(OUT, parameters={"routes.theta": None}, targets=ROUTE_TARGETS, seeds=seeds)
    return cal.loss()


def _snapshot() -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(OUT.iterdir()) if p.is_file()}


def _restore(files: dict[Path, bytes]) -> None:
    for p in OUT.iterdir():
        if p.is_file() and p not in files:
            p.unlink()
    for p, data in files.items():
        p.write_bytes(data)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--maxiter", type=int, default=8)
    ap.add_argument("--popsize", type=int, default=5)
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--violence-seeds", default="0,1,2,3,4")
    ap.add_argument("--skip-routes", action="store_true")
    ap.add_argument("--skip-violence", action="store_true")
    ap.add_argument(
        "--hold",
        default="",
        help="comma-separated route parameters kept at the scenario's values (set by hand, "
        "with the reason in their source), e.g. routes.asc_europe,interdiction.k_container",
    )
    ap.add_argument(
        "--keep-demand",
        action="store_true",
        help="the final market levels keep the US and European demand curves of the route "
        "search (fitted there on departures and the US price per pure gram, with the routes)",
    )
    ap.add_argument(
        "--keep-upkeeps",
        action="store_true",
        help="keep the groups' upkeeps of the starting scenario (no steady-state refit)",
    )
    ap.add_argument(
        "--keep-worse",
        action="store_true",
        help="keep the result even if its route loss is above the starting scenario's "
        "(by default the scenario is then restored as it was)",
    )
    a = ap.parse_args(argv)
    hold = frozenset(k for k in a.hold.split(",") if k)
    unknown = hold - set(ROUTE_PARAMS)
    if unknown:
        ap.error(f"--hold: not a route parameter: {', '.join(sorted(unknown))}")
    seeds = [int(s) for s in a.seeds.split(",")]
    warnings.simplefilter("ignore", UserWarning)
    # why: the last market fit and the upkeeps move the flows after the route search, so
    # the scenario written can fit the route terms worse than the one it started from
    # (2026-12-07: a longer search reached 0.83 in its second round and 1.25 once the
    # market levels were refitted, against 0.99 at the start); keep the better of the two.
    start_files = _snapshot()
    start_loss = _route_loss(seeds)
    print(f"route loss at the start: {start_loss:.3f} (seeds {a.seeds})", flush=True)
    if not a.skip_routes:
        for k in range(a.rounds):
            print(f"round {k + 1}: markets", flush=True)
            _markets()
            print(f"round {k + 1}: routes and interdiction", flush=True)
            _routes(a.maxiter, a.popsize, seeds, hold)
        print(f"route loss after the rounds: {_route_loss(seeds):.3f}", flush=True)
    print("markets (final levels)", flush=True)
    _markets(final=True, keep_demand=a.keep_demand)
    print(f"route loss after the final market levels: {_route_loss(seeds):.3f}", flush=True)
    if a.keep_upkeeps:
        print("groups: the starting scenario's upkeeps kept", flush=True)
    else:
        print("groups: upkeeps at the 2000-2002 steady state", flush=True)
        _upkeep()
    if not a.skip_violence:
        print("violence: fixed effects and coefficients", flush=True)
        _violence([int(s) for s in a.violence_seeds.split(",")])
    end_loss = _route_loss(seeds)
    print(f"route loss at the end: {end_loss:.3f} (start {start_loss:.3f})", flush=True)
    if end_loss > start_loss and not a.keep_worse:
        _restore(start_files)
        print(
            "the result fits the route terms worse than the start: the scenario is restored "
            "as it was (--keep-worse keeps the result)",
            flush=True,
        )
    return None


if __name__ == "__main__":
    sys.exit(main())
