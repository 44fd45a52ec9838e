"""Maps of an ``isthmus optimize`` result: where each arm puts its effort, and what it moves.

Two figures per arm (unilateral, coordinated): the allocation (line width in
proportion to the effort units on each link, hover: link, mode, country,
units) and the change of the flow it causes against the status quo (mean tons
a month over the window, red where more flows, blue where less). The pages
render offline (:func:`isthmus.viz.geo.offline_page`).

Examples
--------
>>> from isthmus.optimize.plan import OptimizeSpec, run_optimize
>>> res = run_optimize(OptimizeSpec("central-america", budget=2, countries=["GTM"],
...     start="2008-01", end="2008-06", seeds=1, train_seeds=1, rounds=1, workers=1))
>>> figs = allocation_figures(res)
>>> [f.layout.title.text.split(":")[0] for f in figs]
['Unilateral allocation', 'Coordinated allocation']
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .geo import base_geo_layout, country_outline_trace, offline_page

ARM_COLORS = {"unilateral": "#d95f02", "coordinated": "#1b9e77"}
UP, DOWN = "#b2182b", "#2166ac"
N_CLASSES = 5
MAX_WIDTH = 10.0


def _xy(net, keys):  # noqa: ANN001, ANN202
    """Coordinates of links given as (from, to) place ids, as line segments."""
    lon, lat, mid_lon, mid_lat = [], [], [], []
    for a, b in keys:
        ia, ib = net.place_index[a], net.place_index[b]
        lon += [float(net.lon[ia]), float(net.lon[ib]), None]
        lat += [float(net.lat[ia]), float(net.lat[ib]), None]
        mid_lon.append((float(net.lon[ia]) + float(net.lon[ib])) / 2)
        mid_lat.append((float(net.lat[ia]) + float(net.lat[ib])) / 2)
    return lon, lat, mid_lon, mid_lat


def _width_traces(net, keys, values, labels, color: str, name: str) -> list[go.Scattergeo]:  # noqa: ANN001
    """Lines in width classes (one trace per class) plus invisible hover markers."""
    v = np.abs(np.asarray(values, dtype=float))
    out: list[go.Scattergeo] = []
    if not len(v) or v.max() <= 0:
        return out
    cls = np.clip(np.ceil(v / v.max() * N_CLASSES).astype(int) - 1, 0, N_CLASSES - 1)
    first = True
    for k in range(N_CLASSES):
        idx = np.flatnonzero(cls == k)
        if not len(idx):
            continue
        lon, lat, _, _ = _xy(net, [keys[i] for i in idx])
        out.append(
            go.Scattergeo(
                lon=lon,
                lat=lat,
                mode="lines",
                line=dict(width=1.0 + MAX_WIDTH * (k + 1) / N_CLASSES, color=color),
                opacity=0.8,
                name=name,
                legendgroup=name,
                showlegend=first,
                hoverinfo="skip",
            )
        )
        first = False
    _, _, mlon, mlat = _xy(net, keys)
    out.append(
        go.Scattergeo(
            lon=mlon,
            lat=mlat,
            mode="markers",
            marker=dict(size=7, opacity=0),
            text=labels,
            hoverinfo="text",
            showlegend=False,
            name=name,
        )
    )
    return out


def _figure(traces: list, title: str) -> go.Figure:
    fig = go.Figure([country_outline_trace(), *traces])
    fig.update_layout(**base_geo_layout(), title=title)
    return fig


def allocation_figures(res) -> list[go.Figure]:  # noqa: ANN001 - OptimizeResult
    """One map per arm of the effort units it adds on each link."""
    net = res.network
    figs = []
    for arm in ("unilateral", "coordinated"):
        every = res.allocation[res.allocation["arm"] == arm]
        total, n_links = float(every["effort_units"].sum()), len(every)
        # The optimiser leaves traces of effort on many links: draw those that matter.
        big = every["effort_units"] >= 0.01 * float(every["effort_units"].max() if n_links else 0)
        a = every[big]
        keys = list(zip(a["from"], a["to"], strict=True))
        labels = [
            f"{f} → {t} ({m}, {c}): {u:.2f} effort units"
            for f, t, m, c, u in zip(
                a["from"], a["to"], a["mode"], a["country"], a["effort_units"], strict=True
            )
        ]
        tr = _width_traces(
            net, keys, a["effort_units"].to_numpy(), labels, ARM_COLORS[arm], "effort units"
        )
        figs.append(
            _figure(
                tr,
                f"{arm.capitalize()} allocation: {total:.1f} effort units on {n_links} links "
                f"({res.spec['start']} to {res.spec['end']}; links under 1% of the largest "
                "not drawn)",
            )
        )
    return figs


def flow_change_figures(res) -> list[go.Figure]:  # noqa: ANN001 - OptimizeResult
    """One map per arm of the change in mean tons a month on each link, vs the status quo."""
    net = res.network
    lf = res.link_flow
    base = lf[lf["arm"] == "status_quo"]["flow_t_per_month"].to_numpy()
    keys_all = list(
        zip(lf[lf["arm"] == "status_quo"]["from"], lf[lf["arm"] == "status_quo"]["to"], strict=True)
    )
    modes = lf[lf["arm"] == "status_quo"]["mode"].tolist()
    figs = []
    for arm in ("unilateral", "coordinated"):
        d = lf[lf["arm"] == arm]["flow_t_per_month"].to_numpy() - base
        big = np.abs(d) >= 0.01 * max(float(np.abs(d).max()), 1e-12)
        traces = []
        for sel, color, name in ((d > 0, UP, "more flow"), (d < 0, DOWN, "less flow")):
            idx = np.flatnonzero(sel & big)
            keys = [keys_all[i] for i in idx]
            labels = [
                f"{keys_all[i][0]} → {keys_all[i][1]} ({modes[i]}): {d[i]:+.2f} t/month"
                for i in idx
            ]
            traces += _width_traces(net, keys, d[idx], labels, color, name)
        figs.append(
            _figure(
                traces,
                f"{arm.capitalize()}: change of the flow against the status quo (t/month, "
                f"{res.spec['start']} to {res.spec['end']})",
            )
        )
    return figs


def maps_page(res) -> str:  # noqa: ANN001 - OptimizeResult
    """Standalone HTML page (offline) with each arm's allocation and the flow change it causes."""
    return offline_page(
        [*allocation_figures(res), *flow_change_figures(res)], title="isthmus optimize: maps"
    )
