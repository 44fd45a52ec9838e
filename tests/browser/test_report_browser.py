"""The report renders completely in headless Chromium, offline."""

from __future__ import annotations

import pytest

from isthmus.viz.report import build_report
from isthmus.viz.rundata import simulate, without_policies

pytestmark = pytest.mark.browser  # needs Debian chromium (skipped without it)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "report.html"
    rd = simulate("central-america", seed=0)
    base = simulate(without_policies("central-america"), seed=0, label="no dated policies")
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
        "Array.from(document.querySelectorAll('.geo')).map(g => g.querySelectorAll('path').length)"
    )
    assert geos and min(geos) > 10
    # the charts have lines
    assert page.evaluate("document.querySelectorAll('.cartesianlayer .trace path').length") > 10
    rec = page.recorder
    assert rec.remote() == [], f"requests left the machine: {rec.remote()[:5]}"
    assert all(u.startswith("file://") for u in rec.requests)
    assert rec.errors == []
