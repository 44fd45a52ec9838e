"""What the maps, the report and the dashboard read from a run.

A :class:`RunData` bundles a run's public annual indicators with the few
non-public, map-only series that the results store does not keep: tons
leaving and seized on each link per year, and who controls each place. They
are collected by :func:`simulate`, which runs the :class:`~isthmus.Sim`
unchanged and reads the shared runtime state after each month through the
``progress`` callback (so the engine needs no hook). For a run folder written
by ``isthmus run --out DIR``, :func:`load_run_dir` reads ``results.duckdb``
and, when the scenario can be found and its content hash matches, re-runs it
with the recorded seed and parameters to get the link flows back, checking
the re-run against the stored indicators.

Examples
--------
>>> rd = simulate("central-america", seed=1)
>>> rd.link_out.shape == (len(rd.years), rd.geo.n_links)
True
>>> bool((rd.link_out >= 0).all())
True
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import Scenario, ScenarioError, load_scenario

MODE_NAMES = (
    "land",
    "maritime-pacific",
    "maritime-caribbean",
    "maritime-atlantic",
    "air",
    "container",
)


@dataclass
class NetGeometry:
    """Where places and links are: what a map needs of the compiled network."""

    place_ids: list[str]
    place_names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    country: np.ndarray  # ISO3 (object)
    group: np.ndarray  # region group (object)
    level: np.ndarray  # place level (object)
    link_from: np.ndarray
    link_to: np.ndarray
    link_mode: list[str]
    actor_ids: list[str] = field(default_factory=list)
    actor_names: list[str] = field(default_factory=list)
    actor_kinds: list[str] = field(default_factory=list)

    @property
    def n_links(self) -> int:
        return len(self.link_from)

    @property
    def n_places(self) -> int:
        return len(self.place_ids)

    def link_keys(self) -> list[tuple[str, str, str]]:
        """``(from, to, mode)`` of each link: its identity across runs."""
        p = self.place_ids
        return [
            (p[a], p[b], m)
            for a, b, m in zip(self.link_from, self.link_to, self.link_mode, strict=True)
        ]

    @classmethod
    def from_sim(cls, sim: Any) -> NetGeometry:
        """Geometry of a :class:`~isthmus.Sim`'s compiled network and actors."""
        net, sc = sim.net, sim.scenario
        names = dict(zip(sc.places["id"].astype(str), sc.places["name"].astype(str), strict=True))
        acts = sc.actors
        return cls(
            place_ids=list(net.place_ids),
            place_names=[names.get(p, p) for p in net.place_ids],
            lat=np.asarray(net.lat, dtype=float),
            lon=np.asarray(net.lon, dtype=float),
            country=np.asarray(net.place_country, dtype=object),
            group=np.asarray(net.place_group, dtype=object),
            level=np.asarray(net.place_level, dtype=object),
            link_from=np.asarray(net.link_from),
            link_to=np.asarray(net.link_to),
            link_mode=[MODE_NAMES[int(m)] for m in net.link_mode],
            actor_ids=[str(x) for x in acts["id"]] if len(acts) else [],
            actor_names=[str(x) for x in acts["name"]] if len(acts) else [],
            actor_kinds=[str(x) for x in acts["kind"]] if len(acts) else [],
        )


@dataclass
class RunData:
    """A run as the views see it.

    Attributes
    ----------
    label : str
        Short name shown in legends ("central-america", "baseline"...).
    ia : pandas.DataFrame
        Public annual indicators (indicator, region, year, value, unit).
    years : numpy.ndarray
        Years of the rows of the per-link and per-place arrays.
    link_out, link_seized : numpy.ndarray or None
        Tons leaving (after seizures) and seized on each link, per year
        (years x links).
    controller : numpy.ndarray or None
        Controlling actor index of each place in the last month of each year
        (years x places, -1 = nobody), when the groups module is active.
    control_changes : numpy.ndarray or None
        Number of times each place changed hands during each year (contests won).
    contested_months : numpy.ndarray or None
        Months of each year in which each place was contested.
    """

    label: str
    ia: pd.DataFrame
    seed: int = 0
    scenario: Scenario | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    geo: NetGeometry | None = None
    years: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    link_out: np.ndarray | None = None
    link_seized: np.ndarray | None = None
    controller: np.ndarray | None = None
    control_changes: np.ndarray | None = None
    contested_months: np.ndarray | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)
    active_modules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ledger: pd.DataFrame | None = None

    # -- indicator access -------------------------------------------------------
    def has(self, indicator: str) -> bool:
        """True if the run recorded this public indicator."""
        return bool((self.ia["indicator"] == indicator).any())

    def pivot(self, indicator: str) -> pd.DataFrame:
        """Indicator as a year x region table (empty if absent)."""
        d = self.ia[self.ia["indicator"] == indicator]
        if d.empty:
            return pd.DataFrame()
        out = d.pivot_table(index="year", columns="region", values="value", aggfunc="sum")
        out.columns = [str(c) for c in out.columns]
        return out

    def value(self, indicator: str, region: str, years: int | tuple[int, int] | None) -> float:
        """Annual value (a year) or mean of annual values (a period); NaN if absent."""
        p = self.pivot(indicator)
        if p.empty or region not in p.columns:
            return float("nan")
        s = p[region]
        y0, y1 = year_span(years, s.index)
        s = s[(s.index >= y0) & (s.index <= y1)]
        return float(s.mean()) if len(s) else float("nan")

    def unit(self, indicator: str) -> str:
        d = self.ia.loc[self.ia["indicator"] == indicator, "unit"]
        return str(d.iloc[0]) if len(d) else ""

    @property
    def all_years(self) -> list[int]:
        return sorted(int(y) for y in self.ia["year"].unique())

    def year_mask(self, years: int | tuple[int, int] | None) -> np.ndarray:
        """Rows of the per-link arrays that fall in a year or period."""
        y0, y1 = year_span(years, self.years)
        return (self.years >= y0) & (self.years <= y1)


def year_span(years: int | tuple[int, int] | None, available: Any) -> tuple[int, int]:
    """``(first, last)`` year of a year, a period or everything available.

    Examples
    --------
    >>> year_span(2006, [2000, 2015])
    (2006, 2006)
    >>> year_span(None, [2000, 2001, 2015])
    (2000, 2015)
    """
    if years is None:
        a = np.asarray(list(available))
        return (int(a.min()), int(a.max())) if len(a) else (0, -1)
    if isinstance(years, (tuple, list)):
        return int(years[0]), int(years[1])
    return int(years), int(years)


def period_label(years: int | tuple[int, int] | None, available: Any = ()) -> str:
    """Readable label of a year or a period ("2006", "2007-2012")."""
    y0, y1 = year_span(years, available)
    return str(y0) if y0 == y1 else f"{y0}-{y1}"


# ---------------------------------------------------------------------------
# running


def _as_scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def without_policies(scenario: Scenario | str | Path) -> Scenario:
    """A copy of a scenario with its dated policies removed (the no-policy counterfactual)."""
    sc = _as_scenario(scenario).copy()
    sc.policies = []
    return sc


def simulate(
    scenario: Scenario | str | Path = "central-america",
    seed: int = 0,
    params: dict[str, float] | None = None,
    policies: list[Any] | None = None,
    label: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunData:
    """Run a scenario and collect the public indicators plus per-link flows.

    Parameters
    ----------
    scenario : Scenario, str or Path
        Loaded scenario, shipped scenario name or scenario folder.
    seed : int
        Run seed.
    params : dict, optional
        Parameter overrides ``{"module.name": value}``.
    policies : list, optional
        Extra interventions (dicts as in ``policies.yaml``, or objects).
    label : str, optional
        Name shown in legends (default: the scenario name).
    progress : callable, optional
        Called with ``(months_done, n_months)`` after each month.

    Returns
    -------
    RunData

    Examples
    --------
    >>> rd = simulate("central-america", seed=0, label="default")
    >>> rd.has("us_bound_share")
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
    changes = np.zeros((len(years), n_p))
    contested = np.zeros((len(years), n_p))
    seen_ctrl = [False]
    prev: list[np.ndarray | None] = [None]

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
            if prev[0] is not None:
                changes[k] += (c != prev[0]) & (c >= 0)
            prev[0] = c.copy()
        ct = getattr(st, "contested", None)
        if ct is not None and np.shape(ct) == (n_p,):
            contested[k] += np.asarray(ct, dtype=float)
        if progress is not None:
            progress(done, total)

    res = sim.run(progress=collect)
    geo = NetGeometry.from_sim(sim)
    ids = getattr(sim.state, "actor_ids", None)
    if ids is not None and list(ids) != geo.actor_ids:  # controller indexes the groups' own order
        name = dict(zip(geo.actor_ids, geo.actor_names, strict=True))
        kind = dict(zip(geo.actor_ids, geo.actor_kinds, strict=True))
        geo.actor_ids = [str(a) for a in ids]
        geo.actor_names = [name.get(a, a) for a in geo.actor_ids]
        geo.actor_kinds = [kind.get(a, "") for a in geo.actor_ids]
    pol = []
    for iv in sim.interventions:
        try:
            pol.append(iv.to_dict())
        except Exception:  # noqa: BLE001 - a foreign intervention object without YAML form
            pol.append({"type": type(iv).__name__})
    return RunData(
        label=label or sc.name,
        ia=res.indicators_annual.copy(),
        seed=int(seed),
        scenario=sc,
        meta=res.metadata(),
        params=dict(res.params),
        geo=geo,
        years=years,
        link_out=link_out,
        link_seized=link_seized,
        controller=ctrl if seen_ctrl[0] else None,
        control_changes=changes if seen_ctrl[0] else None,
        contested_months=contested if seen_ctrl[0] else None,
        policies=pol,
        active_modules=list(res.active_modules),
        ledger=res.ledger,
    )


# ---------------------------------------------------------------------------
# run folders


def is_run_dir(path: str | Path) -> bool:
    """True if ``path`` is a folder written by ``isthmus run --out`` (or a results file)."""
    p = Path(path)
    return (p.is_dir() and (p / "results.duckdb").exists()) or (
        p.is_file() and p.suffix == ".duckdb"
    )


def load_run_dir(path: str | Path, label: str | None = None, rerun: bool = True) -> RunData:
    """Read a run folder (``results.duckdb``) and, when possible, re-run it for link flows.

    The re-run uses the recorded scenario name, seed and parameters. It is
    accepted only if the scenario's content hash equals the recorded one and
    the re-run reproduces the stored supply, seizure and delivery totals;
    otherwise the maps fall back to the stored admin-1 arrivals (``flow_t``)
    and a note says why.
    """
    import duckdb

    p = Path(path)
    db = p if p.is_file() else p / "results.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
        ia = con.execute("select indicator, region, year, value, unit from indicators_annual").df()
        runs = con.execute("select * from runs").df() if "runs" in tables else pd.DataFrame()
        ledger = con.execute("select * from ledger").df() if "ledger" in tables else None
    finally:
        con.close()
    ia["year"] = ia["year"].astype(int)
    meta: dict[str, Any] = {}
    params: dict[str, float] = {}
    if len(runs):
        row = runs.iloc[0].to_dict()
        params = json.loads(row.pop("params", "{}") or "{}")
        meta = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
    name = str(meta.get("scenario", p.name))
    rd = RunData(
        label=label or p.name or name,
        ia=ia,
        seed=int(meta.get("seed", 0) or 0),
        meta=meta,
        params=params,
        active_modules=str(meta.get("active_modules", "")).split(","),
        ledger=ledger,
    )
    rd.notes.append(f"read from {db}")
    if not rerun:
        rd.notes.append("link flows not available (re-run disabled): maps show arrivals by place")
        return rd
    sc = _find_scenario(name, p)
    if sc is None:
        rd.notes.append(
            f"scenario '{name}' not found: maps show arrivals by place instead of link flows"
        )
        return rd
    rd.scenario = sc
    if meta.get("scenario_hash") and sc.hash() != meta["scenario_hash"]:
        rd.notes.append(
            f"scenario '{name}' has changed since the run (hash {sc.hash()} != "
            f"{meta['scenario_hash']}): maps show arrivals by place instead of link flows"
        )
        return rd
    try:
        again = simulate(sc, seed=rd.seed, params=params or None, label=rd.label)
    except (ScenarioError, ValueError) as exc:
        rd.notes.append(f"could not re-run '{name}' for link flows ({exc})")
        return rd
    if not _same_totals(ia, again.ia):
        rd.notes.append(
            "re-running the recorded scenario, seed and parameters does not reproduce the "
            "stored totals (extra policies or another code version?): maps show arrivals by place"
        )
        return rd
    rd.geo, rd.years = again.geo, again.years
    rd.link_out, rd.link_seized = again.link_out, again.link_seized
    rd.controller, rd.control_changes = again.controller, again.control_changes
    rd.contested_months = again.contested_months
    rd.policies = again.policies
    rd.notes.append(
        f"link flows reproduced by re-running '{name}' (seed {rd.seed}, recorded parameters); "
        "the re-run matches the stored totals"
    )
    return rd


def _find_scenario(name: str, run_dir: Path) -> Scenario | None:
    for cand in (run_dir / "scenario", name):
        try:
            return load_scenario(cand)
        except ScenarioError:
            continue
    return None


def _same_totals(a: pd.DataFrame, b: pd.DataFrame, rtol: float = 1e-6) -> bool:
    for ind in ("supply_t", "seized_t", "delivered_t"):
        x = a[a["indicator"] == ind].groupby("year")["value"].sum()
        y = b[b["indicator"] == ind].groupby("year")["value"].sum()
        if len(x) != len(y) or not np.allclose(
            x.to_numpy(), y.reindex(x.index).to_numpy(), rtol=rtol, atol=1e-9
        ):
            return False
    return True


def load_run(
    spec: str | Path | Scenario,
    seed: int = 0,
    label: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunData:
    """A run from a run folder, a results file, a scenario folder or a shipped scenario name.

    Examples
    --------
    >>> load_run("central-america", seed=2).seed
    2
    """
    if not isinstance(spec, Scenario) and is_run_dir(spec):
        return load_run_dir(spec, label=label)
    return simulate(spec, seed=seed, label=label, progress=progress)
