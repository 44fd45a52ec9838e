"""The hindcast: the calibrated model's 2007-2012 prediction, with intervals over seeds.

The model is calibrated on observations up to 2006 (:mod:`.calibration`); the
hindcast runs it over the whole period with ``N`` seeds (replicates that
differ only by their seed, no parameter draws) and reports, for each year of
the prediction window, the mean over seeds and a 90% interval (the 5th and
95th percentiles). No observation enters: it is a prediction to be compared
with what happened after 2006.

Blocks (each shown only when its indicators are recorded):

- the US market: price per pure gram, purity, past-month users;
- US-bound flow by first landfall (the displacement data of finding F1);
- seizure shares: Central America, the Caribbean, Mexico;
- the share of cocaine entering Mexico, by the country it came from;
- flows by country (tons entering each country's territory or waters);
- homicide rates by country and by Mexican state.

Examples
--------
>>> hc = run_hindcast("central-america", seeds=2)  # doctest: +SKIP
>>> list(hc.table.columns)  # doctest: +SKIP
['indicator', 'region', 'year', 'mean', 'low', 'high', 'unit']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import Scenario, load_scenario

PREDICTION_YEARS = (2007, 2012)
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Block:
    """A group of hindcast series printed together."""

    key: str
    title: str
    indicator: str | None  # None: several indicators (``pairs``)
    pairs: tuple[tuple[str, str], ...] = ()
    regions: Callable[[list[str]], list[str]] | None = None

    def select(self, available: dict[str, list[str]]) -> list[tuple[str, str]]:
        """The (indicator, region) pairs of this block that the run recorded."""
        if self.indicator is None:
            return [(i, r) for i, r in self.pairs if r in available.get(i, [])]
        regions = available.get(self.indicator, [])
        keep = self.regions(regions) if self.regions else regions
        return [(self.indicator, r) for r in keep]


def _iso3(regions: list[str]) -> list[str]:
    return sorted(r for r in regions if _ISO3.match(r) and r != "XTZ")


def _mx_states(regions: list[str]) -> list[str]:
    return sorted(r for r in regions if r.startswith("MX-"))


def _only(*names: str) -> Callable[[list[str]], list[str]]:
    return lambda regions: [n for n in names if n in regions]


BLOCKS: tuple[Block, ...] = (
    Block(
        "us_market",
        "US market: price per pure gram, purity and past-month users",
        None,
        (
            ("price_per_pure_gram_usd", "usa"),
            ("purity", "usa"),
            ("users_past_month", "usa"),
        ),
    ),
    Block(
        "us_bound_share",
        "US-bound cocaine by first landfall after South America (share)",
        "us_bound_share",
        regions=_only("central_america", "caribbean", "mexico_direct"),
    ),
    Block(
        "seizure_share",
        "Share of the seizures between South America and the US",
        "seizure_share",
        regions=_only("central_america", "caribbean", "mexico"),
    ),
    Block(
        "entering_mexico_share",
        "Cocaine entering Mexico, by where it came from (share)",
        "entering_mexico_share",
    ),
    Block(
        "flow_t",
        "Cocaine flow by country (t entering its territory or waters)",
        "flow_t",
        regions=_iso3,
    ),
    Block(
        "homicide_country",
        "Homicide rate by country (per 100,000)",
        "homicide_rate_per_100k",
        regions=_iso3,
    ),
    Block(
        "homicide_mx_state",
        "Homicide rate by Mexican state (per 100,000)",
        "homicide_rate_per_100k",
        regions=_mx_states,
    ),
)

#: Series drawn in the hindcast plot, with the observations (up to 2006) to overlay.
PLOT_SERIES: tuple[tuple[str, str, str], ...] = (
    ("price_per_pure_gram_usd", "usa", "US price per pure gram (USD/g)"),
    ("purity", "usa", "US purity"),
    ("users_past_month", "usa", "US past-month users"),
    ("us_bound_share", "central_america", "US-bound share via Central America"),
    ("seizure_share", "central_america", "Seizure share: Central America"),
    ("seizure_share", "caribbean", "Seizure share: Caribbean"),
    ("seizure_share", "mexico", "Seizure share: Mexico"),
    ("homicide_rate_per_100k", "MEX", "Homicide rate, Mexico"),
    ("homicide_rate_per_100k", "GTM", "Homicide rate, Guatemala"),
    ("homicide_rate_per_100k", "HND", "Homicide rate, Honduras"),
    ("homicide_rate_per_100k", "SLV", "Homicide rate, El Salvador"),
    ("entering_mexico_share", "GTM", "Share entering Mexico from Guatemala"),
)


@dataclass
class Hindcast:
    """The bands of a hindcast.

    Attributes
    ----------
    bands : DataFrame
        indicator, region, year, mean, low, high, unit, block, for every year
        simulated (the fit years too, so plots can show them).
    years : tuple of int
        First and last year of the prediction window.
    seeds : list of int
        The replicates' seeds.
    """

    bands: pd.DataFrame
    years: tuple[int, int]
    seeds: list[int]
    scenario: str
    observations: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def table(self) -> pd.DataFrame:
        """The prediction: indicator, region, year, mean, low, high, unit (window years only)."""
        y0, y1 = self.years
        b = self.bands[(self.bands["year"] >= y0) & (self.bands["year"] <= y1)]
        cols = ["indicator", "region", "year", "mean", "low", "high", "unit"]
        return b[cols].reset_index(drop=True)

    def block(self, key: str) -> pd.DataFrame:
        """The bands of one block (all simulated years)."""
        return self.bands[self.bands["block"] == key].reset_index(drop=True)

    def write(self, out: str | Path) -> list[Path]:
        """Write ``hindcast.csv`` and ``hindcast.html`` into ``out`` (temp files, then renamed)."""
        from ..results.atomic import atomic_dir

        out = Path(out)
        with atomic_dir(out) as tmp:  # both files or neither, and no temporary left
            self.table.to_csv(tmp / "hindcast.csv", index=False)
            self.figure().write_html(
                str(tmp / "hindcast.html"), include_plotlyjs=True, full_html=True
            )
        return [out / "hindcast.csv", out / "hindcast.html"]

    def figure(self) -> Any:
        """A plotly figure of the main series: 90% band and mean over seeds, observations."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        keys = [
            (i, r, t)
            for i, r, t in PLOT_SERIES
            if ((self.bands["indicator"] == i) & (self.bands["region"] == r)).any()
        ]
        ncols = 3
        nrows = max(1, -(-len(keys) // ncols))
        fig = make_subplots(
            rows=nrows, cols=ncols, subplot_titles=[t for _, _, t in keys] or ["(no series)"]
        )
        y0, y1 = self.years
        shown_obs = False
        for k, (ind, reg, _) in enumerate(keys):
            row, col = k // ncols + 1, k % ncols + 1
            g = self.bands[(self.bands["indicator"] == ind) & (self.bands["region"] == reg)]
            g = g[g["year"] <= y1].sort_values("year")
            x = g["year"].tolist()
            first = k == 0
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=g["high"].tolist() + g["low"].tolist()[::-1],
                    fill="toself",
                    fillcolor="rgba(31,119,180,0.2)",
                    line=dict(width=0),
                    name="90% over seeds",
                    legendgroup="band",
                    showlegend=first,
                    hoverinfo="skip",
                ),
                row=row,
                col=col,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=g["mean"].tolist(),
                    mode="lines",
                    line=dict(color="rgb(31,119,180)", width=2),
                    name="model mean",
                    legendgroup="mean",
                    showlegend=first,
                ),
                row=row,
                col=col,
            )
            obs = self.observations
            if not obs.empty:
                o = obs[(obs["indicator"] == ind) & (obs["region"] == reg)]
                if not o.empty:
                    fig.add_trace(
                        go.Scatter(
                            x=o["year"].tolist(),
                            y=o["value"].tolist(),
                            error_y=dict(
                                type="data",
                                symmetric=False,
                                array=(o["high"] - o["value"]).fillna(0).tolist(),
                                arrayminus=(o["value"] - o["low"]).fillna(0).tolist(),
                            ),
                            mode="markers",
                            marker=dict(color="black", size=6),
                            name="observed (fit data, up to 2006)",
                            legendgroup="obs",
                            showlegend=not shown_obs,
                        ),
                        row=row,
                        col=col,
                    )
                    shown_obs = True
            fig.add_vrect(
                x0=y0 - 0.5,
                x1=y1 + 0.5,
                fillcolor="rgba(255,165,0,0.08)",
                line_width=0,
                row=row,
                col=col,
            )
        fig.update_layout(
            title=f"{self.scenario}: hindcast {y0}-{y1} (shaded: prediction, no data after 2006 "
            f"in the fit; {len(self.seeds)} seeds)",
            template="plotly_white",
            height=300 * nrows + 120,
        )
        return fig


def _observations_frame(scenario: Scenario) -> pd.DataFrame:
    from .calibration import load_observations

    try:
        targets = load_observations(scenario)
    except Exception:  # no observations table: the plot just has no points
        return pd.DataFrame(columns=["indicator", "region", "year", "value", "low", "high"])
    rows = [
        dict(
            indicator=t.indicator,
            region=t.region,
            year=float(np.mean(t.years)),
            value=t.value,
            low=t.low if t.low is not None else np.nan,
            high=t.high if t.high is not None else np.nan,
        )
        for t in targets
    ]
    return pd.DataFrame(rows)


def run_hindcast(
    scenario: Scenario | str | Path = "central-america",
    seeds: int = 20,
    seed: int = 0,
    workers: int = 1,
    years: tuple[int, int] = PREDICTION_YEARS,
    progress: Callable[[int, int, Any], None] | None = None,
) -> Hindcast:
    """Run ``seeds`` replicates of the (calibrated) scenario and summarise the prediction.

    Parameters
    ----------
    scenario : Scenario, str or Path
        The calibrated scenario (the shipped default uses the calibrated set).
    seeds : int
        Number of replicates; replicate ``i`` has the seed
        :func:`isthmus.experiments.ensemble.derive_seed` ``(seed, i)``.
    seed : int
        Base seed.
    workers : int
        Local worker processes.
    years : (int, int)
        Prediction window.
    progress : callable, optional
        ``progress(done, total, record)`` after each run.

    Returns
    -------
    Hindcast
    """
    from .ensemble import Ensemble

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if sc.end[0] < years[1]:
        from ..scenario import Problem, ScenarioError

        raise ScenarioError(
            [Problem("scenario.yaml", None, "end", f"the run ends before {years[1]}")]
        )
    ens = Ensemble(sc, runs=int(seeds), seed=int(seed), draws=False)
    res = ens.run(workers=int(workers), progress=progress, plots=False)
    try:
        if res.failures:
            raise RuntimeError(
                f"{len(res.failures)} run(s) failed; first error:\n{res.failures[0].error}"
            )
        ind = res.indicators
        seed_list = sorted(int(s) for s in res.runs["seed"].unique())
    finally:
        res.close()
    ind = ind[ind["year"] <= years[1]]
    available = {i: sorted(g["region"].unique()) for i, g in ind.groupby("indicator")}
    frames = []
    for b in BLOCKS:
        pairs = b.select(available)
        if not pairs:
            continue
        sel = pd.DataFrame(pairs, columns=["indicator", "region"])
        d = ind.merge(sel, on=["indicator", "region"])
        grp = d.groupby(["indicator", "region", "year"], sort=False)
        bands = grp["value"].agg(
            mean="mean",
            low=lambda v: float(np.quantile(v, 0.05)),
            high=lambda v: float(np.quantile(v, 0.95)),
        )
        bands["unit"] = grp["unit"].first()
        bands = bands.reset_index()
        bands["block"] = b.key
        # keep the block's region order
        order = {p: k for k, p in enumerate(pairs)}
        bands["_o"] = [
            order[(i, r)] for i, r in zip(bands["indicator"], bands["region"], strict=True)
        ]
        frames.append(bands.sort_values(["_o", "year"]).drop(columns="_o"))
    bands = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            columns=["indicator", "region", "year", "mean", "low", "high", "unit", "block"]
        )
    )
    bands["year"] = bands["year"].astype(int)
    return Hindcast(bands, tuple(years), seed_list, sc.name, _observations_frame(sc))
