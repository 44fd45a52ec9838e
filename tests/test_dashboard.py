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
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at) -> list:
    return at.get("plotly_chart")


def test_loads_with_baseline_only(app):
    assert any("Baseline shown" in i.value for i in app.info)
    assert "result" not in app.session_state
    # every lever group the issue names has its checkbox when its type exists
    keys = {c.key for c in app.checkbox}
    assert "interdiction_surge:on" in keys
    assert app.radio(key="map_view").options == ["baseline"]
    assert len(_charts(app)) >= 3  # map + charts


def test_lever_then_run_compares_with_baseline(app):
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
    assert res["run"].label == "with levers"
    assert any("1 lever policy" in s.value for s in app.success)
    assert app.radio(key="map_view").value == "change against the baseline"
    assert len(_charts(app)) >= n_before
    # same scenario and seed: identical before the levers start, different after
    import numpy as np

    from isthmus.viz.rundata import simulate

    run = res["run"]
    base = simulate(run.scenario, seed=0)  # the very scenario the app ran (files may change)
    assert any(p.get("source") == "dashboard lever" for p in run.policies)
    pre, post = run.years < 2008, run.years >= 2009
    np.testing.assert_allclose(run.link_out[pre], base.link_out[pre])
    assert not np.allclose(run.link_out[post], base.link_out[post])


def test_changed_levers_flag_a_stale_run(app):
    app.checkbox(key="interdiction_surge:on").check().run()
    app.button(key="run").click().run()
    app.slider(key="interdiction_surge:size").set_value(2.0).run()
    assert any("levers changed since" in s.value for s in app.success)


def test_invalid_lever_shows_error_and_does_not_run(app):
    app.checkbox(key="interdiction_surge:on").check()
    app.text_input(key="start").input("2007-13").run()
    app.button(key="run").click().run()
    assert not app.exception
    assert app.error and "not a valid month" in app.error[0].value
    assert "result" not in app.session_state


def test_download_csv_holds_both_runs(app):
    app.checkbox(key="interdiction_surge:on").check().run()
    app.button(key="run").click().run()
    from isthmus.viz.app import results_csv

    res = app.session_state["result"]
    from isthmus.viz.rundata import simulate

    csv = results_csv(simulate("central-america", seed=0, label="baseline"), res["run"]).decode()
    header = csv.splitlines()[0]
    assert header == "run,indicator,region,year,value,unit"
    assert "\nbaseline,us_bound_share," in csv and "\nwith levers,us_bound_share," in csv


def test_unknown_scenario_folder_is_reported(app):
    app.text_input(key="folder").input("/no/such/folder").run()
    assert app.error and "no such scenario folder" in app.error[0].value
