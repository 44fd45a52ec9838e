"""The record: observed values drawn next to the model, each with its source.

Two tables of a scenario folder hold them, both with the schema of
``observations.csv`` (``isthmus scenario schema``) and both refused after
2006 (the calibration cutoff: later years are what the model predicts):

- ``observations.csv``: the fit data of the calibration;
- ``record.csv`` (optional): more observations, drawn on the charts only and
  never fitted (for example the Mexico-Central America corridor share, which
  the model gives as the Central American plus direct-to-Mexico landfall shares).

A multi-year observation (an annual average over 2000-2005) is drawn over
each of its years.

Examples
--------
>>> from isthmus import load_scenario
>>> rec = observed(load_scenario("central-america"))
>>> int(rec["year"].max())
2006
>>> sorted(rec.loc[rec["indicator"] == "homicide_rate_per_100k", "region"].unique())[:3]
['BLZ', 'CRI', 'DOM']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..scenario import Scenario, ScenarioError

RECORD_FILE = "record.csv"
COLUMNS = [
    "indicator",
    "region",
    "year",
    "value",
    "low",
    "high",
    "unit",
    "fitted",
    "span",
    "quantity",
    "source",
    "note",
]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})


def _rows(path: Path, fitted: bool) -> list[dict]:
    import csv

    from ..experiments.calibration import CUTOFF_YEAR, load_observations

    with open(path, encoding="utf-8", newline="") as f:
        notes = {k: (r.get("note") or "") for k, r in enumerate(csv.DictReader(f), start=2)}
    out = []
    for t in load_observations(path, cutoff=CUTOFF_YEAR):
        span = "" if len(t.years) == 1 else f"annual average {t.years[0]}-{t.years[-1]}"
        for y in t.years:
            out.append(
                {
                    "indicator": t.indicator,
                    "region": t.region,
                    "year": int(y),
                    "value": float(t.value),
                    "low": float(t.low) if t.low is not None else float("nan"),
                    "high": float(t.high) if t.high is not None else float("nan"),
                    "unit": t.unit,
                    "fitted": fitted,
                    "span": span,
                    "quantity": t.quantity,
                    "source": t.source,
                    "note": notes.get(t.line or -1, ""),
                }
            )
    return out


def observed(scenario: Scenario | None, notes: list[str] | None = None) -> pd.DataFrame:
    """Every observed value of a scenario's record, one row per year (empty if none).

    Parameters
    ----------
    scenario : Scenario or None
        A scenario loaded from a folder (its ``observations.csv`` and ``record.csv``).
    notes : list of str, optional
        Receives a line for each table that could not be read (the rest is still used).

    Returns
    -------
    DataFrame
        indicator, region, year, value, low, high, unit, fitted (fit data or
        not), span (``annual average 2000-2005`` or empty), quantity, source, note.
    """
    if scenario is None or getattr(scenario, "path", None) is None:
        return _empty()
    folder = Path(scenario.path)
    rows: list[dict] = []
    for name, fitted in (("observations.csv", True), (RECORD_FILE, False)):
        f = folder / name
        if not f.exists():
            continue
        try:
            rows += _rows(f, fitted)
        except ScenarioError as exc:
            if notes is not None:
                first = exc.problems[0] if exc.problems else ""
                notes.append(f"observed values of {name} not drawn: {first}")
    if not rows:
        return _empty()
    return pd.DataFrame(rows, columns=COLUMNS)


def for_series(record: pd.DataFrame, indicator: str, region: str) -> pd.DataFrame:
    """The observed rows of one indicator and region, by year."""
    if record.empty:
        return record
    r = record[(record["indicator"] == indicator) & (record["region"] == region)]
    return r.sort_values("year")
