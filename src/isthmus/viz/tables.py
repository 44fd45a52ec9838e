"""Tables of the report and the dashboard: effects with intervals, indicators by period.

:func:`effects` compares two runs over a period on the main indicators (the
difference is paired seed by seed when they share their seeds, with its 90%
interval); :func:`effects_display` writes it for a reader, a unit on every
number. :func:`indicator_table` gives a run's indicators by period (calibration,
prediction, later), next to the latest observed value.

Examples
--------
>>> from isthmus.viz.rundata import simulate, without_policies
>>> a = simulate("central-america", seed=0, seeds=2, label="as shipped")
>>> b = simulate(without_policies("central-america"), seed=0, seeds=2, label="counterfactual")
>>> e = effects(a, b, (2007, 2012))
>>> bool((e["diff_p05"] <= e["diff_p95"]).all())
True
>>> list(effects_display(e, a, b).columns)[:3]
['indicator', 'unit', 'as shipped']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .narrative import effect_quantities
from .quantities import (
    FIT_END,
    PREDICTION,
    Quantity,
    difference,
    fmt_est,
    fmt_value,
    paired,
    period_name,
    sig,
    span_values,
)
from .record import for_series
from .rundata import RunData

EFFECT_COLUMNS = [
    "indicator_label",
    "indicator",
    "region",
    "unit",
    "period",
    "relative",
    "run",
    "other",
    "run_mean",
    "other_mean",
    "diff_mean",
    "diff_p05",
    "diff_p95",
    "n_seeds",
    "paired",
    "clear",
]


def _mean(rd: RunData, q: Quantity, span: tuple[int, int]) -> float:
    v = span_values(rd, q, span)
    return float(v.mean()) if len(v) else float("nan")


def effects(rd: RunData, other: RunData, span: tuple[int, int]) -> pd.DataFrame:
    """Main indicators of two runs over ``span`` and their difference (``rd - other``).

    Tons, prices and counts differ as a relative change (``relative``: 0.09 is
    +9%); shares as points. ``clear`` is True when the 90% interval of the
    paired difference excludes zero (None without an interval).
    """
    rows = []
    for q, rel in effect_quantities(rd):
        x, y = _mean(rd, q, span), _mean(other, q, span)
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        e = difference(rd, other, q, span, relative=rel)
        rows.append(
            dict(
                indicator_label=q.label,
                indicator=q.indicator,
                region=q.region,
                unit=q.unit,
                period=f"{span[0]}-{span[1]}",
                relative=rel,
                run=rd.label,
                other=other.label,
                run_mean=x,
                other_mean=y,
                diff_mean=e.mean,
                diff_p05=e.lo if e.has_interval else np.nan,
                diff_p95=e.hi if e.has_interval else np.nan,
                n_seeds=e.n,
                paired=paired(rd, other),
                clear=(not e.contains_zero) if e.has_interval else None,
            )
        )
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def effects_display(eff: pd.DataFrame, rd: RunData, other: RunData) -> pd.DataFrame:
    """The effects for a reader: every cell a string with its unit; intervals in brackets."""
    from .quantities import Est

    out = []
    for r in eff.itertuples(index=False):
        e = Est(r.diff_mean, r.diff_p05, r.diff_p95, int(r.n_seeds))
        unit = r.unit
        diff = fmt_est(e, "%change" if r.relative else ("points" if unit == "%" else unit))
        if r.clear is None:
            clear = "n/a (one seed)" if r.paired else "n/a (runs with different seeds)"
        else:
            clear = "yes" if r.clear else "no: contains zero"
        out.append(
            {
                "indicator": r.indicator_label,
                "unit": "million persons" if unit == "persons" else unit,
                rd.label: _cell(r.run_mean, unit),
                other.label: _cell(r.other_mean, unit),
                "difference [90% interval]": diff,
                "interval excludes zero": clear,
            }
        )
    return pd.DataFrame(out)


def _cell(x: float, unit: str) -> str:
    if unit == "persons":
        return sig(x / 1e6)
    return sig(x)


def indicator_table(rd: RunData, before: tuple[int, int], after: tuple[int, int]) -> pd.DataFrame:
    """A run's main indicators by period, mean over seeds, next to the latest observed value.

    Columns: indicator, unit, one per period (named with its status), and
    "observed (year)" when the record has a value up to 2006.
    """
    from .charts import record_of

    periods = [before, after]
    last = rd.last_year
    if after[1] < last:
        periods.append((after[1] + 1, last))
    rec = record_of(rd)
    rows = []
    for q, _rel in effect_quantities(rd):
        row = {"indicator": q.label, "unit": "million persons" if q.unit == "persons" else q.unit}
        for sp in periods:
            row[period_name(sp)] = _cell(_mean(rd, q, sp), q.unit)
        obs = for_series(rec, q.indicator, q.region)
        obs = obs[obs["year"] <= FIT_END] if len(obs) else obs
        if len(obs):
            o = obs.iloc[-1]
            v = float(o["value"]) * q.scale
            row[f"observed (latest up to {FIT_END})"] = f"{_cell(v, q.unit)} ({int(o['year'])})"
        else:
            row[f"observed (latest up to {FIT_END})"] = ""
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df) and not df[f"observed (latest up to {FIT_END})"].astype(bool).any():
        df = df.drop(columns=[f"observed (latest up to {FIT_END})"])
    return df


def period_legend() -> str:
    """One sentence on how years are marked everywhere."""
    return (
        f"Years are marked the same way on every chart, table and map: up to {FIT_END} the "
        f"calibration years (the model was fitted to data up to {FIT_END} only); "
        f"{PREDICTION[0]}-{PREDICTION[1]} the prediction (not fitted, to be checked against "
        f"what happened); after {PREDICTION[1]} years with no data to test against."
    )


__all__ = [
    "effects",
    "effects_display",
    "fmt_value",
    "indicator_table",
    "period_legend",
]
