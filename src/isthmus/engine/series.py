"""Time-varying inputs: scenario series interpolated onto the monthly grid."""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario, month_index, parse_month


def monthly_series(
    scenario: Scenario, name: str, region: str, default: float | None = None
) -> np.ndarray | None:
    """The series ``name`` for ``region`` on the scenario's months.

    Values are interpolated linearly between their dates and held flat before
    the first and after the last date. Returns ``default`` broadcast to all
    months (or ``None``) when the scenario has no such series.

    Examples
    --------
    >>> from isthmus.scenario import load_scenario
    >>> sc = load_scenario("central-america")
    >>> x = monthly_series(sc, "production_t_per_year", "andes")
    >>> bool(len(x) == sc.n_months and (x > 0).all())
    True
    """
    s = scenario.series
    # numpy masks, not a pandas filter (why: called for several series at every init)
    hit = (s["series"].to_numpy() == name) & (s["region"].to_numpy() == region)
    n = scenario.n_months
    if not hit.any():
        return None if default is None else np.full(n, float(default))
    dates = s["date"].to_numpy()[hit]
    t = np.array([month_index(parse_month(d), scenario.start) for d in dates], dtype=float)
    v = s["value"].to_numpy(dtype=float)[hit]
    order = np.argsort(t)
    return np.interp(np.arange(n, dtype=float), t[order], v[order])
