"""Charts of a run's indicators, each against an optional baseline.

Every function returns a plotly figure, or ``None`` when the run lacks the
indicators it needs (so a view shows what the active modules produce and
gains content as modules land). The names read are the public indicators of
DESIGN.md.

Examples
--------
>>> from isthmus.viz.rundata import simulate
>>> rd = simulate("central-america", seed=0)
>>> route_shares_chart(rd) is not None
True
>>> "route_shares" in available_charts(rd)
True
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .rundata import RunData

ROUTE_LABELS = {
    "central_america": "Central America",
    "caribbean": "Caribbean",
    "mexico_direct": "Mexico direct",
}
ROUTE_COLORS = {"central_america": "#d95f02", "caribbean": "#1b9e77", "mexico_direct": "#7570b3"}
CAUSES = ("contest", "predation", "state", "baseline")
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


def _layout(fig: go.Figure, title: str, height: int = 380, ytitle: str = "") -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.01),
        height=height,
        margin=dict(l=60, r=20, t=50, b=40),
        legend=dict(orientation="h", y=-0.15),
        template="plotly_white",
        hovermode="x unified",
    )
    if ytitle:
        fig.update_yaxes(title_text=ytitle)
    return fig


def _lines(
    fig: go.Figure,
    rd: RunData,
    base: RunData | None,
    indicator: str,
    regions: list[str],
    labels: dict[str, str],
    colors: dict[str, str],
    scale: float = 1.0,
    row: int | None = None,
    col: int | None = None,
    legend: bool = True,
) -> None:
    kw = {} if row is None else {"row": row, "col": col}
    for who, dash, width in ((rd, "solid", 2.5), (base, "dot", 1.8)):
        if who is None or not who.has(indicator):
            continue
        p = who.pivot(indicator)
        for r in regions:
            if r not in p.columns:
                continue
            name = labels.get(r, r) + ("" if who is rd else f" ({who.label})")
            fig.add_trace(
                go.Scatter(
                    x=p.index,
                    y=p[r] * scale,
                    name=name,
                    mode="lines",
                    line=dict(color=colors.get(r), dash=dash, width=width),
                    legendgroup=r,
                    showlegend=legend,
                ),
                **kw,
            )


def _mark_prediction(fig: go.Figure, first: int = 2007, last: int = 2012) -> None:
    """Shade the years the model predicts without having been fitted to them."""
    fig.add_vrect(
        x0=first - 0.5,
        x1=last + 0.5,
        fillcolor="#999",
        opacity=0.08,
        line_width=0,
        annotation_text="prediction (not fitted)",
        annotation_position="top left",
        annotation_font_size=10,
    )


def route_shares_chart(rd: RunData, base: RunData | None = None) -> go.Figure | None:
    """US-bound shares by first landfall (``us_bound_share``) over time."""
    if not rd.has("us_bound_share"):
        return None
    fig = go.Figure()
    _lines(fig, rd, base, "us_bound_share", list(ROUTE_LABELS), ROUTE_LABELS, ROUTE_COLORS, 100)
    _mark_prediction(fig)
    return _layout(fig, "US-bound cocaine by first landfall (% of tons)", ytitle="%")


def us_market_chart(rd: RunData, base: RunData | None = None) -> go.Figure | None:
    """US price per pure gram, purity and consumption (whichever exist)."""
    panels = [
        ("price_per_pure_gram_usd", "USD per pure gram", 1.0),
        ("purity", "purity (%)", 100.0),
        ("consumption_t", "consumption (t pure)", 1.0),
    ]
    panels = [p for p in panels if rd.has(p[0])]
    if not panels:
        return None
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[1] for p in panels])
    for k, (ind, _t, sc) in enumerate(panels, 1):
        _lines(
            fig,
            rd,
            base,
            ind,
            ["usa"],
            {"usa": "United States"},
            {"usa": "#b2182b"},
            sc,
            1,
            k,
            k == 1,
        )
    _mark_prediction(fig)
    return _layout(fig, "US cocaine market", height=360)


def _is_iso3(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and code.isupper()


def _country_order(cols: list[str]) -> list[str]:
    pref = ["MEX", *CA7]
    return [c for c in pref if c in cols] + sorted(c for c in cols if c not in pref)


def homicide_rate_chart(rd: RunData, base: RunData | None = None) -> go.Figure | None:
    """Homicide rate per 100,000 by country over time."""
    ind = "homicide_rate_per_100k"
    if not rd.has(ind):
        return None
    p = rd.pivot(ind)
    countries = [c for c in _country_order(list(p.columns)) if _is_iso3(c)]
    colors = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(countries)}
    fig = go.Figure()
    _lines(fig, rd, base, ind, countries, COUNTRY_NAMES, colors)
    _mark_prediction(fig)
    return _layout(fig, "Homicide rate per 100,000 by country", ytitle="per 100,000")


def homicide_cause_chart(
    rd: RunData, years: int | tuple[int, int] | None = None, base: RunData | None = None
) -> go.Figure | None:
    """Homicides by country and cause (contest, predation, state, baseline), annual mean."""
    inds = [f"homicides_{c}" for c in CAUSES]
    present = [c for c in CAUSES if rd.has(f"homicides_{c}")]
    if not present:
        return None
    from .rundata import period_label

    fig = go.Figure()
    cols: set[str] = set()
    vals = {}
    for c in present:
        s = rd.pivot(f"homicides_{c}")
        s = _period_mean(s, years)
        s = s[[_is_iso3(k) for k in s.index]]  # countries only (admin-1 units are on the map)
        vals[c] = s
        cols |= set(s.index)
    countries = _country_order(sorted(cols))
    for c in present:
        fig.add_trace(
            go.Bar(
                x=[COUNTRY_NAMES.get(k, k) for k in countries],
                y=[float(vals[c].get(k, 0.0)) for k in countries],
                name=c,
                marker_color=CAUSE_COLORS[c],
            )
        )
    if base is not None and all(base.has(i) for i in inds if rd.has(i)):
        tot = sum(_period_mean(base.pivot(f"homicides_{c}"), years) for c in present)
        fig.add_trace(
            go.Scatter(
                x=[COUNTRY_NAMES.get(k, k) for k in countries],
                y=[float(tot.get(k, 0.0)) for k in countries],
                mode="markers",
                marker=dict(symbol="line-ew-open", size=28, line=dict(width=3, color="black")),
                name=f"total, {base.label}",
            )
        )
    fig.update_layout(barmode="stack")
    per = period_label(years, rd.all_years)
    _layout(fig, f"Homicides by country and cause, {per} (per year)", ytitle="homicides per year")
    fig.update_layout(hovermode="closest")
    return fig


def _period_mean(p: pd.DataFrame, years: int | tuple[int, int] | None) -> pd.Series:
    from .rundata import year_span

    if p.empty:
        return pd.Series(dtype=float)
    y0, y1 = year_span(years, p.index)
    return p[(p.index >= y0) & (p.index <= y1)].mean()


def revenue_by_activity(rd: RunData) -> pd.DataFrame:
    """``revenue_usd`` summed over groups: year x activity (USD)."""
    d = rd.ia[rd.ia["indicator"] == "revenue_usd"]
    if d.empty:
        return pd.DataFrame()
    act = d["region"].astype(str).str.split(":", n=1).str[-1]
    return d.assign(activity=act).pivot_table(
        index="year", columns="activity", values="value", aggfunc="sum"
    )


def revenue_chart(rd: RunData, base: RunData | None = None) -> go.Figure | None:
    """Group revenue by activity (``revenue_usd``, regions ``GROUP:activity``), stacked."""
    p = revenue_by_activity(rd)
    if p.empty:
        return None
    fig = go.Figure()
    order = [a for a in ACTIVITY_COLORS if a in p.columns] + [
        a for a in p.columns if a not in ACTIVITY_COLORS
    ]
    for a in order:
        fig.add_trace(
            go.Scatter(
                x=p.index,
                y=p[a] / 1e6,
                name=a.replace("_", " "),
                stackgroup="rev",
                mode="lines",
                line=dict(width=0.5, color=ACTIVITY_COLORS.get(a)),
            )
        )
    if base is not None:
        b = revenue_by_activity(base)
        if not b.empty:
            fig.add_trace(
                go.Scatter(
                    x=b.index,
                    y=b.sum(axis=1) / 1e6,
                    name=f"total, {base.label}",
                    mode="lines",
                    line=dict(color="black", dash="dot"),
                )
            )
    _mark_prediction(fig)
    return _layout(fig, "Revenue of the groups by activity", ytitle="million USD per year")


def revenue_by_group_chart(
    rd: RunData, years: int | tuple[int, int] | None = None
) -> go.Figure | None:
    """Revenue of each group by activity over a year or period (stacked bars)."""
    d = rd.ia[rd.ia["indicator"] == "revenue_usd"]
    if d.empty:
        return None
    from .rundata import period_label, year_span

    y0, y1 = year_span(years, d["year"])
    d = d[(d["year"] >= y0) & (d["year"] <= y1)]
    parts = d["region"].astype(str).str.split(":", n=1)
    d = d.assign(group=parts.str[0], activity=parts.str[-1])
    p = d.pivot_table(index="group", columns="activity", values="value", aggfunc="sum") / (
        y1 - y0 + 1
    )
    p = p.loc[p.sum(axis=1).sort_values(ascending=False).index]
    names = dict(zip(rd.geo.actor_ids, rd.geo.actor_names, strict=True)) if rd.geo else {}
    fig = go.Figure()
    for a in p.columns:
        fig.add_trace(
            go.Bar(
                x=[names.get(g, g) for g in p.index],
                y=p[a] / 1e6,
                name=str(a).replace("_", " "),
                marker_color=ACTIVITY_COLORS.get(str(a)),
            )
        )
    fig.update_layout(barmode="stack")
    _layout(
        fig,
        f"Revenue by group and activity, {period_label(years, d['year'])}",
        height=440,
        ytitle="million USD per year",
    )
    # long group names: legend above the plot, labels below
    fig.update_layout(
        hovermode="closest",
        legend=dict(orientation="h", y=1.0, yanchor="bottom"),
        margin=dict(t=90),
    )
    return fig


def seizures_chart(rd: RunData, base: RunData | None = None) -> go.Figure | None:
    """Seizures between South America and the US by area (``seized_t`` grouped)."""
    if not rd.has("seized_t"):
        return None

    def grouped(who: RunData) -> pd.DataFrame:
        p = who.pivot("seized_t")
        out = pd.DataFrame(index=p.index)
        out["transit zone (sea)"] = p.get("transit_zone", 0.0)
        out["Central America"] = p[[c for c in CA7 if c in p.columns]].sum(axis=1)
        out["Mexico"] = p.get("MEX", 0.0)
        rest = [c for c in p.columns if c not in (*CA7, "MEX", "transit_zone")]
        out["other"] = p[rest].sum(axis=1) if rest else 0.0
        return out

    g = grouped(rd)
    colors = dict(zip(g.columns, ["#4393c3", "#d95f02", "#7570b3", "#999999"], strict=True))
    fig = go.Figure()
    for c in g.columns:
        fig.add_trace(
            go.Scatter(
                x=g.index, y=g[c], name=c, mode="lines", line=dict(color=colors[c], width=2.5)
            )
        )
    if base is not None and base.has("seized_t"):
        b = grouped(base)
        for c in b.columns:
            fig.add_trace(
                go.Scatter(
                    x=b.index,
                    y=b[c],
                    name=f"{c} ({base.label})",
                    mode="lines",
                    line=dict(color=colors[c], dash="dot", width=1.8),
                )
            )
    _mark_prediction(fig)
    return _layout(fig, "Seizures by area (t per year)", ytitle="t")


def delivered_chart(rd: RunData, base: RunData | None = None) -> go.Figure | None:
    """Tons delivered to the US and European markets."""
    if not rd.has("delivered_t"):
        return None
    fig = go.Figure()
    _lines(
        fig,
        rd,
        base,
        "delivered_t",
        ["usa", "europe"],
        {"usa": "United States", "europe": "Europe"},
        {"usa": "#b2182b", "europe": "#2166ac"},
    )
    _mark_prediction(fig)
    return _layout(fig, "Cocaine delivered to the markets (t per year)", ytitle="t")


def entering_mexico_chart(rd: RunData, base: RunData | None = None) -> go.Figure | None:
    """Where the cocaine entering Mexico comes from (``entering_mexico_share``)."""
    if not rd.has("entering_mexico_share"):
        return None
    p = rd.pivot("entering_mexico_share")
    regions = list(p.columns)
    colors = {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(regions)}
    fig = go.Figure()
    _lines(fig, rd, base, "entering_mexico_share", regions, COUNTRY_NAMES, colors, 100)
    _mark_prediction(fig)
    return _layout(fig, "Cocaine entering Mexico, by where it came from (%)", ytitle="%")


# Charts in reading order: (key, builder). Builders take (run, baseline).
CHARTS: list[tuple[str, Callable[[RunData, RunData | None], go.Figure | None]]] = [
    ("route_shares", route_shares_chart),
    ("seizures", seizures_chart),
    ("delivered", delivered_chart),
    ("us_market", us_market_chart),
    ("entering_mexico", entering_mexico_chart),
    ("homicide_rates", homicide_rate_chart),
    ("revenue", revenue_chart),
]


def available_charts(rd: RunData, base: RunData | None = None) -> dict[str, go.Figure]:
    """Every chart the run's indicators allow, by key."""
    out = {}
    for key, f in CHARTS:
        fig = f(rd, base)
        if fig is not None and len(fig.data):
            out[key] = fig
    return out
