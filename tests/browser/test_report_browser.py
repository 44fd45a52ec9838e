"""The report renders completely in headless Chromium, offline."""

from __future__ import annotations

import pytest

from isthmus.viz.report import build_report
from isthmus.viz.rundata import simulate, without_policies

pytestmark = pytest.mark.browser  # needs Debian chromium (skipped without it)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "report.html"
    rd = simulate("central-america", seed=0, seeds=2, label="the scenario as shipped")
    base = simulate(
        without_policies("central-america"),
        seed=0,
        seeds=2,
        label="counterfactual: without its dated policies",
    )
    return build_report(rd, base, out=out)


def test_report_renders_offline(page, report):
    page.goto(report.as_uri())
    # every figure drawn: plotly marks its root with .js-plotly-plot
    n_divs = page.evaluate("document.querySelectorAll('.isthmus-fig').length")
    page.wait_for_function(
        "n => document.querySelectorAll('.isthmus-fig.js-plotly-plot').length === n",
        arg=n_divs,
        timeout=60_000,
    )
    assert n_divs >= 6
    # maps: base map (land, coastlines) and our boundaries drawn as SVG paths
    land = page.evaluate("document.querySelectorAll('.geo .layer.land path').length")
    coast = page.evaluate(
        "Array.from(document.querySelectorAll('.geo .layer.coastlines path'))"
        ".filter(p => (p.getAttribute('d') || '').length > 100).length"
    )
    shapes = page.evaluate("document.querySelectorAll('.geo .choroplethlayer path').length")
    flows = page.evaluate("document.querySelectorAll('.geo .scatterlayer path').length")
    assert land > 0 and coast > 0, "plotly's base map did not render (CDN fetch blocked?)"
    assert shapes > 40 and flows > 20
    # no geo subplot is blank
    geos = page.evaluate(
        """Array.from(document.querySelectorAll('.geo')).map(g => [
             g.querySelectorAll('.layer.land path').length,
             Array.from(g.querySelectorAll('.layer.coastlines path'))
               .filter(p => (p.getAttribute('d') || '').length > 100).length,
             g.querySelectorAll('path').length])"""
    )
    assert geos and all(land > 0 and coast > 0 for land, coast, _ in geos), geos
    assert sorted(n for *_, n in geos)[len(geos) // 2] > 10  # maps, not empty frames
    # the charts have lines
    assert page.evaluate("document.querySelectorAll('.cartesianlayer .trace path').length") > 10
    # the record is drawn: observed markers with their source in the hover text
    obs = page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(el =>
             (el.data || []).filter(t => (t.name || '').endsWith(': observed'))
             .map(t => (t.text || []).join(' ')))"""
    )
    assert obs and all("source:" in t for t in obs)
    # the contents link to the sections; the provenance is folded
    page.click("nav.toc a[href='#sources']")
    assert page.evaluate("document.querySelectorAll('#sources ~ details').length") >= 3
    assert not page.evaluate("document.querySelector('#sources ~ details').open")
    rec = page.recorder
    assert rec.remote() == [], f"requests left the machine: {rec.remote()[:5]}"
    assert all(u.startswith("file://") for u in rec.requests)
    assert rec.errors == []
