"""Key findings written from a run's own numbers, with intervals over seeds.

Each function reads public indicators, computes the change between a
"before" period (the calibration years, up to ``pivot``) and an "after"
period (the years the model predicts), and writes a sentence whose verbs
and subjects follow the numbers: nothing here is canned text about what
should have happened. A finding whose indicators are absent is skipped.

Levels are means over the run's seeds, with their unit. Every change or
difference is computed seed by seed and carries its 90% interval over seeds
("fell 9% [−14%, −4%]"); a sentence says when the interval contains zero.
Differences against a counterfactual pair the two runs seed by seed (common
random numbers).

Examples
--------
>>> from isthmus.viz.rundata import simulate
>>> rd = simulate("central-america", seed=0, seeds=3)
>>> fs = key_findings(rd)
>>> any("US-bound" in f.text for f in fs)
True
>>> any("[" in f.text for f in fs)  # changes carry their interval
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .charts import CA7, COUNTRY_NAMES, ROUTE_LABELS, revenue_by_activity
from .geo import feature_names
from .quantities import (
    Est,
    Quantity,
    change,
    difference,
    fmt_est,
    fmt_value,
    period_name,
    span_values,
)
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
        """The periods of a run; ``pivot`` must lie in the run (see :func:`pivot_problem`)."""
        ys = rd.all_years
        first, last = ys[0], ys[-1]
        if last == first:
            return cls(first, first, (first, first))
        pivot = min(max(pivot, first), last - 1)
        return cls(first, pivot, (pivot + 1, min(pivot + horizon, last)))


def pivot_problem(pivot: int, first: int, last: int) -> str | None:
    """Why a pivot year cannot split a run from ``first`` to ``last`` (None if it can).

    Examples
    --------
    >>> pivot_problem(2030, 2000, 2015)
    '2030 is outside the run (2000-2015): give a year from 2000 to 2014'
    >>> pivot_problem(2006, 2000, 2015) is None
    True
    """
    if first == last:
        return None  # a one-year run has no before and after whatever the pivot
    if not first <= pivot < last:
        return (
            f"{pivot} is outside the run ({first}-{last}): give a year from {first} to {last - 1}"
        )
    return None


def _span(span: tuple[int, int]) -> str:
    """A period as text: "2007-2012", or "2007" for a single year."""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def _pct(x: float) -> str:
    return fmt_value(100 * x, "%")


def _verb(e: Est, up: str = "rose", down: str = "fell", same: str = "stayed about the same") -> str:
    """Verb for a change whose interval may contain zero."""
    if not e.ok:
        return "changed"
    if e.contains_zero:
        return f"{same} (the interval contains zero)"
    return up if e.mean > 0 else down


def _moved(e: Est, unit: str = "%change") -> str:
    """ "rose 12% [8%, 15%]", "fell 3% [−5%, −1%]", or "did not change clearly ..." """
    if not e.ok:
        return "changed"
    if e.contains_zero:
        return f"did not change clearly ({fmt_est(e, unit)}, an interval that contains zero)"
    return f"{'rose' if e.mean > 0 else 'fell'} ({fmt_est(e, unit)})"


def _level(rd: RunData, q: Quantity, span: int | tuple[int, int]) -> float:
    v = span_values(rd, q, span)
    return float(v.mean()) if len(v) else float("nan")


def _share(reg: str, ind: str = "us_bound_share", label: str = "") -> Quantity:
    return Quantity(ind, reg, label or reg, "%", 100.0)


# ---------------------------------------------------------------------------
# one function per topic


def landfall_finding(rd: RunData, per: Periods) -> Finding | None:
    """Shift of the US-bound flow between first-landfall routes."""
    p = rd.pivot("us_bound_share")
    if p.empty:
        return None
    routes = [r for r in ROUTE_LABELS if r in p.columns]
    if not routes:
        return None
    qs = {r: _share(r, label=ROUTE_LABELS[r]) for r in routes}
    parts = []
    for r in routes:
        q = qs[r]
        first = (
            f"{ROUTE_LABELS[r]} {fmt_value(_level(rd, q, per.first), '%')} in {per.first}, "
            if per.first < per.pivot
            else f"{ROUTE_LABELS[r]} "
        )
        parts.append(
            first + f"{fmt_value(_level(rd, q, per.pivot), '%')} in {per.pivot}, "
            f"{fmt_value(_level(rd, q, per.after), '%')} on average in {_span(per.after)}"
        )
    text = "US-bound cocaine by first landfall: " + "; ".join(parts) + ". "
    shift = {r: change(rd, qs[r], per.before, per.after, relative=False) for r in routes}
    big = max(routes, key=lambda r: abs(shift[r].mean) if shift[r].ok else -1.0)
    e = shift[big]
    if e.ok and abs(e.mean) < 2.0:
        text += (
            f"Landfall shares moved by less than 2 points between {_span(per.before)} "
            f"and {_span(per.after)} ({ROUTE_LABELS[big]}: {fmt_est(e, 'points')})."
        )
    elif e.ok:
        gain = "gained" if e.mean > 0 else "lost"
        text += (
            f"The largest shift after {per.pivot}: {ROUTE_LABELS[big]} {gain} share against "
            f"{_span(per.before)} ({fmt_est(e, 'points', zero_note=True)})."
        )
    before = {r: _level(rd, qs[r], per.before) for r in routes}
    after = {r: _level(rd, qs[r], per.after) for r in routes}
    lead_b = max(routes, key=lambda r: before[r])
    lead_a = max(routes, key=lambda r: after[r])
    if lead_a != lead_b:
        text += f" The main landfall changed from {ROUTE_LABELS[lead_b]} to {ROUTE_LABELS[lead_a]}."
    return Finding(
        "displacement",
        text,
        {
            f"{r}_{k}": v / 100
            for r in routes
            for k, v in (("before", before[r]), ("after", after[r]))
        },
    )


def mexico_entry_finding(rd: RunData, per: Periods) -> Finding | None:
    """Where the cocaine entering Mexico comes from, before and after."""
    p = rd.pivot("entering_mexico_share")
    if p.empty:
        return None
    after = {r: _level(rd, _share(r, "entering_mexico_share"), per.after) for r in p.columns}
    if not np.nansum(list(after.values())) > 0:  # nothing enters Mexico in this scenario
        return None
    top = max(after, key=lambda r: after[r] if np.isfinite(after[r]) else -1)
    before_top = _level(rd, _share(top, "entering_mexico_share"), per.before)
    name = COUNTRY_NAMES.get(top, top)
    how = top if top in ("sea", "air") else None
    text = (
        f"Of the cocaine entering Mexico in {_span(per.after)}, {fmt_value(after[top], '%')} came "
        f"{'by ' + how if how else 'from ' + name}"
        f" ({fmt_value(before_top, '%')} in {_span(per.before)})."
    )
    land_ca = tuple(r for r in p.columns if r in CA7)
    nums = {}
    if land_ca:
        q = Quantity("entering_mexico_share", "central_america", "", "%", 100.0, parts=land_ca)
        e = change(rd, q, per.before, per.after, relative=False)
        b, a = _level(rd, q, per.before), _level(rd, q, per.after)
        text += (
            f" The share arriving overland from Central America went from {fmt_value(b, '%')} "
            f"to {fmt_value(a, '%')} ({fmt_est(e, 'points', zero_note=True)})."
        )
        nums = {"ca_land_before": b / 100, "ca_land_after": a / 100}
    return Finding("displacement", text, nums)


def seizure_finding(rd: RunData, per: Periods) -> Finding | None:
    """Seizures between South America and the US: amount and where."""
    p = rd.pivot("seized_t")
    if p.empty:
        return None
    # the jurisdictions only: the record's "all" column is their total already
    areas = tuple(c for c in p.columns if c != "all")
    tot = Quantity("seized_t", "all", "seizures", "t/yr", parts=areas)
    ca = Quantity(
        "seized_t", "central_america", "", "t/yr", parts=tuple(c for c in CA7 if c in p.columns)
    )
    b, a = _level(rd, tot, per.before), _level(rd, tot, per.after)
    cb, cab = _level(rd, ca, per.before), _level(rd, ca, per.after)
    text = (
        f"Seizures {_moved(change(rd, tot, per.before, per.after, True))} between "
        f"{_span(per.before)} and {_span(per.after)} ({fmt_value(b, 't/yr')} to "
        f"{fmt_value(a, 't/yr')}); in the seven Central American countries they "
        f"{_moved(change(rd, ca, per.before, per.after, True))} ({fmt_value(cb, 't/yr')} to "
        f"{fmt_value(cab, 't/yr')})."
    )
    return Finding("interdiction", text, {"seized_before": b, "seized_after": a})


def market_finding(rd: RunData, per: Periods) -> Finding | None:
    """US deliveries, price per pure gram, purity and consumption after the pivot year."""
    d = rd.pivot("delivered_t")
    if d.empty or "usa" not in d.columns:
        return None
    y0, y1 = per.after
    base_y = per.pivot
    q = Quantity("delivered_t", "usa", "", "t/yr")
    dl0, dl1 = _level(rd, q, base_y), _level(rd, q, per.after)
    win = d["usa"][(d.index >= y0) & (d.index <= y1)]
    text = (
        f"Cocaine delivered to the US {_moved(change(rd, q, base_y, per.after, True))} from "
        f"{base_y} to the {_span(per.after)} average ({fmt_value(dl0, 't/yr')} to "
        f"{fmt_value(dl1, 't/yr')}; lowest year {int(win.idxmin())}, "
        f"{fmt_value(float(win.min()), 't/yr')})."
    )
    nums = {
        "us_delivered_pivot": dl0,
        "us_delivered_after": dl1,
        "us_delivered_low": float(win.min()),
    }
    pp = rd.pivot("price_per_pure_gram_usd")
    if not pp.empty and "usa" in pp.columns:
        qp = Quantity("price_per_pure_gram_usd", "usa", "", "USD/g")
        w = pp["usa"][(pp.index >= y0) & (pp.index <= y1)]
        p0 = _level(rd, qp, base_y)
        text += (
            f" The US price per pure gram {_moved(change(rd, qp, base_y, per.after, True))} "
            f"({fmt_value(p0, 'USD/g')} in {base_y}, {fmt_value(_level(rd, qp, per.after), 'USD/g')} "
            f"on average; peak {fmt_value(float(w.max()), 'USD/g')} in {int(w.idxmax())})."
        )
        nums |= {"ppg_pivot": p0, "ppg_peak": float(w.max())}
    pu = rd.pivot("purity")
    if not pu.empty and "usa" in pu.columns:
        qu = Quantity("purity", "usa", "", "%", 100.0)
        w = pu["usa"][(pu.index >= y0) & (pu.index <= y1)]
        q0 = _level(rd, qu, base_y)
        text += (
            f" Retail purity went from {fmt_value(q0, '%')} in {base_y} to "
            f"{fmt_value(_level(rd, qu, per.after), '%')} on average "
            f"({fmt_est(change(rd, qu, base_y, per.after, False), 'points', zero_note=True)}; "
            f"lowest {_pct(float(w.min()))} in {int(w.idxmin())})."
        )
        nums |= {"purity_pivot": q0 / 100, "purity_low": float(w.min())}
    co = rd.pivot("consumption_t")
    if not co.empty and "usa" in co.columns:
        qc = Quantity("consumption_t", "usa", "", "t pure/yr")
        c0, c1 = _level(rd, qc, base_y), _level(rd, qc, per.after)
        text += (
            f" US consumption {_moved(change(rd, qc, base_y, per.after, True))} "
            f"({fmt_value(c0, 't pure/yr')} in {base_y}, {fmt_value(c1, 't pure/yr')} on average "
            f"in {_span(per.after)})."
        )
        nums |= {"consumption_pivot": c0, "consumption_after": c1}
    return Finding("market", text, nums)


def violence_finding(rd: RunData, per: Periods) -> Finding | None:
    """Where the homicide rate rose (or fell) most, by country and admin-1 unit."""
    p = rd.pivot("homicide_rate_per_100k")
    if p.empty:
        return None
    y1 = per.after[1]
    iso = [c for c in p.columns if len(c) == 3 and c.isupper() and c != "XTZ"]
    a1 = [c for c in p.columns if c not in iso]
    unit = "per 100,000"

    def q(c: str) -> Quantity:
        return Quantity("homicide_rate_per_100k", c, c, unit)

    est = {c: change(rd, q(c), per.pivot, y1, relative=False) for c in iso}
    est = {c: e for c, e in est.items() if e.ok}
    if not est:
        return None
    order = sorted(est, key=lambda c: est[c].mean, reverse=True)
    ups = [c for c in order if est[c].mean > 0.5]
    downs = [c for c in reversed(order) if est[c].mean < -0.5]

    def lst(cs: list[str]) -> str:
        return ", ".join(
            f"{COUNTRY_NAMES.get(c, c)} ({fmt_value(_level(rd, q(c), per.pivot), '')} to "
            f"{fmt_value(_level(rd, q(c), y1), '')}: {fmt_est(est[c], '', zero_note=True)})"
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
        da = {c: _level(rd, q(c), y1) - _level(rd, q(c), per.pivot) for c in a1}
        top = [c for c in sorted(da, key=lambda c: -da[c] if np.isfinite(da[c]) else 0)[:3]]
        top = [c for c in top if np.isfinite(da[c]) and da[c] > 0.5]
        names = feature_names()
        if top:
            text += (
                " At admin-1 level the steepest rises were in "
                + ", ".join(
                    f"{names.get(c, c)} ({c}, {fmt_est(change(rd, q(c), per.pivot, y1, False), '')})"
                    for c in top
                )
                + " per 100,000."
            )
    causes = {
        "contest": "contest",
        "predation": "predation",
        "state": "state-confrontation",
        "baseline": "other (not group-related)",
    }
    tot = {}
    for c in causes:
        st = rd.stack(f"homicides_{c}")
        if st.empty:
            continue
        cols = tuple(k for k in st.columns if len(k) == 3 and k.isupper())
        tot[c] = Quantity(f"homicides_{c}", "all", c, "homicides/yr", parts=cols)
    if tot:
        ch = {c: change(rd, qq, per.before, per.after, relative=False) for c, qq in tot.items()}
        grew = max(ch, key=lambda c: abs(ch[c].mean) if ch[c].ok else -1)
        text += (
            f" Across the region, {causes[grew]} homicides changed most: "
            f"{fmt_value(_level(rd, tot[grew], per.before), 'a year')} in {_span(per.before)}, "
            f"{fmt_value(_level(rd, tot[grew], per.after), 'a year')} in {_span(per.after)} "
            f"({fmt_est(ch[grew], 'a year', zero_note=True)})."
        )
    return Finding("violence", text, {f"rate_change_{c}": e.mean for c, e in est.items()})


def groups_finding(rd: RunData, per: Periods) -> Finding | None:
    """How the groups' revenue mix moved (transit versus other crimes)."""
    r = revenue_by_activity(rd)
    if r.empty:
        return None
    st = rd.stack("revenue_usd")
    cols = tuple(st.columns)
    total = Quantity("revenue_usd", "all", "", "million USD/yr", 1e-6, parts=cols)
    transit = Quantity(
        "revenue_usd",
        "transit",
        "",
        "million USD/yr",
        1e-6,
        parts=tuple(c for c in cols if c.endswith(":transit")),
    )
    tb, ta = _level(rd, total, per.before), _level(rd, total, per.after)

    def other_share(span: tuple[int, int]) -> np.ndarray:
        t, x = span_values(rd, total, span), span_values(rd, transit, span)
        idx = t.index.intersection(x.index)
        return (1.0 - x[idx] / t[idx]).to_numpy() * 100 if len(idx) else np.array([])

    ob, oa = other_share(per.before), other_share(per.after)
    d_other = Est.of(oa - ob) if len(ob) == len(oa) and len(ob) else Est.of([])

    def mix(span: tuple[int, int]):  # noqa: ANN202
        return r[(r.index >= span[0]) & (r.index <= span[1])].mean()

    grew = (mix(per.after) - mix(per.before)).idxmax()
    text = (
        f"The groups' revenue {_moved(change(rd, total, per.before, per.after, True))} "
        f"({fmt_value(tb, 'million USD/yr')} to {fmt_value(ta, 'million USD/yr')}); activities "
        f"other than cocaine transit went from {fmt_value(float(np.mean(ob)), '%')} to "
        f"{fmt_value(float(np.mean(oa)), '%')} of it ({fmt_est(d_other, 'points', zero_note=True)}), "
        f"and {str(grew).replace('_', ' ')} grew most."
    )
    tk = rd.taken
    if tk is not None and len(rd.years):
        nb = float(tk[(rd.years >= per.before[0]) & (rd.years <= per.before[1])].sum(axis=1).mean())
        na = float(tk[(rd.years >= per.after[0]) & (rd.years <= per.after[1])].sum(axis=1).mean())
        text += (
            f" Plazas were taken by a new holder {nb:.1f} times a year before {per.pivot + 1} and "
            f"{na:.1f} after (the mapped replicate, seed {rd.map_seed})."
        )
    return Finding(
        "groups",
        text,
        {
            "other_share_before": float(np.mean(ob)) / 100,
            "other_share_after": float(np.mean(oa)) / 100,
        },
    )


#: The main indicators compared between two runs: quantity and whether the
#: difference is read as a relative change (tons, prices, counts) or in points (shares).
def effect_quantities(rd: RunData) -> list[tuple[Quantity, bool]]:
    """Quantities of the effects table and the comparison sentence, those the run has."""
    out: list[tuple[Quantity, bool]] = [
        (Quantity("delivered_t", "usa", "cocaine delivered to the US", "t/yr"), True),
        (Quantity("delivered_t", "europe", "cocaine delivered to Europe", "t/yr"), True),
    ]
    st = rd.stack("seized_t")
    if not st.empty:
        out.append(
            (
                Quantity(
                    "seized_t",
                    "all",
                    "seizures, all areas",
                    "t/yr",
                    parts=tuple(c for c in st.columns if c != "all"),  # "all" is their total
                ),
                True,
            )
        )
    out += [
        (_share("central_america", label="US-bound share via Central America"), False),
        (_share("caribbean", label="US-bound share via the Caribbean"), False),
        (_share("mexico_direct", label="US-bound share direct to Mexico"), False),
        (Quantity("price_per_pure_gram_usd", "usa", "US price per pure gram", "USD/g"), True),
        (Quantity("purity", "usa", "US retail purity", "%", 100.0), False),
        (Quantity("users_past_month", "usa", "US past-month users", "persons"), True),
    ]
    hom = rd.stack("homicides")
    if not hom.empty:
        iso = tuple(c for c in hom.columns if len(c) == 3 and c.isupper() and c != "XTZ")
        out.append(
            (
                Quantity("homicides", "all", "homicides, all countries", "homicides/yr", parts=iso),
                True,
            )
        )
    for c, n in (
        ("HND", "Honduras"),
        ("GTM", "Guatemala"),
        ("SLV", "El Salvador"),
        ("MEX", "Mexico"),
    ):
        out.append(
            (Quantity("homicide_rate_per_100k", c, f"homicide rate, {n}", "per 100,000"), True)
        )
    return [(q, r) for q, r in out if not span_values(rd, q, (rd.first_year, rd.last_year)).empty]


def comparison_findings(rd: RunData, base: RunData, per: Periods) -> list[Finding]:
    """Differences against a counterfactual over the predicted years, with paired intervals."""
    span = per.after
    parts = []
    nums: dict[str, float] = {}
    wanted = (
        "cocaine delivered to the US",
        "US-bound share via Central America",
        "US-bound share via the Caribbean",
        "US price per pure gram",
        "US retail purity",
        "seizures, all areas",
        "homicides, all countries",
    )
    qs = {q.label: (q, rel) for q, rel in effect_quantities(rd)}
    for lab in wanted:
        if lab not in qs:
            continue
        q, rel = qs[lab]
        x, y = _level(rd, q, span), _level(base, q, span)
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        e = difference(rd, base, q, span, relative=rel)
        nums[f"{q.indicator}/{q.region}"] = x - y
        how = fmt_est(e, "%change" if rel else "points")
        if e.contains_zero:
            verdict = f"is not clearly different ({how}, an interval that contains zero)"
        elif not e.ok:
            verdict = "cannot be compared"
        else:
            verdict = f"is {'higher' if e.mean > 0 else 'lower'} ({how}"
        sep = "; " if verdict.endswith(how) else " ("
        parts.append(f"{lab} {verdict}{sep}{fmt_value(x, q.unit)} against {fmt_value(y, q.unit)})")
    if not parts:
        return []
    pairing = (
        f"paired over {rd.n_seeds} seeds, 90% intervals"
        if rd.n_seeds > 1 and rd.seeds == base.seeds
        else "one seed each: no interval"
        if rd.n_seeds == 1
        else "different seeds: differences of means, no interval"
    )
    text = f"Against {base.label}, in {period_name(span)} ({pairing}): " + "; ".join(parts) + "."
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
