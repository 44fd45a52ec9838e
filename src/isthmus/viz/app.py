"""The isthmus dashboard (Streamlit): pick a scenario, move levers, run, compare.

Start it with ``isthmus serve`` (bound to 127.0.0.1). The baseline is the
scenario as shipped (with its own dated policies); pressing **Run** adds the
levers' interventions (:mod:`isthmus.viz.levers`) to the same scenario and
seed, so the two runs differ only by the levers (common random numbers). Maps
and charts then show the run against the baseline, and the results download
as CSV.

Maps need plotly's base map, which ``isthmus serve`` serves from the package
(Streamlit static files), so nothing is fetched from a CDN. Run directly with
``streamlit run`` the maps are replaced by a note unless a ``static/`` folder
with ``world_110m.json`` and ``world_50m.json`` sits next to the script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import streamlit as st

from isthmus.scenario import ScenarioError, list_scenarios, load_scenario
from isthmus.viz import levers as lv
from isthmus.viz import optimize_panel
from isthmus.viz.charts import available_charts, homicide_cause_chart, revenue_by_group_chart
from isthmus.viz.geo import resolve_geojson
from isthmus.viz.maps import MapUnavailable, control_map, flow_map, homicide_map
from isthmus.viz.narrative import key_findings
from isthmus.viz.rundata import RunData, simulate

TOPOJSON_ENV = "ISTHMUS_TOPOJSON_URL"
CONFIG = {"displaylogo": False, "showLink": False}
MAP_VIEWS = ("change against the baseline", "with levers", "baseline")


def topojson_url() -> str | None:
    """Where the browser finds plotly's base maps: set by ``isthmus serve``, else ``./static``."""
    url = os.environ.get(TOPOJSON_ENV)
    if url:
        return url
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main and (Path(main).parent / "static" / "world_50m.json").exists():
        return "app/static/"
    return None


@st.cache_resource(show_spinner=False, max_entries=8)
def baseline_run(spec: str, seed: int) -> RunData:
    """The scenario as shipped (cached per scenario and seed)."""
    return simulate(spec, seed=seed, label="baseline")


@st.cache_resource(show_spinner=False, max_entries=8)
def scenario_info(spec: str) -> tuple[str, dict[str, list[str]], tuple[int, int]]:
    sc = load_scenario(spec)
    return sc.title, lv.scenario_choices(sc), (sc.start[0], sc.end[0])


def lever_widgets(kind: str, choices: dict[str, list[str]]) -> None:
    """Widgets of one lever; their values live in ``st.session_state`` under ``kind:*``."""
    cls = lv.registry()[kind]
    on = st.checkbox(lv.label(kind), key=f"{kind}:on", help=lv.describe(kind, cls))
    if not on:
        return
    r = lv.size_range(kind, cls)
    d = lv.default_state(kind, choices, cls)
    unit = getattr(cls, "size_unit", "")
    st.slider(f"size ({unit})", r.low, r.high, d[f"{kind}:size"], r.step, key=f"{kind}:size")
    tk = lv.target_kind(kind, cls)
    countries = [c for c in choices["countries"] if c != "transit_zone"]
    if tk == "country_modes":
        st.multiselect(
            "countries",
            choices["countries"],
            default=d[f"{kind}:countries"],
            key=f"{kind}:countries",
        )
        st.multiselect("modes", choices["modes"], default=d[f"{kind}:modes"], key=f"{kind}:modes")
    elif tk in ("countries", "countries_optional"):
        st.multiselect(
            "countries" + (" (empty: all)" if tk == "countries_optional" else ""),
            countries,
            default=d[f"{kind}:countries"],
            key=f"{kind}:countries",
        )
    elif tk == "places":
        st.multiselect(
            "places (admin-1)", choices["places"], default=d[f"{kind}:places"], key=f"{kind}:places"
        )
    elif tk == "group":
        if choices["groups"]:
            st.selectbox("group", choices["groups"], key=f"{kind}:group")
        else:
            st.caption("no groups in this scenario")
    for f, opts in lv.extra_fields(kind, cls).items():
        st.selectbox(f, list(opts), key=f"{kind}:{f}")


def show(fig: Any, key: str) -> None:
    st.plotly_chart(fig, theme=None, config=CONFIG, key=key, width="stretch")


def show_map(make: Any, key: str, topo: str | None) -> None:
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


def results_csv(base: RunData, run: RunData | None) -> bytes:
    """Annual indicators of the baseline and the run, one table with a ``run`` column."""
    frames = [base.ia.assign(run=base.label)]
    if run is not None:
        frames.append(run.ia.assign(run=run.label))
    df = pd.concat(frames, ignore_index=True)
    return df[["run", "indicator", "region", "year", "value", "unit"]].to_csv(index=False).encode()


def main() -> None:
    """Draw the dashboard (Streamlit reruns this on every interaction)."""
    st.set_page_config(page_title="isthmus dashboard", layout="wide")
    topo = topojson_url()
    ss = st.session_state
    with st.sidebar:
        st.header("Scenario")
        names = list_scenarios()
        pick = st.selectbox("shipped scenario", names, key="scenario")
        folder = st.text_input("or a scenario folder", key="folder", placeholder="path/to/scenario")
        spec = folder.strip() or pick
        seed = int(st.number_input("seed", min_value=0, max_value=1_000_000, value=0, key="seed"))
        try:
            title, choices, (y_first, y_last) = scenario_info(spec)
        except ScenarioError as exc:
            st.error("\n".join(str(p) for p in exc.problems))
            st.stop()
        st.header("Levers")
        st.text_input("from (YYYY-MM)", "2007-01", key="start")
        st.text_input("to (YYYY-MM, empty = end of run)", "", key="end")
        for group, kinds in lv.grouped_levers().items():
            with st.expander(group, expanded=group.startswith("Enforcement")):
                for kind in kinds:
                    lever_widgets(kind, choices)
        for group, kinds in lv.missing_levers().items():
            st.caption(f"{group}: not available yet (needs {', '.join(kinds)})")
        run_clicked = st.button("Run", type="primary", key="run", width="stretch")

    # Tighter top margin (Streamlit's default leaves a band of empty space above the title).
    st.markdown(
        "<style>.block-container{padding-top:1.5rem;padding-bottom:1rem}</style>",
        unsafe_allow_html=True,
    )
    st.title("isthmus: policy laboratory")
    st.caption(f"{title} · seed {seed} · baseline = the scenario with its own dated policies")
    with st.spinner("running the baseline..."):
        base = baseline_run(spec, seed)

    state = {k: ss[k] for k in ss if isinstance(k, str)}
    policies = lv.lever_policies(state)
    run_key = (spec, seed)
    if run_clicked:
        problems = lv.check_policies(policies, spec) if policies else []
        if problems:
            st.error("The levers cannot run:\n\n" + "\n".join(f"- {p}" for p in problems))
        else:
            bar = st.progress(0.0, text="running with the levers...")

            def tick(k: int, n: int) -> None:
                if k % 6 == 0 or k == n:
                    bar.progress(k / n, text=f"running with the levers: month {k} of {n}")

            rd = simulate(spec, seed=seed, policies=policies, label="with levers", progress=tick)
            bar.empty()
            ss["result"] = {"key": run_key, "policies": policies, "run": rd}
            ss["map_view"] = MAP_VIEWS[0]  # a new run: show what changed
    res = ss.get("result")
    run = res["run"] if res and res["key"] == run_key else None
    if run is None:
        st.info("Baseline shown. Move a lever in the sidebar and press **Run** to compare.")
    else:
        n = len(res["policies"])
        st.success(
            f"Run with {n} lever polic{'y' if n == 1 else 'ies'} against the baseline"
            + ("" if res["policies"] == policies else " (levers changed since: press Run again)")
        )
    years = st.slider(
        "years shown on the maps (annual mean)",
        y_first,
        y_last,
        (min(max(2007, y_first), y_last), min(2012, y_last)),
        key="years",
    )
    shown = run if run is not None else base
    cmp = base if run is not None else None
    t_maps, t_charts, t_text, t_data, t_opt = st.tabs(
        ["Maps", "Charts", "Findings", "Data", optimize_panel.TITLE]
    )
    with t_opt:
        optimize_panel.render(SimpleNamespace(spec=spec, topo=topo))
    with t_maps:
        views = (
            ["change against the baseline", "with levers", "baseline"]
            if run is not None
            else ["baseline"]
        )
        view = st.radio("map", views, horizontal=True, key="map_view")
        if view == views[0] and run is not None:
            show_map(
                lambda: flow_map(
                    run,
                    years,
                    base=base,
                    title="Cocaine flow and seizures: change against the baseline",
                ),
                "map_flow",
                topo,
            )
        else:
            who = run if view == "with levers" else base
            show_map(
                lambda: flow_map(who, years, title=f"Cocaine flow and seizures: {view}"),
                "map_flow",
                topo,
            )
        if shown.has("homicide_rate_per_100k"):
            show_map(lambda: homicide_map(shown, years, base=cmp), "map_homicide", topo)
        else:
            st.info("Homicide map: the violence module is not active in this version.")
        if shown.controller is not None:
            show_map(lambda: control_map(shown, years[1]), "map_control", topo)
    with t_charts:
        charts = available_charts(shown, cmp)
        for key, fig in charts.items():
            show(fig, f"chart_{key}")
        hc = homicide_cause_chart(shown, years, cmp)
        if hc is not None:
            show(hc, "chart_homicide_causes")
        rg = revenue_by_group_chart(shown, years)
        if rg is not None:
            show(rg, "chart_revenue_groups")
    with t_text:
        for f in key_findings(shown, cmp):
            st.markdown(f"**{f.topic}**: {f.text}")
    with t_data:
        st.download_button(
            "Download results (CSV)",
            results_csv(base, run),
            file_name="isthmus_results.csv",
            mime="text/csv",
            key="download",
        )
        if run is not None:
            from isthmus.policy import dump_policies, parse_policies

            st.download_button(
                "Download the levers (policies.yaml)",
                dump_policies(parse_policies(res["policies"], "dashboard")),
                file_name="policies.yaml",
                mime="text/yaml",
                key="download_policies",
            )
            st.json(res["policies"], expanded=False)
        st.dataframe(shown.ia, height=320)


if __name__ == "__main__":
    main()
