"""The simulation: modules run in a fixed, printable order each month.

As in Starsim's ``Loop``, a :class:`Sim` holds a list of modules and calls
their ``step`` in the order of :data:`STEP_ORDER`. Each module declares its
parameters (default, unit, range, source), gets its own random stream derived
from the run seed (so two scenarios run with the same seed differ only by what
differs between them: common random numbers), and records monthly series that
become the public indicators.

Examples
--------
>>> from isthmus import Sim
>>> sim = Sim("central-america", seed=3)
>>> print(sim.plan)  # doctest: +ELLIPSIS
Step order (one month):
  1. supply ...
>>> res = sim.run()
>>> bool(res.ledger["residual_rel"].abs().max() < 1e-9)
True
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..scenario import Problem, Scenario, ScenarioError, load_scenario
from .network import CompiledNetwork, compile_network
from .params import Param

STEP_ORDER: tuple[str, ...] = (
    "supply",
    "routes",
    "interdiction",
    "markets",
    "groups",
    "violence",
    "state",
    "record",
)
STEP_LABELS = {
    "supply": "tons leave the source places",
    "routes": "traffickers choose routes by expected profit under learned risk",
    "interdiction": "each link seizes a share of what passes; enforcers follow the flow",
    "markets": "delivered tons -> price, dilution, price per pure gram, consumption",
    "groups": "revenue by activity, plaza contests, strength and diversification",
    "violence": "homicides by cause and place",
    "state": "policies take effect; capacity, presence and corruption evolve",
    "record": "indicators into the results",
}

MODULE_REGISTRY: dict[str, type[Module]] = {}


def register(cls: type[Module]) -> type[Module]:
    """Class decorator: make a module available to every :class:`Sim`."""
    if cls.name not in STEP_ORDER:
        raise ValueError(f"module name {cls.name!r} is not a step in {STEP_ORDER}")
    MODULE_REGISTRY[cls.name] = cls
    return cls


class Module:
    """Base class of the engine's modules.

    Subclasses set ``name`` (one of :data:`STEP_ORDER`), declare ``params`` and
    implement :meth:`init` (allocate state, declare recorded series) and
    :meth:`step` (one month). Inner loops are numpy only.
    """

    name: str = ""
    params: dict[str, Param] = {}

    def __init__(self, sim: Sim):
        self.sim = sim
        self.p = SimpleNamespace(**sim.pars.get(self.name, {}))
        self.rng = sim.module_rng(self.name)

    def init(self) -> None:
        """Allocate state arrays and declare recorded series."""

    def step(self, t: int) -> None:
        """Advance one month."""

    def finalize(self) -> None:
        """Called once after the last month."""


@dataclass
class Series:
    """A recorded monthly series (one column per region)."""

    name: str
    regions: list[str]
    unit: str
    agg: str  # "sum", "mean", "last", or "ratio"
    den: str | None = None  # for ratio: name of the denominator series
    public: bool = True
    data: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


class Recorder:
    """Preallocated monthly arrays; modules write rows, Results reads them."""

    def __init__(self, n_months: int):
        self.n_months = n_months
        self.series: dict[str, Series] = {}

    def declare(
        self,
        name: str,
        regions: list[str],
        unit: str,
        agg: str = "sum",
        den: str | None = None,
        public: bool = True,
    ) -> np.ndarray:
        s = Series(
            name, list(regions), unit, agg, den, public, np.zeros((self.n_months, len(regions)))
        )
        self.series[name] = s
        return s.data

    def __getitem__(self, name: str) -> np.ndarray:
        return self.series[name].data


def _stable_hash(name: str) -> int:
    return zlib.crc32(name.encode())


class Sim:
    """A run of a scenario.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A loaded scenario, a shipped scenario name or a scenario folder.
    seed : int
        Run seed. Each module draws from its own stream derived from it.
    params : dict, optional
        Overrides as ``{"module.name": value}`` (used by calibration and ensembles).
    policies : list, optional
        Extra interventions (objects or YAML-style dicts) added to the scenario's.
    modules : list of str, optional
        Restrict the run to these modules (the others are listed as inactive).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "central-america",
        seed: int = 0,
        params: dict[str, float] | None = None,
        policies: list[Any] | None = None,
        modules: list[str] | None = None,
        network: CompiledNetwork | None = None,
    ):
        # Import here so that registration happens before the plan is built.
        from . import (  # noqa: F401
            groups,
            interdiction,
            markets,
            record,
            routes,
            state,
            supply,
            violence,
        )

        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.seed = int(seed)
        self.n_months = self.scenario.n_months
        y0, m0 = self.scenario.start
        k = np.arange(self.n_months) + (m0 - 1)
        self.years = y0 + k // 12
        self.month_of_year = k % 12 + 1
        self.pars = self._resolve_params(params or {})
        self.net = network if network is not None else compile_network(self.scenario)
        from .levers import parse_levers

        self.interventions = parse_levers(self.scenario.policies, self.scenario.policy_file)
        for p in policies or []:
            self.interventions.extend(parse_levers([p], "policies") if isinstance(p, dict) else [p])
        wanted = set(modules) if modules is not None else set(STEP_ORDER)
        wanted.add("record")
        self.modules = [
            MODULE_REGISTRY[n](self) for n in STEP_ORDER if n in MODULE_REGISTRY and n in wanted
        ]
        self.state = SimpleNamespace()
        self.rec = Recorder(self.n_months)
        self.t = 0
        self.spinning = False
        self.spinup_months = self._spinup_months()
        self._initialized = False

    # -- parameters -----------------------------------------------------------------
    @classmethod
    def declared_params(cls) -> dict[str, dict[str, Param]]:
        """Every module's declared parameters (``{module: {name: Param}}``)."""
        from . import (  # noqa: F401
            groups,
            interdiction,
            markets,
            record,
            routes,
            state,
            supply,
            violence,
        )

        return {n: dict(MODULE_REGISTRY[n].params) for n in STEP_ORDER if n in MODULE_REGISTRY}

    def _resolve_params(self, overrides: dict[str, float]) -> dict[str, dict[str, float]]:
        declared = self.declared_params()
        pars = {m: {k: p.default for k, p in ps.items()} for m, ps in declared.items()}
        problems = []
        p = self.scenario.parameters
        for line, m, k, v in zip(p["_line"], p["module"], p["name"], p["value"], strict=True):
            if m not in declared or k not in declared[m]:
                known = ", ".join(sorted(declared.get(m, {}))) or f"modules: {', '.join(declared)}"
                problems.append(
                    Problem(
                        "parameters.csv",
                        int(line),
                        "name",
                        f"unknown parameter '{m}.{k}' (known: {known})",
                    )
                )
                continue
            pars[m][k] = float(v)
        for key, v in overrides.items():
            m, _, k = key.partition(".")
            if m not in declared or k not in declared[m]:
                problems.append(Problem("parameters", None, key, "unknown parameter"))
                continue
            pars[m][k] = float(v)
        if problems:
            raise ScenarioError(problems)
        return pars

    def _spinup_months(self) -> int:
        """Months run under the first month's conditions before the record starts.

        ``spinup_months`` in ``scenario.yaml`` (default 0): the route mix, the enforcers'
        allocation, the risks traffickers have learned, market stocks and the groups then
        start in equilibrium with the conditions of the first month, not from the
        tables' raw starting values.
        """
        v = self.scenario.meta.get("spinup_months", 0) if self.scenario.meta else 0
        try:
            n = int(v)
        except (TypeError, ValueError):
            n = -1
        if n < 0 or n > 600 or str(v).strip() not in (str(n), f"{n}.0"):
            raise ScenarioError(
                [
                    Problem(
                        "scenario.yaml",
                        None,
                        "spinup_months",
                        f"'{v}' is not a whole number of months between 0 and 600",
                    )
                ]
            )
        return n

    def module_rng(self, name: str) -> np.random.Generator:
        """The random stream of one module, derived from the run seed."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, _stable_hash(name)]))

    # -- plan -----------------------------------------------------------------------
    @property
    def active(self) -> list[str]:
        return [m.name for m in self.modules]

    @property
    def plan(self) -> str:
        """The fixed step order, marking modules that are not active in this run."""
        lines = ["Step order (one month):"]
        active = set(self.active)
        for i, n in enumerate(STEP_ORDER, 1):
            flag = "" if n in active else "   [inactive: not part of this run]"
            lines.append(f"  {i}. {n:<13}{STEP_LABELS[n]}{flag}")
        return "\n".join(lines)

    def module(self, name: str) -> Module | None:
        for m in self.modules:
            if m.name == name:
                return m
        return None

    # -- running --------------------------------------------------------------------
    def init(self) -> None:
        for m in self.modules:
            m.init()
        self._initialized = True

    def spin_up(self) -> None:
        """Run ``spinup_months`` months under the conditions of month 0, unrecorded."""
        if not self.spinup_months:
            return
        self.spinning = True
        try:
            for _ in range(self.spinup_months):
                self.t = 0
                for m in self.modules:
                    if m.name != "record":
                        m.step(0)
        finally:
            self.spinning = False

    def run(self, progress: Callable[[int, int], None] | None = None) -> Results:
        """Run every month and return the results."""
        if not self._initialized:
            self.init()
            self.spin_up()
        for t in range(self.n_months):
            self.t = t
            for m in self.modules:
                m.step(t)
            if progress is not None:
                progress(t + 1, self.n_months)
        for m in self.modules:
            m.finalize()
        return Results(self)


class Results:
    """Tidy results of a run.

    ``indicators_annual`` is the public long table (indicator, region, year,
    value, unit) whose names DESIGN.md lists; ``monthly`` has the same at
    monthly resolution; ``ledger`` is the flow ledger of every month.
    """

    def __init__(self, sim: Sim):
        self.scenario_name = sim.scenario.name
        self._scenario = sim.scenario
        self._extra_policies = [
            iv.to_dict() for iv in sim.interventions[len(sim.scenario.policies) :]
        ]
        self._hash: str | None = None
        self.seed = sim.seed
        self.version = __version__
        self.active_modules = list(sim.active)
        self.params = {f"{m}.{k}": v for m, ps in sim.pars.items() for k, v in ps.items()}
        self.years = sim.years
        self.month_of_year = sim.month_of_year
        self.series = sim.rec.series
        self.ledger = pd.DataFrame(getattr(sim.state, "ledger", {}))
        self.extra: dict[str, pd.DataFrame] = getattr(sim.state, "extra_tables", {})
        self._annual: pd.DataFrame | None = None

    # -- tables ---------------------------------------------------------------------
    def _year_blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Years, the first month of each year's block, and the months in each block."""
        if not hasattr(self, "_blocks"):
            starts = np.flatnonzero(np.r_[True, self.years[1:] != self.years[:-1]])
            self._blocks = (self.years[starts], starts, np.diff(np.r_[starts, len(self.years)]))
        return self._blocks

    def _annual_values(self, s: Series) -> tuple[np.ndarray, np.ndarray]:
        years, starts, counts = self._year_blocks()
        out = (
            np.add.reduceat(s.data, starts, axis=0)
            if len(starts)
            else np.zeros((0, s.data.shape[1]))
        )
        if s.agg == "mean":
            out = out / counts[:, None]
        elif s.agg == "last":
            out = s.data[starts + counts - 1]
        elif s.agg == "ratio":
            d = self.series[s.den].data
            den = np.add.reduceat(
                d if d.shape == s.data.shape else np.broadcast_to(d, s.data.shape), starts, axis=0
            )
            out = np.divide(out, den, out=np.zeros_like(out), where=den > 0)
        return years, out

    @property
    def indicators_annual(self) -> pd.DataFrame:
        if self._annual is None:
            frames = []
            for s in self.series.values():
                if not s.public:
                    continue
                years, vals = self._annual_values(s)
                frames.append(
                    pd.DataFrame(
                        {
                            "indicator": s.name,
                            "region": np.tile(np.asarray(s.regions, dtype=object), len(years)),
                            "year": np.repeat(years, len(s.regions)),
                            "value": vals.ravel(),
                            "unit": s.unit,
                        }
                    )
                )
            self._annual = (
                pd.concat(frames, ignore_index=True)
                if frames
                else pd.DataFrame(columns=["indicator", "region", "year", "value", "unit"])
            )
        return self._annual

    @property
    def monthly(self) -> pd.DataFrame:
        frames = []
        T = len(self.years)
        for s in self.series.values():
            if not s.public:
                continue
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": s.name,
                        "region": np.tile(np.asarray(s.regions, dtype=object), T),
                        "year": np.repeat(self.years, len(s.regions)),
                        "month": np.repeat(self.month_of_year, len(s.regions)),
                        "value": s.data.ravel(),
                        "unit": s.unit,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def annual(self, indicator: str, region: str, year: int) -> float:
        """One annual indicator value (NaN if absent).

        Examples
        --------
        >>> from isthmus import Sim
        >>> r = Sim("central-america", seed=1).run()
        >>> 0 <= r.annual("us_bound_share", "central_america", 2005) <= 1
        True
        """
        s = self.series.get(indicator)
        if s is None or region not in s.regions:
            return float("nan")
        years, vals = self._annual_values(s)
        k = np.flatnonzero(years == year)
        return float(vals[k[0], s.regions.index(region)]) if len(k) else float("nan")

    def annual_series(self, indicator: str, region: str) -> pd.Series:
        """An indicator's annual path for one region, indexed by year."""
        s = self.series[indicator]
        years, vals = self._annual_values(s)
        return pd.Series(
            vals[:, s.regions.index(region)], index=years, name=f"{indicator}/{region}"
        )

    @property
    def scenario_hash(self) -> str:
        """Content hash of the scenario and of any policies added to the run (computed on demand)."""
        if self._hash is None:
            import hashlib

            h = self._scenario.hash()
            if self._extra_policies:
                h = hashlib.sha256((h + repr(self._extra_policies)).encode()).hexdigest()[:16]
            self._hash = h
        return self._hash

    def metadata(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_name,
            "scenario_hash": self.scenario_hash,
            "seed": self.seed,
            "code_version": self.version,
            "active_modules": ",".join(self.active_modules),
        }
