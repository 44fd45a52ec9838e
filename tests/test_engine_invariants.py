"""Invariants of the flow engine, property-tested over random scenarios and seeds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from isthmus import Sim
from isthmus.scenario.synthetic import synthetic_scenario


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(20, 150),
    links_per_place=st.integers(3, 8),
    net_seed=st.integers(0, 10_000),
    seed=st.integers(0, 2**31 - 1),
    production=st.floats(10.0, 5000.0),
)
def test_mass_balance_and_nonnegativity(n, links_per_place, net_seed, seed, production) -> None:
    sc = synthetic_scenario(
        n, n * links_per_place, seed=net_seed, end="2001-12", production_t_per_year=production
    )
    sim = Sim(sc, seed=seed)
    res = sim.run()
    led = res.ledger
    # supplied = seized + delivered + stock change + losses, every month, to 1e-9.
    assert np.all(np.abs(led["residual_rel"]) <= 1e-9)
    assert np.allclose(
        led["supplied_t"],
        led["seized_t"] + led["delivered_t"] + led["stock_change_t"] + led["lost_t"],
        rtol=1e-9,
        atol=1e-9,
    )
    st_ = sim.state
    for arr in (
        st_.link_inflow,
        st_.link_seized,
        st_.link_out,
        st_.path_flow,
        st_.path_delivered,
        st_.p_true,
        st_.p_hat,
    ):
        assert np.all(arr >= 0)
    assert np.all(st_.p_true <= 1) and np.all(st_.p_hat <= 1)
    ia = res.indicators_annual
    shares = ia[ia["indicator"].str.endswith("_share")]
    assert ((shares["value"] >= -1e-12) & (shares["value"] <= 1 + 1e-9)).all()
    assert (ia.loc[ia["unit"] == "t", "value"] >= 0).all()


def test_same_seed_identical_other_seed_differs(default_scenario) -> None:
    a = Sim(default_scenario, seed=11).run().indicators_annual
    b = Sim(default_scenario, seed=11).run().indicators_annual
    c = Sim(default_scenario, seed=12).run().indicators_annual
    assert a.equals(b)
    assert not np.allclose(a["value"].to_numpy(), c["value"].to_numpy())


def test_module_streams_are_independent(default_scenario) -> None:
    """Common random numbers: each module's stream depends only on the seed and its name."""
    s1 = Sim(default_scenario, seed=5)
    s2 = Sim(default_scenario, seed=5, params={"routes.theta": 20})
    assert s1.module_rng("interdiction").random() == s2.module_rng("interdiction").random()
    assert s1.module_rng("supply").random() != s1.module_rng("interdiction").random()


def test_plan_lists_every_step_and_inactive_modules(default_scenario) -> None:
    sim = Sim(default_scenario, modules=["supply", "routes", "interdiction", "state"])
    plan = sim.plan
    for name in (
        "supply",
        "routes",
        "interdiction",
        "markets",
        "groups",
        "violence",
        "state",
        "record",
    ):
        assert name in plan
    assert plan.count("[inactive") == 3


@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_parameter_draws_within_ranges_stay_finite(default_scenario, data) -> None:
    """Any parameter set within the declared ranges gives finite, non-negative results."""
    sc = default_scenario.copy()
    sc.end = (2004, 12)
    params = {}
    for mod, ps in Sim.declared_params().items():
        for name, p in ps.items():
            if p.low is not None and p.high is not None and p.low < p.high:
                params[f"{mod}.{name}"] = data.draw(st.floats(p.low, p.high), label=f"{mod}.{name}")
    res = Sim(sc, seed=data.draw(st.integers(0, 1000)), params=params).run()
    ia = res.indicators_annual
    assert np.isfinite(ia["value"]).all(), ia[~np.isfinite(ia["value"])].head()
    counts = ia[ia["unit"].isin(["t", "count", "USD", "persons", "units"])]
    assert (counts["value"] >= -1e-9).all(), counts[counts["value"] < -1e-9].head()


def test_synthetic_networks_always_connect_sources_to_markets() -> None:
    """Sparse k-nearest-neighbour graphs fall apart into islands; the generator joins
    them, so every synthetic scenario compiles (a 26-place network of seed 2102 had no
    route from the Andes to a market before)."""
    from isthmus.engine.network import compile_network

    for net_seed in (2102, *range(40)):
        for links_per_place in (3, 4):
            sc = synthetic_scenario(26, 26 * links_per_place, seed=net_seed, end="2000-03")
            assert compile_network(sc).n_paths > 0
