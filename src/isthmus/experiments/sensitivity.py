"""Global sensitivity analysis with SALib: Sobol indices and Morris screening.

A :class:`Sensitivity` samples chosen parameters over their uncertainty
ranges (Saltelli/Sobol sequences for ``sobol``, trajectories for ``morris``),
runs one simulation per sample on the same backends as ensembles (in this
process, a local process pool, or Dask), reads chosen scalar outputs
(``indicator:region:year`` or ``indicator:region:year0-year1`` for a mean over
years), and returns the indices with 95% confidence intervals.

Every run uses the same seed (common random numbers), so the indices measure
the effect of the parameters, not of the noise between replicates.

Examples
--------
>>> from isthmus.experiments.sensitivity import OutputSpec, Sensitivity
>>> OutputSpec.parse("delivered_t:usa:2007-2012").years
(2007, 2012)
>>> sa = Sensitivity("central-america", params=["routes.theta", "interdiction.k_sea"],
...                  outputs=["delivered_t:usa:2010"], method="morris", n=2, until=2003)
>>> sa.n_runs
6
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..results.ensemble_store import RunRecord
from ..scenario import Problem, Scenario, ScenarioError, load_scenario
from .ensemble import (
    Job,
    ParamRange,
    RunSpec,
    canonical,
    connect,
    derive_seed,
    local_cluster,
    parameter_space,
    run_dask,
    run_pool,
    run_serial,
)

METHODS = ("sobol", "morris")
DEFAULT_OUTPUTS = ("delivered_t:usa:2010", "us_bound_share:central_america:2010")


@dataclass(frozen=True)
class OutputSpec:
    """A scalar output of a run: an annual indicator of one region, one year or a mean.

    Examples
    --------
    >>> OutputSpec.parse("seized_t:MEX:2008").label
    'seized_t:MEX:2008'
    """

    indicator: str
    region: str
    years: tuple[int, int]

    @classmethod
    def parse(cls, text: str) -> OutputSpec:
        parts = text.strip().split(":")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{text!r}: expected indicator:region:year or indicator:region:y0-y1")
        y = parts[2].split("-")
        try:
            years = (int(y[0]), int(y[-1]))
        except ValueError:
            raise ValueError(f"{text!r}: year must be YYYY or YYYY-YYYY") from None
        if len(y) > 2 or years[0] > years[1]:
            raise ValueError(f"{text!r}: year must be YYYY or YYYY-YYYY")
        return cls(parts[0], parts[1], years)

    @property
    def label(self) -> str:
        y0, y1 = self.years
        return f"{self.indicator}:{self.region}:{y0}" + (f"-{y1}" if y1 != y0 else "")

    def value(self, res: Any) -> float:
        """The output's value in a run's results (NaN if absent)."""
        s = res.series.get(self.indicator)
        if s is None or self.region not in s.regions:
            return float("nan")
        years, vals = res._annual_values(s)
        y0, y1 = self.years
        keep = (years >= y0) & (years <= y1)
        if not keep.any():
            return float("nan")
        return float(vals[keep, s.regions.index(self.region)].mean())


def truncate(scenario: Scenario, until: int) -> Scenario:
    """A copy of a scenario that ends in December of ``until`` (a shorter run).

    Examples
    --------
    >>> from isthmus import load_scenario
    >>> truncate(load_scenario("central-america"), 2005).n_months
    72
    """
    if not scenario.start[0] <= until <= scenario.end[0]:
        raise ScenarioError(
            [
                Problem(
                    "--until",
                    None,
                    str(until),
                    f"must be within the scenario period {scenario.start[0]}-{scenario.end[0]}",
                )
            ]
        )
    sc = scenario.copy()
    sc.end = min(scenario.end, (int(until), 12))
    return sc


class Sensitivity:
    """A Sobol or Morris sensitivity analysis of chosen outputs to chosen parameters.

    Parameters
    ----------
    scenario : Scenario, str or Path
    params : list of str, optional
        ``"module.name"`` parameters to vary over their ranges (default: all
        parameters with a range).
    outputs : list of str or OutputSpec, optional
        ``indicator:region:year`` (or ``year0-year1`` for a mean over years).
    method : {"sobol", "morris"}
    n : int
        Sobol: base sample size (a power of 2), giving ``n * (D + 2)`` runs
        (``n * (2D + 2)`` with ``second_order``). Morris: trajectories, giving
        ``n * (D + 1)`` runs.
    seed : int
        Seeds the sampling, the bootstrap of the confidence intervals, and the
        (common) run seed.
    until : int, optional
        End the runs in this year (faster; outputs must lie before it).
    bounds : dict, optional
        ``{"module.name": (low, high)}`` replacing declared ranges.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "central-america",
        params: Sequence[str] | None = None,
        outputs: Sequence[str | OutputSpec] | None = None,
        method: str = "sobol",
        n: int = 64,
        seed: int = 0,
        second_order: bool = False,
        num_levels: int = 4,
        num_resamples: int = 200,
        fixed: dict[str, float] | None = None,
        policies: list[Any] | None = None,
        modules: list[str] | None = None,
        until: int | None = None,
        bounds: dict[str, tuple[float, float]] | None = None,
    ):
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r} (one of {METHODS})")
        if n < 1:
            raise ValueError("n must be >= 1")
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.scenario = truncate(sc, until) if until is not None else sc
        self.method = method
        self.n = int(n)
        self.seed = int(seed)
        self.second_order = bool(second_order)
        self.num_levels = int(num_levels)
        self.num_resamples = int(num_resamples)
        self.fixed = dict(fixed or {})
        self.policies = list(policies) if policies else None
        self.modules = list(modules) if modules else None
        bounds = dict(bounds or {})
        keys = list(params) if params is not None else None
        space = parameter_space(self.scenario, keys, require_range=not bounds)
        self.space: list[ParamRange] = []
        for p in space:
            lo, hi = bounds.get(p.key, (p.low, p.high))
            if lo is None or hi is None or not lo < hi:
                raise ScenarioError(
                    [Problem("--params", None, p.key, "has no uncertainty range (low < high)")]
                )
            self.space.append(ParamRange(p.key, p.value, float(lo), float(hi), p.unit, p.source))
        if not self.space:
            raise ScenarioError([Problem("--params", None, None, "no parameter to vary")])
        problems = []
        self.outputs: list[OutputSpec] = []
        for o in outputs if outputs is not None else DEFAULT_OUTPUTS:
            try:
                self.outputs.append(o if isinstance(o, OutputSpec) else OutputSpec.parse(o))
            except ValueError as exc:
                problems.append(Problem("--indicators", None, str(o), str(exc)))
        if problems:
            raise ScenarioError(problems)
        self.scenario_hash = self.scenario.hash()

    # -- design ---------------------------------------------------------------------------
    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem definition."""
        return {
            "num_vars": len(self.space),
            "names": [p.key for p in self.space],
            "bounds": [[p.low, p.high] for p in self.space],
        }

    @property
    def n_runs(self) -> int:
        d = len(self.space)
        if self.method == "sobol":
            return self.n * (2 * d + 2 if self.second_order else d + 2)
        return self.n * (d + 1)

    def sample(self) -> np.ndarray:
        """The parameter samples (one row per run)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # SALib: "n should be a power of 2"
            if self.method == "sobol":
                from SALib.sample import sobol

                return sobol.sample(
                    self.problem, self.n, calc_second_order=self.second_order, seed=self.seed
                )
            from SALib.sample import morris

            return morris.sample(self.problem, self.n, num_levels=self.num_levels, seed=self.seed)

    def validate(self) -> None:
        """Run the base case in this process and check that every output exists."""
        from ..engine.sim import Sim

        res = Sim(
            self.scenario,
            seed=derive_seed(self.seed, 0),
            params=self.fixed,
            policies=self.policies,
            modules=self.modules,
        ).run()
        problems = []
        for o in self.outputs:
            s = res.series.get(o.indicator)
            if s is None or not s.public:
                known = ", ".join(sorted(n for n, x in res.series.items() if x.public))
                problems.append(
                    Problem("--indicators", None, o.label, f"unknown indicator (known: {known})")
                )
            elif o.region not in s.regions:
                problems.append(
                    Problem(
                        "--indicators",
                        None,
                        o.label,
                        f"no region {o.region!r} (regions: {', '.join(s.regions[:30])})",
                    )
                )
            elif not (res.years.min() <= o.years[0] and o.years[1] <= res.years.max()):
                problems.append(
                    Problem(
                        "--indicators",
                        None,
                        o.label,
                        f"years outside the run ({res.years.min()}-{res.years.max()})",
                    )
                )
        if problems:
            raise ScenarioError(problems)

    # -- running --------------------------------------------------------------------------
    def run(
        self,
        workers: int = 1,
        client: Any = None,
        scheduler: str | None = None,
        local_cluster_workers: int | None = None,
        out: str | Path | None = None,
        progress: Callable[[int, int, RunRecord], None] | None = None,
    ) -> SensitivityResult:
        """Run every sample and compute the indices.

        Parameters
        ----------
        workers, client, scheduler, local_cluster_workers
            The backend, as for :meth:`isthmus.experiments.ensemble.Ensemble.run`.
        out : str or Path, optional
            Folder for ``sensitivity_indices.csv`` and ``results.duckdb`` (tables
            ``sensitivity_indices``, ``sensitivity_samples``, ``sensitivity_outputs``).
        progress : callable, optional
            ``progress(done, total, record)`` after each run.
        """
        if out is not None:
            from ..results.atomic import check_out_dir

            check_out_dir(out)  # an unusable folder stops here, before any run
        self.validate()
        X = self.sample()
        seed = derive_seed(self.seed, 0)
        names = [p.key for p in self.space]
        specs = [
            RunSpec(i, seed, {k: float(v) for k, v in zip(names, row, strict=True)})
            for i, row in enumerate(X)
        ]
        job = Job(
            self.scenario,
            self.scenario_hash,
            self.fixed,
            self.policies,
            self.modules,
            outputs=self.outputs,
        )
        Y = np.full((len(specs), len(self.outputs)), np.nan)
        failures: list[RunRecord] = []
        t0 = time.perf_counter()
        with contextlib.ExitStack() as stack:
            if client is not None:
                recs = run_dask(job, specs, client)
            elif scheduler is not None:
                recs = run_dask(job, specs, stack.enter_context(connect(scheduler)))
            elif local_cluster_workers is not None:
                recs = run_dask(
                    job, specs, stack.enter_context(local_cluster(local_cluster_workers))
                )
            elif workers > 1:
                recs = run_pool(job, specs, min(workers, len(specs)))
            else:
                recs = run_serial(job, specs)
            stack.callback(getattr(recs, "close", lambda: None))
            for k, rec in enumerate(recs, 1):
                if rec.error is None:
                    Y[rec.run_id] = rec.extra["values"]
                else:
                    failures.append(rec)
                if progress is not None:
                    progress(k, len(specs), rec)
        elapsed = time.perf_counter() - t0
        Y = canonical(Y)
        if failures:
            first = failures[0]
            raise RuntimeError(
                f"{len(failures)} of {len(specs)} runs failed; the first (run {first.run_id}, "
                f"params {json.dumps(first.drawn)}) raised:\n{first.error}"
            )
        indices = self.analyze(X, Y)
        result = SensitivityResult(self, X, Y, indices, elapsed)
        if out is not None:
            result.write(out)
        return result

    def analyze(self, X: np.ndarray, Y: np.ndarray) -> pd.DataFrame:
        """The indices of every output, as a long table.

        Columns: method, output, param, index, value, conf (half-width of the 95%
        interval), ci_low, ci_high. Sobol gives ``S1`` and ``ST`` (and ``S2`` for
        pairs ``a*b`` with ``second_order``); Morris gives ``mu_star`` (with its
        interval), ``mu`` and ``sigma``.
        """
        rows = []
        names = [p.key for p in self.space]
        for j, o in enumerate(self.outputs):
            y = Y[:, j]
            if not np.isfinite(y).all():
                # The estimators need every sample; report NaN rather than a biased index.
                bad = np.flatnonzero(~np.isfinite(y))
                warnings.warn(
                    f"{o.label}: {len(bad)} of {len(y)} runs gave a non-finite value "
                    f"(sample ids {bad[:10].tolist()}, see sensitivity_samples); "
                    "its indices are NaN",
                    RuntimeWarning,
                    stacklevel=2,
                )
                idx = ("S1", "ST") if self.method == "sobol" else ("mu_star", "mu", "sigma")
                rows += [(o.label, name, i, np.nan, np.nan) for i in idx for name in names]
                continue
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                if self.method == "sobol":
                    from SALib.analyze import sobol

                    si = sobol.analyze(
                        self.problem,
                        y,
                        calc_second_order=self.second_order,
                        num_resamples=self.num_resamples,
                        conf_level=0.95,
                        seed=self.seed,
                    )
                    for idx in ("S1", "ST"):
                        for k, name in enumerate(names):
                            rows.append((o.label, name, idx, si[idx][k], si[f"{idx}_conf"][k]))
                    if self.second_order:
                        for a in range(len(names)):
                            for b in range(a + 1, len(names)):
                                rows.append(
                                    (
                                        o.label,
                                        f"{names[a]}*{names[b]}",
                                        "S2",
                                        si["S2"][a, b],
                                        si["S2_conf"][a, b],
                                    )
                                )
                else:
                    from SALib.analyze import morris

                    si = morris.analyze(
                        self.problem,
                        X,
                        y,
                        num_resamples=self.num_resamples,
                        conf_level=0.95,
                        num_levels=self.num_levels,
                        seed=self.seed,
                    )
                    for k, name in enumerate(names):
                        rows.append(
                            (o.label, name, "mu_star", si["mu_star"][k], si["mu_star_conf"][k])
                        )
                        rows.append((o.label, name, "mu", si["mu"][k], np.nan))
                        rows.append((o.label, name, "sigma", si["sigma"][k], np.nan))
        df = pd.DataFrame(rows, columns=["output", "param", "index", "value", "conf"])
        df["value"] = df["value"].astype(float)
        df["conf"] = df["conf"].astype(float)
        df.insert(0, "method", self.method)
        df["ci_low"] = df["value"] - df["conf"]
        df["ci_high"] = df["value"] + df["conf"]
        return df


class SensitivityResult:
    """Samples, outputs and indices of a sensitivity analysis.

    Attributes
    ----------
    X : numpy.ndarray
        Parameter samples (runs x parameters).
    Y : numpy.ndarray
        Outputs (runs x outputs).
    indices : pandas.DataFrame
        Long table (see :meth:`Sensitivity.analyze`).
    elapsed : float
        Seconds spent running.
    """

    def __init__(
        self, sa: Sensitivity, X: np.ndarray, Y: np.ndarray, indices: pd.DataFrame, elapsed: float
    ):
        self.sa = sa
        self.X = X
        self.Y = Y
        self.indices = indices
        self.elapsed = elapsed

    def wide(self, output: str) -> pd.DataFrame:
        """One output's indices, one row per parameter (sorted by the total or mu*)."""
        d = self.indices[self.indices["output"] == output]
        d = d[d["index"] != "S2"]
        w = d.pivot(index="param", columns="index", values="value")
        c = d.pivot(index="param", columns="index", values="conf").add_suffix("_conf")
        w = w.join(c).dropna(axis=1, how="all")
        key = "ST" if "ST" in w else "mu_star"
        return w.sort_values(key, ascending=False)

    def samples(self) -> pd.DataFrame:
        """Long table of the samples: sample_id, param, value."""
        names = [p.key for p in self.sa.space]
        n = self.X.shape[0]
        return pd.DataFrame(
            {
                "sample_id": np.repeat(np.arange(n), len(names)),
                "param": np.tile(np.asarray(names, dtype=object), n),
                "value": self.X.ravel(),
            }
        )

    def outputs(self) -> pd.DataFrame:
        """Long table of the outputs: sample_id, output, value."""
        labels = [o.label for o in self.sa.outputs]
        n = self.Y.shape[0]
        return pd.DataFrame(
            {
                "sample_id": np.repeat(np.arange(n), len(labels)),
                "output": np.tile(np.asarray(labels, dtype=object), n),
                "value": self.Y.ravel(),
            }
        )

    def write(self, out: str | Path) -> Path:
        """Write ``sensitivity_indices.csv`` and ``results.duckdb`` into ``out`` (atomically)."""
        import duckdb

        from ..results.atomic import atomic_dir

        sa = self.sa
        meta = pd.DataFrame(
            {
                "key": [
                    "kind",
                    "scenario",
                    "scenario_hash",
                    "method",
                    "n",
                    "seed",
                    "second_order",
                    "params",
                    "outputs",
                    "n_runs",
                    "elapsed_s",
                ],
                "value": [
                    "sensitivity",
                    sa.scenario.name,
                    sa.scenario_hash,
                    sa.method,
                    str(sa.n),
                    str(sa.seed),
                    str(sa.second_order),
                    json.dumps([[p.key, p.low, p.high] for p in sa.space]),
                    json.dumps([o.label for o in sa.outputs]),
                    str(self.X.shape[0]),
                    f"{self.elapsed:.3f}",
                ],
            }
        )
        with atomic_dir(out) as tmp:
            self.indices.to_csv(tmp / "sensitivity_indices.csv", index=False)
            con = duckdb.connect(str(tmp / "results.duckdb"))
            try:
                con.execute("set enable_progress_bar = false")
                for name, df in (
                    ("meta", meta),
                    ("sensitivity_indices", self.indices),
                    ("sensitivity_samples", self.samples()),
                    ("sensitivity_outputs", self.outputs()),
                ):
                    con.register("df_view", df)
                    con.execute(f"create table {name} as select * from df_view")
                    con.unregister("df_view")
            finally:
                con.close()
        return Path(out)
