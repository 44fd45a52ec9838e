"""The isthmus dashboard (Streamlit): pick a scenario, move levers, run, compare.

Start it with ``isthmus serve`` (bound to 127.0.0.1). The run compared with
is **the scenario as shipped** (with its own dated policies), over several
seeds; pressing **Run** adds the levers' interventions
(:mod:`isthmus.viz.levers`) to the same scenario and the same seeds, so the
two differ only by the levers (common random numbers). The top of the page
then shows the effects of the levers on the main indicators, each difference
with its 90% interval over seeds; the tabs below (:mod:`isthmus.viz.panels`,
one module per tab) hold maps, charts against the record, findings and data.

A lever that means nothing is refused at the lever: one with no target, or a
period outside the run; nothing runs and no success box appears.

Maps need plotly's base map, which ``isthmus serve`` serves from the package
(Streamlit static files), so nothing is fetched from a CDN. Run directly with
``streamlit run`` the maps are replaced by a note unless a ``static/`` folder
with ``world_110m.json`` and ``world_50m.json`` sits next to the script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import streamlit as st

from isthmus.scenario import ScenarioError, list_scenarios, load_scenario
from isthmus.viz import levers as lv
from isthmus.viz.panels import Context, load_panels
from isthmus.viz.panels.data import results_csv  # noqa: F401 - kept importable from here
from isthmus.viz.quantities import period_name
from isthmus.viz.rundata import RunData, simulate
from isthmus.viz.tables import effects, effects_display

TOPOJSON_ENV = "ISTHMUS_TOPOJSON_URL"
SHIPPED = "the scenario as shipped"
WITH_LEVERS = "with levers"
DEFAULT_SEEDS = 5


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
def shipped_run(spec: str, seed: int, seeds: int) -> RunData:
    """The scenario as shipped over ``seeds`` replicates (cached per scenario and seeds)."""
    return simulate(spec, seed=seed, seeds=seeds, label=SHIPPED)


@st.cache_resource(show_spinner=False, max_entries=8)
def scenario_info(spec: str) -> tuple[str, dict[str, list[str]], tuple[int, int], tuple[int, int]]:
    sc = load_scenario(spec)
    return sc.title, lv.scenario_choices(sc), tuple(sc.start), tuple(sc.end)


def lever_widgets(kind: str, choices: dict[str, list[str]]) -> None:
    """Widgets of one lever (values in ``st.session_state`` under ``kind:*``), and its errors.

    The errors are read once the widgets exist, so a lever just switched on
    is judged on its default targets.
    """
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
    mine = {k: v for k, v in _state().items() if k.startswith(f"{kind}:")}
    for p in lv.lever_problems(mine).get(kind, []):
        st.error(f"{lv.label(kind)}: {p}")


def _state() -> dict[str, Any]:
    ss = st.session_state
    return {k: ss[k] for k in ss if isinstance(k, str)}


def effects_block(shipped: RunData, run: RunData, span: tuple[int, int], stale: bool) -> None:
    """The effects of the levers on the main indicators, with intervals (top of the page)."""
    n = run.n_seeds
    how = (
        f"paired over {n} seeds, 90% intervals"
        if n > 1
        else "one seed: no interval (set seeds to 5+)"
    )
    st.markdown(
        f"**Effects of the levers, {period_name(span)}**: with levers minus {SHIPPED} "
        f"(annual means; {how})" + (" — *levers changed since: press Run again*" if stale else "")
    )
    disp = effects_display(effects(run, shipped, span), run, shipped)
    st.dataframe(
        disp,
        hide_index=True,
        width="stretch",
        height=35 * (len(disp) + 1) + 3,
        key="effects_table",
    )


def main() -> None:
    """Draw the dashboard (Streamlit reruns this on every interaction)."""
    st.set_page_config(page_title="isthmus dashboard", layout="wide")
    ss = st.session_state
    with st.sidebar:
        st.header("Scenario")
        names = list_scenarios()
        pick = st.selectbox("shipped scenario", names, key="scenario")
        folder = st.text_input("or a scenario folder", key="folder", placeholder="path/to/scenario")
        spec = folder.strip() or pick
        c1, c2 = st.columns(2)
        with c1:
            seed = int(st.number_input("base seed", 0, 1_000_000, 0, key="seed"))
        with c2:
            seeds = int(
                st.number_input(
                    "seeds",
                    1,
                    20,
                    DEFAULT_SEEDS,
                    key="seeds",
                    help="Replicates of every run: means and 90% intervals over them.",
                )
            )
        try:
            title, choices, first, last = scenario_info(spec)
        except ScenarioError as exc:
            st.error("\n".join(str(p) for p in exc.problems))
            st.stop()
        st.header("Levers")
        st.text_input("from (YYYY-MM)", "2007-01", key="start")
        st.text_input("to (YYYY-MM, empty = end of run)", "", key="end")
        state = _state()
        when = lv.period_problems(state.get("start", ""), state.get("end", ""), first, last)
        for field in ("start", "end"):
            if field in when:
                st.error(f"{'from' if field == 'start' else 'to'}: {when[field]}")
        stale = lv.lever_problems(state)  # as of the last run: keeps a faulty lever's group open
        for group, kinds in lv.grouped_levers().items():
            open_ = group.startswith("Enforcement") or any(k in stale for k in kinds)
            with st.expander(group, expanded=open_):
                for kind in kinds:
                    lever_widgets(kind, choices)
        target_probs = lv.lever_problems(_state())  # now that every lever's widgets exist
        for group, kinds in lv.missing_levers().items():
            st.caption(f"{group}: not available yet (needs {', '.join(kinds)})")
        run_clicked = st.button("Run", type="primary", key="run", width="stretch")

    # Tight top margin: the effects of a run must show without scrolling.
    st.markdown(
        "<style>.block-container{padding-top:1.2rem;padding-bottom:1rem}"
        "h1{padding-top:0;padding-bottom:0.2rem}</style>",
        unsafe_allow_html=True,
    )
    st.title("isthmus: policy laboratory")
    st.caption(
        f"{title} · base seed {seed} · {seeds} seed{'s' if seeds > 1 else ''} · "
        f"levers are compared with {SHIPPED} (its own dated policies), same seeds"
    )
    # One slot holds what the run says (refusal, progress, effects), so the tabs below keep
    # their place in the page whatever it holds. If they moved, Streamlit would remount every
    # chart, and plotly.js raises "Cannot read properties of undefined (reading '_scrollZoom')"
    # when a map is purged while its base map is still loading.
    status = st.container()
    with st.spinner(f"running {SHIPPED} ({seeds} seeds)..."):
        shipped = shipped_run(spec, seed, seeds)

    state = _state()
    policies = lv.lever_policies(state)
    run_key = (spec, seed, seeds)
    if run_clicked:
        state = _state()
        problems = [f"{'from' if k == 'start' else 'to'}: {v}" for k, v in when.items()]
        problems += [f"{lv.label(k)}: {p}" for k, ps in target_probs.items() for p in ps]
        if not problems and not policies:
            problems.append("no lever is switched on: switch one on in the sidebar")
        if not problems:
            problems = lv.check_policies(policies, spec)
        if problems:
            status.error(
                "Nothing was run: the levers would do nothing as set.\n\n"
                + "\n".join(f"- {p}" for p in problems)
            )
        else:
            bar = status.progress(0.0, text="running with the levers...")

            def tick(k: int, n: int) -> None:
                if k % 12 == 0 or k == n:
                    bar.progress(
                        min(k / n, 1.0), text=f"running with the levers: {k} of {n} months"
                    )

            rd = simulate(
                spec, seed=seed, seeds=seeds, policies=policies, label=WITH_LEVERS, progress=tick
            )
            bar.empty()
            span = lv.lever_span(state.get("start", ""), state.get("end", ""), last[0])
            ss["result"] = {"key": run_key, "policies": policies, "run": rd, "span": span}
            ss["map_view"] = "change against the scenario as shipped"  # a new run: what changed
    res = ss.get("result")
    run = res["run"] if res and res["key"] == run_key else None
    if run is None:
        status.info(
            f"Showing {SHIPPED}. Switch on a lever in the sidebar and press **Run**: the effects "
            "on the main indicators appear here, with 90% intervals over seeds."
        )
        span = lv.lever_span(state.get("start", "") or "2007-01", "", last[0])
    else:
        span = res["span"]
        n = len(res["policies"])
        status.success(
            f"Run with {n} lever polic{'y' if n == 1 else 'ies'}, compared with {SHIPPED}"
            + ("" if res["policies"] == policies else " (levers changed since: press Run again)")
        )
        with status:
            effects_block(shipped, run, span, stale=res["policies"] != policies)
    ctx = Context(
        spec=spec,
        seed=seed,
        seeds=seeds,
        shipped=shipped,
        run=run,
        policies=res["policies"] if run is not None else [],
        span=span,
        topo=topojson_url(),
    )
    panels = load_panels()
    for tab, panel in zip(st.tabs([p.TITLE for p in panels]), panels, strict=True):
        with tab:
            panel.render(ctx)


if __name__ == "__main__":
    main()
