"""The dashboard's lever logic through Streamlit's AppTest (no browser)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = str(Path(str(resources.files("isthmus.viz"))) / "app.py")


@pytest.fixture()
def app(monkeypatch):
    # as under `isthmus serve`: the base map is served locally, so maps are drawn
    monkeypatch.setenv("ISTHMUS_TOPOJSON_URL", "app/static/")
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at) -> list:
    return at.get("plotly_chart")


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_loads_with_the_scenario_as_shipped(app):
    assert any("Showing the scenario as shipped" in i for i in _texts(app.info))
    assert "result" not in app.session_state
    assert app.number_input(key="seeds").value == 5  # several seeds by default
    # every lever group the issue names has its checkbox when its type exists
    keys = {c.key for c in app.checkbox}
    assert "interdiction_surge:on" in keys
    assert app.radio(key="map_view").options == ["the scenario as shipped"]
    assert len(_charts(app)) >= 3  # map + charts
    assert not app.success  # no success box over nothing
    assert [t.label for t in app.tabs] == ["Maps", "Charts", "Findings", "Data", "Optimise"]


def test_lever_then_run_shows_the_effects_with_intervals(app):
    n_before = len(_charts(app))
    app.checkbox(key="interdiction_surge:on").check().run()
    # several widgets changed, one rerun
    app.multiselect(key="interdiction_surge:countries").set_value(["HND", "transit_zone"])
    app.multiselect(key="interdiction_surge:modes").set_value(["land", "sea"])
    app.slider(key="interdiction_surge:size").set_value(1.5)
    app.text_input(key="start").input("2008-06").run()
    assert "result" not in app.session_state  # nothing runs before the button
    app.button(key="run").click().run()
    assert not app.exception, app.exception
    res = app.session_state["result"]
    assert res["policies"] == [
        {
            "type": "interdiction_surge",
            "name": "dashboard: Interdiction surge",
            "start": "2008-06",
            "target": {"country": ["HND", "transit_zone"], "modes": ["land", "sea"]},
            "size": 1.5,
            "source": "dashboard lever",
        }
    ]
    run = res["run"]
    assert run.label == "with levers" and run.n_seeds == 5
    assert res["span"] == (2008, 2015)
    assert any("1 lever policy" in s for s in _texts(app.success))
    assert app.radio(key="map_view").value == "change against the scenario as shipped"
    assert len(_charts(app)) >= n_before
    # the effects table: one row per main indicator, a difference with its 90% interval
    eff = [d.value for d in app.dataframe if "difference [90% interval]" in d.value.columns]
    assert eff, "no effects table"
    tab = eff[0]
    assert "cocaine delivered to the US" in set(tab["indicator"])
    assert tab["difference [90% interval]"].str.contains(r"\[").all()
    assert {"with levers", "the scenario as shipped", "unit"} <= set(tab.columns)
    assert any("Effects of the levers, 2008-2015" in m.value for m in app.markdown)
    # same scenario and seeds: identical before the levers start, different after (maps' replicate)
    import numpy as np

    from isthmus.viz.rundata import simulate

    base = simulate(run.scenario, seed=run.map_seed)  # the very scenario the app ran
    assert any(p.get("source") == "dashboard lever" for p in run.policies)
    pre, post = run.years < 2008, run.years >= 2009
    np.testing.assert_allclose(run.link_out[pre], base.link_out[pre])
    assert not np.allclose(run.link_out[post], base.link_out[post])


def test_changed_levers_flag_a_stale_run(app):
    app.checkbox(key="interdiction_surge:on").check().run()
    assert not app.error  # a lever just switched on is judged on its default targets
    app.button(key="run").click().run()
    app.slider(key="interdiction_surge:size").set_value(2.0).run()
    assert any("levers changed since" in s for s in _texts(app.success))


def test_invalid_month_shows_error_and_does_not_run(app):
    app.checkbox(key="interdiction_surge:on").check()
    app.text_input(key="start").input("2007-13").run()
    assert any("not a month" in e for e in _texts(app.error))  # at the field, before Run
    app.button(key="run").click().run()
    assert not app.exception
    assert any("Nothing was run" in e for e in _texts(app.error))
    assert "result" not in app.session_state and not app.success


@pytest.mark.parametrize(
    "start, end, msg",
    [
        ("2030-01", "", "after the run ends (2015-12)"),
        ("1990-01", "", "before the run starts (2000-01)"),
        ("2008-01", "2020-12", "after the run ends"),
        ("2010-01", "2008-12", "before the start 2010-01"),
    ],
)
def test_lever_dated_outside_the_run_is_refused(app, start, end, msg):
    app.checkbox(key="interdiction_surge:on").check()
    app.text_input(key="start").input(start)
    app.text_input(key="end").input(end).run()
    assert any(msg in e for e in _texts(app.error)), _texts(app.error)
    app.button(key="run").click().run()
    assert "result" not in app.session_state and not app.success


def test_lever_without_target_is_refused_at_the_lever(app):
    app.checkbox(key="interdiction_surge:on").check().run()
    app.multiselect(key="interdiction_surge:countries").set_value([]).run()
    errs = _texts(app.error)
    assert any("Interdiction surge: no target" in e for e in errs)  # shown before Run
    app.button(key="run").click().run()
    assert "result" not in app.session_state and not app.success
    assert any("Nothing was run" in e and "no target" in e for e in _texts(app.error))


def test_run_without_any_lever_is_refused(app):
    app.button(key="run").click().run()
    assert "result" not in app.session_state and not app.success
    assert any("no lever is switched on" in e for e in _texts(app.error))


def test_download_csv_holds_both_runs(app):
    app.checkbox(key="interdiction_surge:on").check().run()
    app.button(key="run").click().run()
    from isthmus.viz.panels.data import results_csv

    res = app.session_state["result"]
    from isthmus.viz.rundata import simulate

    csv = results_csv(
        simulate("central-america", seed=0, label="the scenario as shipped"), res["run"]
    ).decode()
    header = csv.splitlines()[0]
    assert header == "run,indicator,region,year,value,unit"
    assert "\nthe scenario as shipped,us_bound_share," in csv
    assert "\nwith levers,us_bound_share," in csv


def test_unknown_scenario_folder_is_reported(app):
    app.text_input(key="folder").input("/no/such/folder").run()
    assert app.error and "no such scenario folder" in app.error[0].value
