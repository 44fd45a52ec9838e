"""Maps of a run (plotly ``geo``): flows, seizures, homicide rates, plaza control.

Every map takes a year, a period ``(first, last)`` (annual mean) or ``None``
(the whole run), and optionally a second run: it then shows the difference
(the run minus the one it is compared with). Titles name the period and its
status (calibration, prediction, later). The flow map covers every place of
the network: the isthmus, Mexico, the US entry points and the Caribbean in the
main frame, the Atlantic route to West Africa and Europe in an inset; its
legend is a size key for lines and bubbles. Link flows and plaza control are
those of one replicate (``RunData.map_seed``). The admin-1 and country layers refer to the shipped
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
    in_main_window,
)
from .quantities import period_name, sig
from .rundata import RunData, year_span

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
        y0, y1 = year_span(years, rd.years)
        raise MapUnavailable(f"no data for {y0}-{y1}")
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


def _outside(rd: RunData) -> tuple[np.ndarray, np.ndarray]:
    """Places outside the main window, and links touching one (drawn in the inset)."""
    g = rd.geo
    out_p = ~in_main_window(g.lon, g.lat)
    return out_p, out_p[g.link_from] | out_p[g.link_to]


def _width(k: int) -> float:
    return 0.8 + MAX_WIDTH * (k + 1) / N_WIDTH_CLASSES


def flow_traces(
    rd: RunData,
    years: int | tuple[int, int] | None = None,
    base: RunData | None = None,
    inset: bool = False,
) -> list[go.Scattergeo]:
    """Lines of the cocaine flow, width proportional to tons (or to the change in tons).

    With ``inset``, the links that touch a place outside the main window are
    drawn again on the inset map (``geo2``).
    """
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
        groups = [
            ("up", v > 0, UP, f"more flow than in {base.label}"),
            ("down", v < 0, DOWN, "less flow"),
        ]
    _, out_l = _outside(rd) if inset else (None, np.zeros(g.n_links, dtype=bool))
    for geo_name, sel_geo in (("geo", np.ones(g.n_links, dtype=bool)), ("geo2", out_l)):
        if geo_name == "geo2" and not sel_geo.any():
            continue
        for key, sel, color, label in groups:
            first = geo_name == "geo"
            for k in range(N_WIDTH_CLASSES):
                idx = np.flatnonzero(sel & sel_geo & (cls == k))
                if not len(idx):
                    continue
                lon, lat = _segments(rd, idx)
                traces.append(
                    go.Scattergeo(
                        lon=lon,
                        lat=lat,
                        mode="lines",
                        line=dict(width=_width(k), color=color),
                        opacity=0.75,
                        name=label,
                        legendgroup=key,
                        showlegend=first,
                        hoverinfo="skip",
                        geo=geo_name,
                    )
                )
                first = False
    # One invisible marker per visible link, at its middle, carries the hover text.
    vis = np.flatnonzero(cls >= 0)
    if len(vis):
        a, b = g.link_from[vis], g.link_to[vis]
        unit = "t/yr" if base is None else f"t/yr against {base.label}"
        txt = [
            f"{g.place_names[x]} → {g.place_names[y]} ({g.link_mode[i]}): "
            f"{('+' if v[i] > 0 else '') if base is not None else ''}{sig(v[i])} {unit}"
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


def _bubble(v: np.ndarray, vmax: float) -> np.ndarray:
    return 5 + 30 * np.sqrt(np.abs(v) / vmax)


def seizure_trace(
    rd: RunData,
    years: int | tuple[int, int] | None = None,
    base: RunData | None = None,
    geo: str = "geo",
    only: np.ndarray | None = None,
) -> go.Scattergeo | None:
    """Seizures as points where the seizing link arrives (size: t/yr; area proportional)."""
    g = rd.geo
    at, smax = _seized_at(rd, years, base)
    keep = np.flatnonzero(np.abs(at) >= 0.01 * smax) if smax > 0 else np.array([], dtype=int)
    if only is not None:
        keep = keep[only[keep]]
    if not len(keep):
        return None
    size = _bubble(at[keep], smax)
    if base is None:
        color: str | list[str] = "#d6604d"
        txt = [f"{g.place_names[i]}: {sig(at[i])} t/yr seized" for i in keep]
    else:
        color = [UP if at[i] > 0 else DOWN for i in keep]
        txt = [
            f"{g.place_names[i]}: {'+' if at[i] > 0 else ''}{sig(at[i])} t/yr seized "
            f"against {base.label}"
            for i in keep
        ]
    return go.Scattergeo(
        lon=g.lon[keep],
        lat=g.lat[keep],
        mode="markers",
        marker=dict(
            size=size, color=color, opacity=0.7, line=dict(width=1, color="white"), symbol="circle"
        ),
        text=txt,
        hoverinfo="text",
        name="seizures (t/yr)" if base is None else "change in seizures",
        legendgroup="seizures",
        showlegend=False,  # the size key stands for it
        geo=geo,
    )


def _seized_at(
    rd: RunData, years: int | tuple[int, int] | None, base: RunData | None
) -> tuple[np.ndarray, float]:
    g = rd.geo
    s = link_tons(rd, years, "seized")
    if base is not None:
        s = s - _aligned_base(rd, base, link_tons(base, years, "seized"))
    at = np.bincount(g.link_to, weights=s, minlength=g.n_places)
    return at, float(np.abs(at).max()) if len(at) else 0.0


def _nice(x: float) -> float:
    """A round number near ``x`` (1, 2 or 5 times a power of ten)."""
    if x <= 0:
        return 0.0
    e = 10 ** np.floor(np.log10(x))
    return float(min((1, 2, 5, 10), key=lambda m: abs(m * e - x)) * e)


def _nice_below(x: float) -> float:
    """The largest round number (1, 2 or 5 times a power of ten) not above ``x``."""
    if x <= 0:
        return 0.0
    e = 10 ** np.floor(np.log10(x))
    return float(max(m for m in (1, 2, 5, 10) if m * e <= x * (1 + 1e-12)) * e)


def key_values(vmax: float) -> list[float]:
    """Round values for a size key of bubbles up to ``vmax``: the round number nearest
    ``vmax`` (or the one below it, if the nearest is over 1.2 ``vmax``), and round numbers
    near a quarter and a sixteenth of it.

    Examples
    --------
    >>> key_values(16.4), key_values(48.0), key_values(0.0)
    ([0.5, 2.0, 10.0], [2.0, 10.0, 50.0], [])
    """
    if vmax <= 0:
        return []
    top = _nice(vmax)
    if top > 1.2 * vmax:  # why: a key larger than anything on the map misleads
        top = _nice_below(vmax)
    return sorted({t for t in (_nice(top / 16), _nice(top / 4), top) if t > 0})


#: Where the size key is drawn on the main map: open Pacific, south-west of Mexico.
KEY_LON = -116.5
KEY_LAT = 11.0
KEY_ROW = 2.8  # degrees between rows


def _key_text(lon: list[float], lat: list[float], text: list[str]) -> go.Scattergeo:
    return go.Scattergeo(
        lon=lon,
        lat=lat,
        mode="text",
        text=text,
        textposition="middle right",
        textfont=dict(size=10, color="#333"),
        hoverinfo="skip",
        showlegend=False,
        name="size key",
    )


def size_key(vmax_line: float, smax: float, base: RunData | None) -> list[go.Scattergeo]:
    """A size key drawn on the map itself (legends cap marker sizes): three line widths and
    three bubble sizes, each with its value, in the open Pacific."""
    out: list[go.Scattergeo] = []
    what = "change " if base is not None else ""
    rows = [KEY_LAT - KEY_ROW * i for i in range(3)]
    out.append(_key_text([KEY_LON], [KEY_LAT + KEY_ROW], ["<b>size key</b>"]))
    if vmax_line > 0:
        labels = []
        for k, y in zip((0, 2, N_WIDTH_CLASSES - 1), rows, strict=True):
            t = vmax_line * (k + 1) / N_WIDTH_CLASSES
            out.append(
                go.Scattergeo(
                    lon=[KEY_LON, KEY_LON + 4.0],
                    lat=[y, y],
                    mode="lines",
                    line=dict(width=_width(k), color="#777"),
                    name=f"line: {what}up to {sig(t, 2)} t/yr",
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
            labels.append(f"{what}≤ {sig(t, 2)} t/yr")
        out.append(_key_text([KEY_LON + 4.3] * 3, rows, labels))
    if smax > 0:
        vals = key_values(smax)
        ys = rows[: len(vals)]
        lon = [KEY_LON + 13.5] * len(vals)
        out.append(
            go.Scattergeo(
                lon=lon,
                lat=ys,
                mode="markers",
                marker=dict(
                    size=_bubble(np.array(vals), smax),
                    color="#d6604d" if base is None else "#999",
                    opacity=0.7,
                    line=dict(width=1, color="white"),
                ),
                text=[f"seizures: {what}{sig(t, 2)} t/yr" for t in vals],
                name="seizures: size key",
                hoverinfo="skip",
                showlegend=False,
            )
        )
        out.append(
            _key_text(
                [KEY_LON + 15.0] * len(vals), ys, [f"{what}{sig(t, 2)} t/yr seized" for t in vals]
            )
        )
    return out


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


def _title(
    kind: str,
    rd: RunData,
    years,
    base: RunData | None,
    replicate: bool = True,  # noqa: ANN001
) -> str:
    """Title and a subtitle: the period with its status, the runs, which seeds."""
    avail = rd.years if len(rd.years) else rd.all_years
    y0, y1 = year_span(years, avail)
    per = period_name((y0, y1)) + (", annual mean" if y0 != y1 else "")
    who = f"{rd.label} minus {base.label}" if base is not None else rd.label
    if rd.n_seeds > 1:
        who += (
            f"; one replicate (seed {rd.map_seed})"
            if replicate
            else f"; mean over {rd.n_seeds} seeds"
        )
    return f"{kind}, {per}<br><sup>{who}</sup>"


def _max_link(rd: RunData, years, base: RunData | None) -> float:  # noqa: ANN001
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
    height: int = 600,
    title: str | None = None,
    inset: bool = True,
) -> go.Figure:
    """Cocaine flow (lines scaled by t/yr) and seizures (bubbles) for a year or a period.

    With ``base``, lines and points show the change against it (red: more,
    blue: less). The legend holds a size key; with ``inset`` (default) the
    Atlantic route to West Africa and Europe is drawn in an inset.
    """
    fig = go.Figure()
    fig.add_trace(country_outline_trace())
    has_links = rd.link_out is not None and rd.geo is not None
    inset = inset and has_links and bool(_outside(rd)[0].any())
    if has_links:
        for tr in flow_traces(rd, years, base, inset=inset):
            fig.add_trace(tr)
        smax = 0.0
        if seizures:
            s = seizure_trace(rd, years, base)
            if s is not None:
                fig.add_trace(s)
                smax = _seized_at(rd, years, base)[1]
            if inset:
                s2 = seizure_trace(rd, years, base, geo="geo2", only=_outside(rd)[0])
                if s2 is not None:
                    fig.add_trace(s2)
        for tr in size_key(_max_link(rd, years, base), smax, base):
            fig.add_trace(tr)
    else:
        tr = arrivals_trace(rd, years)
        if tr is None:
            raise MapUnavailable("this run has neither link flows nor flow_t by admin-1 place")
        fig.add_trace(tr)
    lay = base_geo_layout(height, inset=inset)
    fig.update_layout(**lay)
    fig.update_layout(
        title=dict(text=title or _title("Cocaine flow and seizures", rd, years, base), x=0.01)
    )
    return fig


VECTOR_COLORS = {
    "eastern_pacific": "#2166ac",
    "western_caribbean": "#41ab5d",
    "eastern_caribbean": "#e08214",
    "air": "#c51b7d",
    "container": "#762a83",
    "overland": "#8c510a",
}


def vector_flow_map(
    rd: RunData,
    tons: dict[str, np.ndarray],
    height: int = 640,
    title: str = "US-bound cocaine by departure vector",
) -> go.Figure:
    """Lines of the US-bound flow, coloured by departure vector and scaled by t/yr."""
    g = rd.geo
    fig = go.Figure()
    fig.add_trace(country_outline_trace())
    vmax = max((float(v.max()) for v in tons.values() if len(v)), default=0.0)
    for name, v in tons.items():
        cls = _width_classes(v, vmax)
        first = True
        for k in range(N_WIDTH_CLASSES):
            idx = np.flatnonzero(cls == k)
            if not len(idx):
                continue
            lon, lat = _segments(rd, idx)
            fig.add_trace(
                go.Scattergeo(
                    lon=lon,
                    lat=lat,
                    mode="lines",
                    line=dict(width=_width(k), color=VECTOR_COLORS.get(name, "#555")),
                    opacity=0.7,
                    name=f"{name.replace('_', ' ')} ({sig(float(v.max()))} t/yr at most)",
                    legendgroup=name,
                    showlegend=first,
                    hoverinfo="skip",
                )
            )
            first = False
    for tr in size_key(vmax, 0.0, None):
        fig.add_trace(tr)
    fig.update_layout(**base_geo_layout(height, inset=False))
    fig.update_layout(title=dict(text=title, x=0.01))
    del g
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
            raise MapUnavailable(f"{base.label} has no homicide_rate_per_100k")
        bv = _rate_by_region(base, ind, years)
        vals = {k: v - bv[k] for k, v in vals.items() if k in bv}
    fig = go.Figure()
    fig.add_trace(country_outline_trace())
    for tr in choropleth_traces(
        vals,
        "change, per 100,000" if base is not None else "per 100,000",
        diverging=base is not None,
    ):
        fig.add_trace(tr)
    fig.update_layout(**base_geo_layout(height))
    fig.update_layout(
        title=dict(
            text=title or _title("Homicide rate per 100,000", rd, years, base, replicate=False),
            x=0.01,
        )
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
    years: int | tuple[int, int] | None = None,
    height: int = 600,
    title: str | None = None,
) -> go.Figure:
    """Who controls each plaza at the end of a period, how long each was contested, who won.

    Colours: the controlling group at the end of the last year. Red circles:
    months contested over the period (area proportional). Black crosses:
    plazas taken by a group other than their last holder; open black circles:
    plazas their holder got back after a contest (size: how many times).
    The legend is a size key.

    Raises
    ------
    MapUnavailable
        If the run has no control data (the groups module is not active).
    """
    if rd.controller is None or rd.geo is None:
        raise MapUnavailable("no plaza control in this run: the groups module is not active")
    g = rd.geo
    if years is None:
        years = int(rd.years[-1])
    y0, y1 = year_span(years, rd.years)
    rows = np.flatnonzero((rd.years >= y0) & (rd.years <= y1))
    if not len(rows):
        raise MapUnavailable(f"no control data for {y0}-{y1}")
    ctrl = rd.controller[rows[-1]]
    zeros = np.zeros((len(rows), g.n_places))
    cm = (rd.contested_months[rows] if rd.contested_months is not None else zeros).sum(axis=0)
    taken = (rd.taken[rows] if rd.taken is not None else zeros).sum(axis=0)
    held = (rd.defended[rows] if rd.defended is not None else zeros).sum(axis=0)
    span = f"{y0}" if y0 == y1 else f"{y0}-{y1}"
    months = 12 * (y1 - y0 + 1)
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
                    text=[
                        f"{feature_names().get(x, x)}: held by {name} at the end of {y1}"
                        for x in locs
                    ],
                    hoverinfo="text",
                    name=name,
                    showlegend=first,
                    legendgroup=f"actor{a}",
                )
            )
            first = False

    def msize(m: np.ndarray) -> np.ndarray:
        return 4 + 26 * np.sqrt(np.asarray(m, dtype=float) / months)

    hot = np.flatnonzero(cm > 0)
    if len(hot):
        fig.add_trace(
            go.Scattergeo(
                lon=g.lon[hot],
                lat=g.lat[hot],
                mode="markers",
                marker=dict(
                    size=msize(cm[hot]),
                    color="rgba(178,24,43,0.30)",
                    line=dict(width=1.2, color="#b2182b"),
                ),
                text=[
                    f"{g.place_names[i]}: contested {int(cm[i])} of {months} months in {span}"
                    for i in hot
                ],
                hoverinfo="text",
                name="contested",
                showlegend=False,
            )
        )
        ms = sorted({max(1, months // 6), months // 2, months})
        ys = [KEY_LAT - KEY_ROW * i for i in range(len(ms))]
        fig.add_trace(
            go.Scattergeo(
                lon=[KEY_LON + 1.0] * len(ms),
                lat=ys,
                mode="markers",
                marker=dict(
                    size=msize(np.array(ms)),
                    color="rgba(178,24,43,0.30)",
                    line=dict(width=1.2, color="#b2182b"),
                ),
                text=[f"contested {m} months" for m in ms],
                name="contested: size key",
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            _key_text(
                [KEY_LON] + [KEY_LON + 3.0] * len(ms),
                [KEY_LAT + KEY_ROW] + ys,
                ["<b>size key</b>"] + [f"contested {m} of {months} months" for m in ms],
            )
        )
    for arr, sym, what in (
        (taken, "x", "taken by a new holder"),
        (held, "circle-open", "kept by its holder after a contest"),
    ):
        idx = np.flatnonzero(arr > 0)
        if len(idx):
            fig.add_trace(
                go.Scattergeo(
                    lon=g.lon[idx],
                    lat=g.lat[idx],
                    mode="markers",
                    marker=dict(
                        size=8 + 4 * np.minimum(arr[idx], 4),
                        color="black",
                        symbol=sym,
                        line=dict(width=2, color="black"),
                    ),
                    text=[f"{g.place_names[i]}: {what} {int(arr[i])}x in {span}" for i in idx],
                    hoverinfo="text",
                    name=f"{what} (size: times)",
                )
            )
    n_taken, n_held = int(taken.sum()), int(held.sum())
    fig.update_layout(**base_geo_layout(height))
    seed = f"; one replicate (seed {rd.map_seed})" if rd.n_seeds > 1 else ""
    fig.update_layout(
        title=dict(
            text=title
            or (
                f"Plazas, {period_name((y0, y1))}: control at the end of {y1}, months contested, "
                f"contests decided<br><sup>{rd.label}{seed}; {n_taken} taken by a new holder, "
                f"{n_held} kept by their holder after a contest</sup>"
            ),
            x=0.01,
        ),
        showlegend=True,
    )
    return fig
