"""Key findings written from a run's own numbers.

Each function reads public indicators, computes the change between a
"before" period (the calibration years, up to ``pivot``) and an "after"
period (the years the model predicts), and writes a sentence whose verbs
and subjects follow the numbers: nothing here is canned text about what
should have happened. A finding whose indicators are absent is skipped.

Examples
--------
>>> from isthmus.viz.rundata import simulate
>>> rd = simulate("central-america", seed=0)
>>> fs = key_findings(rd)
>>> any("US-bound" in f.text for f in fs)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .charts import CA7, COUNTRY_NAMES, ROUTE_LABELS, revenue_by_activity
from .geo import feature_names
from .rundata import RunData


@dataclass
class Finding:
    """One key finding: a headline sentence, its topic and the numbers behind it."""

    topic: str
    text: str
    numbers: dict[str, float]


@dataclass(frozen=True)
class Periods:
    """The years compared: ``before`` (fitted) and ``after`` (predicted)."""

    first: int
    pivot: int
    after: tuple[int, int]

    @property
    def before(self) -> tuple[int, int]:
        return (self.first, self.pivot)

    @property
    def comparable(self) -> bool:
        """False for a run of a single year: there is no before and after."""
        return self.after[0] > self.pivot

    @classmethod
    def of(cls, rd: RunData, pivot: int = 2006, horizon: int = 6) -> Periods:
        ys = rd.all_years
        first, last = ys[0], ys[-1]
        if last == first:
            return cls(first, first, (first, first))
        pivot = min(max(pivot, first), last - 1)
        return cls(first, pivot, (pivot + 1, min(pivot + horizon, last)))


def _span(span: tuple[int, int]) -> str:
    """A period as text: "2007-2012", or "2007" for a single year."""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _num(x: float, unit: str = "") -> str:
    a = abs(x)
    s = f"{x:,.0f}" if a >= 100 else f"{x:,.1f}" if a >= 10 else f"{x:,.2f}"
    return f"{s} {unit}".strip()


def _moved(a: float, b: float, tol: float = 0.02, up: str = "rose", down: str = "fell") -> str:
    """Verb for a relative change from a to b."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return "changed"
    if a == 0:
        return up if b > 0 else "stayed at zero"
    r = (b - a) / abs(a)
    if abs(r) < tol:
        return "stayed about the same"
    return f"{up} {abs(r) * 100:.0f}%" if r > 0 else f"{down} {abs(r) * 100:.0f}%"


def _series_mean(p: pd.DataFrame, col: str, span: tuple[int, int]) -> float:
    if p.empty or col not in p.columns:
        return float("nan")
    s = p[col]
    s = s[(s.index >= span[0]) & (s.index <= span[1])]
    return float(s.mean()) if len(s) else float("nan")


def _at(p: pd.DataFrame, col: str, year: int) -> float:
    if p.empty or col not in p.columns or year not in p.index:
        return float("nan")
    return float(p.loc[year, col])


# ---------------------------------------------------------------------------
# one function per topic


def landfall_finding(rd: RunData, per: Periods) -> Finding | None:
    """Shift of the US-bound flow between first-landfall routes."""
    p = rd.pivot("us_bound_share")
    if p.empty:
        return None
    routes = [r for r in ROUTE_LABELS if r in p.columns]
    before = {r: _series_mean(p, r, per.before) for r in routes}
    after = {r: _series_mean(p, r, per.after) for r in routes}
    shift = {r: after[r] - before[r] for r in routes}
    big = max(routes, key=lambda r: abs(shift[r]))
    lead_b = max(routes, key=lambda r: before[r])
    lead_a = max(routes, key=lambda r: after[r])
    parts = [
        (
            f"{ROUTE_LABELS[r]} {_pct(_at(p, r, per.first))} in {per.first}, "
            if per.first < per.pivot
            else f"{ROUTE_LABELS[r]} "
        )
        + f"{_pct(_at(p, r, per.pivot))} in {per.pivot}, {_pct(after[r])} on average in "
        f"{_span(per.after)}"
        for r in routes
    ]
    text = "US-bound cocaine by first landfall: " + "; ".join(parts) + ". "
    if abs(shift[big]) < 0.02:
        text += (
            f"Landfall shares moved by less than 2 points between {_span(per.before)} "
            f"and {_span(per.after)}."
        )
    else:
        gain = "gained" if shift[big] > 0 else "lost"
        text += (
            f"The largest shift after {per.pivot}: {ROUTE_LABELS[big]} {gain} "
            f"{abs(shift[big]) * 100:.0f} points against {_span(per.before)}."
        )
    if lead_a != lead_b:
        text += f" The main landfall changed from {ROUTE_LABELS[lead_b]} to {ROUTE_LABELS[lead_a]}."
    return Finding(
        "displacement",
        text,
        {f"{r}_{k}": v for r in routes for k, v in (("before", before[r]), ("after", after[r]))},
    )


def mexico_entry_finding(rd: RunData, per: Periods) -> Finding | None:
    """Where the cocaine entering Mexico comes from, before and after."""
    p = rd.pivot("entering_mexico_share")
    if p.empty:
        return None
    before = {r: _series_mean(p, r, per.before) for r in p.columns}
    after = {r: _series_mean(p, r, per.after) for r in p.columns}
    if not np.nansum(list(after.values())) > 0:  # nothing enters Mexico in this scenario
        return None
    top = max(after, key=lambda r: after[r])
    land_ca = [r for r in p.columns if r in CA7]
    ca_b = sum(before[r] for r in land_ca)
    ca_a = sum(after[r] for r in land_ca)
    name = COUNTRY_NAMES.get(top, top)
    text = (
        f"Of the cocaine entering Mexico in {_span(per.after)}, {_pct(after[top])} came "
        f"{'by ' + top if top in ('sea', 'air') else 'from ' + name}"
        f" ({_pct(before[top])} in {_span(per.before)})."
    )
    if land_ca:
        d = (ca_a - ca_b) * 100
        how = (
            "stayed about the same"
            if abs(d) < 1
            else f"{'rose' if d > 0 else 'fell'} {abs(d):.0f} points"
        )
        text += (
            f" The share arriving overland from Central America {how} "
            f"({_pct(ca_b)} to {_pct(ca_a)})."
        )
    return Finding("displacement", text, {"ca_land_before": ca_b, "ca_land_after": ca_a})


def seizure_finding(rd: RunData, per: Periods) -> Finding | None:
    """Seizures between South America and the US: amount and where."""
    p = rd.pivot("seized_t")
    if p.empty:
        return None
    tot = p.sum(axis=1)
    b = float(tot[(tot.index >= per.before[0]) & (tot.index <= per.before[1])].mean())
    a = float(tot[(tot.index >= per.after[0]) & (tot.index <= per.after[1])].mean())
    ca_b = sum(_series_mean(p, c, per.before) for c in CA7 if c in p.columns)
    ca_a = sum(_series_mean(p, c, per.after) for c in CA7 if c in p.columns)
    text = (
        f"Seizures {_moved(b, a)} between {_span(per.before)} and "
        f"{_span(per.after)} ({_num(b, 't')} to {_num(a, 't')} a year); in the seven "
        f"Central American countries they {_moved(ca_b, ca_a)} ({_num(ca_b, 't')} to {_num(ca_a, 't')})."
    )
    return Finding("interdiction", text, {"seized_before": b, "seized_after": a})


def market_finding(rd: RunData, per: Periods) -> Finding | None:
    """US deliveries, price per pure gram, purity and consumption after the pivot year."""
    d = rd.pivot("delivered_t")
    if d.empty or "usa" not in d.columns:
        return None
    y0, y1 = per.after
    win = d["usa"][(d.index >= y0) & (d.index <= y1)]
    base_y = per.pivot
    dl0 = _at(d, "usa", base_y)
    ylow = int(win.idxmin())
    text = (
        f"Cocaine delivered to the US {_moved(dl0, float(win.min()))} from {base_y} to its "
        f"{_span((y0, y1))} low in {ylow} ({_num(dl0, 't')} to {_num(float(win.min()), 't')})."
    )
    nums = {"us_delivered_pivot": dl0, "us_delivered_low": float(win.min())}
    pp = rd.pivot("price_per_pure_gram_usd")
    if not pp.empty and "usa" in pp.columns:
        w = pp["usa"][(pp.index >= y0) & (pp.index <= y1)]
        p0, yhi = _at(pp, "usa", base_y), int(w.idxmax())
        text += (
            f" The US price per pure gram {_moved(p0, float(w.max()))} from {base_y} to "
            f"{yhi} (USD {p0:,.0f} to {float(w.max()):,.0f})."
        )
        nums |= {"ppg_pivot": p0, "ppg_peak": float(w.max())}
    pu = rd.pivot("purity")
    if not pu.empty and "usa" in pu.columns:
        w = pu["usa"][(pu.index >= y0) & (pu.index <= y1)]
        q0 = _at(pu, "usa", base_y)
        text += (
            f" Retail purity went from {_pct(q0)} in {base_y} to {_pct(float(w.min()))} at its "
            f"lowest ({int(w.idxmin())})."
        )
        nums |= {"purity_pivot": q0, "purity_low": float(w.min())}
    co = rd.pivot("consumption_t")
    if not co.empty and "usa" in co.columns:
        c0, c1 = _at(co, "usa", base_y), _series_mean(co, "usa", per.after)
        text += (
            f" US consumption {_moved(c0, c1)} ({_num(c0, 't')} pure in {base_y}, "
            f"{_num(c1, 't')} a year on average in {_span((y0, y1))})."
        )
        nums |= {"consumption_pivot": c0, "consumption_after": c1}
    return Finding("market", text, nums)


def violence_finding(rd: RunData, per: Periods) -> Finding | None:
    """Where the homicide rate rose (or fell) most, by country and admin-1 unit."""
    p = rd.pivot("homicide_rate_per_100k")
    if p.empty:
        return None
    y1 = per.after[1]
    iso = [c for c in p.columns if len(c) == 3 and c.isupper()]
    a1 = [c for c in p.columns if c not in iso]
    d = {c: _at(p, c, y1) - _at(p, c, per.pivot) for c in iso}
    d = {c: v for c, v in d.items() if np.isfinite(v)}
    if not d:
        return None
    order = sorted(d, key=lambda c: d[c], reverse=True)
    ups = [c for c in order if d[c] > 0.5]
    downs = [c for c in reversed(order) if d[c] < -0.5]

    def lst(cs: list[str]) -> str:
        return ", ".join(
            f"{COUNTRY_NAMES.get(c, c)} ({_at(p, c, per.pivot):.0f} to {_at(p, c, y1):.0f})"
            for c in cs[:3]
        )

    if ups:
        text = (
            f"Between {per.pivot} and {y1} the homicide rate per 100,000 rose most in {lst(ups)}."
        )
    else:
        text = (
            f"Between {per.pivot} and {y1} the homicide rate did not rise by more than 0.5 per "
            "100,000 in any country."
        )
    if downs:
        text += f" It fell in {lst(downs)}."
    if a1:
        da = {c: _at(p, c, y1) - _at(p, c, per.pivot) for c in a1}
        da = {c: v for c, v in da.items() if np.isfinite(v)}
        top = sorted(da, key=lambda c: da[c], reverse=True)[:3]
        names = feature_names()
        if top and da[top[0]] > 0.5:
            text += (
                " At admin-1 level the steepest rises were in "
                + ", ".join(f"{names.get(c, c)} ({c}, +{da[c]:.0f})" for c in top if da[c] > 0.5)
                + "."
            )
    cause = {c: rd.pivot(f"homicides_{c}") for c in ("contest", "predation", "state", "baseline")}
    cause = {c: v for c, v in cause.items() if not v.empty}
    if cause:
        tot_b = {
            c: float(v[(v.index >= per.before[0]) & (v.index <= per.before[1])].sum(axis=1).mean())
            for c, v in cause.items()
        }
        tot_a = {
            c: float(v[(v.index >= per.after[0]) & (v.index <= per.after[1])].sum(axis=1).mean())
            for c, v in cause.items()
        }
        grew = max(cause, key=lambda c: tot_a[c] - tot_b[c])
        text += (
            f" Across the region, {grew} homicides changed most: {_num(tot_b[grew])} a year in "
            f"{_span(per.before)}, {_num(tot_a[grew])} in {_span(per.after)}."
        )
    return Finding("violence", text, {f"rate_change_{c}": v for c, v in d.items()})


def groups_finding(rd: RunData, per: Periods) -> Finding | None:
    """How the groups' revenue mix moved (transit versus other crimes)."""
    r = revenue_by_activity(rd)
    if r.empty:
        return None

    def mix(span: tuple[int, int]) -> pd.Series:
        return r[(r.index >= span[0]) & (r.index <= span[1])].mean()

    b, a = mix(per.before), mix(per.after)
    tb, ta = float(b.sum()), float(a.sum())
    other_b = 1 - float(b.get("transit", 0.0)) / tb if tb > 0 else float("nan")
    other_a = 1 - float(a.get("transit", 0.0)) / ta if ta > 0 else float("nan")
    grew = (a - b).idxmax()
    text = (
        f"The groups' revenue {_moved(tb, ta)} ({_num(tb / 1e6, 'million USD')} to "
        f"{_num(ta / 1e6, 'million USD')} a year); activities other than cocaine transit went from "
        f"{_pct(other_b)} to {_pct(other_a)} of it, and {str(grew).replace('_', ' ')} grew most."
    )
    ch = rd.control_changes
    if ch is not None and len(rd.years):
        nb = float(ch[(rd.years >= per.before[0]) & (rd.years <= per.before[1])].sum(axis=1).mean())
        na = float(ch[(rd.years >= per.after[0]) & (rd.years <= per.after[1])].sum(axis=1).mean())
        text += f" Plazas changed hands {nb:.1f} times a year before {per.pivot + 1} and {na:.1f} after."
    return Finding("groups", text, {"other_share_before": other_b, "other_share_after": other_a})


def comparison_findings(rd: RunData, base: RunData, per: Periods) -> list[Finding]:
    """Differences against a baseline over the predicted years."""
    span = per.after
    rows = [
        ("delivered_t", "usa", "cocaine delivered to the US", "t", 1.0),
        (
            "us_bound_share",
            "central_america",
            "the Central American share of US-bound cocaine",
            "%",
            100.0,
        ),
        ("us_bound_share", "caribbean", "the Caribbean share", "%", 100.0),
        ("price_per_pure_gram_usd", "usa", "the US price per pure gram", "USD", 1.0),
        ("purity", "usa", "US retail purity", "%", 100.0),
    ]
    parts = []
    nums: dict[str, float] = {}
    for ind, reg, label, unit, sc in rows:
        x, y = rd.value(ind, reg, span), base.value(ind, reg, span)
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        nums[f"{ind}/{reg}"] = x - y
        if unit == "%":
            d = (x - y) * sc
            if abs(d) < 0.5:
                parts.append(f"{label} is about the same ({x * sc:.0f}%)")
            else:
                parts.append(
                    f"{label} is {abs(d):.0f} points {'higher' if d > 0 else 'lower'} ({x * sc:.0f}% vs {y * sc:.0f}%)"
                )
        else:
            parts.append(
                f"{label} {_moved(y, x, up='is higher by', down='is lower by').replace('stayed about the same', 'is about the same')} ({_num(x, unit)} vs {_num(y, unit)})"
            )
    seized = lambda who: float(who.pivot("seized_t").sum(axis=1).loc[span[0] : span[1]].mean())  # noqa: E731
    if rd.has("seized_t") and base.has("seized_t"):
        x, y = seized(rd), seized(base)
        parts.append(
            f"seizures {_moved(y, x, up='are higher by', down='are lower by').replace('stayed about the same', 'are about the same')} ({_num(x, 't')} vs {_num(y, 't')} a year)"
        )
    hom = "homicides"
    if rd.has(hom) and base.has(hom):
        iso = lambda who: [c for c in who.pivot(hom).columns if len(c) == 3 and c.isupper()]  # noqa: E731
        x = float(rd.pivot(hom)[iso(rd)].loc[span[0] : span[1]].sum(axis=1).mean())
        y = float(base.pivot(hom)[iso(base)].loc[span[0] : span[1]].sum(axis=1).mean())
        parts.append(
            f"homicides {_moved(y, x, up='are higher by', down='are lower by').replace('stayed about the same', 'are about the same')} ({_num(x)} vs {_num(y)} a year)"
        )
        nums["homicides"] = x - y
    if not parts:
        return []
    text = f"Against the baseline ({base.label}), in {_span(span)} " + "; ".join(parts) + "."
    return [Finding("comparison", text, nums)]


TOPICS = (
    landfall_finding,
    mexico_entry_finding,
    seizure_finding,
    market_finding,
    violence_finding,
    groups_finding,
)


def key_findings(rd: RunData, base: RunData | None = None, pivot: int = 2006) -> list[Finding]:
    """All key findings the run's indicators support, in reading order."""
    per = Periods.of(rd, pivot)
    if not per.comparable:
        out = [
            Finding(
                "period",
                f"The run covers {per.first} only: there is no before and after to compare.",
                {},
            )
        ]
    else:
        out = [f for f in (t(rd, per) for t in TOPICS) if f is not None]
    if base is not None:
        out += comparison_findings(rd, base, per)
    return out
