"""Numbers as an analyst reads them: quantities with units, intervals over seeds, periods.

- A :class:`Quantity` is what a sentence, a table row or a chart line shows:
  an indicator (or a sum over some of its regions), a display unit and a scale.
- :func:`per_seed` gives a quantity's values seed by seed; :func:`band` its
  mean and 90% interval per year; :func:`change` and :func:`difference` an
  :class:`Est` (mean and 90% interval over seeds) of a change between two
  periods or of a paired difference between two runs.
- :func:`sig`, :func:`fmt_value` and :func:`fmt_est` write every number with
  three significant digits and its unit; a difference carries its interval
  ("-9% [-14%, -4%]") and says when the interval contains zero.
- :data:`FIT_END` and :data:`PREDICTION` are the calibration cutoff and the
  hindcast window; :func:`period_status` names the status of any period.

Examples
--------
>>> sig(659.3), sig(932.42), sig(0.396), sig(12345.0)
('659', '932', '0.396', '12,300')
>>> fmt_est(Est(-0.09, -0.14, -0.04, 5), "%change")
'−9% [−14%, −4%]'
>>> period_status((2007, 2012))
'prediction'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .rundata import RunData, year_span

#: Last year of the calibration data (observations after it are never fitted).
FIT_END = 2006
#: The hindcast window: predicted by the model, never fitted.
PREDICTION = (2007, 2012)
MINUS = "\u2212"

ISO3_SKIP = ("XTZ",)


def _is_iso3(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and code.isupper() and code not in ISO3_SKIP


@dataclass(frozen=True)
class Quantity:
    """A number shown to the reader: an indicator (or a sum over regions), unit and scale.

    Parameters
    ----------
    indicator : str
        Public indicator name.
    region : str
        Region read; for a sum, the name given to the sum (``central_america``...).
    label : str
        Words for the reader ("cocaine delivered to the US").
    unit : str
        Display unit ("t/yr", "%", "USD/g", "per 100,000"...).
    scale : float
        Display value = indicator value x scale.
    parts : tuple of str, optional
        Regions summed (``("*iso3",)``: every country).
    """

    indicator: str
    region: str
    label: str
    unit: str
    scale: float = 1.0
    parts: tuple[str, ...] = ()

    def columns(self, available: list[str]) -> list[str]:
        if not self.parts:
            return [self.region] if self.region in available else []
        if self.parts == ("*iso3",):
            return [c for c in available if _is_iso3(c)]
        return [c for c in self.parts if c in available]


def per_seed(rd: RunData, q: Quantity) -> pd.DataFrame:
    """A quantity per seed: seeds (rows, in replicate order) x years, in display units.

    Empty when the run lacks the indicator or the region. Cached on the run.
    """
    key = ("per_seed", q)
    if key in rd._cache:
        return rd._cache[key]
    seeds, years, regions, a = rd.cube(q.indicator)
    cols = q.columns(regions)
    if not cols:
        out = pd.DataFrame()
    else:
        pos = [regions.index(c) for c in cols]
        sub = a[:, :, pos]
        if len(pos) == 1 and not q.parts:
            v = sub[:, :, 0]
        else:
            with np.errstate(invalid="ignore"):
                v = np.where(np.isnan(sub).all(axis=2), np.nan, np.nansum(sub, axis=2))
        out = pd.DataFrame(v * q.scale, index=pd.Index(seeds, name="seed"), columns=years)
        out.columns.name = "year"
    rd._cache[key] = out
    return out


def band(rd: RunData, q: Quantity) -> pd.DataFrame:
    """Mean and 90% interval over seeds per year (columns mean, p05, p95; empty if absent).

    With one seed the interval is the value itself.
    """
    v = per_seed(rd, q)
    if v.empty:
        return pd.DataFrame(columns=["mean", "p05", "p95"])
    return pd.DataFrame(
        {"mean": v.mean(axis=0), "p05": v.quantile(0.05, axis=0), "p95": v.quantile(0.95, axis=0)}
    )


def span_values(rd: RunData, q: Quantity, span: int | tuple[int, int]) -> pd.Series:
    """A quantity's mean over a year or period, per seed (NaN-free; empty if absent)."""
    v = per_seed(rd, q)
    if v.empty:
        return pd.Series(dtype=float)
    y0, y1 = year_span(span, v.columns)
    cols = [c for c in v.columns if y0 <= int(c) <= y1]
    if not cols:
        return pd.Series(dtype=float)
    return v[cols].mean(axis=1).dropna()


@dataclass(frozen=True)
class Est:
    """A mean over seeds and its 90% interval (5th and 95th percentiles)."""

    mean: float
    lo: float
    hi: float
    n: int

    @property
    def ok(self) -> bool:
        return math.isfinite(self.mean)

    @property
    def has_interval(self) -> bool:
        return self.n > 1 and math.isfinite(self.lo) and math.isfinite(self.hi)

    @property
    def contains_zero(self) -> bool:
        """True when the interval holds zero (no clear difference); False with one seed."""
        return self.has_interval and self.lo <= 0.0 <= self.hi

    @classmethod
    def of(cls, values: Any) -> Est:
        """Mean and 90% interval of per-seed values (NaN dropped)."""
        a = np.asarray(values, dtype=float)
        a = a[np.isfinite(a)]
        if not len(a):
            return cls(float("nan"), float("nan"), float("nan"), 0)
        return cls(
            float(a.mean()), float(np.quantile(a, 0.05)), float(np.quantile(a, 0.95)), len(a)
        )


def change(
    rd: RunData, q: Quantity, a: int | tuple[int, int], b: int | tuple[int, int], relative: bool
) -> Est:
    """Change of a quantity from period ``a`` to period ``b``, seed by seed.

    ``relative``: (b - a) / a (a share: 0.12 is +12%); else b - a in display units.
    """
    va, vb = span_values(rd, q, a), span_values(rd, q, b)
    idx = va.index.intersection(vb.index)
    if not len(idx):
        return Est.of([])
    x, y = va[idx].to_numpy(), vb[idx].to_numpy()
    if relative:
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(x != 0, (y - x) / np.abs(x), np.nan)
        return Est.of(d)
    return Est.of(y - x)


def paired(rd: RunData, other: RunData) -> bool:
    """True when two runs share their seeds (common random numbers: differences pair)."""
    return rd.seeds == other.seeds


def difference(
    rd: RunData,
    other: RunData,
    q: Quantity,
    span: int | tuple[int, int],
    relative: bool,
) -> Est:
    """``rd - other`` over a period: paired seed by seed when the runs share their seeds.

    Unpaired runs (different seeds) give the difference of the means and no interval.
    """
    x, y = span_values(rd, q, span), span_values(other, q, span)
    if not (len(x) and len(y)):
        return Est.of([])
    if paired(rd, other):
        idx = x.index.intersection(y.index)
        x, y = x[idx].to_numpy(), y[idx].to_numpy()
    else:
        x, y = np.array([x.mean()]), np.array([y.mean()])
    if relative:
        with np.errstate(divide="ignore", invalid="ignore"):
            return Est.of(np.where(y != 0, (x - y) / np.abs(y), np.nan))
    return Est.of(x - y)


# ---------------------------------------------------------------------------
# formatting


def sig(x: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, thousands separated, never in e-notation.

    Examples
    --------
    >>> sig(2.4), sig(0.0123), sig(-1534.2), sig(0)
    ('2.40', '0.0123', '−1,530', '0')
    """
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    nd = digits - 1 - e  # decimals to keep (negative: round to tens, hundreds...)
    r = round(x, nd)
    s = f"{abs(r):,.{max(nd, 0)}f}"
    return (MINUS if r < 0 else "") + s


def _signed(x: float, dec: int) -> str:
    s = f"{abs(x):,.{dec}f}"
    if round(abs(x), dec) == 0:
        return s
    return ("+" if x > 0 else MINUS) + s


def _decimals(values: list[float], digits: int = 2) -> int:
    """Decimals that give the largest magnitude ``digits`` significant digits."""
    m = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if m == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(m)))


def fmt_value(x: float, unit: str) -> str:
    """A level with three significant digits and its unit ("94.7 USD/g", "2.40 million persons")."""
    if unit == "persons" and math.isfinite(x) and abs(x) >= 1e6:
        return f"{sig(x / 1e6)} million persons"
    if unit == "%":
        return f"{sig(x)}%"
    return f"{sig(x)} {unit}".strip()


def fmt_est(e: Est, unit: str, zero_note: bool = False) -> str:
    """A difference with its interval: "−9.0% [−14%, −4.0%]", "+3.1 t/yr [+1.2, +5.0]".

    ``unit`` "%change" formats a relative change (0.12 -> +12%); "points" a
    difference of percentages. ``zero_note`` adds "(interval contains zero)"
    when it does.
    """
    if not e.ok:
        return "n/a"
    rel = unit == "%change"
    k = 100.0 if rel else 1.0
    if e.has_interval and e.hi > e.lo:
        # two significant digits of the interval's width: its ends differ in the last digit
        dec = max(0, 1 - math.floor(math.log10((e.hi - e.lo) * k)))
        dec = min(dec, _decimals([e.mean * k, e.lo * k, e.hi * k], 4))
    else:
        dec = _decimals([e.mean * k])
    suffix = "%" if rel else ""
    head = _signed(e.mean * k, dec) + suffix
    if not rel:
        head += f" {unit}" if unit else ""
    if not e.has_interval:
        return head
    lo, hi = _signed(e.lo * k, dec) + suffix, _signed(e.hi * k, dec) + suffix
    out = f"{head} [{lo}, {hi}]"
    if zero_note and e.contains_zero:
        out += " (interval contains zero)"
    return out


# ---------------------------------------------------------------------------
# periods


def period_status(span: int | tuple[int, int]) -> str:
    """Status of a year or period: calibration, prediction, after the hindcast, or mixed.

    Examples
    --------
    >>> period_status(2005), period_status((2013, 2015)), period_status((2000, 2015))
    ('calibration', 'after the hindcast window', 'calibration, prediction and later')
    """
    y0, y1 = year_span(span, [])
    parts = []
    if y0 <= FIT_END:
        parts.append("calibration")
    if y1 >= PREDICTION[0] and y0 <= PREDICTION[1]:
        parts.append("prediction")
    if y1 > PREDICTION[1]:
        parts.append("after the hindcast window" if len(parts) == 0 else "later")
    if len(parts) == 3:
        return "calibration, prediction and later"
    return " and ".join(parts)


def period_name(span: int | tuple[int, int]) -> str:
    """A period and its status: "2007-2012 (prediction)".

    Examples
    --------
    >>> period_name((2000, 2006))
    '2000-2006 (calibration)'
    """
    y0, y1 = year_span(span, [])
    lab = str(y0) if y0 == y1 else f"{y0}-{y1}"
    return f"{lab} ({period_status((y0, y1))})"


#: Colours and words of the three kinds of years, the same on every chart and map.
PERIOD_STYLE: dict[str, tuple[str, str]] = {
    "calibration": ("rgba(46,139,87,0.07)", f"calibration (fitted to data up to {FIT_END})"),
    "prediction": (
        "rgba(120,120,120,0.12)",
        f"prediction {PREDICTION[0]}-{PREDICTION[1]} (not fitted)",
    ),
    "later": ("rgba(230,150,60,0.12)", f"after {PREDICTION[1]} (no data to test against)"),
}


def period_spans(first: int, last: int) -> list[tuple[str, int, int]]:
    """The (kind, first, last) spans of calibration, prediction and later years within a run."""
    out = []
    for kind, a, b in (
        ("calibration", first, FIT_END),
        ("prediction", PREDICTION[0], PREDICTION[1]),
        ("later", PREDICTION[1] + 1, last),
    ):
        a, b = max(a, first), min(b, last)
        if a <= b:
            out.append((kind, a, b))
    return out
