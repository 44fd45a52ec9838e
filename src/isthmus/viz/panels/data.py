"""The Data tab: download the indicators, the levers and the tables behind the charts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..rundata import RunData
from . import Context

TITLE = "Data"


def results_csv(shipped: RunData, run: RunData | None) -> bytes:
    """Annual indicators of both runs (mean over seeds), one table with a ``run`` column."""
    frames = [shipped.ia.assign(run=shipped.label)]
    if run is not None:
        frames.append(run.ia.assign(run=run.label))
    df = pd.concat(frames, ignore_index=True)
    return df[["run", "indicator", "region", "year", "value", "unit"]].to_csv(index=False).encode()


def render(ctx: Context) -> None:
    from ...experiments.runs import policies_yaml

    st.download_button(
        "Download the indicators (CSV, mean over seeds)",
        results_csv(ctx.shipped, ctx.run),
        file_name="isthmus_results.csv",
        mime="text/csv",
        key="download",
    )
    if ctx.run is not None:
        st.download_button(
            "Download the levers (policies.yaml)",
            policies_yaml(ctx.policies),
            file_name="policies.yaml",
            mime="text/yaml",
            key="download_policies",
        )
        st.json(ctx.policies, expanded=False)
    st.dataframe(ctx.shown.ia, height=320)
