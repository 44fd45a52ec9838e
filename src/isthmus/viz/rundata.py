"""What the maps, the charts, the report and the dashboard read from a run.

A :class:`RunData` bundles a run's public annual indicators, over one seed or
several, with the few map-only series that the results store does not keep:
tons leaving and seized on each link per year, and who controls each place.

:func:`simulate` reaches the model through :mod:`isthmus.experiments.runs`
(the interfaces never import the engine): with ``seeds=1`` it runs one seed;
with ``seeds=N`` it runs ``N`` replicates on the ensemble engine (replicate
``i`` has the seed ``derive_seed(seed, i)``), keeps every replicate's
indicators (``runs``) and their mean (``ia``), and collects the map series
from replicate 0. Two runs made with the same ``seed`` and ``seeds`` are
paired seed by seed (common random numbers).

For a run folder written by ``isthmus run --out DIR``, :func:`load_run_dir`
reads ``results.duckdb`` and, when the scenario can be found and its content
hash matches, re-runs it with the recorded seed and parameters to get the
link flows back, checking the re-run against the stored indicators.

Examples
--------
>>> rd = simulate("central-america", seed=1)
>>> rd.link_out.shape == (len(rd.years), rd.geo.n_links)
True
>>> bool((rd.link_out >= 0).all())
True
>>> ens = simulate("central-america", seed=1, seeds=3)
>>> ens.n_seeds, ens.map_seed == ens.seeds[0]
(3, True)
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
    def from_detail(cls, d: Any) -> NetGeometry:
        """Geometry of a :class:`~isthmus.experiments.runs.DetailedRun`'s network and actors."""
        net, sc = d.net, d.scenario
        names = dict(zip(sc.places["id"].astype(str), sc.places["name"].astype(str), strict=True))
        acts = sc.actors
        geo = cls(
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
        ids = d.actor_ids
        if ids is not None and list(ids) != geo.actor_ids:  # controller indexes the groups' order
            name = dict(zip(geo.actor_ids, geo.actor_names, strict=True))
            kind = dict(zip(geo.actor_ids, geo.actor_kinds, strict=True))
            geo.actor_ids = [str(a) for a in ids]
            geo.actor_names = [name.get(a, a) for a in geo.actor_ids]
            geo.actor_kinds = [kind.get(a, "") for a in geo.actor_ids]
        return geo


@dataclass
class RunData:
    """A run as the views see it: one seed, or the replicates of several.

    Attributes
    ----------
    label : str
        Name shown in legends and tables ("the scenario as shipped",
        "counterfactual: without its dated policies", "with levers"...).
    ia : pandas.DataFrame
        Public annual indicators (indicator, region, year, value, unit): the
        run's own, or the mean over its replicates.
    runs : pandas.DataFrame or None
        Every replicate's annual indicators (seed, indicator, region, year,
        value, unit), when the run has several seeds.
    seed : int
        The seed (one run) or the base seed of the replicates.
    map_seed : int
        Seed of the replicate whose link flows and plaza control the maps show.
    years : numpy.ndarray
        Years of the rows of the per-link and per-place arrays.
    link_out, link_seized : numpy.ndarray or None
        Tons leaving (after seizures) and seized on each link, per year
        (years x links).
    controller : numpy.ndarray or None
        Controlling actor index of each place in the last month of each year
        (years x places, -1 = nobody), when the groups module is active.
    taken, defended : numpy.ndarray or None
        Contests decided in each year: places taken by a group other than their
        last holder, and places their holder got back after a contested spell.
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
    taken: np.ndarray | None = None
    defended: np.ndarray | None = None
    contested_months: np.ndarray | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)
    active_modules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ledger: pd.DataFrame | None = None
    runs: pd.DataFrame | None = None
    map_seed: int | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._cache = {}  # derived tables: never shared between copies

    def __setattr__(self, name: str, value: Any) -> None:
        # the cached tables derive from the indicators: drop them when those change
        if name in ("ia", "runs", "seed", "scenario") and "_cache" in self.__dict__:
            self.__dict__["_cache"] = {}
        super().__setattr__(name, value)

    # -- indicator access -------------------------------------------------------
    def has(self, indicator: str) -> bool:
        """True if the run recorded this public indicator."""
        return bool((self.ia["indicator"] == indicator).any())

    def pivot(self, indicator: str) -> pd.DataFrame:
        """Indicator as a year x region table (the mean over seeds; empty if absent)."""
        key = ("pivot", indicator)
        if key not in self._cache:
            d = self.ia[self.ia["indicator"] == indicator]
            if d.empty:
                out = pd.DataFrame()
            else:
                out = d.pivot_table(index="year", columns="region", values="value", aggfunc="sum")
                out.columns = [str(c) for c in out.columns]
            self._cache[key] = out
        return self._cache[key]

    def _rows(self, indicator: str) -> pd.DataFrame:
        """Per-seed rows of one indicator (split once per run: filtering 10^5 rows is slow)."""
        if "by_indicator" not in self._cache:
            src = self.runs if self.runs is not None else self.ia.assign(seed=self.seed)
            self._cache["by_indicator"] = {
                str(k): g for k, g in src.groupby("indicator", sort=False)
            }
        return self._cache["by_indicator"].get(indicator, _EMPTY_ROWS)

    def stack(self, indicator: str) -> pd.DataFrame:
        """Indicator per seed: a (seed, year) x region table (one seed: the run's own).

        Examples
        --------
        >>> rd = simulate("central-america", seed=0, seeds=2)
        >>> st = rd.stack("delivered_t")
        >>> list(st.index.names), len(st.index.get_level_values("seed").unique())
        (['seed', 'year'], 2)
        """
        key = ("stack", indicator)
        if key not in self._cache:
            seeds, years, regions, a = self.cube(indicator)
            if not len(regions):
                out = pd.DataFrame(
                    index=pd.MultiIndex.from_arrays([[], []], names=["seed", "year"])
                )
            else:
                idx = pd.MultiIndex.from_product([seeds, years], names=["seed", "year"])
                out = pd.DataFrame(a.reshape(-1, len(regions)), index=idx, columns=regions)
            self._cache[key] = out
        return self._cache[key]

    def cube(self, indicator: str) -> tuple[list[int], np.ndarray, list[str], np.ndarray]:
        """Indicator as an array seeds x years x regions (NaN where absent), with its labels.

        Examples
        --------
        >>> rd = simulate("central-america", seed=0, seeds=2)
        >>> seeds, years, regions, a = rd.cube("delivered_t")
        >>> a.shape == (2, len(years), len(regions))
        True
        """
        key = ("cube", indicator)
        if key not in self._cache:
            d = self._rows(indicator)
            seeds = self.seeds
            if d.empty:
                out = (seeds, np.zeros(0, dtype=int), [], np.zeros((len(seeds), 0, 0)))
            else:
                years = np.array(sorted(set(d["year"].astype(int))), dtype=int)
                regions = list(dict.fromkeys(str(r) for r in d["region"]))
                si = pd.Index(seeds).get_indexer(d["seed"])
                yi = np.searchsorted(years, d["year"].to_numpy(dtype=int))
                ri = pd.Index(regions).get_indexer(d["region"].astype(str))
                a = np.full((len(seeds), len(years), len(regions)), np.nan)
                a[si, yi, ri] = d["value"].to_numpy(dtype=float)
                out = (seeds, years, regions, a)
            self._cache[key] = out
        return self._cache[key]

    @property
    def seeds(self) -> list[int]:
        """The seeds of the run's replicates (one seed: ``[seed]``)."""
        if self.runs is None:
            return [int(self.seed)]
        if "seeds" not in self._cache:  # replicate order (runs are sorted by run id)
            self._cache["seeds"] = [int(s) for s in pd.unique(self.runs["seed"])]
        return self._cache["seeds"]

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    def value(self, indicator: str, region: str, years: int | tuple[int, int] | None) -> float:
        """Annual value (a year) or mean of annual values (a period), mean over seeds; NaN if absent."""
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

    @property
    def first_year(self) -> int:
        return int(min(self.all_years))

    @property
    def last_year(self) -> int:
        return int(max(self.all_years))


_EMPTY_ROWS = pd.DataFrame(
    {
        c: pd.Series([], dtype=object)
        for c in ("seed", "indicator", "region", "year", "value", "unit")
    }
)


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
# running (through isthmus.experiments)


def _as_scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def without_policies(scenario: Scenario | str | Path) -> Scenario:
    """A copy of a scenario with its dated policies removed (the no-policy counterfactual)."""
    from ..experiments.runs import without_policies as _wp

    return _wp(_as_scenario(scenario))


def _from_detail(d: Any, label: str) -> RunData:
    res = d.results
    return RunData(
        label=label,
        ia=res.indicators_annual.copy(),
        seed=int(d.seed),
        scenario=d.scenario,
        meta=res.metadata(),
        params=dict(res.params),
        geo=NetGeometry.from_detail(d),
        years=d.years,
        link_out=d.link_out,
        link_seized=d.link_seized,
        controller=d.controller,
        taken=d.taken,
        defended=d.defended,
        contested_months=d.contested_months,
        policies=d.policies,
        active_modules=list(res.active_modules),
        ledger=res.ledger,
        map_seed=int(d.seed),
    )


def simulate(
    scenario: Scenario | str | Path = "central-america",
    seed: int = 0,
    params: dict[str, float] | None = None,
    policies: list[Any] | None = None,
    label: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    seeds: int = 1,
    workers: int = 1,
) -> RunData:
    """Run a scenario and collect the public indicators plus per-link flows.

    Parameters
    ----------
    scenario : Scenario, str or Path
        Loaded scenario, shipped scenario name or scenario folder.
    seed : int
        Run seed (``seeds=1``), or base seed of the replicates.
    params : dict, optional
        Parameter overrides ``{"module.name": value}``.
    policies : list, optional
        Extra interventions (dicts as in ``policies.yaml``, or objects).
    label : str, optional
        Name shown in legends (default: the scenario name).
    progress : callable, optional
        Called with ``(done, total)`` as the work advances (months of simulation).
    seeds : int
        Number of replicates. 1 runs ``seed`` itself; more run replicates
        ``derive_seed(seed, i)`` on the ensemble engine and draw the maps from
        replicate 0.
    workers : int
        Worker processes for the replicates.

    Returns
    -------
    RunData

    Examples
    --------
    >>> rd = simulate("central-america", seed=0, label="default")
    >>> rd.has("us_bound_share"), rd.n_seeds
    (True, 1)
    """
    from ..experiments.runs import detailed_indicators, replicate_seed, run_detailed, run_seeds

    sc = _as_scenario(scenario)
    label = label or sc.name
    seeds = int(seeds)
    if seeds < 1:
        raise ValueError("seeds must be at least 1")
    if seeds == 1:
        d = run_detailed(sc, seed=seed, params=params, policies=policies, progress=progress)
        return _from_detail(d, label)
    # replicate 0 runs in detail (for the maps); the others on the ensemble engine
    n = sc.n_months
    total = seeds * n
    d = run_detailed(
        sc,
        seed=replicate_seed(seed, 0),
        params=params,
        policies=policies,
        progress=None if progress is None else (lambda k, _n: progress(k, total)),
    )

    def ens_tick(done: int, _total: int) -> None:
        if progress is not None:
            progress((done + 1) * n, total)

    rest = run_seeds(
        sc,
        seeds=seeds,
        seed=seed,
        policies=policies,
        params=params,
        workers=workers,
        progress=ens_tick,
        skip=(0,),
    )
    runs = pd.concat([detailed_indicators(d, 0), rest], ignore_index=True)
    rd = _from_detail(d, label)
    rd.seed = int(seed)
    rd.runs = runs[["seed", "indicator", "region", "year", "value", "unit"]]  # by run id
    mean = runs.groupby(["indicator", "region", "year"], sort=False).agg(
        value=("value", "mean"), unit=("unit", "first")
    )
    order = rd.ia[["indicator", "region", "year"]]
    rd.ia = order.merge(mean.reset_index(), on=["indicator", "region", "year"], how="left")[
        ["indicator", "region", "year", "value", "unit"]
    ]
    rd.meta = {**rd.meta, "seed": int(seed), "n_seeds": seeds, "map_seed": rd.map_seed}
    return rd


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

    A run folder holds one seed: the run has no interval over seeds. The
    re-run uses the recorded scenario name, seed and parameters. It is
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
    rd.notes.append(f"read from {db}; a run folder holds one seed, so there are no intervals")
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
    rd.controller, rd.taken, rd.defended = again.controller, again.taken, again.defended
    rd.contested_months = again.contested_months
    rd.policies = again.policies
    rd.map_seed = rd.seed
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
        # (seized_t's "all" column is the total of the others: left out of the sum)
        x = a[(a["indicator"] == ind) & (a["region"] != "all")].groupby("year")["value"].sum()
        y = b[(b["indicator"] == ind) & (b["region"] != "all")].groupby("year")["value"].sum()
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
    seeds: int = 1,
    workers: int = 1,
) -> RunData:
    """A run from a run folder, a results file, a scenario folder or a shipped scenario name.

    Examples
    --------
    >>> load_run("central-america", seed=2).seed
    2
    """
    if not isinstance(spec, Scenario) and is_run_dir(spec):
        return load_run_dir(spec, label=label)
    return simulate(spec, seed=seed, label=label, progress=progress, seeds=seeds, workers=workers)
