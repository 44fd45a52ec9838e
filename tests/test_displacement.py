"""Displacement (F1): enforcement on one country pushes the flow into its neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isthmus import Sim
from isthmus.policy import InterdictionSurge

FLOW_MODULES = ["supply", "routes", "interdiction", "state"]  # the flow engine alone
# Enforcers elsewhere keep their allocation, so what is measured is the traffickers' response.
PARAMS = {"supply.noise_cv": 0.0, "interdiction.realloc": 0.0}
COUNTRIES = ["MEX", "GTM", "HND", "NIC", "PAN", "CRI", "BLZ", "JAM", "DOM"]


def _through(sim: Sim, iso3: str) -> np.ndarray:
    """Boolean mask of routes that enter the country."""
    net = sim.net
    enters = np.flatnonzero(net.place_country[net.link_to] == iso3)
    return np.asarray(net.A[:, enters].sum(axis=1) > 0).ravel()


def _run(default_scenario, seed: int, extra: list) -> tuple[Sim, dict]:
    sim = Sim(default_scenario, seed=seed, params=PARAMS, policies=extra, modules=FLOW_MODULES)
    sim.init()
    through = {c: _through(sim, c) for c in COUNTRIES}
    acc_path = {c: 0.0 for c in COUNTRIES}
    acc_total = 0.0
    t0 = 5 * 12  # 2005-01
    for t in range(sim.n_months):
        for m in sim.modules:
            m.step(t)
        if t0 <= t < t0 + 36:
            st_ = sim.state
            for c in COUNTRIES:
                acc_path[c] += st_.path_flow[through[c]].sum()
            acc_total += st_.path_flow.sum()
    rec = sim.rec["flow_t"]
    regions = sim.rec.series["flow_t"].regions
    acc = {c: rec[t0 : t0 + 36, regions.index(c)].sum() for c in regions if len(c) == 3}
    return sim, {"inflow": acc, "routes": acc_path, "total": acc_total}


@settings(max_examples=6, deadline=None)
@given(
    country=st.sampled_from(["MEX", "GTM", "HND", "NIC", "PAN", "CRI"]),
    # Relative surges; several-fold, since some of these states start from little effort.
    size=st.floats(5.0, 20.0),
    seed=st.integers(0, 1000),
)
def test_raising_enforcement_displaces_flow(
    default_scenario, country: str, size: float, seed: int
) -> None:
    surge = InterdictionSurge(
        start="2005-01", end="2007-12", target={"country": country}, size=size
    )
    _, base = _run(default_scenario, seed, [])
    _, alt = _run(default_scenario, seed, [surge])
    # The targeted country's inflow falls ...
    assert alt["inflow"][country] < base["inflow"][country]
    # ... other countries' rises (those on the routes that avoid it) ...
    others = [c for c in base["inflow"] if c != country]
    assert max(alt["inflow"][c] - base["inflow"][c] for c in others) > 0
    removed = base["routes"][country] - alt["routes"][country]
    displaced = (alt["total"] - alt["routes"][country]) - (base["total"] - base["routes"][country])
    assert removed > 0 and displaced > 0
    # ... and the flow displaced onto routes avoiding the country never exceeds the flow removed from it.
    assert displaced <= removed * (1 + 1e-9)


F1_MISS = pytest.mark.xfail(
    strict=True,
    reason="known miss (README, findings F1c): Mexico's escalations push corridor flow to "
    "the Caribbean and direct routes rather than into Central America (protocol line F1c "
    "-0.004, needs > 0); Central America's share of US-bound flow falls from 2005 to 2010",
)


@F1_MISS
def test_f1_default_run_central_america_share_rises(default_results) -> None:
    r = default_results
    assert r.annual("us_bound_share", "central_america", 2010) > r.annual(
        "us_bound_share", "central_america", 2005
    )
    assert r.annual("us_bound_share", "mexico_direct", 2010) < r.annual(
        "us_bound_share", "mexico_direct", 2005
    )


@F1_MISS
def test_f1_counterfactual_without_mexican_escalations(default_scenario) -> None:
    cf = default_scenario.copy()
    cf.policies = [
        p
        for p in cf.policies
        if "MEX" not in str(p.get("target")) and "MX-" not in str(p.get("target"))
    ]
    assert len(cf.policies) < len(default_scenario.policies)
    for seed in (0, 1, 2):
        with_esc = Sim(default_scenario, seed=seed).run()
        without = Sim(cf, seed=seed).run()
        assert with_esc.annual("us_bound_share", "central_america", 2010) > without.annual(
            "us_bound_share", "central_america", 2010
        )
