"""Regression: summary figures of the default run, against a baseline refreshed only on purpose.

If this fails after an intended change, run ``python scripts/refresh_baseline.py`` and
commit the new baseline, saying why in the commit message.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_default_run_matches_baseline() -> None:
    spec = importlib.util.spec_from_file_location(
        "refresh_baseline", ROOT / "scripts" / "refresh_baseline.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    base = pd.read_csv(ROOT / "tests" / "baselines" / "central-america-seed0.csv")
    now = mod.summary()
    merged = base.merge(
        now, on=["indicator", "region", "year"], how="outer", suffixes=("_base", "_now")
    )
    assert merged[["value_base", "value_now"]].notna().all().all(), (
        "indicators appeared or disappeared"
    )
    off = ~np.isclose(merged["value_now"], merged["value_base"], rtol=1e-6, atol=1e-9)
    assert not off.any(), merged[off].to_string()
