"""Streamlit helpers shared by the panels (plotly charts and maps, offline)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..geo import resolve_geojson
from ..maps import MapUnavailable

CONFIG = {"displaylogo": False, "showLink": False}


def show(fig: Any, key: str) -> None:
    """A plotly figure at full width, with plotly's own theme."""
    st.plotly_chart(fig, theme=None, config=CONFIG, key=key, width="stretch")


def show_map(make: Any, key: str, topo: str | None) -> None:
    """A map, or a note saying why it cannot be drawn (no base map served, no data)."""
    try:
        fig = make()
    except MapUnavailable as exc:
        st.info(str(exc))
        return
    if topo is None:
        st.warning(
            "Maps need plotly's base map served locally: start the dashboard with "
            "`isthmus serve` (nothing is fetched from the internet)."
        )
        return
    fig = resolve_geojson(fig)
    st.plotly_chart(
        fig, theme=None, config={**CONFIG, "topojsonURL": topo}, key=key, width="stretch"
    )
