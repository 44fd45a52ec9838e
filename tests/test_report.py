"""``isthmus report``: a self-contained threat assessment, built fast, from scenarios or run folders."""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from isthmus.scenario import load_scenario

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
    root = tmp_path_factory.mktemp("report")
    out = root / "new" / "report.html"  # a folder that does not exist yet
    t0 = time.perf_counter()
    p = subprocess.run(
        [
            *ISTHMUS,
            "report",
            "central-america",
            "--out",
            str(out),
            "--data-out",
            str(root / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    dt = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr[-2000:]
    assert "created the folder" in p.stdout and "new" in p.stdout  # said, not silent
    return out, dt


def test_default_report_self_contained(default_report):
    out, _dt = default_report
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
        "Effects against the counterfactual",
        "Main indicators by period",
        "Maps",
        "Charts: the model against the record",
        "Data sources and parameter provenance",
    ):
        assert section in html, section
    # a table of contents that links every section; the provenance folds
    toc = html.split("<nav class='toc'>")[1].split("</nav>")[0]
    for anchor in ("#findings", "#effects", "#maps", "#charts", "#sources"):
        assert anchor in toc and f"id='{anchor[1:]}'" in html
    sources = html.split("id='sources'")[1]
    assert sources.count("<details>") >= 4 and "<summary>Module parameters" in sources
    # one name for each thing
    assert "the scenario as shipped" in html
    assert "counterfactual: without its dated policies" in html
    assert "other homicides (not group-related)" in html
    # ("baseline" survives only in the provenance, quoting parameter names and sources)
    assert not re.search(r"\bbaseline\b", _visible_text(html.split("id='sources'")[0]))
    # the dated policies (what the counterfactual leaves out), each with its source
    pols = load_scenario("central-america").policies
    assert f"Dated policies of the run ({len(pols)})" in sources
    shown = html_lib.unescape(_visible_text(sources))
    for p in pols:
        assert p["name"] in shown and p["source"][:60] in shown, p["name"]
    assert "Operativo Conjunto Michoacan" in shown  # Mexico's December 2006 strategy
    assert "routes.theta" in html  # parameter provenance
    assert "places.csv" in html and "assumption" in html
    # findings are computed: the run's own numbers appear in them, with intervals over seeds
    findings = html.split("id='findings'")[1].split("</ul>")[0]
    assert re.search(r"\d+% in 2000", findings)
    assert "5 seeds" in html and re.search(r"[+−]\d[\d.,]*% \[[+−]?\d", findings)
    # periods named with their status
    assert "2000-2006 (calibration)" in html and "2007-2012 (prediction)" in html


def _visible_text(html: str) -> str:
    """The page's text outside scripts and tags (names shown to the reader)."""
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_report_data_out_is_the_table_behind_every_chart(default_report):
    out, _ = default_report
    data = out.parent.parent / "data"
    cs = pd.read_csv(data / "chart_series.csv")
    assert list(cs.columns[:7]) == ["chart", "series", "kind", "region", "year", "value", "unit"]
    assert set(cs["kind"]) == {"model", "model_p05", "model_p95", "observed"}
    # every chart of the report has its rows
    html = out.read_text(encoding="utf-8")
    for key in set(cs["chart"]):
        assert f'isthmusPlot("fig-{key}-' in html, key
    num = cs[pd.to_numeric(cs["year"], errors="coerce").notna()].copy()
    num["year"] = num["year"].astype(int)
    obs = num[num["kind"] == "observed"]
    assert obs["year"].max() <= 2006 and obs["source"].notna().all() and (obs["source"] != "").all()
    # bands hold the mean, for every chart and year
    w = num[num["kind"] != "observed"].pivot_table(
        index=["chart", "series", "region", "year"], columns="kind", values="value"
    )
    w = w.dropna()
    assert (
        len(w)
        and ((w["model_p05"] <= w["model"] + 1e-9) & (w["model"] <= w["model_p95"] + 1e-9)).all()
    )
    # the counterfactual's lines and the effects with their intervals
    cf = pd.read_csv(data / "counterfactual_series.csv")
    assert set(cf["kind"]) <= {"model", "model_p05", "model_p95"} and len(cf)
    eff = pd.read_csv(data / "effects.csv")
    assert (eff["diff_p05"] <= eff["diff_p95"]).all() and (eff["n_seeds"] == 5).all()


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
    assert "a run folder holds one seed, so there are no intervals" in html
    assert "Effects against the counterfactual" not in html


def test_report_compares_two_scenarios(cli, tmp_path, scenario_copy):
    # an alternative: no dated policies at all, as a scenario folder
    (scenario_copy / "policies.yaml").write_text("[]\n")
    rep = tmp_path / "cmp.html"
    code, out = cli(
        "report",
        "central-america",
        "--compare",
        str(scenario_copy),
        "--seeds",
        "2",
        "--out",
        str(rep),
    )
    assert code == 0, out
    html = rep.read_text(encoding="utf-8")
    assert "minus counterfactual: sc" in html  # difference maps against the folder's run
    assert "Against counterfactual: sc, in 2007-2012 (prediction) (paired over 2 seeds" in html


@pytest.mark.parametrize(
    "args, msg",
    [
        (["report", "no-such-scenario"], "no such scenario"),
        (["report", "central-america", "--findings", "/nonexistent.json"], "cannot read findings"),
        (["report", "central-america", "--pivot", "2030"], "2030 is outside the run (2000-2015)"),
        (["report", "central-america", "--pivot", "2015"], "give a year from 2000 to 2014"),
        (["report", "central-america", "--pivot", "1990"], "outside the run"),
    ],
)
def test_report_input_errors_exit_2(cli, tmp_path, args, msg):
    code, out = cli(*args, "--out", str(tmp_path / "x.html"), "--data-out", str(tmp_path / "d"))
    assert code == 2 and msg in out
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "d").exists()


def test_pivot_outside_a_run_folder_exits_2(cli, tmp_path):
    code, out = cli("run", "central-america", "--out", str(tmp_path / "run"), "--quiet")
    assert code == 0, out
    code, out = cli(
        "report", str(tmp_path / "run"), "--pivot", "2030", "--out", str(tmp_path / "x.html")
    )
    assert code == 2 and "outside the run" in out
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


def test_unusable_output_paths_stop_the_report_before_any_work(cli, tmp_path):
    (tmp_path / "afile").write_text("")
    code, out = cli("report", "central-america", "--out", str(tmp_path))  # a folder
    assert code == 2 and "is a folder" in out
    code, out = cli(
        "report",
        "central-america",
        "--out",
        str(tmp_path / "r.html"),
        "--data-out",
        str(tmp_path / "afile" / "d"),
    )
    assert code == 2 and "--data-out" in out and "is a file" in out
    assert not (tmp_path / "r.html").exists()
