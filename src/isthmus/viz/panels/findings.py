"""The Findings tab: sentences computed from the run, with intervals over seeds."""

from __future__ import annotations

import streamlit as st

from ..narrative import key_findings
from . import Context

TITLE = "Findings"


def render(ctx: Context) -> None:
    for f in key_findings(ctx.shown, ctx.compared):
        st.markdown(f"**{f.topic}**: {f.text}")
