"""Runs as the interfaces need them: one run in detail, several seeds, policy checks.

The report and the dashboard (:mod:`isthmus.viz`) reach the model only through
this module, so that the layers point one way: interfaces -> experiments ->
engine -> scenario.

- :func:`run_detailed` runs one seed and keeps, besides the public indicators,
  what the maps need and the results store does not keep: tons leaving and
  seized on each link per year, and who controls each place.
- :func:`run_seeds` runs replicates that differ only by their seed on the
  ensemble engine (:class:`~isthmus.experiments.ensemble.Ensemble` with
  ``draws=False``). Replicate ``i`` gets the seed ``derive_seed(seed, i)``
  whatever the scenario or policies, so two arms run with the same base seed
  are paired seed by seed (common random numbers).
- :func:`seed_summary` and :func:`paired_summary` turn the per-seed tables into
  means and 90% intervals.
- :func:`check_policies` and :func:`declared_parameters` answer the dashboard's
  and the provenance table's questions without running anything.

Examples
--------
>>> d = run_detailed("central-america", seed=1)
>>> d.link_out.shape == (len(d.years), d.net.n_links)
True
>>> runs = run_seeds("central-america", seeds=2, seed=0)
>>> sorted(runs["run_id"].unique().tolist())
[0, 1]
>>> s = seed_summary(runs)
>>> bool((s["p05"] <= s["p95"]).all())
True
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import Scenario, ScenarioError, load_scenario
from .ensemble import derive_seed

#: Quantiles of the intervals over seeds (a 90% interval).
QUANTILES = (0.05, 0.95)


def _as_scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def without_policies(scenario: Scenario | str | Path) -> Scenario:
    """A copy of a scenario with its dated policies removed (the no-policy counterfactual).

    Examples
    --------
    >>> without_policies("central-america").policies
    []
    """
    sc = _as_scenario(scenario).copy()
    sc.policies = []
    return sc


def replicate_seed(base_seed: int, index: int) -> int:
    """The seed of replicate ``index`` of a set of seeds (as the ensemble engine derives it).

    Examples
    --------
    >>> replicate_seed(0, 0) == replicate_seed(0, 0) != replicate_seed(0, 1)
    True
    """
    return derive_seed(int(base_seed), int(index))


# ---------------------------------------------------------------------------
# one run, in detail


@dataclass
class DetailedRun:
    """One run with the per-link and per-place series the maps need.

    Attributes
    ----------
    results : isthmus.Results
        The run's results (public indicators, ledger, metadata).
    net : CompiledNetwork
        The compiled network (places, links, coordinates).
    scenario : Scenario
    seed : int
    years : numpy.ndarray
        Years of the rows of the arrays below.
    link_out, link_seized : numpy.ndarray
        Tons leaving each link (after seizures) and seized on it, per year (years x links).
    controller : numpy.ndarray or None
        Controlling actor of each place at the end of each year (-1: nobody),
        when the groups module is active; actors in the order of ``actor_ids``.
    taken : numpy.ndarray or None
        Times each place was taken during each year: it came under the control
        of a group other than its last holder (or was held for the first time).
    defended : numpy.ndarray or None
        Times each place came back under its last holder after a spell without
        one (a contest the holder won), per year.
    contested_months : numpy.ndarray or None
        Months of each year in which each place was contested.
    actor_ids : list of str or None
        Order of the actors indexed by ``controller``.
    policies : list of dict
        Every intervention of the run, in YAML form.
    """

    results: Any
    net: Any
    scenario: Scenario
    seed: int
    years: np.ndarray
    link_out: np.ndarray
    link_seized: np.ndarray
    controller: np.ndarray | None = None
    taken: np.ndarray | None = None
    defended: np.ndarray | None = None
    contested_months: np.ndarray | None = None
    actor_ids: list[str] | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)


def run_detailed(
    scenario: Scenario | str | Path = "central-america",
    seed: int = 0,
    params: dict[str, float] | None = None,
    policies: list[Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DetailedRun:
    """Run one seed and collect link flows and plaza control per year.

    The simulation runs unchanged: the series are read from the shared runtime
    state after each month, through the ``progress`` callback.

    Parameters
    ----------
    scenario : Scenario, str or Path
    seed : int
    params : dict, optional
        Parameter overrides ``{"module.name": value}``.
    policies : list, optional
        Extra interventions (dicts as in ``policies.yaml``, or objects).
    progress : callable, optional
        ``progress(months_done, n_months)`` after each month.

    Examples
    --------
    >>> d = run_detailed("central-america", seed=0)
    >>> bool((d.link_out >= 0).all()) and d.controller is not None
    True
    """
    from ..engine.sim import Sim

    sc = _as_scenario(scenario)
    sim = Sim(sc, seed=seed, params=params, policies=policies)
    years = np.unique(sim.years)
    yi = np.searchsorted(years, sim.years)
    n_l, n_p = sim.net.n_links, sim.net.n_places
    link_out = np.zeros((len(years), n_l))
    link_seized = np.zeros((len(years), n_l))
    ctrl = np.full((len(years), n_p), -1, dtype=np.int64)
    taken = np.zeros((len(years), n_p))
    defended = np.zeros((len(years), n_p))
    contested = np.zeros((len(years), n_p))
    seen_ctrl = [False]
    # last month's controller, and the last actor that held each place (-1: never held)
    prev: list[np.ndarray | None] = [None]
    holder: list[np.ndarray | None] = [None]

    def collect(done: int, total: int) -> None:
        # Called after every module has stepped month done-1: the state holds that month.
        t = done - 1
        st = sim.state
        k = yi[t]
        lo = getattr(st, "link_out", None)
        if lo is not None:
            link_out[k] += lo
        ls = getattr(st, "link_seized", None)
        if ls is not None:
            link_seized[k] += ls
        c = getattr(st, "controller", None)
        if c is not None and np.shape(c) == (n_p,):
            c = np.asarray(c, dtype=np.int64)
            seen_ctrl[0] = True
            ctrl[k] = c
            if prev[0] is None:
                holder[0] = c.copy()
            else:
                # a contest is decided when a place gets a controller it did not have last
                # month: taken if the new one is not its last holder, defended if it is
                h = holder[0]
                new = (c >= 0) & (c != prev[0])
                back = new & (c == h)
                taken[k] += new & ~back
                defended[k] += back
                holder[0] = np.where(c >= 0, c, h)
            prev[0] = c.copy()
        ct = getattr(st, "contested", None)
        if ct is not None and np.shape(ct) == (n_p,):
            contested[k] += np.asarray(ct, dtype=float)
        if progress is not None:
            progress(done, total)

    res = sim.run(progress=collect)
    ids = getattr(sim.state, "actor_ids", None)
    pol = []
    for iv in sim.interventions:
        try:
            pol.append(iv.to_dict())
        except Exception:  # noqa: BLE001 - a foreign intervention object without YAML form
            pol.append({"type": type(iv).__name__})
    return DetailedRun(
        results=res,
        net=sim.net,
        scenario=sc,
        seed=int(seed),
        years=years,
        link_out=link_out,
        link_seized=link_seized,
        controller=ctrl if seen_ctrl[0] else None,
        taken=taken if seen_ctrl[0] else None,
        defended=defended if seen_ctrl[0] else None,
        contested_months=contested if seen_ctrl[0] else None,
        actor_ids=[str(a) for a in ids] if ids is not None else None,
        policies=pol,
    )


# ---------------------------------------------------------------------------
# several seeds


def default_workers(n_runs: int) -> int:
    """Worker processes for ``n_runs`` short runs: up to 2, never more than the CPUs."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(2, cpus, n_runs))


def run_seeds(
    scenario: Scenario | str | Path = "central-america",
    seeds: int = 5,
    seed: int = 0,
    policies: list[Any] | None = None,
    params: dict[str, float] | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    skip: tuple[int, ...] = (),
) -> pd.DataFrame:
    """Annual indicators of ``seeds`` replicates (no parameter draws), on the ensemble engine.

    The replicates are the ensemble engine's runs (:class:`~.ensemble.Ensemble`
    with ``draws=False``: its seeds, workers and backends), returned in memory
    without a results store.

    Parameters
    ----------
    scenario : Scenario, str or Path
    seeds : int
        Number of replicates; replicate ``i`` runs with :func:`replicate_seed` ``(seed, i)``.
    seed : int
        Base seed.
    policies : list, optional
        Extra interventions for every replicate.
    params : dict, optional
        Parameter overrides for every replicate.
    workers : int
        Local worker processes (1: in this process).
    progress : callable, optional
        ``progress(done, total)`` after each finished replicate.
    skip : tuple of int
        Replicate indices not to run (e.g. one already run in detail).

    Returns
    -------
    DataFrame
        run_id, seed, indicator, region, year, value, unit (sorted by run_id).

    Raises
    ------
    ScenarioError
        On bad input (before any run).
    RuntimeError
        If a replicate fails.
    """
    from .ensemble import Ensemble, run_pool, run_serial

    if int(seeds) < 1:
        raise ValueError("seeds must be at least 1")
    ens = Ensemble(
        _as_scenario(scenario),
        runs=int(seeds),
        seed=int(seed),
        draws=False,
        fixed=dict(params or {}),
        policies=list(policies) if policies else None,
    )
    ens.validate()  # bad input fails here, before any work
    specs = [s for s in ens.specs() if s.run_id not in set(skip)]
    if not specs:
        return _EMPTY_RUNS.copy()
    job = ens.job()
    nw = min(max(1, int(workers)), len(specs))
    recs = run_pool(job, specs, nw) if nw > 1 else run_serial(job, specs)
    frames = []
    for k, rec in enumerate(recs, 1):
        if rec.error is not None:
            raise RuntimeError(f"replicate {rec.run_id} (seed {rec.seed}) failed:\n{rec.error}")
        frames.append(rec.indicators.to_pandas())
        if progress is not None:
            progress(k, len(specs))
    out = pd.concat(frames, ignore_index=True)
    for c in ("indicator", "region", "unit"):
        out[c] = out[c].astype(str)
    out["year"] = out["year"].astype(int)
    out["seed"] = out["seed"].astype("int64")
    out["run_id"] = out["run_id"].astype(int)
    # a stable order whatever the workers: by replicate, then as each run records its rows
    return out.sort_values("run_id", kind="stable").reset_index(drop=True)


_EMPTY_RUNS = pd.DataFrame(
    {
        "run_id": pd.Series([], dtype=int),
        "seed": pd.Series([], dtype="int64"),
        "indicator": pd.Series([], dtype=str),
        "region": pd.Series([], dtype=str),
        "year": pd.Series([], dtype=int),
        "value": pd.Series([], dtype=float),
        "unit": pd.Series([], dtype=str),
    }
)


def detailed_indicators(d: DetailedRun, run_id: int = 0) -> pd.DataFrame:
    """A detailed run's annual indicators in the layout of :func:`run_seeds`."""
    ia = d.results.indicators_annual
    out = ia.assign(run_id=int(run_id), seed=int(d.seed))
    out["value"] = np.where(np.isnan(out["value"]), np.nan, out["value"] + 0.0)
    return out[["run_id", "seed", "indicator", "region", "year", "value", "unit"]]


def _quantiles(g: Any) -> pd.DataFrame:
    lo, hi = QUANTILES
    q = g.quantile([lo, hi]).unstack()
    return q.rename(columns={lo: "p05", hi: "p95"})


def seed_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and 90% interval over seeds of every indicator, region and year.

    Columns: indicator, region, year, unit, n_seeds, mean, p05, p95. With up
    to 20 seeds the mean always lies inside [p05, p95] (linear quantiles).

    Examples
    --------
    >>> runs = pd.DataFrame({"seed": [1, 2, 3], "indicator": "x", "region": "r", "year": 2005,
    ...     "value": [1.0, 2.0, 6.0], "unit": "t"})
    >>> seed_summary(runs)[["mean", "p05", "p95"]].round(2).values.tolist()
    [[3.0, 1.1, 5.6]]
    """
    keys = ["indicator", "region", "year"]
    g = runs.groupby(keys, sort=False)["value"]
    q = _quantiles(g)
    out = pd.DataFrame(
        {
            "unit": runs.groupby(keys, sort=False)["unit"].first(),
            "n_seeds": g.size(),
            "mean": g.mean(),
            "p05": q["p05"],
            "p95": q["p95"],
        }
    ).reset_index()
    return out


def paired_summary(runs: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Paired differences ``runs - other`` seed by seed: mean and 90% interval.

    Both tables come from :func:`run_seeds` with the same base seed, so rows
    pair on the replicate's seed (common random numbers).

    Columns: indicator, region, year, unit, n_seeds, diff_mean, diff_p05, diff_p95.
    """
    keys = ["indicator", "region", "year", "seed"]
    m = runs[keys + ["value", "unit"]].merge(
        other[keys + ["value"]].rename(columns={"value": "other"}), on=keys, how="inner"
    )
    m["diff"] = m["value"] - m["other"]
    g = m.groupby(keys[:-1], sort=False)["diff"]
    q = _quantiles(g)
    return pd.DataFrame(
        {
            "unit": m.groupby(keys[:-1], sort=False)["unit"].first(),
            "n_seeds": g.size(),
            "diff_mean": g.mean(),
            "diff_p05": q["p05"],
            "diff_p95": q["p95"],
        }
    ).reset_index()


# ---------------------------------------------------------------------------
# questions answered without running


def check_policies(
    scenario: Scenario | str | Path, policies: list[dict[str, Any]], source: str = "dashboard"
) -> list[str]:
    """Problems with extra policies for this scenario (empty when they can run).

    Parses them with the scenario's own rules and checks their targets
    against its compiled network; nothing is run.

    Examples
    --------
    >>> check_policies("central-america", [{"type": "interdiction_surge", "start": "2007-01",
    ...     "target": {"country": ["GTM"]}, "size": 0.5}])
    []
    """
    from ..engine.sim import Sim

    sc = _as_scenario(scenario)
    try:
        sim = Sim(sc, seed=0, policies=policies)
        probs = []
        for iv in sim.interventions[len(sim.interventions) - len(policies) :]:
            v = getattr(iv, "validate_targets", None)
            if v is not None:
                probs += [str(p) for p in v(sim, source, None)]
        return probs
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]


def declared_parameters() -> dict[str, dict[str, Any]]:
    """Every module's declared parameters, ``{module: {name: Param}}`` (value, unit, range, source).

    Examples
    --------
    >>> "theta" in declared_parameters()["routes"]
    True
    """
    from ..engine.sim import Sim

    return Sim.declared_params()


def intervention_types() -> dict[str, type]:
    """Intervention types registered now, by name (other engineers may add more).

    Examples
    --------
    >>> "interdiction_surge" in intervention_types()
    True
    """
    from ..policy import INTERVENTIONS

    return dict(INTERVENTIONS)


def size_unit(kind: str) -> str:
    """The unit of an intervention type's ``size`` ("personnel", "effort units (budget)"...).

    Examples
    --------
    >>> size_unit("military_deployment")
    'personnel'
    """
    cls = intervention_types().get(kind)
    return str(getattr(cls, "size_unit", "")) if cls is not None else ""


def policies_yaml(policies: list[dict[str, Any]], source: str = "dashboard") -> str:
    """Policy dicts as the text of a ``policies.yaml`` (validated on the way).

    Examples
    --------
    >>> print(policies_yaml([{"type": "crime_prevention", "start": "2008-01",
    ...     "target": {"country": ["SLV"]}, "size": 0.3}]).splitlines()[0])
    - type: crime_prevention
    """
    from ..policy import dump_policies, parse_policies

    return dump_policies(parse_policies(policies, source))
