"""Maps of a run (plotly ``geo``): flows, seizures, homicide rates, plaza control.

Every map takes a year, a period ``(first, last)`` (annual mean) or ``None``
(the whole run), and optionally a second run: it then shows the difference
(run minus baseline). The admin-1 and country layers refer to the shipped
GeoJSON by a token (see :mod:`isthmus.viz.geo`): pass the figure through
:func:`~isthmus.viz.geo.resolve_geojson` to show it live, or let the report
embed the GeoJSON once.

Examples
--------
>>> from isthmus.viz.rundata import simulate
>>> rd = simulate("central-america", seed=0)
>>> fig = flow_map(rd, (2007, 2012))
>>> any(tr.type == "scattergeo" for tr in fig.data)
True
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .geo import (
    ADMIN1_REF,
    COUNTRIES_REF,
    admin1_ids,
    base_geo_layout,
    country_ids,
    country_outline_trace,
    feature_names,
)
from .rundata import RunData, period_label, year_span

MODE_COLORS = {
    "land": "#8c510a",
    "maritime-pacific": "#2166ac",
    "maritime-caribbean": "#4393c3",
    "maritime-atlantic": "#053061",
    "air": "#1b7837",
    "container": "#762a83",
}
MODE_LABELS = {
    "land": "land",
    "maritime-pacific": "sea (Pacific)",
    "maritime-caribbean": "sea (Caribbean)",
    "maritime-atlantic": "sea (Atlantic)",
    "air": "air",
    "container": "container",
}
UP, DOWN = "#b2182b", "#2166ac"
N_WIDTH_CLASSES = 6
MAX_WIDTH = 9.0


class MapUnavailable(ValueError):
    """The run lacks what this map needs (the message says what)."""


def _period_rows(rd: RunData, years: int | tuple[int, int] | None) -> np.ndarray:
    m = rd.year_mask(years)
    if not m.any():
        raise MapUnavailable(f"no data for {period_label(years, rd.years)}")
    return m


def link_tons(rd: RunData, years: int | tuple[int, int] | None, what: str = "out") -> np.ndarray:
    """Tons per link, annual mean over a year or period (``what``: out or seized)."""
    arr = rd.link_out if what == "out" else rd.link_seized
    if arr is None or rd.geo is None:
        raise MapUnavailable("this run has no link flows (see the run's notes)")
    return arr[_period_rows(rd, years)].mean(axis=0)


def _aligned_base(rd: RunData, base: RunData, vals_base: np.ndarray) -> np.ndarray:
    """Baseline values re-indexed to ``rd``'s links (links absent in the baseline: 0)."""
    if base.geo is None or rd.geo is None:
        raise MapUnavailable("the baseline has no link flows")
    if base.geo.link_keys() == rd.geo.link_keys():
        return vals_base
    pos = {k: i for i, k in enumerate(base.geo.link_keys())}
    idx = np.array([pos.get(k, -1) for k in rd.geo.link_keys()])
    return np.where(idx >= 0, vals_base[np.maximum(idx, 0)], 0.0)


def _width_classes(v: np.ndarray, vmax: float) -> np.ndarray:
    """Width class 0..N-1 of each value (linear in tons), -1 for negligible values."""
    if vmax <= 0:
        return np.full(len(v), -1)
    k = np.ceil(v / vmax * N_WIDTH_CLASSES).astype(int) - 1
    k[v < 0.01 * vmax] = -1  # hide the thin dust of the logit's tails
    return np.clip(k, -1, N_WIDTH_CLASSES - 1)


def _segments(rd: RunData, idx: np.ndarray) -> tuple[list[float | None], list[float | None]]:
    g = rd.geo
    lon: list[float | None] = []
    lat: list[float | None] = []
    for i in idx:
        a, b = g.link_from[i], g.link_to[i]
        lon += [float(g.lon[a]), float(g.lon[b]), None]
        lat += [float(g.lat[a]), float(g.lat[b]), None]
    return lon, lat


def flow_traces(
    rd: RunData,
    years: int | tuple[int, int] | None = None,
    base: RunData | None = None,
) -> list[go.Scattergeo]:
    """Lines of the cocaine flow, width proportional to tons (or to the change in tons)."""
    g = rd.geo
    v = link_tons(rd, years)
    if base is not None:
        v = v - _aligned_base(rd, base, link_tons(base, years))
    mag = np.abs(v)
    vmax = float(mag.max()) if len(mag) else 0.0
    cls = _width_classes(mag, vmax)
    traces: list[go.Scattergeo] = []
    modes = np.asarray(g.link_mode, dtype=object)
    if base is None:
        groups = [
            (m, modes == m, MODE_COLORS.get(m, "#555"), MODE_LABELS.get(m, m)) for m in MODE_COLORS
        ]
    else:
        groups = [("up", v > 0, UP, "more flow than baseline"), ("down", v < 0, DOWN, "less flow")]
    for key, sel, color, label in groups:
        first = True
        for k in range(N_WIDTH_CLASSES):
            idx = np.flatnonzero(sel & (cls == k))
            if not len(idx):
                continue
            lon, lat = _segments(rd, idx)
            traces.append(
                go.Scattergeo(
                    lon=lon,
                    lat=lat,
                    mode="lines",
                    line=dict(width=0.8 + MAX_WIDTH * (k + 1) / N_WIDTH_CLASSES, color=color),
                    opacity=0.75,
                    name=label,
                    legendgroup=key,
                    showlegend=first,
                    hoverinfo="skip",
                )
            )
            first = False
    # One invisible marker per visible link, at its middle, carries the hover text.
    vis = np.flatnonzero(cls >= 0)
    if len(vis):
        a, b = g.link_from[vis], g.link_to[vis]
        unit = "t/year" if base is None else "t/year vs baseline"
        txt = [
            f"{g.place_names[x]} → {g.place_names[y]} ({g.link_mode[i]}): {v[i]:+,.1f} {unit}"
            if base is not None
            else f"{g.place_names[x]} → {g.place_names[y]} ({g.link_mode[i]}): {v[i]:,.1f} {unit}"
            for x, y, i in zip(a, b, vis, strict=True)
        ]
        traces.append(
            go.Scattergeo(
                lon=(g.lon[a] + g.lon[b]) / 2,
                lat=(g.lat[a] + g.lat[b]) / 2,
                mode="markers",
                marker=dict(size=6, opacity=0),
                text=txt,
                hoverinfo="text",
                showlegend=False,
                name="links",
            )
        )
    return traces


def seizure_trace(
    rd: RunData,
    years: int | tuple[int, int] | None = None,
    base: RunData | None = None,
) -> go.Scattergeo | None:
    """Seizures as points where the seizing link arrives (size: tons)."""
    g = rd.geo
    s = link_tons(rd, years, "seized")
    if base is not None:
        s = s - _aligned_base(rd, base, link_tons(base, years, "seized"))
    at = np.bincount(g.link_to, weights=s, minlength=g.n_places)
    smax = float(np.abs(at).max()) if len(at) else 0.0
    keep = np.flatnonzero(np.abs(at) >= 0.01 * smax) if smax > 0 else np.array([], dtype=int)
    if not len(keep):
        return None
    size = 5 + 30 * np.sqrt(np.abs(at[keep]) / smax)
    if base is None:
        color: str | list[str] = "#d6604d"
        txt = [f"{g.place_names[i]}: {at[i]:,.1f} t seized per year" for i in keep]
    else:
        color = [UP if at[i] > 0 else DOWN for i in keep]
        txt = [f"{g.place_names[i]}: {at[i]:+,.1f} t seized per year vs baseline" for i in keep]
    return go.Scattergeo(
        lon=g.lon[keep],
        lat=g.lat[keep],
        mode="markers",
        marker=dict(
            size=size, color=color, opacity=0.7, line=dict(width=1, color="white"), symbol="circle"
        ),
        text=txt,
        hoverinfo="text",
        name="seizures (t)" if base is None else "change in seizures",
        legendgroup="seizures",
    )


def arrivals_trace(rd: RunData, years: int | tuple[int, int] | None = None) -> go.Scattergeo | None:
    """Fallback without link flows: tons entering each admin-1 place (``flow_t``) as bubbles."""
    from .geo import admin1_geojson

    p = rd.pivot("flow_t")
    if p.empty:
        return None
    y0, y1 = year_span(years, p.index)
    vals = p[(p.index >= y0) & (p.index <= y1)].mean()
    cent = _feature_centroids(admin1_geojson())
    pts = [(r, float(v)) for r, v in vals.items() if r in cent and v > 0]
    if not pts:
        return None
    vmax = max(v for _, v in pts)
    return go.Scattergeo(
        lon=[cent[r][0] for r, _ in pts],
        lat=[cent[r][1] for r, _ in pts],
        mode="markers",
        marker=dict(
            size=[4 + 26 * np.sqrt(v / vmax) for _, v in pts], color="#8c510a", opacity=0.6
        ),
        text=[f"{feature_names().get(r, r)}: {v:,.1f} t entering per year" for r, v in pts],
        hoverinfo="text",
        name="cocaine entering (t/year)",
    )


def _feature_centroids(gj: dict) -> dict[str, tuple[float, float]]:
    out = {}
    for f in gj["features"]:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        ring = max((p[0] for p in polys), key=len)
        a = np.asarray(ring, dtype=float)
        out[str(f["id"])] = (float(a[:, 0].mean()), float(a[:, 1].mean()))
    return out


def _title(kind: str, rd: RunData, years, base: RunData | None) -> str:
    avail = rd.years if len(rd.years) else rd.all_years
    y0, y1 = year_span(years, avail)
    per = period_label(years, avail) + (" (annual mean)" if y0 != y1 else "")
    if base is not None:
        return f"{kind}, {per}: {rd.label} minus {base.label}"
    return f"{kind}, {per}: {rd.label}"


def _max_link(rd: RunData, years, base: RunData | None) -> float:
    if rd.link_out is None or rd.geo is None:
        return 0.0
    v = link_tons(rd, years)
    if base is not None:
        v = v - _aligned_base(rd, base, link_tons(base, years))
    return float(np.abs(v).max()) if len(v) else 0.0


def flow_map(
    rd: RunData,
    years: int | tuple[int, int] | None = None,
    base: RunData | None = None,
    seizures: bool = True,
    height: int = 560,
    title: str | None = None,
) -> go.Figure:
    """Cocaine flow (lines scaled by tons) and seizures (points) for a year or a period.

    With ``base``, lines and points show the change against the baseline (red:
    more, blue: less).
    """
    fig = go.Figure()
    fig.add_trace(country_outline_trace())
    if rd.link_out is not None and rd.geo is not None:
        for tr in flow_traces(rd, years, base):
            fig.add_trace(tr)
        if seizures:
            s = seizure_trace(rd, years, base)
            if s is not None:
                fig.add_trace(s)
    else:
        tr = arrivals_trace(rd, years)
        if tr is None:
            raise MapUnavailable("this run has neither link flows nor flow_t by admin-1 place")
        fig.add_trace(tr)
    fig.update_layout(**base_geo_layout(height))
    if vmax := _max_link(rd, years, base):
        fig.add_annotation(
            text=f"widest line: {vmax:,.0f} t/year" + (" change" if base is not None else ""),
            x=0.99,
            y=0.01,
            xref="paper",
            yref="paper",
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=10, color="#555"),
            bgcolor="rgba(255,255,255,0.8)",
        )
    fig.update_layout(
        title=dict(text=title or _title("Cocaine flow and seizures", rd, years, base), x=0.01)
    )
    return fig


def _rate_by_region(rd: RunData, indicator: str, years) -> dict[str, float]:
    p = rd.pivot(indicator)
    if p.empty:
        return {}
    y0, y1 = year_span(years, p.index)
    sel = p[(p.index >= y0) & (p.index <= y1)]
    return {str(k): float(v) for k, v in sel.mean().items() if np.isfinite(v)}


def choropleth_traces(
    values: dict[str, float],
    title: str,
    diverging: bool = False,
    colorscale: str = "YlOrRd",
    fmt: str = ".1f",
) -> list[go.Choropleth]:
    """Admin-1 units where they have values, and countries for the rest (e.g. the islands)."""
    a1 = {k: v for k, v in values.items() if k in admin1_ids()}
    covered = {k.split("-")[0] for k in a1}  # ISO 3166-1 alpha-2 prefixes with admin-1 data
    names = feature_names()
    iso2 = {
        "MEX": "MX",
        "GTM": "GT",
        "BLZ": "BZ",
        "HND": "HN",
        "SLV": "SV",
        "NIC": "NI",
        "CRI": "CR",
        "PAN": "PA",
    }
    c = {k: v for k, v in values.items() if k in country_ids() and iso2.get(k) not in covered}
    vals = list(a1.values()) + list(c.values())
    if not vals:
        return []
    if diverging:
        m = max(abs(min(vals)), abs(max(vals)), 1e-9)
        zmin, zmax, cs = -m, m, "RdBu_r"
    else:
        zmin, zmax, cs = 0.0, max(max(vals), 1e-9), colorscale
    out = []
    for ref, d, show in ((COUNTRIES_REF, c, not a1), (ADMIN1_REF, a1, True)):
        if not d:
            continue
        out.append(
            go.Choropleth(
                geojson=ref,
                featureidkey="id",
                locations=list(d),
                z=list(d.values()),
                zmin=zmin,
                zmax=zmax,
                colorscale=cs,
                showscale=show,
                colorbar=dict(title=dict(text=title, side="right"), thickness=12, len=0.6, x=0.99),
                marker_line_color="white",
                marker_line_width=0.3,
                text=[names.get(k, k) for k in d],
                hovertemplate="%{text}: %{z:" + fmt + "}<extra></extra>",
                name=title,
            )
        )
    return out


def homicide_map(
    rd: RunData,
    years: int | tuple[int, int] | None = None,
    base: RunData | None = None,
    height: int = 560,
    title: str | None = None,
) -> go.Figure:
    """Homicide rate per 100,000 by admin-1 unit (countries where no admin-1 value exists).

    Raises
    ------
    MapUnavailable
        If the run has no ``homicide_rate_per_100k`` (the violence module is not active).
    """
    ind = "homicide_rate_per_100k"
    if not rd.has(ind):
        raise MapUnavailable(
            "no homicide_rate_per_100k in this run: the violence module is not active"
        )
    vals = _rate_by_region(rd, ind, years)
    if base is not None:
        if not base.has(ind):
            raise MapUnavailable("the baseline has no homicide_rate_per_100k")
        bv = _rate_by_region(base, ind, years)
        vals = {k: v - bv[k] for k, v in vals.items() if k in bv}
    fig = go.Figure()
    fig.add_trace(country_outline_trace())
    for tr in choropleth_traces(
        vals, "change per 100k" if base is not None else "per 100k", diverging=base is not None
    ):
        fig.add_trace(tr)
    fig.update_layout(**base_geo_layout(height))
    fig.update_layout(
        title=dict(text=title or _title("Homicide rate per 100,000", rd, years, base), x=0.01)
    )
    return fig


ACTOR_PALETTE = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
    "#ffff99",
    "#8dd3c7",
    "#bebada",
)


def control_map(
    rd: RunData,
    year: int | None = None,
    height: int = 560,
    title: str | None = None,
) -> go.Figure:
    """Who controls each plaza at the end of ``year``, and where plazas changed hands.

    Raises
    ------
    MapUnavailable
        If the run has no control data (the groups module is not active).
    """
    if rd.controller is None or rd.geo is None:
        raise MapUnavailable("no plaza control in this run: the groups module is not active")
    g = rd.geo
    y = int(rd.years[-1]) if year is None else int(year)
    rows = np.flatnonzero(rd.years == y)
    if not len(rows):
        raise MapUnavailable(f"no control data for {y}")
    ctrl = rd.controller[rows[0]]
    chg = rd.control_changes[rows[0]] if rd.control_changes is not None else np.zeros(g.n_places)
    fig = go.Figure()
    fig.add_trace(country_outline_trace())
    for a in sorted(set(int(x) for x in ctrl if x >= 0)):
        idx = np.flatnonzero(ctrl == a)
        locs_a1 = [g.place_ids[i] for i in idx if g.place_ids[i] in admin1_ids()]
        locs_c = [
            str(g.country[i])
            for i in idx
            if g.place_ids[i] not in admin1_ids()
            and str(g.country[i]) in country_ids()
            and g.level[i] == "country"
        ]
        name = g.actor_names[a] if a < len(g.actor_names) else f"actor {a}"
        col = ACTOR_PALETTE[a % len(ACTOR_PALETTE)]
        first = True
        for ref, locs in ((ADMIN1_REF, locs_a1), (COUNTRIES_REF, locs_c)):
            if not locs:
                continue
            fig.add_trace(
                go.Choropleth(
                    geojson=ref,
                    featureidkey="id",
                    locations=locs,
                    z=[1] * len(locs),
                    colorscale=[[0, col], [1, col]],
                    showscale=False,
                    marker_line_color="white",
                    marker_line_width=0.3,
                    text=[f"{feature_names().get(x, x)}: {name}" for x in locs],
                    hoverinfo="text",
                    name=name,
                    showlegend=first,
                    legendgroup=f"actor{a}",
                )
            )
            first = False
    cm = rd.contested_months[rows[0]] if rd.contested_months is not None else np.zeros(g.n_places)
    hot = np.flatnonzero(cm > 0)
    if len(hot):
        fig.add_trace(
            go.Scattergeo(
                lon=g.lon[hot],
                lat=g.lat[hot],
                mode="markers",
                marker=dict(
                    size=5 + 2 * cm[hot],
                    color="rgba(178,24,43,0.35)",
                    line=dict(width=1.5, color="#b2182b"),
                ),
                text=[f"{g.place_names[i]}: contested {int(cm[i])} months in {y}" for i in hot],
                hoverinfo="text",
                name="contested plaza (size: months)",
            )
        )
    won = np.flatnonzero(chg > 0)
    if len(won):
        fig.add_trace(
            go.Scattergeo(
                lon=g.lon[won],
                lat=g.lat[won],
                mode="markers",
                marker=dict(size=9, color="black", symbol="x"),
                text=[f"{g.place_names[i]}: changed hands {int(chg[i])}x in {y}" for i in won],
                hoverinfo="text",
                name="plaza changed hands",
            )
        )
    fig.update_layout(**base_geo_layout(height))
    fig.update_layout(
        title=dict(
            text=title or f"Plaza control at the end of {y}, and contests won: {rd.label}", x=0.01
        ),
        showlegend=True,
    )
    return fig
