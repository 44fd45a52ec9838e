"""Write the generated tables of the docs from the calibrated default scenario.

- ``docs/calibration.md``: the model against every observation up to 2006 (mean over
  seeds 0-4, with the seeds' range), between the ``calibration-table`` markers;
- ``docs/groups-and-violence.md``: the violence estimates with their 90% intervals
  (``violence_fit.yaml``) and, per country and year, homicides by cause (fixed
  effect, contest, succession, predation, of which gangs, state), between the
  ``violence-estimates`` and ``violence-decomposition`` markers;
- ``docs/flow-engine.md``: US-bound departures by vector and first landfall, 2000-2006,
  between the ``vector-table`` markers (the map itself is ``scripts/screenshots.py``).

Usage::

    .venv/bin/python scripts/docs_tables.py [--seeds 5]

Nothing is typed in: every number comes from the runs or the fit's own file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
COUNTRIES = ("MEX", "GTM", "HND", "SLV", "NIC", "CRI", "PAN", "BLZ")
YEARS = (2000, 2003, 2005, 2006, 2008, 2010, 2012, 2015)


def fmt(x: float) -> str:
    """Three significant digits, thousands separated."""
    if x is None or not np.isfinite(x):
        return ""
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def replace_block(path: Path, name: str, body: str, heading: str) -> None:
    """Put ``body`` between ``<!-- name:start -->`` and ``<!-- name:end -->`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda m: block, text, flags=re.S)
    else:
        text = text.rstrip() + f"\n\n{heading}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def runs(seeds: int) -> list:
    from isthmus import Sim
    from isthmus.scenario import load_scenario

    sc = load_scenario("central-america")
    net = None
    out = []
    for s in range(seeds):
        sim = Sim(sc, seed=s, network=net)
        net = sim.net
        out.append(sim.run())
        print(f"  seed {s} done", file=sys.stderr, flush=True)
    return out


def model_value(r, row) -> float:  # noqa: ANN001
    y0 = int(row["year"])
    y1 = int(row["year_end"]) if str(row.get("year_end", "")).strip() not in ("", "nan") else y0
    vals = [r.annual(row["indicator"], row["region"], y) for y in range(y0, y1 + 1)]
    return float(np.mean(vals))


def calibration_table(rs: list) -> str:
    from isthmus.scenario import load_scenario

    sc = load_scenario("central-america")
    obs = pd.read_csv(Path(sc.path) / "observations.csv", dtype={"year_end": str})
    rows = []
    hom = obs[obs["indicator"] == "homicide_rate_per_100k"]
    other = obs[obs["indicator"] != "homicide_rate_per_100k"]
    for _, o in other.iterrows():
        vals = np.array([model_value(r, o) for r in rs])
        m = float(vals.mean())
        lo, hi = o.get("low"), o.get("high")
        rng = pd.notna(lo) and pd.notna(hi)
        observed = f"{fmt(lo)}–{fmt(hi)}" if rng else fmt(o["value"])
        if rng:
            fit = "inside" if lo <= m <= hi else f"{m / (lo if m < lo else hi):.2f} x bound"
        else:
            fit = f"{m / o['value']:.2f}" if o["value"] else ""
        years = str(o["year"]) + (
            f"–{o['year_end']}" if str(o["year_end"]) not in ("", "nan") else ""
        )
        rows.append(
            f"| `{o['indicator']}` | `{o['region']}` | {years} | {observed} {o['unit']} | "
            f"{fmt(m)} [{fmt(vals.min())}, {fmt(vals.max())}] | {fit} | {fmt(o['weight'])} |"
        )
    # Homicide series: one row per country (mean rate 2000-2006 over the years observed).
    for reg, g in hom.groupby("region"):
        if reg.startswith("MX-") or reg.startswith("HN-"):
            continue
        ys = [int(y) for y in g["year"]]
        ob = float(g["value"].mean())
        vals = np.array(
            [np.mean([r.annual("homicide_rate_per_100k", reg, y) for y in ys]) for r in rs]
        )
        rows.append(
            f"| `homicide_rate_per_100k` | `{reg}` | {min(ys)}–{max(ys)} (mean) | {fmt(ob)} per "
            f"100,000 | {fmt(vals.mean())} [{fmt(vals.min())}, {fmt(vals.max())}] | "
            f"{vals.mean() / ob:.2f} | {fmt(g['weight'].sum())} |"
        )
    mx = hom[hom["region"].str.startswith("MX-")]
    if len(mx):
        o = mx["value"].to_numpy(float)
        m = np.array(
            [
                np.mean([r.annual("homicide_rate_per_100k", x.region, int(x.year)) for r in rs])
                for x in mx.itertuples()
            ]
        )
        corr = float(np.corrcoef(o, m)[0, 1])
        rows.append(
            f"| `homicide_rate_per_100k` | the 32 Mexican states | 2000–2006 (224 state-years) "
            f"| INEGI | correlation {corr:.2f}, mean ratio {m.mean() / o.mean():.2f} | | "
            f"{fmt(mx['weight'].sum())} |"
        )
    head = (
        "| indicator | region | years | observed | model: mean [min, max] over seeds 0–"
        f"{len(rs) - 1} | model / observed | weight |\n|---|---|---|---|---|---|---|"
    )
    return head + "\n" + "\n".join(rows)


def estimates_table() -> str:
    from isthmus.scenario import load_scenario

    sc = load_scenario("central-america")
    f = yaml.safe_load((Path(sc.path) / "violence_fit.yaml").read_text())
    rows = ["| mechanism | parameter | estimate | 90% interval |", "|---|---|---|---|"]
    for k, v in f["coefficients"].items():
        lo, hi = v["interval90"]
        rows.append(f"| {k} | `{v['parameter']}` | {fmt(v['estimate'])} | {fmt(lo)}–{fmt(hi)} |")
    for k, v in (f.get("priors") or {}).items():
        rows.append(f"| {k} (prior, not fitted) | `{v['parameter']}` | {fmt(v['value'])} | |")
    rows.append("")
    rows.append(
        f"Fit on seeds {', '.join(map(str, f['seeds']))}, observations up to {f['cutoff']}; "
        f"over-dispersion {fmt(f['dispersion'])}; share of the within-unit variation the "
        f"mechanisms explain: {f['within_variation_explained']:.3f}."
    )
    return "\n".join(rows)


def decomposition_table(rs: list) -> str:
    causes = ("baseline", "contest", "succession", "predation", "state")
    rows = [
        "| country | year | homicides | fixed effect | contest | succession | predation "
        "| of which gangs | state |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in COUNTRIES:
        for y in YEARS:
            tot = np.mean([r.annual("homicides", c, y) for r in rs])
            parts = [np.mean([r.annual(f"homicides_{k}", c, y) for r in rs]) for k in causes]
            gang = np.mean([r.annual("homicides_predation_by_kind", f"{c}:gang", y) for r in rs])
            cells = " | ".join(f"{fmt(v)} ({v / tot:.0%})" if tot > 0 else "" for v in parts[:4])
            rows.append(f"| {c} | {y} | {fmt(tot)} | {cells} | {fmt(gang)} | {fmt(parts[4])} |")
    return "\n".join(rows)


def vector_table(rs: list) -> str:
    regs = (
        "eastern_pacific",
        "western_caribbean",
        "eastern_caribbean",
        "air",
        "container",
        "overland",
        "central_america",
        "mexico_direct",
        "caribbean",
        "direct_us",
    )
    years = range(2000, 2007)
    head = "| share of US-bound departures | " + " | ".join(str(y) for y in years) + " |"
    rows = [head, "|---|" + "---|" * len(years)]
    for g in regs:
        vals = [np.mean([r.annual("us_bound_share", g, y) for r in rs]) for y in years]
        if not np.isfinite(vals).all():
            continue
        rows.append(f"| `{g}` | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    dep = [np.mean([r.annual("departed_t", "usa", y) for r in rs]) for y in years]
    rows.append("| departed to the US (t) | " + " | ".join(fmt(v) for v in dep) + " |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    rs = runs(a.seeds)
    replace_block(
        DOCS / "calibration.md",
        "calibration-table",
        calibration_table(rs),
        "## The fit: model against the record up to 2006",
    )
    replace_block(
        DOCS / "groups-and-violence.md",
        "violence-estimates",
        estimates_table(),
        "## Estimates",
    )
    replace_block(
        DOCS / "groups-and-violence.md",
        "violence-decomposition",
        decomposition_table(rs),
        "## Homicides by cause, per country and year",
    )
    replace_block(
        DOCS / "flow-engine.md",
        "vector-table",
        vector_table(rs),
        "## US-bound flows by vector and first landfall, 2000-2006",
    )
    print("wrote docs/calibration.md, docs/groups-and-violence.md, docs/flow-engine.md")


if __name__ == "__main__":
    main()
