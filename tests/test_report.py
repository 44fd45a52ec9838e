"""``isthmus report``: a self-contained threat assessment, built fast, from scenarios or run folders."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ISTHMUS = [sys.executable, "-c", "from isthmus.cli import main; main()"]
EXTERNAL = re.compile(r'(?:src|href)\s*=\s*["\'](https?://[^"\']+)')


def _external(html: str) -> list[str]:
    return [
        u
        for u in EXTERNAL.findall(html)
        if not u.startswith(("http://127.0.0.1", "http://localhost"))
    ]


@pytest.fixture(scope="module")
def default_report(tmp_path_factory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    t0 = time.perf_counter()
    p = subprocess.run(
        [*ISTHMUS, "report", "central-america", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dt = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr[-2000:]
    return out, dt


def test_default_report_fast_and_self_contained(default_report):
    out, dt = default_report
    assert dt < 20, f"report took {dt:.1f} s"
    html = out.read_text(encoding="utf-8")
    assert _external(html) == []
    assert "window.PlotlyGeoAssets" in html and "world_110m" in html and "world_50m" in html
    assert html.index("window.PlotlyGeoAssets") < html.index(
        'isthmusPlot("fig-'
    )  # assets before figures
    assert "cdn.plot.ly" not in html.split("window.PlotlyGeoAssets")[1].split("</script>")[0]
    assert out.stat().st_size < 15e6


def test_default_report_sections(default_report):
    html = default_report[0].read_text(encoding="utf-8")
    for section in (
        "Key findings",
        "Maps",
        "Charts",
        "Data sources and parameter provenance",
        "against the baseline",
    ):
        assert section in html, section
    assert "no dated policies" in html  # the default baseline
    assert "Mexico 2006 strategy" in html  # dated policies with their sources
    assert "routes.theta" in html  # parameter provenance
    assert "places.csv" in html and "assumption" in html
    # findings are computed: the run's own numbers appear in them
    findings = html.split("id='findings'")[1].split("</ul>")[0]
    assert re.search(r"\d+% in 2000", findings)


def test_report_from_run_folder_with_findings(cli, tmp_path):
    code, out = cli("run", "central-america", "--out", str(tmp_path / "run"), "--quiet")
    assert code == 0, out
    fj = tmp_path / "findings.json"
    fj.write_text(
        json.dumps(
            [
                {
                    "finding": "F1",
                    "experiment": "Mexico enforcement x2",
                    "measured": "+12 points CA share",
                    "holds": True,
                },
                {"finding": "F6", "experiment": "gang share", "measured": "3%", "holds": False},
            ]
        )
    )
    rep = tmp_path / "r.html"
    code, out = cli(
        "report",
        str(tmp_path / "run"),
        "--compare",
        "none",
        "--findings",
        str(fj),
        "--out",
        str(rep),
    )
    assert code == 0, out
    html = rep.read_text(encoding="utf-8")
    assert "Seed findings" in html and "Mexico enforcement x2" in html
    assert 'class="holds"' in html and 'class="fails"' in html
    assert "reproduced by re-running" in html  # link flows back from the recorded seed/params
    assert "against the baseline" not in html


def test_report_compares_two_scenarios(cli, tmp_path, scenario_copy):
    # an alternative: no dated policies at all, as a scenario folder
    (scenario_copy / "policies.yaml").write_text("[]\n")
    rep = tmp_path / "cmp.html"
    code, out = cli("report", "central-america", "--compare", str(scenario_copy), "--out", str(rep))
    assert code == 0, out
    html = rep.read_text(encoding="utf-8")
    assert "minus baseline (sc)" in html  # difference maps against the folder's run
    assert "Against the baseline (baseline (sc))" in html


@pytest.mark.parametrize(
    "args, msg",
    [
        (["report", "no-such-scenario"], "no such scenario"),
        (["report", "central-america", "--findings", "/nonexistent.json"], "cannot read findings"),
    ],
)
def test_report_input_errors_exit_2(cli, tmp_path, args, msg):
    code, out = cli(*args, "--out", str(tmp_path / "x.html"))
    assert code == 2 and msg in out
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("period", [("2000-01", "2000-12"), ("2003-01", "2004-06")])
def test_report_on_short_synthetic_runs(tmp_path, period):
    """Short runs on another network: the report still builds, and says what it cannot compare."""
    from isthmus.scenario.synthetic import synthetic_scenario
    from isthmus.viz import build_report, simulate

    sc = synthetic_scenario(30, 80, 1, start=period[0], end=period[1])
    out = build_report(
        simulate(sc, seed=0), simulate(sc, seed=1, label="seed 1"), out=tmp_path / "r.html"
    )
    html = out.read_text(encoding="utf-8")
    assert "Key findings" in html and _external(html) == []
    if period[0][:4] == period[1][:4]:
        assert "no before and after to compare" in html
    else:
        assert "US-bound cocaine by first landfall" in html
