"""The "Optimise" panel of the dashboard and the three-arm section of the report.

Both show an ``isthmus optimize`` experiment (:mod:`isthmus.optimize.plan`):
the status quo, each country alone and the region together, with the same
optimiser and budget. The dashboard panel runs one (or reads the folder
``isthmus optimize --out DIR`` wrote); the report includes one with
``isthmus report --optimize DIR``.

The panel follows the dashboard's panel protocol: ``TITLE`` and
``render(ctx)``, where ``ctx`` has the scenario (``ctx.spec``) and where the
browser finds the base maps (``ctx.topo``).

Examples
--------
>>> from isthmus.optimize.plan import OptimizeSpec, run_optimize
>>> res = run_optimize(OptimizeSpec("central-america", budget=2, countries=["GTM"],
...     start="2008-01", end="2008-06", seeds=1, train_seeds=1, rounds=1, workers=1))
>>> "<h2 id='optimize'>" in report_section(res)
True
>>> headline(res).startswith("With the same optimiser and 2 effort units")
True
"""

from __future__ import annotations

import html
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from .optimize_maps import allocation_figures, flow_change_figures

TITLE = "Optimise"
LABELS = {
    "arm": "arm",
    "objective": "objective",
    "us_delivered_t": "US delivered (t)",
    "seized_t": "seized (t)",
    "seized_value_usd": "seized value (USD)",
    "value_per_seizure_usd": "value per seizure (USD)",
    "active_places": "active places",
    "flow_outside_participants_t": "flow outside participants (t)",
    "homicides": "homicides",
}


def load_optimize_dir(path: str | Path) -> SimpleNamespace:
    """Read the folder ``isthmus optimize --out DIR`` wrote (see
    :func:`isthmus.optimize.plan.load_result_dir`); raises ValueError naming the problem."""
    from ..optimize.plan import load_result_dir

    return load_result_dir(path)


def summary_display(res: Any) -> pd.DataFrame:
    """The summary table with readable column names and rounded numbers."""
    s = res.summary.copy()
    for c in s.columns:
        if c not in ("arm", "objective"):
            s[c] = s[c].astype(float).round(0 if s[c].abs().max() >= 100 else 1)
    return s.rename(columns=LABELS)


def headline(res: Any) -> str:
    """One sentence: coordinated against unilateral, on US deliveries and displacement."""
    s = res.summary.set_index("arm")
    sp = res.spec
    u, c, q = (s.loc[a, "us_delivered_t"] for a in ("unilateral", "coordinated", "status_quo"))
    ou, oc, oq = (
        s.loc[a, "flow_outside_participants_t"] for a in ("unilateral", "coordinated", "status_quo")
    )
    rel = c / u - 1 if u > 0 else float("nan")
    return (
        f"With the same optimiser and {sp['budget']:g} effort units over "
        f"{', '.join(sp['countries'])} ({sp['start']} to {sp['end']}), the regional plan "
        f"({s.loc['coordinated', 'objective']}) delivers {c:,.0f} t to the US against "
        f"{u:,.0f} t when each country acts alone ({rel:+.1%}; status quo {q:,.0f} t), and "
        f"pushes {oc - oq:+,.0f} t into non-participating countries against {ou - oq:+,.0f} t."
    )


def report_section(res: Any, div_prefix: str = "opt") -> str:
    """The report's three-arm section (HTML; maps need the report's offline head)."""
    from .geo import figure_div

    s = summary_display(res)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in s.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td class='num'>{v:,.0f}</td>"
            if isinstance(v, float) and abs(v) >= 100
            else f"<td class='num'>{v:,.1f}</td>"
            if isinstance(v, float)
            else f"<td>{html.escape(str(v))}</td>"
            for v in r
        )
        + "</tr>"
        for r in s.itertuples(index=False)
    )
    top = (
        res.allocation.sort_values("effort_units", ascending=False)
        .groupby("arm", sort=False)
        .head(6)
        .round({"effort_units": 2})
    )
    trow = "".join(
        f"<tr><td>{html.escape(r.arm)}</td><td>{html.escape(r.frm)}</td>"
        f"<td>{html.escape(r.to)}</td><td>{html.escape(r.mode)}</td>"
        f"<td>{html.escape(r.country)}</td><td class='num'>{r.effort_units:.2f}</td></tr>"
        for r in top.rename(columns={"from": "frm"}).itertuples(index=False)
    )
    figs = [*allocation_figures(res), *flow_change_figures(res)]
    maps = "".join(figure_div(f, f"{div_prefix}{i}") for i, f in enumerate(figs))
    return (
        "<h2 id='optimize'>Where to put the effort: three arms (isthmus optimize)</h2>\n"
        f"<p>{html.escape(headline(res))}</p>\n"
        "<p class='meta'>Status quo; each country alone, with its share of the budget, on its "
        "own links against its own objective; one regional plan of the pooled budget over "
        "the whole flow. Both use the same leader-follower optimiser and total budget, on "
        "the same seeds (means over seeds, summed over the window). See docs/policies.md.</p>\n"
        f"<table><tr>{head}</tr>{rows}</table>\n"
        "<details><summary>Largest allocations (effort units per link)</summary>"
        "<table><tr><th>arm</th><th>from</th><th>to</th><th>mode</th><th>country</th>"
        f"<th>effort units</th></tr>{trow}</table></details>\n"
        f"{maps}"
    )


# ---------------------------------------------------------------------------
# the dashboard tab


def render(ctx: Any) -> None:
    """Draw the Optimise tab (Streamlit)."""
    import streamlit as st

    from ..optimize.objectives import NATIONAL, REGIONAL
    from ..optimize.plan import SPLITS, OptimizeSpec, run_optimize
    from ..policy import dump_policies, parse_policies
    from ..scenario import ScenarioError
    from .geo import resolve_geojson

    ss = st.session_state
    st.markdown(
        "Where should the region put a budget of interdiction effort? Three arms on the same "
        "seeds: the status quo, **each country alone** (its share of the budget, its own "
        "links, its own objective) and **one regional plan** (the pooled budget over the "
        "whole flow). Both plans come from the same optimiser, which anticipates the "
        "traffickers' re-routing."
    )
    c1, c2, c3 = st.columns(3)
    budget = c1.number_input(
        "budget to allocate (effort units)", 0.0, 200.0, 20.0, 1.0, key="opt:budget"
    )
    countries = c1.text_input(
        "participating countries (ISO3)", "GTM,HND,NIC,CRI,PAN,BLZ,SLV,MEX", key="opt:countries"
    )
    objective = c2.selectbox("regional objective", REGIONAL, key="opt:objective")
    uni = c2.selectbox("each country's objective", NATIONAL, key="opt:unilateral")
    split = c2.selectbox("budget shares when alone", SPLITS, key="opt:split")
    start = c3.text_input("first month of the plan", "2008-01", key="opt:from")
    end = c3.text_input("last month of the plan", "2012-12", key="opt:to")
    seeds = int(c3.number_input("evaluation seeds", 1, 10, 3, key="opt:seeds"))
    folder = st.text_input(
        "or show a folder written by `isthmus optimize --out DIR`", "", key="opt:folder"
    )
    b1, b2 = st.columns(2)
    if b1.button("Run the optimiser (a few minutes)", key="opt:run"):
        spec = OptimizeSpec(
            ctx.spec,
            budget=float(budget),
            countries=[c.strip().upper() for c in countries.split(",") if c.strip()],
            objective=objective,
            start=start.strip(),
            end=end.strip(),
            seeds=seeds,
            unilateral_objective=uni,
            split=split,
            workers=1,  # no process pool inside the server
        )
        try:
            spec.validate()
        except ScenarioError as exc:
            st.error("\n".join(f"- {p}" for p in exc.problems))
        else:
            bar = st.progress(0.0, text="optimising...")
            res = run_optimize(
                spec, progress=lambda k, n, stage: bar.progress(k / n, text=f"{stage}: {k}/{n}")
            )
            bar.empty()
            ss["opt:result"] = res
    if b2.button("Show the folder", key="opt:load") and folder.strip():
        try:
            ss["opt:result"] = load_optimize_dir(folder.strip())
        except ValueError as exc:
            st.error(str(exc))
    res = ss.get("opt:result")
    if res is None:
        st.info("Set the experiment and press **Run the optimiser**, or show a saved folder.")
        return
    st.success(headline(res))
    st.dataframe(summary_display(res), hide_index=True)
    config = {"displaylogo": False, "showLink": False}
    for i, fig in enumerate([*allocation_figures(res), *flow_change_figures(res)]):
        if ctx.topo is None:
            st.warning("Maps need plotly's base map served locally: start with `isthmus serve`.")
            break
        st.plotly_chart(
            resolve_geojson(fig),
            theme=None,
            config={**config, "topojsonURL": ctx.topo},
            key=f"opt:map{i}",
            width="stretch",
        )
    cols = st.columns(4)
    cols[0].download_button(
        "summary.csv", res.summary.to_csv(index=False).encode(), "summary.csv", key="opt:dl1"
    )
    cols[1].download_button(
        "allocation.csv", res.allocation.to_csv(index=False).encode(), "allocation.csv",
        key="opt:dl2",
    )  # fmt: skip
    if hasattr(res, "policies"):  # a run made here (a folder has its own policies/*.yaml)
        for col, arm in zip(cols[2:], ("unilateral", "coordinated"), strict=True):
            text = dump_policies(parse_policies(res.policies(arm), f"{arm}.yaml"))
            col.download_button(f"{arm}.yaml", text, f"{arm}.yaml", key=f"opt:dl:{arm}")
