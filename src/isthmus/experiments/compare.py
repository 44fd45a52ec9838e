"""Compare scenarios and policy files with common random numbers.

An *arm* is a scenario (a shipped name or a folder) or a policy file (a YAML
list of interventions, applied on top of the base scenario). Every arm runs
with the same seeds 0..N-1, and each module draws from its own stream of the
run seed, so two arms run with the same seed differ only by what differs
between them (common random numbers). Differences against the base are
therefore paired seed by seed, and their spread over seeds is the interval.

The result is a tidy long table (one row per arm, indicator, region and
year) with the mean over seeds, the 5th and 95th percentiles, and the paired
difference from the base arm with its own percentiles.

Examples
--------
>>> from isthmus.experiments.compare import Comparison
>>> cmp = Comparison.from_args("central-america", [], seeds=1)
>>> [a.name for a in cmp.arms]
['base']
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..policy import Intervention, parse_policies
from ..policy.interventions import read_policy_file
from ..scenario import Problem, Scenario, ScenarioError, load_scenario

DEFAULT_SCENARIO = "central-america"
POLICY_SUFFIXES = (".yaml", ".yml")
QUANTILES = (0.05, 0.95)
COLUMNS = [
    "scenario",
    "indicator",
    "region",
    "year",
    "unit",
    "n_seeds",
    "mean",
    "p05",
    "p95",
    "diff_mean",
    "diff_p05",
    "diff_p95",
]


@dataclass
class Arm:
    """One arm of a comparison: a scenario plus extra interventions."""

    name: str
    scenario: Scenario
    policies: list[Intervention] = field(default_factory=list)
    source: str = ""
    network: Any = None  # compiled once, shared by the arms of the same scenario


def is_policy_file(arg: str | Path) -> bool:
    """True when ``arg`` names a policy YAML file rather than a scenario."""
    p = Path(arg)
    return p.suffix.lower() in POLICY_SUFFIXES and not p.is_dir()


def load_arm(arg: str | Path, base: Scenario | None = None, name: str | None = None) -> Arm:
    """Resolve a command-line argument to an :class:`Arm`.

    A policy file applies its interventions on top of ``base`` (or of the
    scenario named by its ``scenario:`` key, or of ``central-america``); its
    arm is named after the file stem. A scenario arm is named after the
    scenario unless ``name`` is given.

    Raises
    ------
    ScenarioError
        Naming the file and line of every problem (unknown type, field or target).
    """
    if is_policy_file(arg):
        specs, meta = read_policy_file(arg)
        if meta.get("scenario"):
            sc = load_scenario(str(meta["scenario"]))
        else:
            sc = base if base is not None else load_scenario(DEFAULT_SCENARIO)
        ivs = parse_policies(specs, str(arg))
        return Arm(name or Path(arg).stem, sc, ivs, str(arg))
    sc = load_scenario(arg)
    return Arm(name or sc.name, sc, [], str(arg))


def _unique_names(arms: list[Arm]) -> None:
    seen: dict[str, int] = {}
    for a in arms:
        k = seen.get(a.name, 0)
        seen[a.name] = k + 1
        if k:
            a.name = f"{a.name}-{k + 1}"


def _run_one(arm: Arm, seed: int, modules: list[str] | None) -> pd.DataFrame:
    """Annual indicators of one arm and seed (interventions copied: they keep state)."""
    from ..engine.sim import Sim

    sim = Sim(
        arm.scenario,
        seed=seed,
        policies=copy.deepcopy(arm.policies),
        modules=modules,
        network=arm.network,
    )
    df = sim.run().indicators_annual.copy()
    df.insert(0, "seed", seed)
    df.insert(0, "scenario", arm.name)
    return df


def _pool_run(args: tuple[Arm, int, list[str] | None]) -> pd.DataFrame:
    return _run_one(*args)


class Comparison:
    """Arms run with common random numbers (seeds ``0..seeds-1``), then summarised.

    Parameters
    ----------
    arms : list of Arm
        The first arm is the base; differences are taken against it.
    seeds : int
        Number of seeds (the same seeds for every arm).
    modules : list of str, optional
        Restrict the runs to these modules (default: all).
    """

    def __init__(self, arms: list[Arm], seeds: int = 5, modules: list[str] | None = None):
        if not arms:
            raise ValueError("a comparison needs at least one arm")
        if seeds < 1:
            raise ValueError("seeds must be at least 1")
        self.arms = arms
        self.seeds = int(seeds)
        self.modules = modules
        self.runs: pd.DataFrame | None = None
        _unique_names(self.arms)

    @classmethod
    def from_args(
        cls,
        base: str,
        alts: Sequence[str],
        seeds: int = 5,
        modules: list[str] | None = None,
    ) -> Comparison:
        """Build from command-line arguments; the base arm is named ``base``.

        Every problem in every file is reported at once (file, line, field).
        """
        problems: list[Problem] = []
        arms: list[Arm] = []
        base_arm: Arm | None = None
        try:
            base_arm = load_arm(base, name="base")
            arms.append(base_arm)
        except ScenarioError as exc:
            problems.extend(exc.problems)
        base_sc = base_arm.scenario if base_arm is not None else None
        for a in alts:
            try:
                arms.append(load_arm(a, base=base_sc))
            except ScenarioError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ScenarioError(problems)
        return cls(arms, seeds=seeds, modules=modules)

    def validate(self) -> None:
        """Build every arm's simulation once, so that unknown targets stop the run early."""
        from ..engine.network import compile_network
        from ..engine.sim import Sim

        problems: list[Problem] = []
        compiled: dict[int, Any] = {}
        for arm in self.arms:
            try:
                if arm.network is None:
                    key = id(arm.scenario)
                    if key not in compiled:
                        compiled[key] = compile_network(arm.scenario)
                    arm.network = compiled[key]
                Sim(
                    arm.scenario,
                    seed=0,
                    policies=copy.deepcopy(arm.policies),
                    modules=self.modules,
                    network=arm.network,
                )
            except ScenarioError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ScenarioError(problems)

    def run(
        self, progress: Callable[[int, int], None] | None = None, workers: int = 1
    ) -> pd.DataFrame:
        """Run every arm for every seed; returns the long table of all runs.

        Columns: scenario, seed, indicator, region, year, value, unit. The
        results do not depend on ``workers``.
        """
        self.validate()
        jobs = [(arm, s, self.modules) for arm in self.arms for s in range(self.seeds)]
        frames: list[pd.DataFrame] = []
        n = len(jobs)
        if workers > 1 and n > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for k, df in enumerate(pool.map(_pool_run, jobs), 1):
                    frames.append(df)
                    if progress:
                        progress(k, n)
        else:
            for k, job in enumerate(jobs, 1):
                frames.append(_run_one(*job))
                if progress:
                    progress(k, n)
        self.runs = pd.concat(frames, ignore_index=True)
        return self.runs

    @property
    def base_name(self) -> str:
        return self.arms[0].name

    def summary(self) -> pd.DataFrame:
        """Mean, p05 and p95 over seeds per arm, indicator, region and year, with the
        paired difference from the base arm (same seed) and its p05 and p95."""
        if self.runs is None:
            raise RuntimeError("run() first")
        return summarize(self.runs, self.base_name)

    def key_table(self, years: tuple[int, int] = (2008, 2012)) -> pd.DataFrame:
        """Differences in the key indicators over a period (see :func:`key_differences`)."""
        if self.runs is None:
            raise RuntimeError("run() first")
        return key_differences(self.runs, self.base_name, years)


def summarize(runs: pd.DataFrame, base: str) -> pd.DataFrame:
    """Tidy summary of a comparison's runs (columns :data:`COLUMNS`).

    Examples
    --------
    >>> runs = pd.DataFrame({"scenario": ["base", "base", "alt", "alt"], "seed": [0, 1, 0, 1],
    ...     "indicator": "x", "region": "r", "year": 2008, "value": [1.0, 2.0, 2.0, 4.0], "unit": "t"})
    >>> s = summarize(runs, "base")
    >>> s.loc[s.scenario == "alt", ["mean", "diff_mean"]].values.tolist()
    [[3.0, 1.5]]
    """
    keys = ["indicator", "region", "year"]
    b = runs[runs["scenario"] == base][keys + ["seed", "value"]].rename(columns={"value": "base"})
    df = runs.merge(b, on=keys + ["seed"], how="left")
    df["diff"] = df["value"] - df["base"]
    g = df.groupby(["scenario"] + keys, sort=False)
    lo, hi = QUANTILES
    # Vectorised quantiles (a Python function per group is far too slow on ~10^5 groups).
    qv = g["value"].quantile([lo, hi]).unstack()
    qd = g["diff"].quantile([lo, hi]).unstack()
    out = pd.DataFrame(
        {
            "unit": g["unit"].first(),
            "n_seeds": g["value"].size(),
            "mean": g["value"].mean(),
            "p05": qv[lo],
            "p95": qv[hi],
            "diff_mean": g["diff"].mean(),
            "diff_p05": qd[lo],
            "diff_p95": qd[hi],
        }
    ).reset_index()
    return out[COLUMNS]


def _q05(x: pd.Series) -> float:
    return float(np.nanquantile(x, QUANTILES[0])) if x.notna().any() else float("nan")


def _q95(x: pd.Series) -> float:
    return float(np.nanquantile(x, QUANTILES[1])) if x.notna().any() else float("nan")


#: Key indicators of the printed table: (indicator, regions or None for all, how to
#: aggregate over the period: "sum" of tons or "mean" of shares, rates and prices).
KEY_INDICATORS: list[tuple[str, list[str] | None, str]] = [
    ("delivered_t", ["usa", "europe"], "sum"),
    ("us_bound_share", None, "mean"),
    ("seized_t", None, "sum"),
    ("flow_t", None, "sum"),
    ("homicide_rate_per_100k", None, "mean"),
    ("price_per_pure_gram_usd", ["usa"], "mean"),
]


def key_differences(
    runs: pd.DataFrame, base: str, years: tuple[int, int] = (2008, 2012), top: int = 8
) -> pd.DataFrame:
    """Paired differences of the key indicators over ``years`` (inclusive), per arm.

    Tons are summed over the period and shares, rates and prices averaged;
    per-country indicators keep the ``top`` regions with the largest mean
    absolute difference (countries only, ISO3 codes, for flow_t and homicides).
    Columns: scenario, indicator, region, base, value, diff, diff_p05, diff_p95.
    """
    y0, y1 = years
    sel = runs[(runs["year"] >= y0) & (runs["year"] <= y1)]
    rows = []
    for ind, regions, how in KEY_INDICATORS:
        d = sel[sel["indicator"] == ind]
        if d.empty:
            continue
        if regions is not None:
            d = d[d["region"].isin(regions)]
        elif ind in ("flow_t", "homicide_rate_per_100k", "seized_t"):
            d = d[d["region"].str.fullmatch(r"[A-Z]{3}")]  # countries (not seized_t's "all")
        per = d.groupby(["scenario", "region", "seed"])["value"]
        agg = (per.sum() if how == "sum" else per.mean()).rename("value").reset_index()
        b = agg[agg["scenario"] == base][["region", "seed", "value"]].rename(
            columns={"value": "base"}
        )
        m = agg.merge(b, on=["region", "seed"], how="left")
        m["diff"] = m["value"] - m["base"]
        s = (
            m.groupby(["scenario", "region"], sort=False)
            .agg(
                base=("base", "mean"),
                value=("value", "mean"),
                diff=("diff", "mean"),
                diff_p05=("diff", _q05),
                diff_p95=("diff", _q95),
            )
            .reset_index()
        )
        s.insert(1, "indicator", ind)
        if regions is None:
            alt = s[s["scenario"] != base]
            big = alt.assign(a=alt["diff"].abs()).groupby("region")["a"].max()
            keep = big[big > 0].sort_values(ascending=False).index[:top]
            s = s[s["region"].isin(keep)]
        rows.append(s)
    cols = ["scenario", "indicator", "region", "base", "value", "diff", "diff_p05", "diff_p95"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)
    return out[out["scenario"] != base][cols].reset_index(drop=True)


def displacement(
    runs: pd.DataFrame,
    base: str,
    scenario: str,
    targeted: Sequence[str],
    years: tuple[int, int] = (2008, 2012),
    exclude: Sequence[str] = ("USA", "EUR", "COL", "VEN", "ECU"),
) -> float:
    """Increase in flow_t into countries outside ``targeted`` (tons over ``years``, mean over
    seeds): the flow displaced into third countries (F8). Source countries and markets are
    excluded."""
    y0, y1 = years
    d = runs[
        (runs["indicator"] == "flow_t")
        & (runs["region"].str.len() == 3)
        & (runs["year"].between(y0, y1))
        & ~runs["region"].isin(list(targeted) + list(exclude))
    ]
    tot = d.groupby(["scenario", "seed"])["value"].sum()
    diff = tot.loc[scenario] - tot.loc[base]
    return float(diff.mean())
