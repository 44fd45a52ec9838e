"""The Maps tab: flows and seizures, homicide rates, plazas."""

from __future__ import annotations

import streamlit as st

from ..maps import control_map, flow_map, homicide_map
from . import Context
from .common import show_map

TITLE = "Maps"
VIEWS = ("change against the scenario as shipped", "with levers", "the scenario as shipped")


def render(ctx: Context) -> None:
    shown, run, shipped = ctx.shown, ctx.run, ctx.shipped
    views = list(VIEWS) if run is not None else [VIEWS[2]]
    c1, c2 = st.columns([3, 2])
    with c1:
        view = st.radio("map", views, horizontal=True, key="map_view")
    with c2:
        y0, y1 = shipped.first_year, shipped.last_year
        years = st.slider(
            "years on the maps (annual mean)",
            y0,
            y1,
            (min(max(2007, y0), y1), min(2012, y1)),
            key="years",
        )
    ctx.years = (int(years[0]), int(years[1]))
    if view == VIEWS[0] and run is not None:
        show_map(lambda: flow_map(run, ctx.years, base=shipped), "map_flow", ctx.topo)
    else:
        who = run if view == VIEWS[1] and run is not None else shipped
        show_map(lambda: flow_map(who, ctx.years), "map_flow", ctx.topo)
    if shown.has("homicide_rate_per_100k"):
        show_map(
            lambda: homicide_map(shown, ctx.years, base=ctx.compared), "map_homicide", ctx.topo
        )
    else:
        st.info("Homicide map: the violence module is not active in this run.")
    if shown.controller is not None:
        show_map(lambda: control_map(shown, ctx.years), "map_control", ctx.topo)
