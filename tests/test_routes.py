"""Route choice: the preferred split by first landfall (``preferred_us_bound_share``).

The indicator is the nested logit's target, before the inertia of re-routing and of
opening a corridor; ``us_bound_share`` is where the flow is. Without inertia the two
are the same tons; with the default inertia they differ (the flow lags the target).
"""

from __future__ import annotations

import numpy as np
import pytest

from isthmus.engine.record import LANDFALL_REGIONS
from isthmus.engine.sim import Sim

YEARS = range(2001, 2016)  # 2000 starts from the observed corridor split, not the target


def _shares(res, name: str) -> np.ndarray:  # noqa: ANN001
    return np.array([[res.annual(name, g, y) for g in LANDFALL_REGIONS] for y in YEARS])


@pytest.fixture(scope="module")
def default_run():  # noqa: ANN201
    return Sim("central-america", seed=0).run()


def test_without_inertia_the_flow_is_where_traffickers_want_it() -> None:
    res = Sim(
        "central-america",
        seed=0,
        params={"routes.adaptation": 1.0, "routes.corridor_adaptation": 1.0},
    ).run()
    np.testing.assert_allclose(
        _shares(res, "preferred_us_bound_share"), _shares(res, "us_bound_share"), atol=1e-12
    )


def test_with_inertia_the_flow_lags_the_preferred_split(default_run) -> None:  # noqa: ANN001
    pref = _shares(default_run, "preferred_us_bound_share")
    actual = _shares(default_run, "us_bound_share")
    assert np.abs(pref - actual).max() > 0.05


def test_preferred_shares_are_shares(default_run) -> None:  # noqa: ANN001
    pref = _shares(default_run, "preferred_us_bound_share")
    assert (pref >= 0).all() and (pref <= 1 + 1e-12).all()
    assert (pref.sum(axis=1) <= 1 + 1e-9).all()
    assert (pref.sum(axis=1) > 0.99).all()  # every US-bound route has a first landfall
