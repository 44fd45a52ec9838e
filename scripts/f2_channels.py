"""Which of Mexico's inputs from December 2006 make finding F2's US price and purity effect.

Each group of Mexico's policies starting 2006-12 or later (the protocol's escalation:
the same selection as :func:`isthmus.experiments.findings.no2006`) is kept alone, and
every group is also removed alone; each variant is compared with the scenario without
any of them, on the findings protocol's window (2008-2009) and seeds (0-4, common
random numbers). Prints a markdown table (``docs/markets.md``, "F2 in the default run").

Usage::

    .venv/bin/python scripts/f2_channels.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import statistics as st

from isthmus import Sim, load_scenario
from isthmus.experiments.findings import is_mexican, mexican_groups, without_policies

GROUPS = {
    "the joint operations by state (troops)": lambda p: p["type"] == "military_deployment",
    "the navy and air force joining": lambda p: (
        p["type"] == "interdiction_surge" and "navy" in p["name"]
    ),
    "the first-landing rule for light aircraft": lambda p: "NOTAM" in p["name"],
    "the leader removals": lambda p: p["type"] == "kingpin_strategy",
}


def us_2008_09(sc, seed: int) -> tuple[float, float]:
    """Mean US price per pure gram and purity over 2008-2009."""
    df = Sim(sc, seed=seed).run().indicators_annual
    u = df[(df.region == "usa") & df.year.isin([2008, 2009])]
    return (
        float(u[u.indicator == "price_per_pure_gram_usd"].value.mean()),
        float(u[u.indicator == "purity"].value.mean()),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    seeds = range(ap.parse_args().seeds)
    sc = load_scenario("central-america")
    groups = mexican_groups(sc)

    def escalation(p: dict) -> bool:
        return is_mexican(p, groups) and str(p.get("start", "")) >= "2006-12"

    ref = {s: us_2008_09(without_policies(sc, escalation), s) for s in seeds}
    variants = {"all (the protocol's F2a, F2b)": sc}
    for name, sel in GROUPS.items():
        variants[f"{name} only"] = without_policies(
            sc, lambda p, sel=sel: escalation(p) and not sel(p)
        )
        variants[f"all but {name}"] = without_policies(
            sc, lambda p, sel=sel: escalation(p) and sel(p)
        )
    print("| Mexico's inputs from 2006-12 | US price per pure gram 2008-09 | US purity 2008-09 |")
    print("|---|---|---|")
    for name, v in variants.items():
        r = {s: us_2008_09(v, s) for s in seeds}
        price = st.mean(r[s][0] / ref[s][0] for s in seeds)
        purity = st.mean(r[s][1] / ref[s][1] for s in seeds)
        print(f"| {name} | x{price:.3f} | x{purity:.3f} |", flush=True)


if __name__ == "__main__":
    main()
