"""Charts of a run against the record, with 90% bands over seeds and a counterfactual.

Every chart is built from a tidy table (:class:`Chart`. ``table``: chart,
series, kind, region, year, value, unit, low, high, source), so that the
table behind a figure can be written out and the figure redrawn from it
(``isthmus report --data-out``). ``kind`` is ``model`` (the mean over seeds),
``model_p05`` and ``model_p95`` (the 90% band) or ``observed`` (the record,
up to 2006, each value with its source). The counterfactual's lines are in
``Chart.other`` (same columns).

The calibration years, the prediction years (2007-2012) and the later years
are shaded the same way on every time chart (:data:`~isthmus.viz.quantities.PERIOD_STYLE`).

A chart builder returns ``None`` when the run lacks its indicators, so a view
shows what the active modules produce.

Examples
--------
>>> from isthmus.viz.rundata import simulate
>>> rd = simulate("central-america", seed=0)
>>> ch = route_shares_chart(rd)
>>> set(ch.table["kind"]) >= {"model", "observed"}
True
>>> "route_shares" in available_charts(rd)
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .quantities import (
    PERIOD_STYLE,
    Quantity,
    band,
    fmt_value,
    period_name,
    period_spans,
    sig,
)
from .record import for_series, observed
from .rundata import RunData, year_span

ROUTE_LABELS = {
    "central_america": "Central America",
    "caribbean": "Caribbean",
    "mexico_direct": "Mexico direct",
}
ROUTE_COLORS = {"central_america": "#d95f02", "caribbean": "#1b9e77", "mexico_direct": "#7570b3"}
CAUSES = ("contest", "predation", "state", "baseline")
#: Words for the homicide causes (the ``baseline`` cause is not group-related).
CAUSE_LABELS = {
    "contest": "contests between groups",
    "predation": "predation (extortion)",
    "state": "state-group confrontation",
    "baseline": "other homicides (not group-related)",
}
CAUSE_COLORS = {
    "contest": "#b2182b",
    "predation": "#ef8a62",
    "state": "#4d4d4d",
    "baseline": "#bababa",
}
ACTIVITY_COLORS = {
    "transit": "#8c510a",
    "extortion": "#d73027",
    "migrant_smuggling": "#4575b4",
    "human_trafficking": "#984ea3",
    "firearms": "#4d4d4d",
}
COUNTRY_NAMES = {
    "MEX": "Mexico",
    "GTM": "Guatemala",
    "BLZ": "Belize",
    "HND": "Honduras",
    "SLV": "El Salvador",
    "NIC": "Nicaragua",
    "CRI": "Costa Rica",
    "PAN": "Panama",
    "DOM": "Dominican Rep.",
    "HTI": "Haiti",
    "JAM": "Jamaica",
    "PRI": "Puerto Rico",
    "BHS": "Bahamas",
    "CUB": "Cuba",
    "TTO": "Trinidad & Tobago",
    "ANT": "Lesser Antilles",
    "COL": "Colombia",
    "VEN": "Venezuela",
    "ECU": "Ecuador",
    "USA": "United States",
    "transit_zone": "transit zone (sea)",
    "sea": "by sea",
    "air": "by air",
}
CA7 = ("GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN")
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
TABLE_COLUMNS = [
    "chart",
    "series",
    "kind",
    "region",
    "year",
    "value",
    "unit",
    "low",
    "high",
    "source",
]


@dataclass
class Chart:
    """A figure and the tidy tables behind it (the run's and the counterfactual's)."""

    key: str
    fig: go.Figure
    table: pd.DataFrame
    other: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TABLE_COLUMNS))


@dataclass(frozen=True)
class Line:
    """One line of a time chart: a quantity, its legend name and colour."""

    q: Quantity
    name: str
    color: str
    dash: str = "solid"
    width: float = 2.5
    series: str = ""  # name in the tables (default: the indicator)


def record_of(rd: RunData) -> pd.DataFrame:
    """The run's scenario record (observed values up to 2006), read once per run."""
    if "record" not in rd._cache:
        rd._cache["record"] = observed(rd.scenario, rd.notes)
    return rd._cache["record"]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, title: str, height: int = 400, ytitle: str = "") -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.01),
        height=height,
        margin=dict(l=60, r=20, t=60, b=40),
        legend=dict(orientation="h", y=-0.14),
        template="plotly_white",
        hovermode="x unified",
    )
    if ytitle:
        fig.update_yaxes(title_text=ytitle)
    return fig


def mark_periods(fig: go.Figure, first: int, last: int, panels: int = 1) -> None:
    """Shade the calibration, prediction and later years, labelled on the first panel.

    Shapes are added in one layout update (``add_vrect`` per shape is slow).
    """
    shapes, notes = [], []
    for kind, a, b in period_spans(first, last):
        color, words = PERIOD_STYLE[kind]
        for k in range(1, panels + 1):
            ax = "" if k == 1 else str(k)
            shapes.append(
                dict(
                    type="rect",
                    xref=f"x{ax}",
                    yref=f"y{ax} domain",
                    x0=a - 0.5,
                    x1=b + 0.5,
                    y0=0,
                    y1=1,
                    fillcolor=color,
                    line_width=0,
                    layer="below",
                )
            )
        notes.append(
            dict(
                text=words if panels == 1 else words.split(" (")[0],
                xref="x",
                yref="y domain",
                x=a - 0.5,
                y=1.0,
                xanchor="left",
                yanchor="top",
                showarrow=False,
                font=dict(size=9, color="#666"),
            )
        )
    fig.update_layout(
        shapes=list(fig.layout.shapes) + shapes, annotations=list(fig.layout.annotations) + notes
    )


def _model_rows(key: str, line: Line, b: pd.DataFrame) -> list[dict]:
    rows = []
    series = line.series or line.q.indicator
    for y, r in b.iterrows():
        for kind, col in (("model", "mean"), ("model_p05", "p05"), ("model_p95", "p95")):
            v = float(r[col])
            if np.isfinite(v):
                rows.append(
                    dict(
                        chart=key,
                        series=series,
                        kind=kind,
                        region=line.q.region,
                        year=int(y),
                        value=v,
                        unit=line.q.unit,
                        low=np.nan,
                        high=np.nan,
                        source="",
                    )
                )
    return rows


def _obs_text(o: pd.Series, unit: str, scale: float) -> str:
    v = fmt_value(o["value"] * scale, unit)
    if np.isfinite(o["low"]) and np.isfinite(o["high"]):
        v = f"{fmt_value(o['low'] * scale, unit)} to {fmt_value(o['high'] * scale, unit)}"
    what = "fit data" if o["fitted"] else "not fitted (shown only)"
    bits = [f"observed {int(o['year'])}: {v} ({what})"]
    if o["span"]:
        bits.append(str(o["span"]))
    if o["note"]:
        bits.append(str(o["note"]))
    bits.append(f"source: {o['source']}")
    # break long sources so the hover box stays on the screen
    text = "<br>".join(bits)
    return _wrap(text, 90)


def _wrap(text: str, width: int) -> str:
    out = []
    for part in text.split("<br>"):
        line = ""
        for w in part.split(" "):
            if len(line) + len(w) + 1 > width and line:
                out.append(line)
                line = w
            else:
                line = f"{line} {w}".strip()
        out.append(line)
    return "<br>".join(out)


def add_line(
    fig: go.Figure,
    key: str,
    line: Line,
    rd: RunData,
    base: RunData | None,
    rows: list[dict],
    other_rows: list[dict],
    row: int | None = None,
    col: int | None = None,
    legend: bool = True,
) -> bool:
    """Draw one quantity: 90% band and mean of the run, the counterfactual's mean, the record.

    Returns False (and draws nothing) when the run lacks the quantity.
    """
    kw = {} if row is None else {"row": row, "col": col}
    b = band(rd, line.q)
    if b.empty:
        return False
    q = line.q
    x = [int(y) for y in b.index]
    n = rd.n_seeds
    group = f"{key}:{q.region}:{line.name}"
    if n > 1:
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=list(b["p95"]) + list(b["p05"])[::-1],
                fill="toself",
                fillcolor=_rgba(line.color, 0.16),
                line=dict(width=0),
                hoverinfo="skip",
                name=f"{line.name}: 90% over {n} seeds",
                legendgroup=group,
                showlegend=False,
            ),
            **kw,
        )
    tip = (
        f"{line.name}: %{{y:,.3r}} {q.unit} [%{{customdata[0]:,.3r}}, %{{customdata[1]:,.3r}}]"
        f"<extra>mean, 90% over {n} seeds</extra>"
        if n > 1
        else f"{line.name}: %{{y:,.3r}} {q.unit}<extra></extra>"
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=list(b["mean"]),
            customdata=np.c_[b["p05"], b["p95"]],
            hovertemplate=tip,
            name=line.name,
            mode="lines",
            line=dict(color=line.color, dash=line.dash, width=line.width),
            legendgroup=group,
            showlegend=legend,
        ),
        **kw,
    )
    rows += _model_rows(key, line, b)
    if base is not None:
        bb = band(base, q)
        if not bb.empty:
            fig.add_trace(
                go.Scatter(
                    x=[int(y) for y in bb.index],
                    y=list(bb["mean"]),
                    name=f"{line.name} ({base.label})",
                    mode="lines",
                    line=dict(color=line.color, dash="dot", width=1.6),
                    hovertemplate=f"{line.name}, {base.label}: %{{y:,.3r}} {q.unit}<extra></extra>",
                    legendgroup=group,
                    showlegend=False,  # the key entry "dotted: ..." stands for every line
                ),
                **kw,
            )
            other_rows += _model_rows(key, line, bb)
    obs = for_series(record_of(rd), q.indicator, q.region)
    if not obs.empty:
        err = obs["low"].notna() & obs["high"].notna()
        fig.add_trace(
            go.Scatter(
                x=obs["year"].astype(int).tolist(),
                y=(obs["value"] * q.scale).tolist(),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=((obs["high"] - obs["value"]).where(err, 0) * q.scale).tolist(),
                    arrayminus=((obs["value"] - obs["low"]).where(err, 0) * q.scale).tolist(),
                    color=line.color,
                    thickness=1.5,
                    width=4,
                ),
                mode="markers",
                marker=dict(
                    color=line.color,
                    size=9,
                    symbol=["diamond" if f else "diamond-open" for f in obs["fitted"]],
                    line=dict(color="black", width=1),
                ),
                name=f"{line.name}: observed",
                text=[_obs_text(o, q.unit, q.scale) for _, o in obs.iterrows()],
                hovertemplate="%{text}<extra></extra>",
                legendgroup=group,
                showlegend=False,  # the key entry "diamonds: observed" stands for every line
            ),
            **kw,
        )
        for _, o in obs.iterrows():
            rows.append(
                dict(
                    chart=key,
                    series=line.series or q.indicator,
                    kind="observed",
                    region=q.region,
                    year=int(o["year"]),
                    value=float(o["value"]) * q.scale,
                    unit=q.unit,
                    low=float(o["low"]) * q.scale if np.isfinite(o["low"]) else np.nan,
                    high=float(o["high"]) * q.scale if np.isfinite(o["high"]) else np.nan,
                    source=str(o["source"]) + (f" ({o['span']})" if o["span"] else ""),
                )
            )
    return True


def add_key(fig: go.Figure, rd: RunData, base: RunData | None, observed: bool = True) -> None:
    """Legend entries that explain the line styles once: the counterfactual and the record."""
    if base is not None:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line=dict(color="#555", dash="dot", width=1.6),
                name=f"dotted: {base.label}",
                legendgroup="key:cf",
                hoverinfo="skip",
            )
        )
    if observed:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(
                    color="#888", size=9, symbol="diamond", line=dict(color="black", width=1)
                ),
                name="observed up to 2006 (filled: fit data; open: shown only)",
                legendgroup="key:obs",
                hoverinfo="skip",
            )
        )


def _table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def time_chart(
    key: str,
    title: str,
    ytitle: str,
    lines: list[Line],
    rd: RunData,
    base: RunData | None,
    height: int = 420,
) -> Chart | None:
    """A chart of quantities over the years (one panel)."""
    fig = go.Figure()
    rows: list[dict] = []
    other: list[dict] = []
    drawn = [add_line(fig, key, ln, rd, base, rows, other) for ln in lines]
    if not any(drawn):
        return None
    add_key(fig, rd, base, any(r["kind"] == "observed" for r in rows))
    mark_periods(fig, rd.first_year, rd.last_year)
    _layout(fig, title + _seeds_note(rd), height=height, ytitle=ytitle)
    return Chart(key, fig, _table(rows), _table(other))


def _seeds_note(rd: RunData) -> str:
    if rd.n_seeds > 1:
        return f"<br><sup>mean and 90% band over {rd.n_seeds} seeds; diamonds: observed</sup>"
    return "<br><sup>one seed (no band); diamonds: observed</sup>"


def share(indicator: str, region: str, label: str, **kw: object) -> Quantity:
    return Quantity(indicator, region, label, "%", 100.0, **kw)  # type: ignore[arg-type]


def route_shares_chart(rd: RunData, base: RunData | None = None) -> Chart | None:
    """US-bound shares by first landfall, and the Mexico-Central America corridor."""
    lines = [
        Line(share("us_bound_share", r, ROUTE_LABELS[r]), ROUTE_LABELS[r], ROUTE_COLORS[r])
        for r in ROUTE_LABELS
    ]
    lines.append(
        Line(
            share(
                "us_bound_share",
                "mexico_central_america",
                "Mexico-Central America corridor",
                parts=("central_america", "mexico_direct"),
            ),
            "Mexico-Central America corridor (CA + Mexico direct)",
            "#555555",
            dash="dash",
            width=1.5,
        )
    )
    return time_chart(
        "route_shares",
        "US-bound cocaine by first landfall (% of tons)",
        "% of US-bound tons",
        lines,
        rd,
        base,
    )


def seizures_chart(rd: RunData, base: RunData | None = None) -> Chart | None:
    """Seizures between South America and the US by area (t/yr), with observed countries."""
    st = rd.stack("seized_t")
    if st.empty:
        return None
    cols = list(st.columns)
    # ("all" is the record's total of the jurisdictions, not an area)
    other = tuple(c for c in cols if c not in (*CA7, "MEX", "transit_zone", "all"))
    t = "t/yr"
    lines = [
        Line(
            Quantity("seized_t", "transit_zone", "transit zone (sea)", t),
            "transit zone (sea)",
            "#4393c3",
        ),
        Line(
            Quantity("seized_t", "central_america", "Central America (7 countries)", t, parts=CA7),
            "Central America (7 countries)",
            "#d95f02",
        ),
        Line(Quantity("seized_t", "MEX", "Mexico", t), "Mexico", "#7570b3"),
        Line(Quantity("seized_t", "HND", "Honduras", t), "Honduras", "#e7298a", width=1.5),
        Line(Quantity("seized_t", "CRI", "Costa Rica", t), "Costa Rica", "#66a61e", width=1.5),
    ]
    if other:
        lines.append(
            Line(
                Quantity("seized_t", "other", "other countries", t, parts=other),
                "other countries",
                "#999999",
                width=1.5,
            )
        )
    return time_chart("seizures", "Seizures by area (t/yr)", "t/yr", lines, rd, base)


def delivered_chart(rd: RunData, base: RunData | None = None) -> Chart | None:
    """Tons delivered to the US and European markets (t/yr)."""
    lines = [
        Line(Quantity("delivered_t", "usa", "United States", "t/yr"), "United States", "#b2182b"),
        Line(Quantity("delivered_t", "europe", "Europe", "t/yr"), "Europe", "#2166ac"),
    ]
    return time_chart(
        "delivered", "Cocaine delivered to the markets (t/yr)", "t/yr", lines, rd, base
    )


US_PANELS = (
    (
        Quantity("price_per_pure_gram_usd", "usa", "US price per pure gram", "USD/g"),
        "price per pure gram (USD/g)",
    ),
    (Quantity("purity", "usa", "US retail purity", "%", 100.0), "retail purity (%)"),
    (Quantity("consumption_t", "usa", "US consumption", "t pure/yr"), "consumption (t pure/yr)"),
    (
        Quantity("users_past_month", "usa", "US past-month users", "million persons", 1e-6),
        "past-month users (million persons)",
    ),
)


def us_market_chart(rd: RunData, base: RunData | None = None) -> Chart | None:
    """US price per pure gram, purity, consumption and past-month users (whichever exist)."""
    panels = [(q, t) for q, t in US_PANELS if rd.has(q.indicator)]
    if not panels:
        return None
    ncols = 2 if len(panels) > 1 else 1
    nrows = -(-len(panels) // ncols)
    fig = make_subplots(
        rows=nrows,
        cols=ncols,
        subplot_titles=[t for _, t in panels],
        vertical_spacing=0.16,
        horizontal_spacing=0.08,
    )
    rows: list[dict] = []
    other: list[dict] = []
    for k, (q, _t) in enumerate(panels):
        r, c = k // ncols + 1, k % ncols + 1
        add_line(
            fig, "us_market", Line(q, rd.label, "#b2182b"), rd, base, rows, other, r, c, k == 0
        )
    add_key(fig, rd, base, any(r["kind"] == "observed" for r in rows))
    mark_periods(fig, rd.first_year, rd.last_year, panels=len(panels))
    _layout(fig, "US cocaine market" + _seeds_note(rd), height=330 * nrows + 110)
    fig.update_layout(hovermode="x", legend=dict(y=-0.08), margin=dict(t=110))
    return Chart("us_market", fig, _table(rows), _table(other))


def _is_iso3(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and code.isupper() and code != "XTZ"


def _country_order(cols: list[str]) -> list[str]:
    pref = ["MEX", *CA7]
    return [c for c in pref if c in cols] + sorted(c for c in cols if c not in pref)


def homicide_rate_chart(rd: RunData, base: RunData | None = None) -> Chart | None:
    """Homicide rate per 100,000 by country, against the observed rates up to 2006."""
    p = rd.pivot("homicide_rate_per_100k")
    if p.empty:
        return None
    countries = [c for c in _country_order(list(p.columns)) if _is_iso3(c)]
    lines = [
        Line(
            Quantity("homicide_rate_per_100k", c, COUNTRY_NAMES.get(c, c), "per 100,000"),
            COUNTRY_NAMES.get(c, c),
            PALETTE[i % len(PALETTE)],
            width=2.0,
        )
        for i, c in enumerate(countries)
    ]
    return time_chart(
        "homicide_rates",
        "Homicide rate by country (per 100,000 per year)",
        "per 100,000",
        lines,
        rd,
        base,
        height=480,
    )


def entering_mexico_chart(rd: RunData, base: RunData | None = None) -> Chart | None:
    """Where the cocaine entering Mexico comes from (% of tons entering)."""
    p = rd.pivot("entering_mexico_share")
    if p.empty:
        return None
    lines = [
        Line(
            share("entering_mexico_share", r, COUNTRY_NAMES.get(r, r)),
            COUNTRY_NAMES.get(r, r),
            PALETTE[i % len(PALETTE)],
            width=2.0,
        )
        for i, r in enumerate(p.columns)
    ]
    return time_chart(
        "entering_mexico",
        "Cocaine entering Mexico, by where it came from (% of tons)",
        "%",
        lines,
        rd,
        base,
    )


# ---------------------------------------------------------------------------
# revenue and homicide causes


def revenue_by_activity(rd: RunData) -> pd.DataFrame:
    """``revenue_usd`` summed over groups: year x activity (USD, mean over seeds)."""
    d = rd.ia[rd.ia["indicator"] == "revenue_usd"]
    if d.empty:
        return pd.DataFrame()
    act = d["region"].astype(str).str.split(":", n=1).str[-1]
    return d.assign(activity=act).pivot_table(
        index="year", columns="activity", values="value", aggfunc="sum"
    )


def _activity_quantity(rd: RunData, activity: str) -> Quantity:
    cols = [c for c in rd.stack("revenue_usd").columns if c.split(":", 1)[-1] == activity]
    return Quantity(
        "revenue_usd",
        activity,
        activity.replace("_", " "),
        "million USD/yr",
        1e-6,
        parts=tuple(cols),
    )


def revenue_chart(rd: RunData, base: RunData | None = None) -> Chart | None:
    """Group revenue by activity (million USD/yr), stacked; the counterfactual's total dotted."""
    p = revenue_by_activity(rd)
    if p.empty:
        return None
    order = [a for a in ACTIVITY_COLORS if a in p.columns] + [
        a for a in p.columns if a not in ACTIVITY_COLORS
    ]
    fig = go.Figure()
    rows: list[dict] = []
    other: list[dict] = []
    for a in order:
        q = _activity_quantity(rd, a)
        b = band(rd, q)
        fig.add_trace(
            go.Scatter(
                x=[int(y) for y in b.index],
                y=list(b["mean"]),
                name=q.label,
                stackgroup="rev",
                mode="lines",
                line=dict(width=0.5, color=ACTIVITY_COLORS.get(a)),
                hovertemplate=f"{q.label}: %{{y:,.3r}} million USD/yr<extra></extra>",
            )
        )
        rows += _model_rows("revenue", Line(q, q.label, "#000", series="revenue_usd"), b)
    if base is not None:
        tot = Quantity(
            "revenue_usd",
            "all_groups",
            "total",
            "million USD/yr",
            1e-6,
            parts=tuple(base.stack("revenue_usd").columns),
        )
        bb = band(base, tot)
        if not bb.empty:
            fig.add_trace(
                go.Scatter(
                    x=[int(y) for y in bb.index],
                    y=list(bb["mean"]),
                    name=f"total, {base.label}",
                    mode="lines",
                    line=dict(color="black", dash="dot"),
                )
            )
            other += _model_rows("revenue", Line(tot, "total", "#000", series="revenue_usd"), bb)
    mark_periods(fig, rd.first_year, rd.last_year)
    sub = (
        f"<br><sup>mean over {rd.n_seeds} seeds (bands in the data table)</sup>"
        if rd.n_seeds > 1
        else ""
    )
    _layout(
        fig, "Revenue of the groups by activity (million USD/yr)" + sub, ytitle="million USD/yr"
    )
    return Chart("revenue", fig, _table(rows), _table(other))


def period_table(rd: RunData, indicator: str, years: int | tuple[int, int] | None) -> pd.DataFrame:
    """An indicator's mean over a year or period, per seed: seeds x regions (cached)."""
    key = ("period", indicator, years if not isinstance(years, list) else tuple(years))
    if key not in rd._cache:
        st = rd.stack(indicator)
        if st.empty:
            out = pd.DataFrame()
        else:
            yrs = st.index.get_level_values("year")
            y0, y1 = year_span(years, yrs)
            out = st[(yrs >= y0) & (yrs <= y1)].groupby(level="seed").mean()
        rd._cache[key] = out
    return rd._cache[key]


def _bar_row(key: str, series: str, kind: str, region: str, span: str, v: float, unit: str) -> dict:
    return dict(
        chart=key,
        series=series,
        kind=kind,
        region=region,
        year=span,
        value=v,
        unit=unit,
        low=np.nan,
        high=np.nan,
        source="",
    )


def homicide_cause_chart(
    rd: RunData, years: int | tuple[int, int] | None = None, base: RunData | None = None
) -> Chart | None:
    """Homicides by country and cause over a period (homicides per year), with the total's band."""
    present = [c for c in CAUSES if rd.has(f"homicides_{c}")]
    if not present:
        return None
    from .rundata import period_label

    span = period_label(years, rd.all_years)
    tabs = {c: period_table(rd, f"homicides_{c}", years) for c in present}
    cols = sorted({k for t in tabs.values() for k in t.columns if _is_iso3(k)})
    countries = _country_order(cols)
    names = [COUNTRY_NAMES.get(k, k) for k in countries]
    unit = "homicides/yr"
    fig = go.Figure()
    rows: list[dict] = []
    other: list[dict] = []
    total = None
    for c in present:
        t = tabs[c].reindex(columns=countries).fillna(0.0)
        total = t if total is None else total + t
        vals = t.mean(axis=0)
        rows += [
            _bar_row("homicide_causes", f"homicides_{c}", "model", k, span, float(vals[k]), unit)
            for k in countries
        ]
        fig.add_trace(
            go.Bar(
                x=names,
                y=vals.tolist(),
                name=CAUSE_LABELS[c],
                marker_color=CAUSE_COLORS[c],
                hovertemplate=f"%{{x}}, {CAUSE_LABELS[c]}: %{{y:,.3r}} {unit}<extra></extra>",
            )
        )
    m, lo, hi = total.mean(axis=0), total.quantile(0.05, axis=0), total.quantile(0.95, axis=0)
    for k in countries:
        rows.append(_bar_row("homicide_causes", "homicides", "model", k, span, float(m[k]), unit))
        if rd.n_seeds > 1:
            rows += [
                _bar_row("homicide_causes", "homicides", "model_p05", k, span, float(lo[k]), unit),
                _bar_row("homicide_causes", "homicides", "model_p95", k, span, float(hi[k]), unit),
            ]
    if rd.n_seeds > 1:
        fig.add_trace(
            go.Scatter(
                x=names,
                y=m.tolist(),
                mode="markers",
                marker=dict(size=1, color="black"),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=(hi - m).tolist(),
                    arrayminus=(m - lo).tolist(),
                    color="black",
                ),
                name=f"all causes: 90% over {rd.n_seeds} seeds",
                hovertemplate="%{x}: %{y:,.3r} homicides/yr<extra>all causes, mean</extra>",
            )
        )
    if base is not None and all(base.has(f"homicides_{c}") for c in present):
        tb = sum(
            period_table(base, f"homicides_{c}", years).reindex(columns=countries).fillna(0.0)
            for c in present
        ).mean(axis=0)
        other += [
            _bar_row("homicide_causes", "homicides", "model", k, span, float(tb[k]), unit)
            for k in countries
        ]
        fig.add_trace(
            go.Scatter(
                x=names,
                y=tb.tolist(),
                mode="markers",
                marker=dict(symbol="line-ew-open", size=28, line=dict(width=3, color="#2166ac")),
                name=f"all causes, {base.label}",
                hovertemplate=f"%{{x}}, {base.label}: %{{y:,.3r}} homicides/yr<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    _layout(
        fig,
        f"Homicides by country and cause, {period_name(year_span(years, rd.all_years))} "
        "(homicides per year)",
        ytitle="homicides per year",
    )
    fig.update_layout(hovermode="closest")
    return Chart("homicide_causes", fig, _table(rows), _table(other))


def revenue_by_group_chart(rd: RunData, years: int | tuple[int, int] | None = None) -> Chart | None:
    """Revenue of each group by activity over a year or period (million USD/yr, stacked)."""
    t = period_table(rd, "revenue_usd", years)
    if t.empty:
        return None
    from .rundata import period_label

    span = period_label(years, rd.all_years)
    names = dict(zip(rd.geo.actor_ids, rd.geo.actor_names, strict=True)) if rd.geo else {}
    mean = t.mean(axis=0) * 1e-6
    parts = [c.split(":", 1) for c in t.columns]
    groups = list(dict.fromkeys(g for g, _ in parts))
    acts = list(dict.fromkeys(a for _, a in parts))
    unit = "million USD/yr"
    val = {(g, a): float(mean[f"{g}:{a}"]) for g, a in parts}
    tot = {g: sum(val.get((g, a), 0.0) for a in acts) for g in groups}
    groups = sorted(groups, key=lambda g: -tot[g])
    fig = go.Figure()
    rows = []
    for a in acts:
        ys = [val.get((g, a), 0.0) for g in groups]
        fig.add_trace(
            go.Bar(
                x=[names.get(g, g) for g in groups],
                y=ys,
                name=a.replace("_", " "),
                marker_color=ACTIVITY_COLORS.get(a),
                hovertemplate=f"%{{x}}, {a.replace('_', ' ')}: %{{y:,.3r}} {unit}<extra></extra>",
            )
        )
        rows += [
            _bar_row("revenue_groups", "revenue_usd", "model", f"{g}:{a}", span, v, unit)
            for g, v in zip(groups, ys, strict=True)
        ]
    fig.update_layout(barmode="stack")
    _layout(
        fig,
        f"Revenue by group and activity, {period_name(year_span(years, rd.all_years))} "
        "(million USD/yr)",
        height=460,
        ytitle="million USD/yr",
    )
    fig.update_layout(
        hovermode="closest",
        legend=dict(orientation="h", y=1.0, yanchor="bottom"),
        margin=dict(t=100),
    )
    return Chart("revenue_groups", fig, _table(rows))


# Charts in reading order: (key, builder). Builders take (run, counterfactual).
CHARTS: list[tuple[str, Callable[[RunData, RunData | None], Chart | None]]] = [
    ("route_shares", route_shares_chart),
    ("seizures", seizures_chart),
    ("delivered", delivered_chart),
    ("us_market", us_market_chart),
    ("entering_mexico", entering_mexico_chart),
    ("homicide_rates", homicide_rate_chart),
    ("revenue", revenue_chart),
]


def chart_set(rd: RunData, base: RunData | None = None) -> list[Chart]:
    """Every time chart the run's indicators allow, in reading order."""
    out = []
    for _key, f in CHARTS:
        ch = f(rd, base)
        if ch is not None and len(ch.fig.data):
            out.append(ch)
    return out


def available_charts(rd: RunData, base: RunData | None = None) -> dict[str, go.Figure]:
    """Every time chart the run's indicators allow, by key (figures only)."""
    return {ch.key: ch.fig for ch in chart_set(rd, base)}


def chart_tables(charts: list[Chart]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables behind the charts: the run's (with the record) and the counterfactual's."""
    a = [c.table for c in charts if len(c.table)]
    b = [c.other for c in charts if len(c.other)]
    cat = lambda fs: pd.concat(fs, ignore_index=True) if fs else _table([])  # noqa: E731
    return cat(a), cat(b)


__all__ = [
    "CA7",
    "CAUSE_LABELS",
    "COUNTRY_NAMES",
    "Chart",
    "Line",
    "ROUTE_LABELS",
    "available_charts",
    "chart_set",
    "chart_tables",
    "homicide_cause_chart",
    "revenue_by_group_chart",
    "sig",
]
