"""Readable yearly summaries printed by ``isthmus run``.

Each section reads only public indicators (DESIGN.md names), so it appears
as soon as the module that produces them is active.
"""

from __future__ import annotations

import pandas as pd
from rich.table import Table

CA7 = ("GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN")
CARIB = ("DOM", "HTI", "JAM", "PRI", "BHS", "CUB", "TTO", "ANT")


def _pivot(ia: pd.DataFrame, name: str) -> pd.DataFrame:
    d = ia[ia["indicator"] == name]
    return d.pivot_table(index="year", columns="region", values="value", aggfunc="sum")


def flow_table(ia: pd.DataFrame) -> Table:
    """Tons supplied, seized by area, delivered by market, and US-bound landfall shares."""
    t = Table(title="Cocaine flow by year (t; shares of US-bound flow by first landfall)")
    for c in (
        "year",
        "supplied",
        "seized: transit zone",
        "C. America",
        "Mexico",
        "Caribbean",
        "other",
        "delivered US",
        "delivered Europe",
        "CA share",
        "Caribbean share",
        "Mexico direct",
    ):
        t.add_column(c, justify="right")
    sup, sz, dl, sh = (
        _pivot(ia, n) for n in ("supply_t", "seized_t", "delivered_t", "us_bound_share")
    )
    for y in sup.index:
        row = sz.loc[y] if y in sz.index else pd.Series(dtype=float)
        tz = row.get("transit_zone", 0.0)
        ca = sum(row.get(c, 0.0) for c in CA7)
        mx = row.get("MEX", 0.0)
        cb = sum(row.get(c, 0.0) for c in CARIB)
        other = row.drop("all", errors="ignore").sum() - tz - ca - mx - cb  # "all": the total
        t.add_row(
            str(y),
            f"{sup.loc[y, 'andes']:.0f}",
            f"{tz:.0f}",
            f"{ca:.1f}",
            f"{mx:.1f}",
            f"{cb:.1f}",
            f"{other:.0f}",
            f"{dl.loc[y, 'usa']:.0f}",
            f"{dl.loc[y, 'europe']:.0f}",
            f"{sh.loc[y, 'central_america']:.2f}",
            f"{sh.loc[y, 'caribbean']:.2f}",
            f"{sh.loc[y, 'mexico_direct']:.2f}",
        )
    return t


def market_table(ia: pd.DataFrame) -> Table | None:
    """US price per pure gram, purity, consumption and users by year."""
    names = ("price_per_pure_gram_usd", "purity", "consumption_t", "users_past_month")
    if not all((ia["indicator"] == n).any() for n in names):
        return None
    t = Table(title="US cocaine market by year")
    for c in (
        "year",
        "USD per pure gram",
        "purity",
        "consumption (t pure)",
        "past-month users (million)",
    ):
        t.add_column(c, justify="right")
    pv = {n: _pivot(ia, n) for n in names}
    for y in pv[names[0]].index:
        t.add_row(
            str(y),
            f"{pv[names[0]].loc[y, 'usa']:.1f}",
            f"{pv[names[1]].loc[y, 'usa']:.3f}",
            f"{pv[names[2]].loc[y, 'usa']:.0f}",
            f"{pv[names[3]].loc[y, 'usa'] / 1e6:.2f}",
        )
    return t


def violence_table(ia: pd.DataFrame, first: int = 2000, last: int = 2015) -> Table | None:
    """Homicide rates per 100,000 for the Northern Triangle and Mexico (2007 on: prediction)."""
    if not (ia["indicator"] == "homicide_rate_per_100k").any():
        return None
    pv = _pivot(ia, "homicide_rate_per_100k")
    cols = [c for c in ("GTM", "HND", "SLV", "MEX") if c in pv.columns]
    t = Table(title="Homicide rate per 100,000 (2007-2012: prediction, not fitted)")
    t.add_column("year", justify="right")
    for c in cols:
        t.add_column(c, justify="right")
    for y in pv.index:
        if first <= y <= last:
            mark = " *" if 2007 <= y <= 2012 else ""
            t.add_row(f"{y}{mark}", *[f"{pv.loc[y, c]:.1f}" for c in cols])
    return t


def tables(ia: pd.DataFrame) -> list[Table]:
    out = [flow_table(ia)]
    for f in (market_table, violence_table):
        tb = f(ia)
        if tb is not None:
            out.append(tb)
    return out
