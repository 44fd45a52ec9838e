"""The state and its levers (F9, F10, kingpin, justice): mechanisms, not scripted outcomes.

Flow-only tests run the supply, routes, interdiction, state and record modules on
shortened copies of the default scenario; violence assertions run only when the
violence module records the indicator they need.
"""

from __future__ import annotations

import numpy as np
import pytest

from isthmus import Sim
from isthmus.engine.state import base_effort

FLOW = ["supply", "routes", "interdiction", "state", "record"]
NOISE0 = {"supply.noise_cv": 0.0}


def short(sc, end=(2006, 12), policies: bool = False):  # noqa: ANN001
    """A copy of the scenario ending at ``end``; without its own policies unless asked."""
    s = sc.copy()
    s.end = end
    if not policies:
        s.policies = []
    return s


def run(sc, pol=(), modules=FLOW, seed: int = 1, hook=None):  # noqa: ANN001
    """Run month by month; ``hook(sim, t)`` is called after each month."""
    sim = Sim(sc, seed=seed, params=NOISE0, policies=list(pol), modules=modules)
    sim.init()
    for t in range(sim.n_months):
        sim.t = t
        for m in sim.modules:
            m.step(t)
        if hook is not None:
            hook(sim, t)
    return sim


def rec(sim, name: str, region: str) -> np.ndarray:  # noqa: ANN001
    s = sim.rec.series[name]
    return s.data[:, s.regions.index(region)]


def half_time(x: np.ndarray, target: float) -> int:
    hit = np.flatnonzero(x >= 0.5 * target)
    return int(hit[0]) if len(hit) else len(x)


# -- the contract ------------------------------------------------------------------------


def test_state_contract_after_init(default_scenario) -> None:
    sim = Sim(short(default_scenario), seed=0, modules=FLOW)
    sim.init()
    st, net = sim.state, sim.net
    nC = len(net.countries)
    assert st.presence.shape == (net.n_places,) and ((st.presence >= 0) & (st.presence <= 1)).all()
    assert st.corruption_c.shape == (nC,) and st.justice_c.shape == (nC,)
    assert st.prevention.shape == (net.n_places,) and not st.prevention.any()
    assert st.demand_multiplier == {"usa": 1.0, "europe": 1.0}
    assert st.deployed_personnel.shape == (net.n_places,) and not st.deployed_personnel.any()
    assert st.kingpin_events == []
    assert len(st.strength_pressure) == len(sim.scenario.actors)
    c = sim.scenario.countries.set_index("id")
    g = net.countries.index("GTM")
    assert st.corruption_c[g] == pytest.approx(float(c.loc["GTM", "corruption"]))
    assert st.justice_c[g] == pytest.approx(float(c.loc["GTM", "justice_capacity"]))
    # effort = capacity x (1 - corruption) without policies
    np.testing.assert_allclose(st.effort, base_effort(sim))


def test_effort_stays_at_capacity_without_policies(default_scenario) -> None:
    sim = run(short(default_scenario, end=(2001, 12)))
    np.testing.assert_allclose(sim.state.effort, base_effort(sim))
    assert not sim.state.link_extra_effort.any()


# -- F9: military deployment ---------------------------------------------------------------


def _land_inflow(sim) -> np.ndarray:  # noqa: ANN001
    net = sim.net
    return np.bincount(
        net.link_to, weights=sim.state.link_inflow * (net.link_mode == 0), minlength=net.n_places
    )


@pytest.fixture(scope="module")
def military(default_scenario):  # noqa: ANN001
    """Base and 20,000 troops for 2004 in the isthmus place with the most land inflow."""
    sc = short(default_scenario)
    flows: dict[str, list] = {"base": [], "mil": []}
    base = run(sc, hook=lambda s, t: flows["base"].append(_land_inflow(s)))
    b = np.array(flows["base"])
    net = base.net
    isthmus = np.isin(net.place_group, ["mexico", "central_america"])
    place = int(np.argmax(np.where(isthmus, b[36:48].sum(axis=0), -1)))
    pid = net.place_ids[place]
    pol = {
        "type": "military_deployment",
        "start": "2004-01",
        "end": "2004-12",
        "target": {"places": [pid]},
        "size": 20000,
    }
    links = np.flatnonzero((net.link_to == place) & (net.link_mode == 0))
    extra_after: list[float] = []

    def hook(s, t):  # noqa: ANN001
        flows["mil"].append(_land_inflow(s))
        if t == 60:  # January 2005, the month after the end
            extra_after.append(
                float(
                    s.state.link_extra_effort[links].sum() + s.state.link_troop_effort[links].sum()
                )
            )

    mil = run(sc, [pol], hook=hook)
    a = np.array(flows["mil"])
    return dict(
        sc=sc,
        pol=pol,
        place=place,
        pid=pid,
        base=base,
        mil=mil,
        b=b[:, place],
        a=a[:, place],
        extra_after=extra_after,
    )


@pytest.mark.xfail(
    strict=True,
    reason="known miss: 13-24 months after the troops leave the flow has recovered 16% of "
    "the gap, not 30%: the calibrated corridor adaptation (routes.corridor_adaptation, "
    "about 0.02 per month) makes traffickers relearn a lifted risk slowly",
)
def test_military_deployment_lowers_flow_within_months_then_ends(military) -> None:
    m = military
    ratio = lambda k0, k1: m["a"][k0:k1].sum() / m["b"][k0:k1].sum()  # noqa: E731
    during = ratio(50, 60)  # March-December 2004
    assert during < 0.95, f"flow into {m['pid']} fell only to {during:.2f} of the base"
    # troops are there only while the deployment lasts
    c = str(m["mil"].net.place_country[m["place"]])
    troops = rec(m["mil"], "deployed_personnel", c)
    assert (troops[48:60] >= 20000 - 1e-6).all() and not troops[60:].any()
    assert m["extra_after"] == [0.0]
    # ... and the flow recovers once traffickers have relearned the risk (troops at landing
    # beaches and airstrips push routes further away, so part of the shift outlasts them)
    later = ratio(72, 84)  # 13-24 months after the end
    assert (later - during) / (1.0 - during) > 0.3, (during, later)


def test_military_deployment_raises_confrontation_violence_first_year(military) -> None:
    m = military
    full = Sim(m["sc"], seed=1, params=NOISE0, policies=[m["pol"]])
    if "violence" not in full.active:
        pytest.skip("violence module inactive")
    res = full.run()
    if "homicides_state" not in res.series:
        pytest.skip("the violence module does not record homicides_state yet")
    base = Sim(m["sc"], seed=1, params=NOISE0).run()
    c = str(full.net.place_country[m["place"]])
    assert res.annual("homicides_state", c, 2004) > base.annual("homicides_state", c, 2004)
    # the confrontation ends with the deployment
    assert (
        res.annual("homicides_state", c, 2006) <= base.annual("homicides_state", c, 2006) * 1.1 + 1
    )


# -- F9: police reform and anti-corruption -------------------------------------------------


def _reform(default_scenario, corruption: float) -> Sim:  # noqa: ANN001
    sc = short(default_scenario, end=(2015, 12))
    c = sc.tables["countries"]
    c.loc[c["id"] == "HND", "corruption"] = corruption
    pol = {"type": "police_reform", "start": "2000-01", "target": {"country": "HND"}, "size": 0.5}
    return run(sc, [pol])


def test_police_reform_is_slow_and_slower_under_corruption(default_scenario) -> None:
    low = _reform(default_scenario, 0.1)
    high = _reform(default_scenario, 0.8)
    g_low = rec(low, "police_capacity_gain", "HND")
    g_high = rec(high, "police_capacity_gain", "HND")
    t_low, t_high = half_time(g_low, 0.5), half_time(g_high, 0.5)
    assert t_low >= 24, f"half the effect after {t_low} months: not 'years'"
    assert t_high > 1.5 * t_low, (t_low, t_high)
    # ... and the reform raises the country's effective land effort
    e = rec(low, "state_effort", "HND")
    assert e[-1] > 1.08 * e[0]
    # military deployment does not build capacity: nothing remains of it (above); a reform's
    # police stay after it ends
    sc = short(default_scenario, end=(2012, 12))
    pol = {
        "type": "police_reform",
        "start": "2000-01",
        "end": "2005-12",
        "target": {"country": "HND"},
        "size": 0.5,
    }
    ended = run(sc, [pol])
    g = rec(ended, "police_capacity_gain", "HND")
    assert g[-1] >= g[71] > 0


def _seizure_share(sim_hook_store: dict, juris: str):  # noqa: ANN001
    """Tons the state's own patrols seized per ton entering it (other patrols on the same
    links, the transit zone's or the departure state's, are not its enforcement)."""

    def hook(s, t):  # noqa: ANN001
        if 48 <= t < 84:
            j = s.net.juris_ids.index(juris)
            own = s.net.link_juris == j
            sim_hook_store["seized"] += s.state.juris_seized[j]
            sim_hook_store["inflow"] += s.state.link_inflow[own].sum()

    return hook


def test_anti_corruption_raises_effectiveness_of_the_same_enforcement(default_scenario) -> None:
    sc = short(default_scenario)
    pol = {"type": "anti_corruption", "start": "2000-06", "target": {"country": "GTM"}, "size": 0.6}
    b = {"seized": 0.0, "inflow": 0.0}
    a = {"seized": 0.0, "inflow": 0.0}
    base = run(sc, hook=_seizure_share(b, "GTM"))
    anti = run(sc, [pol], hook=_seizure_share(a, "GTM"))
    g = base.net.countries.index("GTM")
    corr = rec(anti, "corruption", "GTM")
    # gradual, not instant
    assert corr[1] > 0.95 * corr[0] and corr[-1] < 0.8 * corr[0]
    # same capacity (no enforcement policy), lower corruption: more effort, larger seizure share
    assert (
        anti.state.effort[anti.net.juris_ids.index("GTM")].sum()
        > base.state.effort[base.net.juris_ids.index("GTM")].sum()
    )
    assert a["seized"] / a["inflow"] > 1.1 * b["seized"] / b["inflow"]
    assert anti.state.corruption_c[g] < base.state.corruption_c[g]


def test_anti_corruption_relapses_when_it_ends(default_scenario) -> None:
    sc = short(default_scenario, end=(2010, 12))
    pol = {
        "type": "anti_corruption",
        "start": "2000-01",
        "end": "2003-12",
        "target": {"country": "HND"},
        "size": 0.5,
    }
    sim = run(sc, [pol])
    c = rec(sim, "corruption", "HND")
    assert c[47] < c[0] and c[-1] > c[47]


# -- F10: prevention ------------------------------------------------------------------------

PREV = {
    "type": "crime_prevention",
    "start": "2002-01",
    "target": {"country": ["SLV", "HND", "GTM"]},
    "size": 0.4,
}


def test_prevention_is_lagged_and_leaves_flows_unchanged(default_scenario) -> None:
    sc = short(default_scenario)
    base = run(sc)
    prev = run(sc, [PREV])
    p = rec(prev, "prevention", "SLV")
    t0 = 24  # 2002-01
    assert p[t0 - 1] == 0 and p[t0 + 3] < 0.1 * 0.4  # little after a quarter
    assert p[t0 + 48] > 0.7 * 0.4  # most of it after four years
    assert half_time(p[t0:], 0.4) >= 12
    # prevention changes no enforcement input: cocaine flows are identical
    np.testing.assert_array_equal(prev.rec["flow_t"], base.rec["flow_t"])
    np.testing.assert_array_equal(prev.rec["delivered_t"], base.rec["delivered_t"])


def test_prevention_lowers_homicides_with_a_lag(default_scenario) -> None:
    sc = short(default_scenario)
    probe = Sim(sc, seed=1, params=NOISE0)
    if "violence" not in probe.active:
        pytest.skip("violence module inactive")
    base = probe.run()
    if "homicides" not in base.series:
        pytest.skip("the violence module does not record homicides yet")
    prev = Sim(sc, seed=1, params=NOISE0, policies=[PREV]).run()
    # It acts through recruitment: the groups' killings fall late, not at once (how much of
    # all homicides that is depends on the fitted share of predation: findings F10a).
    h_b = rec_res(base, "homicides_predation", "SLV")
    h_p = rec_res(prev, "homicides_predation", "SLV")
    t0 = 24
    early = h_p[t0 : t0 + 3].sum() / h_b[t0 : t0 + 3].sum()
    late = h_p[t0 + 36 : t0 + 60].sum() / h_b[t0 + 36 : t0 + 60].sum()
    assert late < 0.95 and early > late + 0.02
    t_b, t_p = rec_res(base, "homicides", "SLV"), rec_res(prev, "homicides", "SLV")
    assert t_p[t0 + 36 : t0 + 60].sum() < t_b[t0 + 36 : t0 + 60].sum()
    # ... and cocaine flows barely move (within 2%)
    f_b = base.annual_series("flow_t", "SLV").loc[2005:2006].sum()
    f_p = prev.annual_series("flow_t", "SLV").loc[2005:2006].sum()
    assert abs(f_p / f_b - 1) < 0.02


def rec_res(res, name: str, region: str) -> np.ndarray:  # noqa: ANN001
    s = res.series[name]
    return s.data[:, s.regions.index(region)]


# -- US demand reduction ---------------------------------------------------------------------


def test_us_demand_reduction_shifts_demand_with_a_lag(default_scenario) -> None:
    sc = short(default_scenario, end=(2004, 12))
    pol = {"type": "us_demand_reduction", "start": "2001-01", "size": 0.2}
    seen: list[float] = []
    run(sc, [pol], hook=lambda s, t: seen.append(s.state.demand_multiplier["usa"]))
    d = np.array(seen)
    # d[t] is the multiplier prepared for month t + 1; the programme starts in month 12
    assert d[10] == 1.0 and 0.8 < d[14] < d[11] < 1.0 and d[-1] < 0.9
    assert (np.diff(d) <= 1e-12).all()


# -- kingpin strategy and justice --------------------------------------------------------------


def test_kingpin_events_at_scheduled_months(default_scenario) -> None:
    if len(default_scenario.actors) == 0:
        pytest.skip("no actors in the scenario")
    aid = str(default_scenario.actors["id"].iloc[0])
    sc = short(default_scenario)
    pol = {
        "type": "kingpin_strategy",
        "start": "2003-01",
        "end": "2004-12",
        "target": {"group": aid},
        "size": 2,
    }
    events: dict[int, list] = {}

    def hook(s, t):  # noqa: ANN001
        # the state step prepares next month's events at the end of month t
        if s.state.kingpin_events:
            events[t + 1] = list(s.state.kingpin_events)

    run(sc, [pol], hook=hook)
    # (actor id, place index); no place named: the groups module picks the lineage's member
    assert events == {36: [(aid, None)], 48: [(aid, None)]}

    # with a place named, every removal carries that place's index
    place = str(default_scenario.actors["home_places"].iloc[0]).split(";")[0]
    events.clear()
    sim = run(sc, [{**pol, "target": {"group": aid, "places": [place]}}], hook=hook)
    k = sim.net.place_index[place]
    assert events == {36: [(aid, k)], 48: [(aid, k)]}


def _home(sim, aid: str) -> np.ndarray:  # noqa: ANN001
    row = sim.scenario.actors.set_index("id").loc[aid]
    return np.array([sim.net.place_index[p] for p in str(row["home_places"]).split(";")])


@pytest.mark.xfail(
    strict=True,
    reason="known miss: for one of the three groups removed, homicides in its home places "
    "do not rise in the first year (0.99) while its neighbours' rise 5% in six months; the "
    "mean rise over the groups holds (contest after a removal depends on who is nearby)",
)
def test_kingpin_removal_raises_violence_in_group_places(default_scenario) -> None:
    sc = short(default_scenario, end=(2006, 12))
    probe = Sim(sc, seed=1, params=NOISE0)
    if len(sc.actors) == 0 or "groups" not in probe.active or "violence" not in probe.active:
        pytest.skip("groups or violence inactive, or no actors")
    base = probe.run()
    if "homicides" not in base.series:
        pytest.skip("no homicides indicator yet")
    regions = base.series["homicides"].regions
    act = sc.actors
    cand = [
        str(a)
        for a, k, h in zip(act["id"], act["kind"], act["home_places"], strict=True)
        if k != "gang" and all(p in regions for p in str(h).split(";"))
    ]
    if not cand:
        pytest.skip("no group with admin-1 home places")
    t0 = 48
    ratios, nb_checks = [], []
    net = probe.net
    for aid in cand[:3]:
        pol = {"type": "kingpin_strategy", "start": "2004-01", "target": {"group": aid}, "size": 1}
        res = Sim(sc, seed=1, params=NOISE0, policies=[pol]).run()
        home = _home(probe, aid)
        ids = [net.place_ids[i] for i in home]
        hb = sum(rec_res(base, "homicides", p) for p in ids)
        hk = sum(rec_res(res, "homicides", p) for p in ids)
        first_year = hk[t0 : t0 + 12].sum() / hb[t0 : t0 + 12].sum()
        ratios.append(first_year)
        nb = np.unique(net.link_to[np.isin(net.link_from, home)])
        nb = [net.place_ids[i] for i in nb if i not in home and net.place_ids[i] in regions]
        if nb:
            nbb = sum(rec_res(base, "homicides", p) for p in nb)
            nbk = sum(rec_res(res, "homicides", p) for p in nb)
            six = nbk[t0 : t0 + 6].sum() / max(nbb[t0 : t0 + 6].sum(), 1e-9)
            later = nbk[t0 + 12 : t0 + 24].sum() / max(nbb[t0 + 12 : t0 + 24].sum(), 1e-9)
            nb_checks.append((six, later, first_year))
    # mechanisms.md (c): +80% in the place of capture for at least 12 months (Lindo &
    # Padilla-Romo 2018); accept an average from +10% to +300%
    assert 1.1 < float(np.mean(ratios)) < 4.0, ratios
    # neighbouring places: a smaller and briefer rise (+30% for 6 months)
    for six, later, first_year in nb_checks:
        assert six >= later - 0.02
        assert six - 1 <= first_year - 1 + 0.05


def test_justice_capacity_raises_pressure_on_groups(default_scenario) -> None:
    sc = short(default_scenario, end=(2005, 12))
    if len(sc.actors) == 0:
        pytest.skip("no actors")
    pol = {
        "type": "justice_capacity",
        "start": "2000-01",
        "target": {"country": "MEX"},
        "size": 0.4,
    }
    base = run(sc)
    jus = run(sc, [pol])
    m = base.net.countries.index("MEX")
    assert jus.state.justice_c[m] > base.state.justice_c[m] + 0.2
    mex = [i for i, h in enumerate(sc.actors["home_places"]) if str(h).startswith("MX-")]
    if mex:
        assert (jus.state.strength_pressure[mex] > base.state.strength_pressure[mex]).all()
