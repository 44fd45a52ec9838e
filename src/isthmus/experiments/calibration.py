"""Calibration on observations up to 2006: fit terms, a seeded optimiser, provenance.

A :class:`Calibration` pairs observed series (a scenario's ``observations.csv``)
with the simulated indicators they measure. Each pair is a fit term
(:class:`Target`) with a declared loss:

- ``sqlog``: ``weight * log(model / observed)**2``. For a range observation
  (``low``-``high``) the loss is zero inside the range and the squared log
  distance to its nearer end outside (interval-aware); the midpoint is what
  reports show.
- ``gauss``: a Gaussian negative log-likelihood ``weight * 0.5 * ((model -
  observed) / sd)**2``; a range without ``sd`` is read as a 90% interval around
  its midpoint.

The optimiser is SciPy's differential evolution, seeded, with ``polish=False``
and ``updating="deferred"`` always, so that the same seed gives the same result
whether the candidates are evaluated in this process or on a pool of worker
processes. The scenario's current values are a member of the first
population, so the loss after is never above the loss before.

Nothing after 2006 can enter the fit, by construction and by check:
observations dated after the cutoff are refused when they are read
(:func:`load_observations` raises), every term's years are checked again when
a calibration is built, and the simulations the fit reads stop in December of
the cutoff year.

Examples
--------
>>> cal = Calibration("central-america", parameters={"routes.theta": (12.0, 45.0)})
>>> max(y for t in cal.targets for y in t.years) <= 2006
True
>>> res = cal.run(maxiter=2, popsize=3, seed=1)  # doctest: +SKIP
>>> res.loss_after <= res.loss_before  # doctest: +SKIP
True
"""

from __future__ import annotations

import copy
import csv
import datetime as _dt
import hashlib
import io
import math
import multiprocessing as mp
import os
import shutil
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import Problem, Scenario, ScenarioError, load_scenario
from ..scenario.loader import read_table
from ..scenario.schema import TableSchema, _load

CUTOFF_YEAR = 2006
OBSERVATIONS_FILE = "observations.csv"
LOSSES = ("sqlog", "gauss")
#: z of a two-sided 90% interval: a range read as a 90% interval has sd = half-width / Z90.
Z90 = 1.6448536269514722
#: Penalty (in log units) for a missing or non-positive simulated value.
_LOG_PENALTY = math.log(1e3)
#: Penalty (in standard deviations) for a missing simulated value under the gauss loss.
_Z_PENALTY = 100.0

#: Parameters calibrated by default (those declared by the active modules are kept). The
#: violence coefficients have their own joint fit with the fixed effects
#: (``isthmus calibrate --violence``).
DEFAULT_PARAMETERS: tuple[str, ...] = (
    "routes.theta",
    "routes.asc_europe",
    "routes.corridor_adaptation",
    "interdiction.k_land",
    "interdiction.k_sea",
    "interdiction.k_air",
    "interdiction.k_container",
    "interdiction.lane_exposure",
    "markets.us_demand_t_at_100",
)


def observations_schema() -> TableSchema:
    """The schema of ``observations.csv`` (``isthmus/scenario/schema/observations.csv``)."""
    return _load("observations")


# ---------------------------------------------------------------------------
# fit terms


@dataclass(frozen=True)
class Target:
    """A fit term: an observation, the simulated indicator it measures, and its loss.

    Parameters
    ----------
    indicator, region : str
        The simulated annual indicator and its region (public names, DESIGN.md).
    years : tuple of int
        Years compared; the model's mean over them is compared with ``value``.
    value : float
        Observed value (the midpoint of a range).
    low, high : float, optional
        A range observation; the loss is interval-aware.
    loss : {"sqlog", "gauss"}
    weight : float
    sd : float, optional
        Standard deviation for ``gauss``.

    Examples
    --------
    >>> t = Target("seized_t", "HND", (2006,), 5.4, low=2.7, high=8.1)
    >>> t.term_loss(4.0), t.term_loss(2.7 / math.e) == 1.0
    (0.0, True)
    >>> Target("purity", "usa", (2006,), 0.68).term_loss(0.68)
    0.0
    """

    indicator: str
    region: str
    years: tuple[int, ...]
    value: float
    low: float | None = None
    high: float | None = None
    loss: str = "sqlog"
    weight: float = 1.0
    sd: float | None = None
    unit: str = ""
    quantity: str = ""
    source: str = ""
    line: int | None = None

    @property
    def label(self) -> str:
        y = self.years
        span = str(y[0]) if len(y) == 1 else f"{y[0]}-{y[-1]}"
        return f"{self.indicator}/{self.region} {span}"

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None

    def term_loss(self, sim: float) -> float:
        """The weighted loss of this term for a simulated value."""
        if self.loss == "gauss":
            sd = self.sd
            if sd is None or not sd > 0:
                sd = (self.high - self.low) / (2 * Z90) if self.is_range else abs(self.value)
            if not math.isfinite(sim):
                return self.weight * 0.5 * _Z_PENALTY**2
            return self.weight * 0.5 * ((sim - self.value) / sd) ** 2
        ref = self.low if self.is_range else self.value
        if not math.isfinite(sim) or sim <= 0:
            return self.weight * _LOG_PENALTY**2
        ls = math.log(max(sim, 1e-3 * ref))
        if self.is_range:
            d = max(0.0, math.log(self.low) - ls, ls - math.log(self.high))
        else:
            d = ls - math.log(self.value)
        return self.weight * d * d


def load_observations(source: str | Path | Scenario, cutoff: int = CUTOFF_YEAR) -> list[Target]:
    """Read and validate an observations table; refuse any row dated after ``cutoff``.

    Parameters
    ----------
    source : str, Path or Scenario
        An ``observations.csv`` file, a scenario folder or shipped name, or a
        loaded scenario (its folder's ``observations.csv``).
    cutoff : int
        Last year observations may come from (2006: the later years are the
        model's prediction).

    Raises
    ------
    ScenarioError
        Every problem found (file, line, column, reason), including each row
        dated after ``cutoff``.

    Examples
    --------
    >>> obs = load_observations("central-america")
    >>> max(max(t.years) for t in obs)
    2006
    """
    path = _observations_path(source)
    fname = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(fname, None, None, f"cannot read file: {exc}")]) from None
    problems: list[Problem] = []
    df = read_table(text, observations_schema(), fname, problems)
    out: list[Target] = []
    for r in df.to_dict("records"):
        line = int(r["_line"])
        n0 = len(problems)
        y0 = _num(r["year"])
        y1 = _num(r["year_end"])
        y1 = y0 if y1 is None else y1
        if y0 is None:
            continue  # read_table has reported it
        y0, y1 = int(y0), int(y1)
        if y1 < y0:
            problems.append(Problem(fname, line, "year_end", f"{y1} is before year {y0}"))
        for col, y in (("year", y0), ("year_end", y1)):
            if y > cutoff:
                problems.append(
                    Problem(
                        fname,
                        line,
                        col,
                        f"dated {y}, after the calibration cutoff {cutoff}: later "
                        "observations are what the model predicts, never fit data",
                    )
                )
                break
        value, low, high = (_num(r[c]) for c in ("value", "low", "high"))
        if (low is None) != (high is None):
            problems.append(Problem(fname, line, "high", "a range needs both low and high"))
        elif low is not None and not low <= high:
            problems.append(Problem(fname, line, "high", f"high {high:g} is below low {low:g}"))
        elif low is not None and value is None:
            value = 0.5 * (low + high)
        if value is None and low is None:
            problems.append(Problem(fname, line, "value", "give a value or a low-high range"))
        loss = r["loss"] or "sqlog"
        if loss == "sqlog" and any(v is not None and v <= 0 for v in (value, low)):
            problems.append(
                Problem(fname, line, "value", "the sqlog loss needs positive observed values")
            )
        sd = _num(r["sd"])
        if loss == "gauss" and sd is None and low is None:
            problems.append(Problem(fname, line, "sd", "the gauss loss needs sd or a range"))
        if len(problems) > n0:
            continue
        out.append(
            Target(
                indicator=str(r["indicator"]),
                region=str(r["region"]),
                years=tuple(range(y0, y1 + 1)),
                value=float(value),
                low=low,
                high=high,
                loss=loss,
                weight=float(_num(r["weight"]) if _num(r["weight"]) is not None else 1.0),
                sd=sd,
                unit=str(r["unit"]),
                quantity=str(r["quantity"]),
                source=str(r["source"]),
                line=line,
            )
        )
    if problems:
        raise ScenarioError(problems)
    return out


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _observations_path(source: str | Path | Scenario) -> Path:
    if isinstance(source, Scenario):
        if source.path is None:
            raise ScenarioError(
                [
                    Problem(
                        OBSERVATIONS_FILE,
                        None,
                        None,
                        f"scenario '{source.name}' has no folder: pass observations= or targets=",
                    )
                ]
            )
        return Path(source.path) / OBSERVATIONS_FILE
    p = Path(source)
    if p.is_file():
        return p
    from ..scenario import resolve

    folder = resolve(source)
    f = folder / OBSERVATIONS_FILE
    if not f.exists():
        raise ScenarioError(
            [Problem(OBSERVATIONS_FILE, None, None, f"no {OBSERVATIONS_FILE} in {folder}")]
        )
    return f


# ---------------------------------------------------------------------------
# parameters


@dataclass(frozen=True)
class Bound:
    """A calibrated parameter: bounds, starting value and search scale."""

    key: str
    low: float
    high: float
    value: float  # the scenario's value (the loss before is computed there)
    log: bool = False
    unit: str = ""
    prior_source: str = ""

    @property
    def start(self) -> float:
        """Where the search starts: the scenario's value, clipped into the bounds."""
        return float(min(max(self.value, self.low), self.high))

    def to_x(self, v: float) -> float:
        return math.log(v) if self.log else v

    def from_x(self, x: float) -> float:
        return float(math.exp(x)) if self.log else float(x)

    @property
    def x_bounds(self) -> tuple[float, float]:
        return (self.to_x(self.low), self.to_x(self.high))


def parse_param_spec(text: str) -> dict[str, tuple[float, float] | None]:
    """Parse ``module.name=low:high,module.name,...`` (no range: the declared one).

    Raises
    ------
    ScenarioError
        For an item that is not ``module.name`` or ``module.name=low:high``
        with numbers ``low < high``.

    Examples
    --------
    >>> parse_param_spec("routes.theta=8:30, interdiction.k_sea")
    {'routes.theta': (8.0, 30.0), 'interdiction.k_sea': None}
    """
    out: dict[str, tuple[float, float] | None] = {}
    problems = []
    for item in [s.strip() for s in text.split(",") if s.strip()]:
        key, eq, rng = item.partition("=")
        key = key.strip()
        m, dot, n = key.partition(".")
        if not (m and dot and n):
            problems.append(Problem("--params", None, item, "expected module.name[=low:high]"))
            continue
        if not eq:
            out[key] = None
            continue
        lo, colon, hi = rng.partition(":")
        try:
            low, high = float(lo), float(hi)
        except ValueError:
            low = high = float("nan")
        if not colon or not (math.isfinite(low) and math.isfinite(high)):
            problems.append(
                Problem("--params", None, item, "range must be low:high with two numbers")
            )
        elif not low < high:
            problems.append(
                Problem("--params", None, item, f"low {low:g} is not below high {high:g}")
            )
        else:
            out[key] = (low, high)
    if not out and not problems:
        problems.append(Problem("--params", None, None, "no parameter given"))
    if problems:
        raise ScenarioError(problems)
    return out


def resolve_bounds(
    scenario: Scenario, parameters: dict[str, tuple[float, float] | None] | Sequence[str]
) -> list[Bound]:
    """Bounds of the parameters to calibrate: given ranges, else the scenario's or declared ones."""
    from ..engine.sim import Sim

    declared = Sim.declared_params()
    table = scenario.parameters
    rows = {
        f"{m}.{n}": r
        for m, n, r in zip(table["module"], table["name"], table.to_dict("records"), strict=True)
    }
    if not isinstance(parameters, dict):
        parameters = {k: None for k in parameters}
    problems, out = [], []
    for key, rng in parameters.items():
        m, _, n = key.partition(".")
        if m not in declared or n not in declared[m]:
            known = (
                ", ".join(f"{m}.{k}" for k in declared.get(m, {}))
                or f"modules: {', '.join(declared)}"
            )
            problems.append(Problem("--params", None, key, f"unknown parameter (known: {known})"))
            continue
        p = declared[m][n]
        r = rows.get(key)
        start = float(r["value"]) if r is not None else float(p.default)
        if rng is None:
            lo = _num(r.get("low")) if r is not None else None
            hi = _num(r.get("high")) if r is not None else None
            lo = p.low if lo is None else lo
            hi = p.high if hi is None else hi
            if lo is None or hi is None or not lo < hi:
                problems.append(
                    Problem("--params", None, key, "has no range: give one as module.name=low:high")
                )
                continue
            rng = (float(lo), float(hi))
        lo, hi = rng
        # why: a wide positive range (an order of magnitude or more) is searched on a log scale
        log = lo > 0 and hi / lo >= 10.0
        src = str(r["source"]) if r is not None and r.get("source") else p.source
        if not lo <= start <= hi:
            warnings.warn(
                f"{key}: the scenario's value {start:g} is outside [{lo:g}, {hi:g}]; the search "
                "starts from the nearer bound",
                UserWarning,
                stacklevel=3,
            )
        out.append(Bound(key, lo, hi, start, log, p.unit, src))
    if problems:
        raise ScenarioError(problems)
    return out


# ---------------------------------------------------------------------------
# evaluation (in this process or in pool workers)

_CAL: list[Calibration] = []  # the calibration a pool worker evaluates (set before fork)


def _pool_init(cal: Calibration) -> None:
    _CAL[:] = [cal]
    try:  # why: end the worker if the parent dies
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except Exception:  # pragma: no cover - not Linux
        pass


def _pool_eval(x: np.ndarray) -> np.ndarray:
    return _CAL[0].simulate_x(x)


@dataclass
class CalibrationResult:
    """What a calibration found.

    Attributes
    ----------
    before, after : dict
        Parameter values (``module.name``) before and after.
    loss_before, loss_after : float
        Total loss of the active terms at the starting and the best values.
    terms : DataFrame
        One row per active term: label, observed value and range, model before
        and after, loss before and after.
    """

    before: dict[str, float]
    after: dict[str, float]
    loss_before: float
    loss_after: float
    terms: pd.DataFrame
    seed: int
    maxiter: int
    popsize: int
    workers: int
    n_evaluations: int
    elapsed_s: float
    history: list[float] = field(default_factory=list)
    date: str = ""


class Calibration:
    """A calibration of a scenario's parameters on observations up to a cutoff year.

    Parameters
    ----------
    scenario : Scenario, str or Path
        The scenario (a loaded one, a shipped name or a folder).
    parameters : dict or list, optional
        ``{"module.name": (low, high)}`` (``None`` for the scenario's or the
        declared range), or a list of keys. Default: :data:`DEFAULT_PARAMETERS`
        that the active modules declare.
    targets : list of Target or of str, optional
        The fit terms, or indicator names to keep from the observations table.
        Default: every row of the scenario's ``observations.csv`` (or of
        ``observations``).
    seeds : sequence of int
        Simulation seeds; the model's value of a term is the mean over them
        (the same seeds for every candidate: common random numbers).
    modules : list of str, optional
        Restrict the simulation to these modules (as for :class:`isthmus.Sim`).
    observations : str or Path, optional
        An observations file to use instead of the scenario's.
    cutoff : int
        Last year of data the fit may use (2006).

    Examples
    --------
    >>> cal = Calibration("central-america", parameters=["routes.theta"], seeds=[0])
    >>> [b.key for b in cal.bounds]
    ['routes.theta']
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "central-america",
        parameters: dict[str, tuple[float, float] | None] | Sequence[str] | None = None,
        targets: Sequence[Target] | Sequence[str] | None = None,
        seeds: Sequence[int] = (0,),
        modules: Sequence[str] | None = None,
        observations: str | Path | None = None,
        cutoff: int = CUTOFF_YEAR,
    ):
        from ..engine.sim import Sim

        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.cutoff = int(cutoff)
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ValueError("give at least one simulation seed")
        self.modules = list(modules) if modules is not None else None
        if parameters is None:
            declared = Sim.declared_params()
            active = set(self.modules) if self.modules is not None else set(declared)
            parameters = [
                k
                for k in DEFAULT_PARAMETERS
                if k.split(".")[0] in active
                and k.split(".")[1] in declared.get(k.split(".")[0], {})
            ]
        self.bounds = resolve_bounds(self.scenario, parameters)
        if not self.bounds:
            raise ScenarioError([Problem("--params", None, None, "no parameter to calibrate")])
        self.observations_path: Path | None = None
        if targets is None or all(isinstance(t, str) for t in targets):
            src = observations if observations is not None else self.scenario
            self.observations_path = _observations_path(src)
            read = load_observations(self.observations_path, cutoff=self.cutoff)
            if targets is not None:
                keep = set(targets)
                unknown = keep - {t.indicator for t in read}
                if unknown:
                    raise ScenarioError(
                        [
                            Problem(OBSERVATIONS_FILE, None, "indicator", f"no observation of {u}")
                            for u in sorted(unknown)
                        ]
                    )
                read = [t for t in read if t.indicator in keep]
            targets = read
        self.targets: list[Target] = list(targets)
        late = [t.label for t in self.targets if max(t.years) > self.cutoff]
        if late:
            raise ScenarioError(
                [
                    Problem(
                        "targets", None, lab, f"dated after the calibration cutoff {self.cutoff}"
                    )
                    for lab in late
                ]
            )
        # why: the fit's simulations stop at the cutoff, so no later year is even simulated
        self.sim_scenario = self.scenario.copy()
        end = min(self.scenario.end, (self.cutoff, 12))
        self.sim_scenario.end = end
        h = self.sim_scenario.hash()
        self.sim_scenario.hash = lambda: h  # why: hashing every table each run costs ~9 ms
        self._net = None
        self.active: list[Target] | None = None
        self.skipped: list[tuple[Target, str]] = []
        self.result: CalibrationResult | None = None
        self.n_evaluations = 0

    # -- simulation -----------------------------------------------------------------------
    def _network(self) -> Any:
        if self._net is None:
            from ..engine.network import compile_network

            self._net = compile_network(self.sim_scenario)
        return self._net

    def params_of(self, x: Sequence[float]) -> dict[str, float]:
        """Parameter values (``module.name``) of a point of the search space."""
        return {b.key: b.from_x(float(v)) for b, v in zip(self.bounds, x, strict=True)}

    def x_of(self, params: dict[str, float]) -> np.ndarray:
        return np.array([b.to_x(float(params[b.key])) for b in self.bounds])

    def run_models(self, params: dict[str, float]) -> list[Any]:
        """Run the scenario up to the cutoff once per seed with these parameter values."""
        from ..engine.sim import Sim

        out = []
        for seed in self.seeds:
            sim = Sim(
                self.sim_scenario,
                seed=seed,
                params=params,
                modules=self.modules,
                network=copy.deepcopy(self._network()),
            )
            out.append(sim.run())
        return out

    def _values(self, results: list[Any], terms: Sequence[Target]) -> np.ndarray:
        """Each term's simulated value (mean over its years and over seeds); NaN if absent."""
        vals = np.full((len(results), len(terms)), np.nan)
        for k, res in enumerate(results):
            cache: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
            for i, t in enumerate(terms):
                s = res.series.get(t.indicator)
                if s is None or not s.public or t.region not in s.regions:
                    continue
                if t.indicator not in cache:
                    years, table = res._annual_values(s)  # one aggregation per indicator
                    cache[t.indicator] = (years, table, s.regions)
                years, table, regions = cache[t.indicator]
                rows = np.flatnonzero(np.isin(years, t.years))
                if len(rows) != len(t.years):
                    continue
                vals[k, i] = float(table[rows, regions.index(t.region)].mean())
        return vals.mean(axis=0)

    def simulate(self, params: dict[str, float]) -> np.ndarray:
        """The active terms' simulated values for these parameter values."""
        self.prepare()
        return self._values(self.run_models(params), self.active)

    def simulate_x(self, x: Sequence[float]) -> np.ndarray:
        return self.simulate(self.params_of(x))

    def loss_of(self, sims: np.ndarray) -> float:
        """Total loss of the active terms given their simulated values."""
        return float(sum(t.term_loss(float(v)) for t, v in zip(self.active, sims, strict=True)))

    def loss(self, params: dict[str, float] | None = None) -> float:
        """Total loss at these parameter values (default: the scenario's values)."""
        self.prepare()
        p = self.scenario_params if params is None else {**self.scenario_params, **params}
        return self.loss_of(self.simulate(p))

    @property
    def start_params(self) -> dict[str, float]:
        """Where the search starts (the scenario's values clipped into the bounds)."""
        return {b.key: b.start for b in self.bounds}

    @property
    def scenario_params(self) -> dict[str, float]:
        """The scenario's current values of the calibrated parameters."""
        return {b.key: b.value for b in self.bounds}

    def prepare(self) -> None:
        """Find which terms the model can be compared with; warn about the others."""
        if self.active is not None:
            return
        start, end = self.sim_scenario.start[0], self.sim_scenario.end[0]
        results = self.run_models(self.scenario_params)
        res = results[0]
        active, skipped = [], []
        for t in self.targets:
            s = res.series.get(t.indicator)
            if s is None or not s.public:
                skipped.append((t, "indicator not recorded (its module is not active)"))
            elif t.region not in s.regions:
                skipped.append((t, f"region '{t.region}' not recorded for this indicator"))
            elif min(t.years) < start or max(t.years) > end:
                skipped.append((t, f"years outside the simulated period {start}-{end}"))
            else:
                active.append(t)
        self.active, self.skipped = active, skipped
        if skipped:
            by = Counter(f"{t.indicator}/{t.region}: {why}" for t, why in skipped)
            listing = "; ".join(f"{k} (x{n})" if n > 1 else k for k, n in by.items())
            warnings.warn(
                f"{len(skipped)} fit term(s) skipped: {listing}", UserWarning, stacklevel=2
            )
        if not active:
            raise ScenarioError(
                [
                    Problem(
                        OBSERVATIONS_FILE, None, None, "no fit term matches a simulated indicator"
                    )
                ]
            )
        self._start_sims = self._values(results, active)

    # -- optimisation ---------------------------------------------------------------------
    def run(
        self,
        maxiter: int = 10,
        popsize: int = 5,
        seed: int = 0,
        workers: int = 1,
        progress: Callable[[int, int, float], None] | None = None,
        tol: float = 0.0,
    ) -> CalibrationResult:
        """Minimise the loss with SciPy's differential evolution.

        Parameters
        ----------
        maxiter : int
            Generations after the first population.
        popsize : int
            Population size per parameter (SciPy's multiplier; at least 5 members).
        seed : int
            Optimiser seed: the same seed gives the same result (whatever ``workers``).
        workers : int
            Processes evaluating candidates (1: this process).
        progress : callable, optional
            ``progress(done, total, best_loss)`` after every evaluation.
        tol : float
            SciPy's relative convergence tolerance; 0 (default) runs every
            generation, so the budget is known in advance.

        Returns
        -------
        CalibrationResult
        """
        from scipy.optimize import differential_evolution

        t0 = time.perf_counter()
        self.prepare()
        self._network()  # compile before forking, so workers share it
        n = len(self.bounds)
        total = max(5, popsize * n) * (maxiter + 1)  # SciPy's population: >= 5 members
        x0 = self.x_of(self.start_params)
        loss_before = self.loss_of(self._start_sims)
        state = {"done": 0, "best": math.inf, "best_x": x0}
        history: list[float] = []

        def record(x: np.ndarray, sims: np.ndarray) -> float:
            val = self.loss_of(sims)
            state["done"] += 1
            if val < state["best"]:
                state.update(best=val, best_x=np.array(x, dtype=float))
            history.append(val)
            if progress is not None:
                progress(state["done"], total, state["best"])
            return val

        pool = None
        if workers > 1:
            _CAL[:] = [self]
            methods = mp.get_all_start_methods()
            ctx = mp.get_context("fork" if "fork" in methods else methods[0])
            pool = ProcessPoolExecutor(
                workers, mp_context=ctx, initializer=_pool_init, initargs=(self,)
            )

        def mapper(_func: Callable, xs: Iterable[np.ndarray]) -> list[float]:
            # why: candidates are evaluated here (the Calibration is already in each
            # forked worker), so nothing large is pickled per candidate.
            xs = [np.asarray(x, dtype=float) for x in xs]
            sims = pool.map(_pool_eval, xs) if pool is not None else map(self.simulate_x, xs)
            return [record(x, s) for x, s in zip(xs, sims, strict=True)]

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # degenerate candidates
                opt = differential_evolution(
                    lambda x: 0.0,  # never called: the mapper evaluates
                    bounds=[b.x_bounds for b in self.bounds],
                    maxiter=maxiter,
                    popsize=int(popsize),
                    rng=np.random.default_rng(int(seed)),
                    polish=False,
                    updating="deferred",
                    workers=mapper,
                    x0=np.clip(
                        x0,
                        [b.x_bounds[0] for b in self.bounds],
                        [b.x_bounds[1] for b in self.bounds],
                    ),
                    init="latinhypercube",
                    tol=tol,
                )
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        del opt
        # why: the written parameters.csv holds 6 significant digits; evaluate exactly those,
        # so that the calibrated scenario reproduces the reported loss
        after = {k: float(f"{v:.6g}") for k, v in self.params_of(state["best_x"]).items()}
        best_sims = self.simulate(after)
        loss_after = self.loss_of(best_sims)
        # Never return a fit worse than where the search started (the scenario's values
        # clipped into the bounds). With every value inside its bounds the start is the
        # first candidate and its loss is the loss before; a value outside them starts the
        # search at the bound, whose loss is computed here.
        start = self.start_params
        if start == self.scenario_params:
            start_sims, start_loss = self._start_sims, loss_before
        else:
            start_sims = self.simulate(start)
            start_loss = self.loss_of(start_sims)
        if loss_after > start_loss:
            after, best_sims, loss_after = start, start_sims, start_loss
        terms = self._terms_table(self._start_sims, best_sims)
        self.n_evaluations = state["done"]
        self.result = CalibrationResult(
            before=self.scenario_params,
            after=after,
            loss_before=float(loss_before),
            loss_after=loss_after,
            terms=terms,
            seed=int(seed),
            maxiter=int(maxiter),
            popsize=int(popsize),
            workers=int(workers),
            n_evaluations=state["done"],
            elapsed_s=time.perf_counter() - t0,
            history=history,
            date=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d"),
        )
        return self.result

    def _terms_table(self, before: np.ndarray, after: np.ndarray) -> pd.DataFrame:
        rows = []
        for t, b, a in zip(self.active, before, after, strict=True):
            rows.append(
                dict(
                    term=t.label,
                    indicator=t.indicator,
                    region=t.region,
                    years=",".join(map(str, t.years)),
                    observed=t.value,
                    low=t.low,
                    high=t.high,
                    unit=t.unit,
                    loss_kind=t.loss,
                    weight=t.weight,
                    model_before=float(b),
                    model_after=float(a),
                    loss_before=t.term_loss(float(b)),
                    loss_after=t.term_loss(float(a)),
                    line=t.line,
                )
            )
        return pd.DataFrame(rows)

    # -- writing --------------------------------------------------------------------------
    def provenance(self, result: CalibrationResult | None = None) -> dict[str, Any]:
        """The content of ``calibration.yaml``: what was fitted, to what, and how well."""
        from .ensemble import code_version

        res = result or self.result
        if res is None:
            raise ValueError("run the calibration first")
        version, commit = code_version()
        obs: dict[str, Any] = {"cutoff_year": self.cutoff}
        if self.observations_path is not None:
            data = self.observations_path.read_bytes()
            obs.update(file=OBSERVATIONS_FILE, sha256=hashlib.sha256(data).hexdigest())
        obs["rows_used"] = [t.line for t in self.active if t.line is not None]
        obs["rows_skipped"] = [
            {"line": t.line, "term": t.label, "reason": why} for t, why in self.skipped
        ]
        obs["data_sources"] = sorted({t.source for t in self.active if t.source})
        return {
            "date": res.date,
            "scenario": self.scenario.name,
            "scenario_hash_before": self.scenario.hash(),
            "code_version": version,
            "git_commit": commit,
            "method": "scipy.optimize.differential_evolution (polish=False, updating=deferred, "
            "latinhypercube init, the starting values in the first population)",
            "seed": res.seed,
            "maxiter": res.maxiter,
            "popsize": res.popsize,
            "workers": res.workers,
            "evaluations": res.n_evaluations,
            "elapsed_s": round(res.elapsed_s, 1),
            "simulation_seeds": list(self.seeds),
            "simulated_period": f"{self.sim_scenario.start[0]}-{self.sim_scenario.start[1]:02d} to "
            f"{self.sim_scenario.end[0]}-{self.sim_scenario.end[1]:02d}",
            "modules": self.modules or "all",
            "loss": {"before": float(res.loss_before), "after": float(res.loss_after)},
            "parameters": [
                {
                    "key": b.key,
                    "low": b.low,
                    "high": b.high,
                    "scale": "log" if b.log else "linear",
                    "before": float(res.before[b.key]),
                    "after": float(res.after[b.key]),
                    "unit": b.unit,
                    "prior_source": b.prior_source,
                }
                for b in self.bounds
            ],
            "observations": obs,
            "terms": [
                {
                    "line": None if pd.isna(r.line) else int(r.line),
                    "term": r.term,
                    "observed": float(r.observed),
                    "low": None if pd.isna(r.low) else float(r.low),
                    "high": None if pd.isna(r.high) else float(r.high),
                    "loss": r.loss_kind,
                    "weight": float(r.weight),
                    "model_before": float(r.model_before),
                    "model_after": float(r.model_after),
                    "loss_before": float(r.loss_before),
                    "loss_after": float(r.loss_after),
                }
                for r in res.terms.itertuples(index=False)
            ],
        }

    def source_text(self, result: CalibrationResult | None = None) -> str:
        """The ``source`` written into parameters.csv for a calibrated value."""
        res = result or self.result
        counts = Counter(t.indicator for t in self.active)
        terms = ", ".join(f"{k} x{n}" for k, n in counts.items())
        return (
            f"calibrated {res.date} on {len(self.active)} observations up to {self.cutoff} "
            f"({terms}; observations.csv) (loss before {res.loss_before:.4g}, after "
            f"{res.loss_after:.4g}); isthmus calibrate seed {res.seed}, see calibration.yaml"
        )

    def write(self, scenario_dir: str | Path, result: CalibrationResult | None = None) -> Path:
        """Write the calibrated parameter set and ``calibration.yaml`` into a scenario folder.

        If ``scenario_dir`` holds a scenario (a ``scenario.yaml``), its
        ``parameters.csv`` is updated in place; otherwise the calibrated
        scenario's folder is copied there first. Files are written to temporary
        names and renamed, so no half-written file is ever left.

        Returns
        -------
        Path
            The scenario folder written.
        """
        import yaml

        res = result or self.result
        if res is None:
            raise ValueError("run the calibration first")
        dest = Path(scenario_dir)
        params_text = None
        prov = yaml.safe_dump(self.provenance(res), sort_keys=False, allow_unicode=True, width=100)
        src_text = self.source_text(res)
        if (dest / "scenario.yaml").exists():
            params_text = _updated_parameters(dest / "parameters.csv", self.bounds, res, src_text)
            _atomic_write(dest / "calibration.yaml", prov)
            _atomic_write(dest / "parameters.csv", params_text)
            return dest
        if dest.exists() and any(dest.iterdir()):
            raise ScenarioError(
                [
                    Problem(
                        str(dest), None, None, "exists, is not empty and is not a scenario folder"
                    )
                ]
            )
        if self.scenario.path is None:
            raise ScenarioError(
                [Problem(str(dest), None, None, "the scenario has no folder to copy")]
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        try:
            folder = tmp / "scenario"
            shutil.copytree(
                self.scenario.path, folder, ignore=shutil.ignore_patterns("__pycache__")
            )
            params_text = _updated_parameters(folder / "parameters.csv", self.bounds, res, src_text)
            (folder / "parameters.csv").write_text(params_text, encoding="utf-8")
            (folder / "calibration.yaml").write_text(prov, encoding="utf-8")
            if dest.exists():
                dest.rmdir()
            folder.replace(dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return dest


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def _updated_parameters(
    path: Path, bounds: Sequence[Bound], res: CalibrationResult, source: str
) -> str:
    """parameters.csv with the calibrated values and sources; other lines kept verbatim."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    default_header = ["module", "name", "value", "unit", "low", "high", "source"]
    header = next(csv.reader([lines[0]])) if lines else default_header
    out = [lines[0] if lines else _csv_line(header)]
    col = {h.strip(): i for i, h in enumerate(header)}
    done = set()
    for line in lines[1:]:
        cells = next(csv.reader([line]), [])
        key = (
            f"{cells[col['module']].strip()}.{cells[col['name']].strip()}"
            if len(cells) == len(header)
            else None
        )
        if key in res.after:
            cells[col["value"]] = _fmt(res.after[key])
            cells[col["source"]] = source
            b = next((b for b in bounds if b.key == key), None)
            if b is not None and "low" in col and "high" in col:  # the range searched
                cells[col["low"]] = _fmt(b.low)
                cells[col["high"]] = _fmt(b.high)
            done.add(key)
            line = _csv_line(cells)
        out.append(line)
    for b in bounds:
        if b.key in done:
            continue
        m, _, n = b.key.partition(".")
        new = [""] * len(header)
        values = dict(
            module=m,
            name=n,
            value=_fmt(res.after[b.key]),
            unit=b.unit,
            low=_fmt(b.low),
            high=_fmt(b.high),
            source=source,
        )
        for k, v in values.items():
            if k in col:
                new[col[k]] = v
        out.append(_csv_line(new))
    return "".join(out)
