"""Where should the region put its interdiction effort? Three arms, one optimiser.

The experiment behind ``isthmus optimize`` and finding F8. Over a planning
window, a budget of effort units (1 unit = 1,000 personnel-equivalents, the
unit of the ``countries`` table) is added to links of the participating
countries, and three arms are compared on common random numbers (the same
seeds):

- ``status_quo``: the scenario as it is;
- ``unilateral``: each participating country gets its own share of the budget
  (``split``) and places it on *its own* links against *its own* objective
  (``own_flow``: the tons entering its territory; or ``own_seizures``), taking
  the others' allocations as given. The countries respond to each other until
  no one moves (a Nash equilibrium of best responses, Gauss-Seidel order);
- ``coordinated``: one regional allocation of the pooled budget over the links
  of all participants against the regional objective (``us_delivered``,
  ``seized_value`` or ``homicides``) over the whole flow.

Both arms use the *same* optimiser (:func:`isthmus.optimize.solver.best_response`
on the leader-follower problem of :mod:`isthmus.optimize.surrogate`), the same
total budget, the same follower model and the same information about the
system (snapshots of the model's state from the same training runs). Only who
optimises what differs: that is what coordination means here.

The model is kept in the loop: the allocation is planned on snapshots of a
run, the model is run again with it (so that the enforcers' routine effort,
the corruption of local officials, fees and prices respond to it), and the
allocation is planned again on all the snapshots gathered so far (the method
of successive averages: re-planning on the latest ones only makes the plans
cycle), for ``rounds`` rounds. The training runs use their own seeds
(``TRAIN_SEED_BASE + k``), never the seeds the arms are evaluated on, so no
arm sees the randomness it is scored on.

Examples
--------
>>> spec = OptimizeSpec("central-america", budget=4, countries=["GTM", "HND"],
...                     start="2008-01", end="2008-12", seeds=1, train_seeds=1, rounds=1,
...                     workers=1)
>>> res = run_optimize(spec)
>>> sorted(res.summary["arm"])
['coordinated', 'status_quo', 'unilateral']
>>> bool(abs(res.allocation.groupby("arm")["effort_units"].sum() - 4).max() < 1e-3)
True
"""

from __future__ import annotations

import copy
import json
import multiprocessing as mp
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..engine.network import MODES, CompiledNetwork, compile_network
from ..engine.response import StateSnapshot
from ..engine.sim import Sim
from ..scenario import Problem, Scenario, ScenarioError, load_scenario, month_index, parse_month
from .objectives import NATIONAL, REGIONAL
from .solver import best_response
from .surrogate import Surrogate, corruption_factor

ARMS = ("status_quo", "unilateral", "coordinated")
SPLITS = ("capacity", "flow", "equal")
FOLLOWERS = ("adaptive", "equilibrium")
TRAIN_SEED_BASE = 100_000
SUMMARY_COLUMNS = [
    "arm",
    "objective",
    "us_delivered_t",
    "seized_t",
    "seized_value_usd",
    "value_per_seizure_usd",
    "active_places",
    "flow_outside_participants_t",
    "homicides",
]
ALLOCATION_COLUMNS = ["arm", "from", "to", "mode", "country", "effort_units"]


# ---------------------------------------------------------------------------
# the specification


@dataclass
class OptimizeSpec:
    """Inputs of the experiment (validated by :meth:`validate`).

    Parameters
    ----------
    scenario : Scenario or str
        Scenario or shipped name / folder.
    budget : float
        Total effort units added over the window (>= 0), the same in both arms.
    countries : list of str
        Participating countries (ISO3).
    objective : str
        The coordinated arm's objective: ``us_delivered``, ``seized_value`` or ``homicides``.
    start, end : str
        Planning window ``YYYY-MM`` (inclusive); the effort is in place over it and the
        measures are summed over it.
    seeds : int
        Evaluation seeds ``0..seeds-1`` (common random numbers across the arms).
    unilateral_objective : str
        Each country's own objective: ``own_flow`` (tons entering its territory) or
        ``own_seizures``.
    split : str
        How the budget is shared among countries in the unilateral arm: ``capacity`` (in
        proportion to each country's own enforcement capacity in the ``countries``
        table), ``flow`` (to the tons entering it in the status quo) or ``equal``.
    train_seeds : int
        Seeds of the training runs whose snapshots the allocations are planned on.
    rounds : int
        Plan / re-run the model / re-plan rounds (the model in the loop).
    nash_rounds : int
        Most rounds of best responses among the countries (unilateral arm).
    snapshot_every : int
        Months between two snapshots of a training run.
    follower : str
        How the planners anticipate the traffickers: ``adaptive`` (at each snapshot, they
        have learned the new risks and re-routed only as far as the routes step's memory
        and adaptation rates allow in the months since the effort began) or
        ``equilibrium`` (they have fully adjusted, whatever the month).
    workers : int
        Worker processes.
    """

    scenario: Scenario | str
    budget: float
    countries: list[str]
    objective: str = "us_delivered"
    start: str = "2008-01"
    end: str = "2012-12"
    seeds: int = 3
    unilateral_objective: str = "own_flow"
    split: str = "capacity"
    train_seeds: int = 2
    rounds: int = 4
    nash_rounds: int = 4
    snapshot_every: int = 12
    follower: str = "equilibrium"
    workers: int = 2

    def validate(self) -> Scenario:
        """The scenario cut at the window's end; raises :class:`ScenarioError` listing
        every problem (unknown country, negative budget, window outside the run...)."""
        probs: list[Problem] = []
        sc = self.scenario if isinstance(self.scenario, Scenario) else load_scenario(self.scenario)
        b = self.budget
        if not isinstance(b, (int, float)) or not np.isfinite(b) or b < 0:
            probs.append(
                Problem("--budget", None, None, f"{b} is not a budget >= 0 (effort units)")
            )
        if self.objective not in REGIONAL:
            probs.append(
                Problem(
                    "--objective",
                    None,
                    None,
                    f"'{self.objective}' is not one of {', '.join(REGIONAL)}",
                )
            )
        if self.unilateral_objective not in NATIONAL:
            probs.append(
                Problem(
                    "--unilateral-objective",
                    None,
                    None,
                    f"'{self.unilateral_objective}' is not one of {', '.join(NATIONAL)}",
                )
            )
        if self.follower not in FOLLOWERS:
            probs.append(
                Problem(
                    "--follower",
                    None,
                    None,
                    f"'{self.follower}' is not one of {', '.join(FOLLOWERS)}",
                )
            )
        if self.split not in SPLITS:
            probs.append(
                Problem("--split", None, None, f"'{self.split}' is not one of {', '.join(SPLITS)}")
            )
        for k in ("seeds", "train_seeds", "rounds", "nash_rounds", "snapshot_every", "workers"):
            if int(getattr(self, k)) < 1:
                probs.append(Problem(f"--{k.replace('_', '-')}", None, None, "must be at least 1"))
        known = set(sc.countries["id"].astype(str)) & set(sc.places["country"].astype(str))
        if not self.countries:
            probs.append(Problem("--countries", None, None, "give at least one country (ISO3)"))
        seen = set()
        for c in self.countries:
            if c not in known:
                probs.append(
                    Problem(
                        "--countries",
                        None,
                        None,
                        f"unknown country '{c}' (scenario {sc.name} has {', '.join(sorted(known))})",
                    )
                )
            elif c in seen:
                probs.append(Problem("--countries", None, None, f"'{c}' is given twice"))
            seen.add(c)
        a, z = parse_month(str(self.start)), parse_month(str(self.end))
        for flag, ym, text in (("--from", a, self.start), ("--to", z, self.end)):
            if ym is None:
                probs.append(Problem(flag, None, None, f"'{text}' is not a month (YYYY-MM)"))
            elif not (0 <= month_index(ym, sc.start) < sc.n_months):
                probs.append(
                    Problem(
                        flag,
                        None,
                        None,
                        f"{text} is outside the run of {sc.name} "
                        f"({sc.start[0]}-{sc.start[1]:02d} to {sc.end[0]}-{sc.end[1]:02d})",
                    )
                )
        if a is not None and z is not None and z < a:
            probs.append(Problem("--to", None, None, f"{self.end} is before --from {self.start}"))
        if probs:
            raise ScenarioError(probs)
        out = sc.copy()
        out.end = z  # nothing after the window matters: the model is causal
        return out


# ---------------------------------------------------------------------------
# runs (in worker processes)


@dataclass
class RunTask:
    """One run of the model: a seed, an allocation (effort units per link) and what to keep."""

    scenario: Scenario
    network: CompiledNetwork | None
    seed: int
    units: np.ndarray | None
    start: str
    end: str
    snapshot_months: tuple[int, ...] = ()
    measure: bool = False
    participants: tuple[str, ...] = ()
    tag: str = ""


@dataclass
class RunOutput:
    tag: str
    seed: int
    snapshots: list[tuple[StateSnapshot, np.ndarray]] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)
    link_out: np.ndarray | None = None  # mean tons a month leaving each link over the window
    flow_country: dict[str, float] = field(default_factory=dict)


#: Effort below this many units on a link is solver dust: neither allocation.csv nor the
#: link_effort policy files list it (the same rule for both, so they name the same links).
MIN_UNITS = 1e-6


def link_effort_policy(
    net: CompiledNetwork, units: np.ndarray, start: str, end: str, name: str = ""
) -> dict[str, Any]:
    """A ``link_effort`` intervention (YAML-style dict) placing ``units`` on the links."""
    links = [
        {
            "from": net.place_ids[net.link_from[i]],
            "to": net.place_ids[net.link_to[i]],
            "mode": MODES[net.link_mode[i]],
            "effort_units": round(float(units[i]), 6),
        }
        for i in np.flatnonzero(units > MIN_UNITS)
    ]
    d: dict[str, Any] = {"type": "link_effort", "start": start, "end": end, "links": links}
    if name:
        d["name"] = name
    return d


def _window(sim: Sim, start: str, end: str) -> tuple[int, int]:
    s0 = sim.scenario.start
    return month_index(parse_month(start), s0), month_index(parse_month(end), s0)


def run_task(task: RunTask) -> RunOutput:
    """Run the model once; keep snapshots (state, effort not decided by the plan) and/or
    the measures of the window."""
    pol = []
    if task.units is not None and np.any(task.units > 0):
        pol = [link_effort_policy(task.network, task.units, task.start, task.end)]
    sim = Sim(task.scenario, seed=task.seed, policies=pol, network=task.network)
    mine = sim.interventions[-1] if pol else None
    t0, t1 = _window(sim, task.start, task.end)
    out = RunOutput(task.tag, task.seed)
    want = set(task.snapshot_months)
    net = sim.net
    acc: dict[str, Any] = {}
    if task.measure:
        shipment = float(sim.pars["interdiction"]["shipment_t"])
        acc = {
            "value": 0.0,
            "value0": 0.0,
            "price0": None,
            "events": 0.0,
            "link_out": np.zeros(net.n_links),
            "n": 0,
        }

    def hook(k: int, n: int) -> None:
        t = k - 1
        st = sim.state
        if t in want:
            applied = getattr(mine, "last_applied", 0.0) if mine is not None else 0.0
            base = np.asarray(st.link_extra_effort, dtype=float) - applied
            out.snapshots.append((StateSnapshot.take(sim), base))
        if not task.measure:
            return
        price = np.asarray(getattr(st, "place_price", np.zeros(net.n_places)))[net.link_from]
        if t == t0 - 1 or (t == t0 and acc["price0"] is None):
            # Prices before the window: the same in every arm (common random numbers), so
            # seizures valued at them show *where* the seizures happen, not price changes.
            acc["price0"] = price.copy()
        if t0 <= t <= t1:
            seized = st.link_seized
            acc["value"] += float(seized @ (price * 1e3))
            acc["value0"] += float(seized @ (acc["price0"] * 1e3))
            size = np.minimum(st.link_inflow, shipment)
            acc["events"] += float(
                np.divide(seized, size, out=np.zeros(net.n_links), where=size > 0).sum()
            )
            acc["link_out"] += st.link_out
            acc["n"] += 1

    res = sim.run(progress=hook)
    if task.measure:
        out.link_out = acc["link_out"] / max(acc["n"], 1)
        out.measures, out.flow_country = _measures(sim, res, t0, t1, task.participants, acc)
    return out


def _window_sum(res, name: str, region: str, t0: int, t1: int) -> float:  # noqa: ANN001
    s = res.series.get(name)
    if s is None or region not in s.regions:
        return 0.0
    return float(s.data[t0 : t1 + 1, s.regions.index(region)].sum())


def market_countries(net: CompiledNetwork) -> set[str]:
    """Countries of the destination markets' places (their inflow is 'delivered')."""
    return {str(net.place_country[i]) for i in np.flatnonzero(net.dest_market >= 0)}


def _measures(sim: Sim, res, t0: int, t1: int, participants, acc) -> tuple[dict, dict]:  # noqa: ANN001
    net = sim.net
    flow = res.series["flow_t"]
    iso = [g for g in flow.regions if len(g) == 3 and "-" not in g]
    fc = {g: _window_sum(res, "flow_t", g, t0, t1) for g in iso}
    markets = market_countries(net)
    outside = sum(v for g, v in fc.items() if g not in participants and g not in markets)
    hom = res.series.get("homicides")
    homicides = (
        sum(
            _window_sum(res, "homicides", g, t0, t1)
            for g in hom.regions
            if len(g) == 3 and "-" not in g
        )
        if hom is not None
        else 0.0
    )
    seized = float(np.asarray(res.ledger["seized_t"])[t0 : t1 + 1].sum())
    # Active places (Magliocca et al. 2024's active nodes): transit places that receive
    # at least one typical shipment a month on average over the window.
    shipment = float(sim.pars["interdiction"]["shipment_t"])
    arrivals = np.bincount(net.link_to, weights=acc["link_out"], minlength=net.n_places) / max(
        acc["n"], 1
    )
    transit = (net.dest_market < 0) & ~np.isin(np.arange(net.n_places), net.origins)
    m = {
        "us_delivered_t": _window_sum(res, "delivered_t", "usa", t0, t1),
        "seized_t": seized,
        "seized_value_usd": acc["value"],
        "value_per_seizure_usd": acc["value"] / acc["events"] if acc["events"] > 0 else 0.0,
        "active_places": float(np.sum(transit & (arrivals >= shipment))),
        "flow_outside_participants_t": float(outside),
        "homicides": float(homicides),
        # Extra measures (summary_by_seed.csv): seizure events, and value at pre-window prices.
        "seizure_events": acc["events"],
        "seized_value_prewindow_prices_usd": acc["value0"],
        "value_per_seizure_prewindow_prices_usd": acc["value0"] / acc["events"]
        if acc["events"] > 0
        else 0.0,
    }
    return m, fc


# ---------------------------------------------------------------------------
# planning


class Planner:
    """Plans the unilateral and coordinated allocations on snapshots (one process)."""

    def __init__(self, spec: OptimizeSpec, sc: Scenario, net: CompiledNetwork):
        self.spec = spec
        self.sc = sc
        self.host = Sim(sc, seed=0, network=net)
        self.host.init()
        self.net = self.host.net
        ids = self.net.juris_ids
        # Candidates: the country's links that some route of the choice set uses (effort on
        # a link that no route crosses cannot change anything, and would be budget wasted).
        used = np.diff(self.net.A.tocsc().indptr) > 0
        self.cand = {
            c: np.flatnonzero((self.net.link_juris == ids.index(c)) & used)
            if c in ids
            else np.zeros(0, int)
            for c in spec.countries
        }
        self.cand_all = np.sort(np.concatenate(list(self.cand.values())))
        self.gradient_error = float("nan")
        # The month the effort starts (the adaptive follower counts the months since).
        self.effort_start = (
            _window(self.host, spec.start, spec.end)[0] if spec.follower == "adaptive" else None
        )

    # budgets of the unilateral arm
    def shares(self, sq_flow: dict[str, float]) -> dict[str, float]:
        """Each country's share of the budget in the unilateral arm (sums to the budget)."""
        cs = self.spec.countries
        if self.spec.split == "equal":
            w = np.ones(len(cs))
        elif self.spec.split == "flow":
            w = np.array([max(sq_flow.get(c, 0.0), 0.0) for c in cs])
        else:
            t = self.sc.countries.set_index("id")
            cols = ["police", "military", "navy", "air", "international_support"]
            w = np.array(
                [
                    float(pd.to_numeric(t.loc[c, cols], errors="coerce").fillna(0).sum())
                    if c in t.index
                    else 0.0
                    for c in cs
                ]
            )
        if w.sum() <= 0:
            w = np.ones(len(cs))
        w = w / w.sum()
        return {c: float(self.spec.budget * x) for c, x in zip(cs, w, strict=True)}

    def _surrogate(self, snaps, objective: str, cand: np.ndarray, country=None, others=None):  # noqa: ANN001
        states = [s for s, _ in snaps]
        base = []
        for s, b in snaps:
            extra = b.copy()
            if others is not None:
                extra += corruption_factor(self.host, s.state) * others
            base.append(extra)
        sur = Surrogate(
            self.host,
            states,
            objective,
            cand,
            country=country,
            base_extra=base,
            effort_start=self.effort_start,
        )
        if not np.isfinite(self.gradient_error):
            self.gradient_error = sur.check_gradient(np.zeros(len(cand)))
            if self.gradient_error >= 1e-4:
                warnings.warn(
                    "the route-choice adjoint (isthmus.engine.response.RouteResponse."
                    "shares_vjp) no longer matches the routes step's shares (relative error "
                    f"{self.gradient_error:.2g}): falling back to finite differences, which is "
                    "correct but much slower; update the adjoint with the route-choice model",
                    RuntimeWarning,
                    stacklevel=2,
                )
        sur.use_vjp = self.gradient_error < 1e-4
        return sur

    def coordinated(self, snaps, warm: np.ndarray) -> tuple[np.ndarray, dict]:  # noqa: ANN001
        sur = self._surrogate(snaps, self.spec.objective, self.cand_all)
        x, f = best_response(
            sur.value_and_grad, len(self.cand_all), self.spec.budget, warm[self.cand_all]
        )
        out = np.zeros(self.net.n_links)
        out[self.cand_all] = x
        return out, {"surrogate_objective": f, "evaluations": sur.evaluations}

    def unilateral(
        self,
        snaps,
        warm: np.ndarray,
        budgets: dict[str, float],
        tick: Callable[[], None] | None = None,
    ) -> tuple[np.ndarray, dict]:  # noqa: ANN001
        x = warm.copy()
        info: dict[str, Any] = {"nash_rounds": 0, "evaluations": 0, "max_move": None}
        for r in range(self.spec.nash_rounds):
            prev = x.copy()
            for c in self.spec.countries:
                cand = self.cand[c]
                others = x.copy()
                others[cand] = 0.0
                sur = self._surrogate(snaps, self.spec.unilateral_objective, cand, c, others)
                xc, _ = best_response(sur.value_and_grad, len(cand), budgets[c], x[cand])
                x[cand] = xc
                info["evaluations"] += sur.evaluations
                if tick:
                    tick()
            info["nash_rounds"] = r + 1
            move = float(np.abs(x - prev).max())
            info["max_move"] = move
            if move <= 0.01 * max(self.spec.budget, 1e-12) / max(len(self.spec.countries), 1):
                break
        return x, info


# ---------------------------------------------------------------------------
# the experiment


@dataclass
class OptimizeResult:
    """Tables of the experiment: the allocations, the summary, and what the maps need."""

    spec: dict[str, Any]
    allocation: pd.DataFrame  # arm, from, to, mode, country, effort_units
    summary: pd.DataFrame  # one row per arm, means over seeds
    by_seed: pd.DataFrame  # one row per arm and seed
    link_flow: pd.DataFrame  # arm, from, to, mode, flow_t_per_month (mean over seeds)
    country_flow: pd.DataFrame  # arm, country, flow_t (window, mean over seeds)
    units: dict[str, np.ndarray]
    diagnostics: dict[str, Any]
    network: CompiledNetwork

    def policies(self, arm: str) -> list[dict[str, Any]]:
        """The arm's allocation as a ``link_effort`` policy (YAML-style dicts)."""
        if arm == "status_quo":
            return []
        s = self.spec
        return [
            link_effort_policy(
                self.network,
                self.units[arm],
                s["start"],
                s["end"],
                name=f"{arm} allocation of {s['budget']:g} effort units (isthmus optimize)",
            )
        ]


def _snapshot_months(sim_start: tuple[int, int], spec: OptimizeSpec, k: int) -> tuple[int, ...]:
    t0 = month_index(parse_month(spec.start), sim_start)
    t1 = month_index(parse_month(spec.end), sim_start)
    step = max(int(spec.snapshot_every), 1)
    # Training seed k starts at a different offset, so the seeds cover different months.
    off = (step // 2 + k * max(step // max(spec.train_seeds, 1), 1)) % step
    months = tuple(range(t0 + min(off, t1 - t0), t1 + 1, step))
    return months or (t0,)


def _plan_arm(args: tuple) -> tuple[str, np.ndarray, dict]:
    """Plan one arm with the model in the loop (runs in a worker process)."""
    spec, sc, net, arm, snaps, budgets, queue = args
    planner = Planner(spec, sc, net)

    def tick() -> None:
        queue.put(1)

    x = np.zeros(planner.net.n_links)
    info: dict[str, Any] = {"rounds": []}
    snap_pool = list(snaps)
    for r in range(spec.rounds):
        t = time.perf_counter()
        prev = x.copy()
        if arm == "coordinated":
            x, d = planner.coordinated(snap_pool, x)
            tick()
        else:
            x, d = planner.unilateral(snap_pool, x, budgets, tick)
        d["seconds"] = round(time.perf_counter() - t, 2)
        d["snapshots"] = len(snap_pool)
        d["change_units"] = float(np.abs(x - prev).sum())
        info["rounds"].append(d)
        if r + 1 < spec.rounds:
            # The method of successive averages: the next plan answers the states that all
            # the plans so far induced (the pool grows), so the rounds settle instead of
            # cycling between the plan and the system's reaction to it.
            for k in range(spec.train_seeds):
                o = run_task(
                    RunTask(
                        sc,
                        planner.net,
                        TRAIN_SEED_BASE + k,
                        x,
                        spec.start,
                        spec.end,
                        _snapshot_months(sc.start, spec, k),
                    )
                )
                snap_pool.extend(o.snapshots)
                tick()
    info["gradient_check_rel_error"] = planner.gradient_error
    info["adjoint_used"] = bool(planner.gradient_error < 1e-4)
    return arm, x, info


def _ctx():  # noqa: ANN202
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else methods[0])


@dataclass
class Plan:
    """The planned allocations (effort units per link) and how they were obtained."""

    scenario: Scenario  # cut at the window's end
    network: CompiledNetwork
    units: dict[str, np.ndarray]  # arm -> effort units per link (status_quo: zeros)
    budgets: dict[str, float]  # the unilateral arm's budget by country
    info: dict[str, Any]  # per arm: rounds, evaluations, gradient check
    seconds: float


class _Ticker:
    """A queue-like progress sink for in-process planning."""

    def __init__(self, fn: Callable[[], None]):
        self.fn = fn

    def put(self, _item: Any) -> None:
        self.fn()


def _work_units(spec: OptimizeSpec) -> tuple[int, int, int]:
    """Progress units: status-quo training runs, and planning of each arm (coordinated:
    one solve and T runs per round; unilateral: one best response per country and Nash
    round and T runs per round)."""
    T, n_c = spec.train_seeds, len(spec.countries)
    plan_c = spec.rounds + (spec.rounds - 1) * T
    plan_u = spec.rounds * spec.nash_rounds * n_c + (spec.rounds - 1) * T
    return T, plan_c, plan_u


def plan_allocations(
    spec: OptimizeSpec,
    progress: Callable[[int, str], None] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> Plan:
    """Plan the unilateral and coordinated allocations (no evaluation runs).

    ``progress(units_done, stage)`` is called as work completes (see :func:`_work_units`).
    With a ``pool`` of two workers the two arms are planned side by side.
    """
    t_start = time.perf_counter()
    sc = spec.validate()
    net = Sim(sc, seed=0).net
    T = spec.train_seeds

    def bump(k: int, stage: str) -> None:
        if progress:
            progress(k, stage)

    # 1. Status quo training runs: the snapshots both arms start from.
    tasks = [
        RunTask(
            sc,
            net,
            TRAIN_SEED_BASE + k,
            None,
            spec.start,
            spec.end,
            _snapshot_months(sc.start, spec, k),
            measure=True,
            participants=tuple(spec.countries),
        )
        for k in range(T)
    ]
    outs = []
    for o in pool.map(run_task, tasks) if pool else map(run_task, tasks):
        outs.append(o)
        bump(1, "status quo")
    snaps = [s for o in outs for s in o.snapshots]
    sq_flow = {
        c: float(np.mean([o.flow_country.get(c, 0.0) for o in outs])) for c in spec.countries
    }
    budgets = Planner(spec, sc, net).shares(sq_flow)
    # 2. Plan both arms: the same optimiser, the same snapshots to start from.
    plans: dict[str, tuple[np.ndarray, dict]] = {}
    arms = ("coordinated", "unilateral")
    if pool:
        with mp.Manager() as mgr:
            queue = mgr.Queue()
            futs = [pool.submit(_plan_arm, (spec, sc, net, a, snaps, budgets, queue)) for a in arms]
            while not all(f.done() for f in futs):
                try:
                    queue.get(timeout=0.2)
                    bump(1, "planning")
                except Exception:  # noqa: BLE001 - queue.Empty through the manager
                    pass
            while not queue.empty():
                queue.get()
                bump(1, "planning")
            for f in futs:
                arm, x, info = f.result()
                plans[arm] = (x, info)
    else:
        ticker = _Ticker(lambda: bump(1, "planning"))
        for a in arms:
            arm, x, info = _plan_arm((spec, sc, net, a, snaps, budgets, ticker))
            plans[arm] = (x, info)
    units = {"status_quo": np.zeros(net.n_links)}
    units.update({a: plans[a][0] for a in ("unilateral", "coordinated")})
    info = {a: plans[a][1] for a in ("unilateral", "coordinated")}
    return Plan(sc, net, units, budgets, info, time.perf_counter() - t_start)


def run_optimize(
    spec: OptimizeSpec, progress: Callable[[int, int, str], None] | None = None
) -> OptimizeResult:
    """Plan the unilateral and coordinated allocations and evaluate the three arms.

    ``progress(done, total, stage)`` is called as work completes.
    """
    t_start = time.perf_counter()
    spec.validate()
    T, plan_c, plan_u = _work_units(spec)
    total = T + plan_c + plan_u + len(ARMS) * spec.seeds
    done = 0

    def bump(k: int, stage: str) -> None:
        nonlocal done
        done = min(done + k, total)
        if progress:
            progress(done, total, stage)

    workers = max(1, int(spec.workers))
    pool = ProcessPoolExecutor(workers, mp_context=_ctx()) if workers > 1 else None
    try:
        plan = plan_allocations(spec, bump, pool)
        done = T + plan_c + plan_u
        # 3. Evaluate the three arms on the same seeds (common random numbers).
        sc, net, units = plan.scenario, plan.network, plan.units
        participants = tuple(spec.countries)
        etasks = [
            RunTask(sc, net, s, units[a], spec.start, spec.end, (), True, participants, a)
            for a in ARMS
            for s in range(spec.seeds)
        ]
        evals = []
        for o in pool.map(run_task, etasks) if pool else map(run_task, etasks):
            evals.append(o)
            bump(1, "evaluation")
    finally:
        if pool:
            pool.shutdown()
    return _assemble(spec, plan, evals, time.perf_counter() - t_start)


def _assemble(
    spec: OptimizeSpec, plan: Plan, evals: list[RunOutput], seconds: float
) -> OptimizeResult:
    sc, net, units = plan.scenario, plan.network, plan.units
    obj = {
        "status_quo": "none",
        "unilateral": spec.unilateral_objective,
        "coordinated": spec.objective,
    }
    rows = []
    for o in evals:
        rows.append({"arm": o.tag, "seed": o.seed, "objective": obj[o.tag], **o.measures})
    by_seed = pd.DataFrame(rows)
    summary = (
        by_seed.drop(columns="seed").groupby(["arm", "objective"], sort=False).mean().reset_index()
    )
    summary = summary.set_index("arm").loc[list(ARMS)].reset_index()[SUMMARY_COLUMNS]
    alloc = []
    for a in ("unilateral", "coordinated"):
        x = units[a]
        for i in np.flatnonzero(x > MIN_UNITS):
            alloc.append(
                {
                    "arm": a,
                    "from": net.place_ids[net.link_from[i]],
                    "to": net.place_ids[net.link_to[i]],
                    "mode": MODES[net.link_mode[i]],
                    "country": net.juris_ids[net.link_juris[i]],
                    "effort_units": float(x[i]),
                }
            )
    allocation = pd.DataFrame(alloc, columns=ALLOCATION_COLUMNS)
    lf = []
    for a in ARMS:
        m = np.mean([o.link_out for o in evals if o.tag == a], axis=0)
        lf.append(
            pd.DataFrame(
                {
                    "arm": a,
                    "from": [net.place_ids[i] for i in net.link_from],
                    "to": [net.place_ids[i] for i in net.link_to],
                    "mode": [MODES[i] for i in net.link_mode],
                    "flow_t_per_month": m,
                }
            )
        )
    cf = []
    for a in ARMS:
        for c in evals[0].flow_country:
            cf.append(
                {
                    "arm": a,
                    "country": c,
                    "flow_t": float(np.mean([o.flow_country[c] for o in evals if o.tag == a])),
                }
            )
    sdict = asdict(spec) | {"scenario": sc.name, "scenario_hash": sc.hash()}
    diag = {
        "budgets_unilateral": plan.budgets,
        "spent": {a: float(units[a].sum()) for a in ("unilateral", "coordinated")},
        "train_seeds": [TRAIN_SEED_BASE + k for k in range(spec.train_seeds)],
        "evaluation_seeds": list(range(spec.seeds)),
        "plans": plan.info,
        "planning_seconds": round(plan.seconds, 1),
        "seconds": round(seconds, 1),
    }
    return OptimizeResult(
        sdict,
        allocation,
        summary,
        by_seed,
        pd.concat(lf, ignore_index=True),
        pd.DataFrame(cf),
        copy.deepcopy(units),
        diag,
        net,
    )


RESULT_FILES = ("summary.csv", "allocation.csv", "link_flow.csv", "optimize.json")


def load_result_dir(path: str | Path) -> SimpleNamespace:
    """Read the folder ``isthmus optimize --out DIR`` wrote, as an object the maps and
    tables take (``spec``, ``diagnostics``, ``summary``, ``allocation``, ``link_flow``,
    ``network``: the scenario's compiled network, for the maps' coordinates).

    Raises
    ------
    ValueError
        Naming the folder and the missing or unreadable file.
    """
    d = Path(path)
    missing = [f for f in RESULT_FILES if not (d / f).is_file()]
    if missing:
        raise ValueError(f"{d}: not an `isthmus optimize` folder (missing {', '.join(missing)})")
    try:
        meta = json.loads((d / "optimize.json").read_text(encoding="utf-8"))
        spec = meta["spec"]
        out = SimpleNamespace(
            spec=spec,
            diagnostics=meta.get("diagnostics", {}),
            summary=pd.read_csv(d / "summary.csv"),
            allocation=pd.read_csv(d / "allocation.csv"),
            link_flow=pd.read_csv(d / "link_flow.csv"),
        )
        out.network = compile_network(load_scenario(spec["scenario"]))
    except (OSError, KeyError, ValueError, ScenarioError) as exc:
        raise ValueError(f"{d}: cannot read the optimize results ({exc})") from None
    return out
