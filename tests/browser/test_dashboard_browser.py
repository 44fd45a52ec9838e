"""The dashboard in a real browser: it loads; a lever and Run update the map, a chart and the
effects table (on screen at 1440x900); levers that would do nothing are refused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser  # needs Debian chromium (skipped without it)

# Plot divs as plotly keeps them: title and trace names of each figure on the page.
FIGS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
  title: (el.layout && el.layout.title && el.layout.title.text) || '',
  names: (el.data || []).map(t => t.name || ''),
  geo: el.querySelectorAll('.geo .layer.land path').length,
}))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path_factory.mktemp("cache")))
    log = tmp_path_factory.mktemp("log") / "serve.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from isthmus.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"isthmus serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _figs(page):
    return page.evaluate(FIGS_JS)


def _wait(page, js: str, timeout: int, what: str) -> None:
    """Wait for a JS condition; on timeout fail with what the page shows (e.g. a traceback)."""
    from playwright.sync_api import TimeoutError as PWTimeout

    try:
        page.wait_for_function(js, timeout=timeout)
    except PWTimeout:
        body = page.inner_text("body")[-3000:]
        pytest.fail(f"timed out waiting for {what}; console: {page.recorder.errors}; page:\n{body}")


def test_serve_binds_loopback_only(server):
    """The dashboard answers on 127.0.0.1 (and `isthmus serve` passes no other address)."""
    from isthmus.commands.serve import streamlit_command

    cmd = streamlit_command(__import__("pathlib").Path("x.py"), "127.0.0.1", 1)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    with urllib.request.urlopen(server + "app/static/world_50m.json", timeout=5) as r:
        assert r.status == 200 and b'"objects"' in r.read(2000)


def _open(page, server) -> None:
    page.goto(server)
    page.get_by_text("Showing the scenario as shipped").wait_for(timeout=180_000)


# Streamlit's frontend flags whether the script is running (its own end-to-end tests wait on it).
IDLE_JS = """() => !!document.querySelector(
  '[data-testid="stApp"][data-test-script-state="notRunning"]')"""
# Tags every plot div the page holds now; a div drawn anew later carries no tag.
TAG_JS = """() => { const a = document.querySelectorAll('.js-plotly-plot');
  a.forEach(el => { el.dataset.isthmusSeen = '1'; }); return a.length; }"""
UNTAGGED_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(el => el.dataset.isthmusSeen !== '1').map(el => el.layout && el.layout.title
  && el.layout.title.text || '(untitled)')"""


def _count_plots(page) -> int:
    return page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")


def _tag_plots(page) -> int:
    """Once the script has finished and its plots are drawn, tag them; return how many."""
    _wait(page, IDLE_JS, 60_000, "the script run to finish")
    _wait(page, "() => document.querySelectorAll('.js-plotly-plot').length > 0", 60_000, "plots")
    n = _count_plots(page)
    for _ in range(120):  # until no plot is still being mounted: the count holds for 0.5 s
        page.wait_for_timeout(500)
        if (m := _count_plots(page)) == n:
            break
        n = m
    return page.evaluate(TAG_JS)


def _assert_plots_kept(page, n: int) -> None:
    """The same ``n`` plot divs are on the page once the script has finished.

    A refused Run changes no figure, so no chart may be redrawn: a chart that
    Streamlit remounts is purged, and plotly.js raises a page error when a
    purged map's base map arrives afterwards.
    """
    _wait(page, IDLE_JS, 60_000, "the script run to finish")
    _wait(
        page,
        f"() => document.querySelectorAll('.js-plotly-plot').length >= {n}",
        60_000,
        f"{n} plots",
    )
    page.wait_for_timeout(300)  # a chart being remounted would show up untagged by now
    redrawn = page.evaluate(UNTAGGED_JS)
    assert redrawn == [], f"charts redrawn by a refused Run: {redrawn}"


def _surge_on(page) -> None:
    page.get_by_text("Interdiction surge", exact=True).click()
    page.get_by_text("countries", exact=True).wait_for(timeout=30_000)


def test_lever_and_run_update_map_and_chart(server, page):
    page.goto(server)
    # the map of the scenario as shipped, with plotly's base map served locally
    _wait(
        page,
        f"() => ({FIGS_JS})().some(f => f.geo > 0 && f.title.includes('the scenario as shipped'))",
        180_000,
        "the map of the scenario as shipped",
    )
    # Streamlit sends elements one by one: the charts come after the map
    _wait(
        page,
        f"() => ({FIGS_JS})().some(f => f.title.includes('first landfall'))",
        60_000,
        "the route-share chart",
    )
    page.get_by_text("Showing the scenario as shipped").wait_for(timeout=10_000)
    before = _figs(page)
    route = [f for f in before if "first landfall" in f["title"]]
    assert route, "no route-share chart"
    assert not any("(the scenario as shipped)" in n for n in route[0]["names"])
    assert not any(n.startswith("more flow than") for f in before for n in f["names"])
    # the record is drawn: observed markers next to the model
    assert any(n.endswith(": observed") for n in route[0]["names"])

    # a lever: interdiction surge (default: Guatemala and Honduras, +100%), then Run
    _surge_on(page)
    page.get_by_role("button", name="Run").click()

    # the map now shows the change, and the chart the scenario as shipped too
    _wait(
        page,
        f"() => ({FIGS_JS})().some(f => f.geo > 0 && f.title.includes('minus the scenario as shipped'))",
        180_000,
        "the difference map after Run",
    )
    _wait(
        page,
        f"""() => ({FIGS_JS})().some(f => f.title.includes('first landfall')
                 && f.names.some(n => n.includes('(the scenario as shipped)')))""",
        30_000,
        "the route-share chart with the scenario as shipped",
    )
    page.get_by_text("Run with 1 lever policy, compared with the scenario as shipped").wait_for(
        timeout=10_000
    )
    diff = [f for f in _figs(page) if "minus the scenario as shipped" in f["title"]][0]
    assert {"more flow than in the scenario as shipped", "less flow"} & set(diff["names"])

    rec = page.recorder
    assert rec.remote() == [], f"requests left the machine: {rec.remote()[:5]}"
    assert rec.errors == [], rec.errors


def test_effects_table_visible_without_scrolling(server, browser):
    """At 1440x900, after Run, the effects table is on screen before any scrolling."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    try:
        _open(page, server)
        _surge_on(page)
        page.get_by_role("button", name="Run").click()
        page.get_by_text("Effects of the levers").wait_for(timeout=180_000)
        table = page.locator('[data-testid="stDataFrame"]').first
        table.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        box = table.bounding_box()
        scroll = page.evaluate(
            "() => (document.querySelector('[data-testid=\"stMain\"]') || document.scrollingElement).scrollTop"
        )
        assert scroll == 0
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900, box
        # and it is the effects table (the grid's accessible cells hold its text)
        head = page.get_by_text("Effects of the levers").bounding_box()
        assert head is not None and head["y"] < box["y"]
        text = table.text_content() or ""
        assert "difference [90% interval]" in text and "cocaine delivered to the US" in text
    finally:
        ctx.close()


def test_empty_target_lever_is_refused(server, page):
    _open(page, server)
    _surge_on(page)
    for c in ("GTM", "HND"):
        page.locator(f'[data-testid="stSidebar"] [aria-label="Remove {c}"]').first.click()
    page.get_by_text("Interdiction surge: no target").first.wait_for(timeout=30_000)
    n = _tag_plots(page)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("Nothing was run").wait_for(timeout=60_000)
    assert page.get_by_text("Effects of the levers").count() == 0
    assert page.get_by_text("Run with 1 lever polic").count() == 0
    _assert_plots_kept(page, n)
    assert page.recorder.errors == [], page.recorder.errors


def test_lever_dated_outside_the_run_is_refused(server, page):
    _open(page, server)
    _surge_on(page)
    start = page.get_by_label("from (YYYY-MM)")
    start.fill("2030-01")
    start.press("Enter")
    page.get_by_text("2030-01 is after the run ends (2015-12)").first.wait_for(timeout=30_000)
    n = _tag_plots(page)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("Nothing was run").wait_for(timeout=60_000)
    assert page.get_by_text("Effects of the levers").count() == 0
    assert page.get_by_text("Run with 1 lever polic").count() == 0
    _assert_plots_kept(page, n)
    assert page.recorder.errors == [], page.recorder.errors
