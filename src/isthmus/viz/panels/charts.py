"""The Charts tab: the model against the record, with 90% bands over seeds."""

from __future__ import annotations

import streamlit as st

from ..charts import chart_set, homicide_cause_chart, revenue_by_group_chart
from . import Context
from .common import show

TITLE = "Charts"


def render(ctx: Context) -> None:
    shown, cmp = ctx.shown, ctx.compared
    st.caption(
        "Lines: mean over seeds; shaded: 90% band; dotted: "
        + (cmp.label if cmp is not None else "nothing yet (press Run)")
        + "; diamonds: observed values up to 2006 with their source in the hover."
    )
    for ch in chart_set(shown, cmp):
        show(ch.fig, f"chart_{ch.key}")
    span = ctx.years
    hc = homicide_cause_chart(shown, span, cmp)
    if hc is not None:
        show(hc.fig, "chart_homicide_causes")
    rg = revenue_by_group_chart(shown, span)
    if rg is not None:
        show(rg.fig, "chart_revenue_groups")
