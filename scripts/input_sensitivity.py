"""Sensitivity runs for the dated inputs whose size is an assumption (``docs/inputs.md``).

Every policy of the default scenario whose ``source`` states an assumption about its
size (or its duration) is run at half and at twice its size, with everything else as
shipped, on seeds 0-2 (common random numbers). The table reports, for the four years
from the policy's start, how much the main outcomes move: the US price per pure gram,
the Central American and Caribbean shares of US-bound cocaine, and the flow through
and homicides in the countries the policy targets.

Usage::

    .venv/bin/python scripts/input_sensitivity.py [--seeds 3]

It rewrites the block between the ``input-sensitivity`` markers of ``docs/inputs.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from docs_tables import replace_block  # noqa: E402

COUNT_TYPES = {"kingpin_strategy"}  # sizes that are counts of events, not assumptions


def assumed(p: dict) -> bool:
    src = str(p.get("source", "")).lower()
    return p.get("type") not in COUNT_TYPES and "assumption" in src


def countries(p: dict, sc) -> list[str]:  # noqa: ANN001
    t = p.get("target") or {}
    c = t.get("country")
    out = [c] if isinstance(c, str) else list(c or [])
    places = t.get("places") or []
    pl = sc.places.set_index("id")
    out += [str(pl.loc[x, "country"]) for x in places if x in pl.index]
    return sorted({x for x in out if isinstance(x, str) and len(x) == 3 and x != "transit_zone"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    from isthmus import Sim
    from isthmus.scenario import load_scenario

    sc = load_scenario("central-america")
    seeds = list(range(a.seeds))
    net = None

    def run(s):  # noqa: ANN001, ANN202
        nonlocal net
        out = []
        for seed in seeds:
            sim = Sim(s, seed=seed, network=net)
            net = sim.net
            out.append(sim.run())
        return out

    base = run(sc)

    def mean(rs, ind, regions, years, agg="mean") -> float:  # noqa: ANN001
        v = [
            sum(r.annual(ind, g, y) for g in regions)
            if agg == "sum"
            else np.mean([r.annual(ind, g, y) for g in regions])
            for r in rs
            for y in years
        ]
        return float(np.nanmean(v))

    rows = []
    pols = list(sc.policies)
    for i, p in enumerate(pols):
        if not assumed(p):
            continue
        y0 = int(str(p["start"])[:4])
        years = range(y0, min(y0 + 4, sc.end[0] + 1))
        cs = countries(p, sc)
        cells = []
        for factor in (0.5, 2.0):
            v = sc.copy()
            q = dict(p)
            q["size"] = float(p["size"]) * factor
            v.policies = pols[:i] + [q] + pols[i + 1 :]
            rv = run(v)
            eff = []
            for ind, regs, agg in (
                ("price_per_pure_gram_usd", ["usa"], "mean"),
                ("us_bound_share", ["central_america"], "mean"),
                ("us_bound_share", ["caribbean"], "mean"),
                ("flow_t", cs, "sum"),
                ("homicides", cs, "sum"),
            ):
                if not regs:
                    eff.append("")
                    continue
                b = mean(base, ind, regs, years, agg)
                x = mean(rv, ind, regs, years, agg)
                if ind == "us_bound_share":
                    eff.append(f"{x - b:+.3f}")
                else:
                    ok = b and np.isfinite(b) and np.isfinite(x)  # no homicide series: n/a
                    eff.append(f"{x / b - 1:+.1%}" if ok else "n/a")
            cells.append(eff)
        name = p.get("name", p["type"])
        size = p["size"]
        where = ", ".join(cs) or "transit zone"
        for factor, eff in zip(("x 0.5", "x 2"), cells, strict=True):
            rows.append(
                f"| {p['start']} {name} | {size:g} | {factor} | {years.start}-{years.stop - 1} | "
                f"{where} | " + " | ".join(eff) + " |"
            )
        print(f"  {name}: done", file=sys.stderr, flush=True)
    head = (
        "| input | size as shipped | run at | years | countries | US price per pure gram | "
        "CA share (points) | Caribbean share (points) | flow through the countries | "
        "homicides in the countries |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    body = (
        head
        + "\n"
        + "\n".join(rows)
        + (
            f"\n\nChange against the scenario as shipped, mean over seeds "
            f"{', '.join(map(str, seeds))} and the four years from the input's start."
        )
    )
    replace_block(ROOT / "docs" / "inputs.md", "input-sensitivity", body, "## Sensitivity runs")
    print("wrote docs/inputs.md")


if __name__ == "__main__":
    main()
