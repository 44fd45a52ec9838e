"""Refresh the regression baseline of the default run, on purpose only.

The baseline holds summary figures of ``central-america`` (seed 0). The test
``tests/test_regression.py`` fails when a change moves any of them; if the change
is intended, rerun this script and commit the new baseline with a note saying why.

Usage::

    python scripts/refresh_baseline.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from isthmus import Sim

OUT = Path(__file__).resolve().parents[1] / "tests" / "baselines" / "central-america-seed0.csv"
YEARS = (2000, 2003, 2006, 2008, 2010, 2012, 2015)
KEYS = [
    ("supply_t", "andes"),
    ("delivered_t", "usa"),
    ("delivered_t", "europe"),
    ("us_bound_share", "central_america"),
    ("us_bound_share", "caribbean"),
    ("us_bound_share", "mexico_direct"),
    ("seizure_share", "transit_zone"),
    ("seized_t", "MEX"),
    ("flow_t", "GTM"),
    ("flow_t", "HND"),
    ("price_per_pure_gram_usd", "usa"),
    ("purity", "usa"),
    ("users_past_month", "usa"),
    ("homicide_rate_per_100k", "MEX"),
    ("homicide_rate_per_100k", "GTM"),
    ("homicide_rate_per_100k", "HND"),
    ("homicide_rate_per_100k", "SLV"),
    ("cocaine_handled_share", "gang"),
]


def summary() -> pd.DataFrame:
    r = Sim("central-america", seed=0).run()
    rows = [
        {"indicator": i, "region": g, "year": y, "value": r.annual(i, g, y)}
        for i, g in KEYS
        for y in YEARS
        if i in r.series
    ]
    return pd.DataFrame(rows)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    summary().to_csv(OUT, index=False, float_format="%.10g")
    print(f"wrote {OUT}")
