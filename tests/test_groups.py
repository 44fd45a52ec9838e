"""Crime groups, plazas and violence: findings F3-F7 as mechanisms (issue 4).

The experiments run the default scenario (a few seeds, common random numbers)
and assert directions and mechanisms with margins, not calibrated numbers, so
that they survive re-tuning of the flow engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from isthmus import Sim
from isthmus.engine.groups import ACTIVITIES, KINDS
from isthmus.engine.portfolio import optimal_effort, shadow_value
from isthmus.policy.interventions import Intervention
from isthmus.scenario import load_scenario

CA = ["GTM", "HND", "SLV", "BLZ", "NIC", "CRI", "PAN"]
MESO = ["MEX", *CA]
GROUP_CAUSES = ("homicides_contest", "homicides_predation", "homicides_state")


@dataclass(eq=True)
class WeakenGroups(Intervention):
    """Test lever: multiply the strength of ``target.group`` by ``size`` each active month."""

    kind = "test_weaken_groups"
    size_bounds = (0.0, 1.0)

    def step(self, sim, t: int) -> None:  # noqa: ANN001
        g = sim.module("groups")
        for a in self.groups():
            g.weaken(a, self.size)


def with_supply_cut(sc, start: str, factor: float):  # noqa: ANN001
    """A copy of ``sc`` whose Andean supply is multiplied by ``factor`` from ``start``."""
    cf = sc.copy()
    y, m = (int(x) for x in start.split("-"))
    before = f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"
    rows = pd.DataFrame(
        [
            dict(series="supply_multiplier", region="andes", date=before, value=1.0),
            dict(series="supply_multiplier", region="andes", date=start, value=factor),
        ]
    ).assign(unit="1", source="test counterfactual")
    cf.tables["series"] = pd.concat([cf.tables["series"], rows], ignore_index=True)
    return cf


def total(res, ind: str, regions, years) -> float:  # noqa: ANN001
    s = res.series[ind]
    cols = [s.regions.index(r) for r in regions if r in s.regions]
    rows = np.isin(res.years, list(years))
    return float(s.data[np.ix_(rows, cols)].sum())


def by_activity(res, ind: str, activity: str, years) -> np.ndarray:  # noqa: ANN001
    """Per-actor sums (revenue) or means (effort) of one activity over ``years``."""
    s = res.series[ind]
    cols = [i for i, r in enumerate(s.regions) if r.endswith(":" + activity)]
    rows = np.isin(res.years, list(years))
    x = s.data[np.ix_(rows, cols)]
    return x.mean(axis=0) if s.agg == "mean" else x.sum(axis=0)


@pytest.fixture(scope="module")
def sc():
    return load_scenario("central-america")


@pytest.fixture(scope="module")
def runs(sc):  # noqa: ANN001
    """Default runs for three seeds: (sim, results)."""
    out = []
    for seed in (0, 1, 2):
        sim = Sim(sc, seed=seed)
        out.append((sim, sim.run()))
    return out


# -- actors and the contract -------------------------------------------------------------


def test_actors_table(sc) -> None:  # noqa: ANN001
    a = sc.actors.set_index("id")
    for aid in ("LORENZANA", "MENDOZA", "LEON", "CHAMALE", "CACHIROS", "VALLE", "TEXIS"):
        assert a.loc[aid, "kind"] == "territorial"
    for aid in ("SINALOA", "GULF", "JUAREZ", "TIJUANA"):
        assert a.loc[aid, "kind"] == "transnational"
    for aid in ("MS13", "BARRIO18"):
        assert a.loc[aid, "kind"] == "gang" and a.loc[aid, "transport_capacity"] <= 0.05
        assert a.loc[aid, "reach_hops"] == 0
    # no group is scheduled: none appears, splits off or merges on a date
    assert not {"active_from", "split_from", "merged_into"} & set(a.columns)
    assert "ZETAS" not in a.index
    assert a.loc["TEXIS", "home_places"].split(";")[0].startswith("SV-")
    assert a["source"].str.len().min() > 10
    assert sc.control["source"].str.len().min() > 10


def test_state_contract(runs) -> None:  # noqa: ANN001
    sim, _ = runs[0]
    st, net = sim.state, sim.net
    na = len(st.actor_ids)
    assert st.fee_place.shape == (net.n_places,) and (st.fee_place >= 0).all()
    assert st.controller.shape == (net.n_places,)
    assert ((st.controller >= -1) & (st.controller < na)).all()
    assert st.group_strength.shape == (na,) and (st.group_strength >= 0).all()
    assert st.link_enf_mult.shape == (net.n_links,)
    assert ((st.link_enf_mult > 0) & (st.link_enf_mult <= 1)).all()
    # fees only where groups hold places; none at sea or at US entry points
    assert (st.fee_place[np.isin(net.place_group, ["maritime", "usa", "europe"])] == 0).all()
    held = sim.module("groups").C.sum(axis=0) > 0
    assert (st.fee_place[held] > 0).any() and (st.fee_place[~held] == 0).all()


def test_no_faction_without_removals(sc) -> None:  # noqa: ANN001
    """Factions come only from the mechanism: with no leader removed, none ever forms."""
    s = sc.copy()
    s.end = (2008, 12)
    s.policies = [p for p in s.policies if p.get("type") != "kingpin_strategy"]
    res = Sim(s, seed=0).run()
    gs = res.series["group_strength"]
    for i, a in enumerate(gs.regions):
        if "-F" in a:
            assert gs.data[:, i].max() == 0.0, a


def test_removals_fragment_and_can_split_a_group(sc) -> None:  # noqa: ANN001
    """Repeated removals keep a group feuding; over seeds, some feuds end in a split."""
    s = sc.copy()
    s.end = (2008, 12)
    pol = {
        "type": "kingpin_strategy",
        "start": "2001-01",
        "end": "2004-12",
        "target": {"group": "GULF"},
        "size": 8,
    }
    split = 0
    for seed in range(5):
        res = Sim(s, seed=seed, policies=[pol]).run()
        gs = res.series["group_strength"]
        f = [i for i, a in enumerate(gs.regions) if a.startswith("GULF-F")]
        split += int(gs.data[:, f].max() > 0)
        assert res.annual("homicides_succession", "MX-TAM", 2002) > 0
    assert split >= 1


def test_corruption_lowers_enforcement_and_presence(runs) -> None:  # noqa: ANN001
    sim, res = runs[0]
    st, net = sim.state, sim.net
    bought = sim.module("groups").K > 0  # the stock of bribes in each place
    assert bought.any() and (st.corruption_spend[~bought] == 0).all()
    into = np.isin(net.link_to, np.flatnonzero(bought))
    assert st.link_enf_mult[into].max() < 1.0 and (st.link_enf_mult[~into] == 1.0).all()
    assert (st.presence_effective <= st.presence + 1e-12).all()
    assert (st.presence_effective[bought] < st.presence[bought]).all()
    assert res.annual("corruption_usd", "GTM", 2005) > 0
    assert res.annual("corruption_usd", "SINALOA", 2005) > 0


def test_piso_fees_shape_routes(sc) -> None:  # noqa: ANN001
    """Traffickers avoid the places that charge: dearer fees, less flow there."""
    short = sc.copy()
    short.end = (2004, 12)

    def flow_into_held(fee: float) -> tuple[float, float]:
        sim = Sim(short, seed=3, params={"groups.fee_share": fee})
        sim.init()
        held = np.flatnonzero(sim.module("groups").C.sum(axis=0) > 0.3)
        inflow, tot = 0.0, 0.0
        for t in range(sim.n_months):
            for m in sim.modules:
                m.step(t)
            if t >= 24:
                into = np.isin(sim.net.link_to, held)
                inflow += sim.state.link_out[into].sum()
                tot += sim.state.path_flow.sum()
        return inflow, tot

    low, t_low = flow_into_held(0.005)
    high, t_high = flow_into_held(0.06)
    assert high / t_high < low / t_low


@pytest.mark.xfail(
    strict=True,
    reason="known miss: after Sinaloa's leader is removed (2004) its strength falls, "
    "but contest killings in Sinaloa and Durango do not rise in 2004 (10.9 against 11.3 "
    "without the removal): the factions' feud is too small against the fitted contest scale",
)
def test_kingpin_removal_fragments_the_group(sc) -> None:  # noqa: ANN001
    short = sc.copy()
    short.end = (2006, 12)
    pol = {
        "type": "kingpin_strategy",
        "start": "2004-01",
        "target": {"group": "SINALOA"},
        "size": 1,
    }
    base = Sim(short, seed=1)
    rb = base.run()
    kp = Sim(short, seed=1, policies=[pol])
    rk = kp.run()
    i = kp.state.actor_ids.index("SINALOA")
    assert rk.series["group_strength"].data[48, i] < rb.series["group_strength"].data[48, i]
    # factions feud in its places: contest violence up in the year after the removal
    home = ["MX-SIN", "MX-DUR"]
    yb = total(rb, "homicides_contest", home, [2004])
    yk = total(rk, "homicides_contest", home, [2004])
    assert yk > yb + 1.0
    # feuding factions lose routes: transit revenue down in the first months
    s = rk.series["revenue_usd"]
    c = s.regions.index("SINALOA:transit")
    assert s.data[49:55, c].sum() < rb.series["revenue_usd"].data[49:55, c].sum()


def test_collusion_needs_few_patient_groups() -> None:
    """Grim-trigger collusion (Castillo 2013): two patient families split a plaza in peace;
    impatient ones, or too many, fight."""
    from isthmus.engine.plazas import collusion

    two = np.array([[True], [True]])
    four = np.ones((4, 1), dtype=bool)
    collude, contested = collusion(two, np.array([0.99, 0.99]), 6.0)
    assert collude[0] and not contested[0]
    collude, contested = collusion(two, np.array([0.99, 0.80]), 6.0)
    assert contested[0] and not collude[0]
    collude, contested = collusion(four, np.full(4, 0.95), 6.0)  # (4/5)^(1/6) = 0.963
    assert contested[0]
    collude, contested = collusion(np.array([[True], [False]]), np.array([0.5, 0.5]), 6.0)
    assert not collude[0] and not contested[0]  # one holder: nothing to collude or fight over


def test_shadow_value_equalises_marginal_returns() -> None:
    rng = np.random.default_rng(0)
    Ya = rng.uniform(0, 1e6, (20, len(ACTIVITIES)))
    Ya[rng.random(Ya.shape) < 0.3] = 0.0
    u = rng.uniform(1e4, 1e5, 20)
    c = np.outer(u, [2.5, 1.1, 1.1, 1.1, 2.5]) * (
        1 + rng.random((20, 1)) * np.array([0, 1, 1, 1, 0])
    )
    S = rng.uniform(0.1, 30, 20)
    lam = shadow_value(Ya, c, S)
    used = (Ya / c * np.log(np.maximum(c / lam[:, None], 1.0))).sum(axis=1)
    ok = (Ya > 0).any(axis=1)
    np.testing.assert_allclose(used[ok], S[ok], rtol=1e-9)
    np.testing.assert_allclose(optimal_effort(Ya, c, lam)[ok].sum(axis=1), S[ok], rtol=1e-9)
    # at the optimum every worked activity returns lambda at the margin, idle ones no more
    L = optimal_effort(Ya, c, lam)
    marginal = np.where(Ya > 0, c * np.exp(-L * c / np.maximum(Ya, 1e-300)), 0.0)
    lam_k = np.broadcast_to(lam[:, None], L.shape)
    worked = (L > 0) & ok[:, None]
    idle = ~worked & ok[:, None]
    np.testing.assert_allclose(marginal[worked], lam_k[worked], rtol=1e-9)
    assert (marginal[idle] <= lam_k[idle] * (1 + 1e-9)).all()


# -- F3: rising plaza value draws challengers ------------------------------------------------


def test_contest_intensity_follows_balance_numbers_and_value() -> None:
    """Violence spent on a plaza: none with one holder; more between equals than between
    a giant and a dwarf; more with more contenders and a richer prize; bounded by the
    gunmen present (not a product with the plaza's value alone)."""
    from isthmus.engine.plazas import contest_violence

    def cv(strengths, value=3e6, cap=1.0):  # noqa: ANN001, ANN202
        s = np.array(strengths, dtype=float)[:, None]
        return float(contest_violence(np.array([value]), s, s > 0, np.full(len(s), 1e6), cap)[0])

    assert cv([2.0]) == 0.0 and cv([2.0, 0.0]) == 0.0
    assert cv([1.0, 1.0]) > cv([1.9, 0.1]) > 0.0
    assert cv([1.0, 1.0, 1.0]) > cv([1.0, 1.0])
    assert cv([1.0, 1.0], value=6e6) > cv([1.0, 1.0], value=3e6)
    assert cv([1.0, 1.0], value=1e12) <= 2.0 + 1e-9  # at most the strength present


def test_weakened_incumbent_opens_its_plazas(sc) -> None:  # noqa: ANN001
    """Dell (2015): a leader's removal or a crackdown weakens the incumbent, and rivals
    move into its plazas."""
    s = sc.copy()
    s.end = (2006, 12)
    s.policies = [p for p in s.policies if p.get("type") != "kingpin_strategy"]

    def rivals_in_gulf_plazas(weaken: bool) -> int:
        pols = [WeakenGroups(start="2002-01", end="2002-01", target={"group": ["GULF"]}, size=0.3)]
        sim = Sim(s, seed=0, policies=pols if weaken else None)
        sim.init()
        g = sim.module("groups")
        gulf = sim.state.actor_ids.index("GULF")
        count = 0
        held = None
        for t in range(sim.n_months):
            for m in sim.modules:
                m.step(t)
            if t == 23:
                held = g.C[gulf] > 0.3
            if t >= 24 and held is not None:
                rival = np.delete(np.arange(g.C.shape[0]), gulf)
                count += int(((g.C[rival][:, held] > 0) | (g.commit[rival][:, held] > 0)).sum())
        return count

    assert rivals_in_gulf_plazas(True) > rivals_in_gulf_plazas(False)


def test_entry_weighs_the_defence_in_strength_units(sc, monkeypatch) -> None:  # noqa: ANN001
    """The entry pay-off V s / (s + D) - c s has D in the units of the commitment s
    (strength): the holders' Tullock weight is a sum of strength**r, so the entry
    decision must get its r-th root (a defence of 0.1 units weighs 0.1, not 0.01)."""
    import isthmus.engine.groups as groups_mod

    s = sc.copy()
    s.end = (2001, 12)
    seen = {"contest": [], "entry": []}
    rows, parts = groups_mod.plaza_contest_rows, groups_mod.entry_hazard_parts

    def rows_spy(*a, **k):  # noqa: ANN002, ANN003, ANN202
        out = rows(*a, **k)
        seen["contest"].append(np.array(out[0]))
        return out

    def parts_spy(*a, **k):  # noqa: ANN002, ANN003, ANN202
        seen["entry"].append((len(seen["contest"]), np.array(a[7])))
        return parts(*a, **k)

    monkeypatch.setattr(groups_mod, "plaza_contest_rows", rows_spy)
    monkeypatch.setattr(groups_mod, "entry_hazard_parts", parts_spy)
    sim = Sim(s, seed=0)
    r = sim.module("groups").p.tullock_r if sim.module("groups") else None
    sim.run()
    assert r is not None and seen["entry"], "no entry decision was evaluated"
    for k, zd in seen["entry"]:
        zg = seen["contest"][k - 1]  # the contest of the same month
        np.testing.assert_allclose(zd, zg ** (1.0 / r), rtol=1e-12)
    assert any(((zg > 0) & (zg < 1)).any() for zg in seen["contest"])  # a thin defence occurs


def test_kind_is_only_a_label(sc) -> None:  # noqa: ANN001
    """Relabelling the kinds of actors changes the records by kind and nothing else: no
    rule of the engine depends on an actor's kind."""
    s = sc.copy()
    s.end = (2004, 12)
    r0 = Sim(s, seed=4).run()
    t = s.copy()
    a = t.tables["actors"]
    a["kind"] = a["kind"].map(
        {"gang": "transnational", "transnational": "territorial", "territorial": "gang"}
    )
    r1 = Sim(t, seed=4).run()
    for ind in ("homicides", "flow_t", "revenue_usd", "group_strength", "fee_usd_per_kg"):
        if ind in r0.series:
            np.testing.assert_allclose(
                r0.series[ind].data, r1.series[ind].data, rtol=1e-12, atol=1e-9, err_msg=ind
            )
    g0 = r0.annual_series("cocaine_handled_share", "gang")
    g1 = r1.annual_series("cocaine_handled_share", "transnational")  # the gangs, relabelled
    np.testing.assert_allclose(g0.to_numpy(), g1.to_numpy())


def _groups_only(sc, link_out: np.ndarray, boost: np.ndarray, t0: int, seed: int = 0):  # noqa: ANN001
    """The groups and violence steps fed a recorded flow, links into ``boost`` x4 from t0."""
    sim = Sim(sc, seed=seed, modules=["groups", "violence"])
    sim.init()
    st, net = sim.state, sim.net
    into = np.isin(net.link_to, boost)
    for k in ("link_inflow", "link_seized"):
        setattr(st, k, np.zeros(net.n_links))
    st.path_flow = np.zeros(net.n_paths)
    st.path_delivered = np.zeros(net.n_paths)
    for t in range(sim.n_months):
        st.link_out = link_out[t] * np.where(into & (t >= t0), 4.0, 1.0)
        for m in sim.modules:
            m.step(t)
    return sim


def test_f3_contest_violence_rises_where_the_flow_moves(sc) -> None:  # noqa: ANN001
    """Flow moved into the Guatemala-Honduras border departments from 2007 (as after
    Mexico's 2006 strategy) raises their plaza value, draws challengers and raises
    contest killings there (the flow is recorded from a default run and replayed)."""
    s = sc.copy()
    s.end = (2011, 12)
    full = Sim(s, seed=0)
    full.init()
    flows = []
    for t in range(full.n_months):
        for m in full.modules:
            m.step(t)
        flows.append(full.state.link_out.copy())
    link_out = np.array(flows)
    net = full.net
    border = np.array([net.place_index[p] for p in ("GT-IZ", "GT-ZA", "GT-PE", "HN-CP", "HN-OC")])
    t0 = 84  # 2007-01
    base = _groups_only(s, link_out, border, 10**6)
    moved = _groups_only(s, link_out, border, t0)
    rb, rm = base.rec["homicides_contest"], moved.rec["homicides_contest"]
    vb, vm = base.rec["plaza_value_usd"], moved.rec["plaza_value_usd"]
    regions = base.rec.series["homicides_contest"].regions
    cols = [regions.index(net.place_ids[i]) for i in border]
    vcols = [base.rec.series["plaza_value_usd"].regions.index(net.place_ids[i]) for i in border]
    after = slice(t0 + 12, None)
    assert vm[after][:, vcols].sum() > 1.5 * vb[after][:, vcols].sum()
    assert rm[after][:, cols].sum() > 1.2 * rb[after][:, cols].sum() + 5.0
    # before the move nothing differs (same seed, same flow)
    np.testing.assert_allclose(rm[:t0], rb[:t0])
    # more challengers in the border departments
    ga, gb = moved.module("groups"), base.module("groups")
    n_m = (ga.C[:, border] > 0).sum() + (ga.commit[:, border] > 0).sum()
    n_b = (gb.C[:, border] > 0).sum() + (gb.commit[:, border] > 0).sum()
    assert n_m >= n_b


# -- F4/F7: when cocaine abates, groups turn to other crimes ---------------------------------


@pytest.fixture(scope="module")
def supply_cut(sc):  # noqa: ANN001
    base = Sim(sc, seed=0).run()
    cut = Sim(with_supply_cut(sc, "2010-01", 0.5), seed=0).run()
    return base, cut


def test_f4_f7_supply_cut_raises_extortion_and_migrant_smuggling(supply_cut) -> None:  # noqa: ANN001
    """The turn to predation follows the fall of plaza revenue (the first years after the
    cut); it fades as scarcity prices pass into piso fees (docs/groups-and-violence.md)."""
    base, cut = supply_cut
    years = range(2010, 2012)
    for act in ("extortion", "migrant_smuggling"):
        rb = by_activity(base, "revenue_usd", act, years).sum()
        rc = by_activity(cut, "revenue_usd", act, years).sum()
        assert rc > 1.05 * rb, (act, rb, rc)
        eb = by_activity(base, "effort_share", act, years)
        ec = by_activity(cut, "effort_share", act, years)
        assert ec.mean() > eb.mean(), (act, eb.mean(), ec.mean())
    tb = by_activity(base, "revenue_usd", "transit", years).sum()
    tc = by_activity(cut, "revenue_usd", "transit", years).sum()
    assert tc < tb


def test_f4_homicides_fall_less_than_the_flow(supply_cut) -> None:  # noqa: ANN001
    base, cut = supply_cut
    years = range(2010, 2016)
    flow = total(cut, "flow_t", MESO, years) / total(base, "flow_t", MESO, years)
    assert flow < 0.8
    hom = total(cut, "homicides", MESO, years) / total(base, "homicides", MESO, years)
    grp = sum(total(cut, k, MESO, years) for k in GROUP_CAUSES) / sum(
        total(base, k, MESO, years) for k in GROUP_CAUSES
    )
    assert hom > flow + 0.1 and grp > flow + 0.1


# -- F5: violence continues until groups are dislodged ---------------------------------------


def test_f5_violence_persists_while_groups_keep_strength(sc, runs) -> None:  # noqa: ANN001
    _, base = runs[0]
    collapse = Sim(with_supply_cut(sc, "2008-01", 0.1), seed=0).run()
    years = range(2009, 2012)
    flow = total(collapse, "flow_t", CA, years) / total(base, "flow_t", CA, years)
    grp = sum(total(collapse, k, CA, years) for k in GROUP_CAUSES) / sum(
        total(base, k, CA, years) for k in GROUP_CAUSES
    )
    assert flow < 0.35 and grp > 0.6, (flow, grp)


def test_f5_weakening_a_group_lowers_violence_for_years(sc, runs) -> None:  # noqa: ANN001
    _, base = runs[0]
    pol = WeakenGroups(start="2008-01", end="2008-01", target={"group": ["MS13"]}, size=0.3)
    weak = Sim(sc, seed=0, policies=[pol]).run()
    where = ["SLV", "HND"]

    def ratio(years) -> float:  # noqa: ANN001
        return sum(total(weak, k, where, years) for k in GROUP_CAUSES) / sum(
            total(base, k, where, years) for k in GROUP_CAUSES
        )

    s_b = base.annual_series("group_strength", "MS13")
    s_w = weak.annual_series("group_strength", "MS13")
    assert s_w.loc[2008] < 0.7 * s_b.loc[2008]
    first, later = ratio([2008, 2009]), ratio([2010, 2011])
    assert first < 0.9 and later < 1.0
    # violence comes back as the gang rebuilds its strength
    assert later > first


def test_f5_justice_capacity_wears_groups_down(sc) -> None:  # noqa: ANN001
    s = sc.copy()
    s.end = (2007, 12)
    pol = {
        "type": "justice_capacity",
        "start": "2001-01",
        "target": {"country": "SLV"},
        "size": 0.6,
    }
    base = Sim(s, seed=1).run()
    jus = Sim(s, seed=1, policies=[pol]).run()
    assert jus.annual("group_strength", "MS13", 2007) < base.annual("group_strength", "MS13", 2007)
    assert jus.annual("homicides_predation", "SLV", 2007) < base.annual(
        "homicides_predation", "SLV", 2007
    )


# -- F6: the maras move little cocaine, but kill through extortion ---------------------------


def test_f6_gangs_move_little_cocaine_but_drive_el_salvador_violence(runs) -> None:  # noqa: ANN001
    for _, res in runs:
        share = res.annual_series("cocaine_handled_share", "gang")
        assert share.max() < 0.05
        kinds = [res.annual_series("cocaine_handled_share", k) for k in KINDS]
        np.testing.assert_allclose(sum(kinds).loc[2001:], 1.0, atol=1e-9)
        years = range(2000, 2013)
        gang = total(res, "homicides_predation_by_kind", ["SLV:gang"], years)
        # The gangs still extort and kill: in El Salvador they do most of the groups' killing,
        # through predation, more than all plaza contests and other groups' predation
        assert gang > 0 and total(res, "revenue_usd", ["MS13:extortion"], years) > 0
        other = total(res, "homicides_predation_by_kind", ["SLV:territorial"], years) + total(
            res, "homicides_contest", ["SLV"], years
        )
        assert gang > other


def test_secondary_flows(runs) -> None:  # noqa: ANN001
    _, res = runs[0]
    # migrants leave the Northern Triangle and cross Mexico; firearms come south
    assert 1e5 < res.annual("migrants_smuggled", "MEX", 2005) < 1e6
    assert res.annual("migrants_smuggled", "GTM", 2005) > res.annual(
        "migrants_smuggled", "SLV", 2005
    )
    assert (
        res.annual("firearms_trafficked", "MEX", 2005)
        > res.annual("firearms_trafficked", "GTM", 2005)
        > 0
    )
    assert res.annual("revenue_usd", "GULF:migrant_smuggling", 2005) >= 0
