"""`isthmus compare` and F8: coordinated versus unilateral allocation of the same budget."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from isthmus import Sim
from isthmus.experiments.compare import Arm, Comparison, displacement, summarize
from isthmus.policy import load_policy_file
from isthmus.policy.allocation import (
    RouteResponse,
    coordinated_allocation,
    link_effectiveness,
    unilateral_allocation,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "policies"
FLOW = ["supply", "routes", "interdiction", "markets", "state", "record"]


def _targets() -> list[str]:
    ivs = load_policy_file(EXAMPLES / "unilateral.yaml")
    return [str(c) for iv in ivs for c in iv.target["country"]]


# -- the allocations, on the traffickers' equilibrium response ------------------------------


@pytest.fixture(scope="module")
def sim_2008(default_scenario):  # noqa: ANN001
    """The default scenario run (flow modules) to January 2008."""
    sim = Sim(default_scenario, seed=0, modules=FLOW)
    sim.init()
    for t in range(96):
        sim.t = t
        for m in sim.modules:
            m.step(t)
    return sim


def test_allocations_spend_the_budget_where_they_should(sim_2008) -> None:
    sim = sim_2008
    net = sim.net
    J = [net.juris_ids.index(c) for c in ("GTM", "HND")]
    u = unilateral_allocation(sim, {J[0]: 3.0, J[1]: 1.0})
    assert u.sum() == pytest.approx(4.0)
    # each country spends its budget on the links it patrols (its roads, coasts and
    # waters, with the hops that leave its coast for a neighbour's), in proportion to
    # the flow it sees there, and nowhere else
    flow = sim.state.link_inflow
    for j, c, b in ((J[0], "GTM", 3.0), (J[1], "HND", 1.0)):
        own = net.patrolled_by(c)
        e = unilateral_allocation(sim, {j: b})
        assert e.sum() == pytest.approx(b) and not e[~own].any()
        np.testing.assert_allclose(e[own], b * flow[own] / flow[own].sum(), rtol=1e-12)
    both = unilateral_allocation(sim, {J[0]: 3.0}) + unilateral_allocation(sim, {J[1]: 1.0})
    np.testing.assert_allclose(u, both, rtol=1e-12)
    assert not u[~(net.patrolled_by("GTM") | net.patrolled_by("HND"))].any()
    cand = np.isin(net.link_juris, J)
    c = coordinated_allocation(sim, 4.0, cand)
    assert c.sum() == pytest.approx(4.0) and not c[~cand].any() and (c >= 0).all()


def _participants(sim):  # noqa: ANN001, ANN202
    """The target states' jurisdictions, their candidate links and the one-month response."""
    net = sim.net
    J = [net.juris_ids.index(c) for c in _targets() if c in net.juris_ids]
    return J, np.isin(net.link_juris, J), RouteResponse(sim, link_effectiveness(sim))


def test_coordinated_beats_unilateral_in_the_equilibrium_response(sim_2008) -> None:
    """Same budget and states: the greedy allocation cuts equilibrium US deliveries more."""
    sim = sim_2008
    net = sim.net
    J, cand, model = _participants(sim)
    d0 = model.delivered(np.zeros(net.n_links))[0]
    flow = sim.state.link_flow_avg
    w = np.bincount(net.link_juris, weights=flow, minlength=len(net.juris_ids))
    budget = 20.0
    u = unilateral_allocation(sim, {j: budget * w[j] / w[J].sum() for j in J})
    c = coordinated_allocation(sim, budget, cand)
    du, dc = model.delivered(u)[0], model.delivered(c)[0]
    assert dc < du < d0


@pytest.mark.xfail(
    strict=True,
    reason="known miss: in the one-month response the greedy uses, chunks beyond about 10 "
    "units raise US deliveries (flow pushed onto routes seized less): on the road network "
    "through Mexico (2026-12-07, January 2008, seed 0) 10, 20 and 40 units give 9.97, 10.11 "
    "and 10.57 t/month. Yet over 2008-12 the full model rewards spending them: a stop rule "
    "(place a chunk only if it lowers the response's deliveries) makes this test pass and "
    "the coordinated example deliver more than the unilateral one on seed 0 (647.5 against "
    "645.4 t), so the one-month response, not the budget rule, is what misleads here",
)
def test_greedy_more_budget_never_delivers_more(sim_2008) -> None:
    sim = sim_2008
    _, cand, model = _participants(sim)
    dc = model.delivered(coordinated_allocation(sim, 20.0, cand))[0]
    c2 = coordinated_allocation(sim, 40.0, cand)
    assert model.delivered(c2)[0] <= dc + 1e-9


# -- the comparison machinery -----------------------------------------------------------------


def test_summarize_pairs_seeds() -> None:
    runs = pd.DataFrame(
        {
            "scenario": ["base"] * 3 + ["alt"] * 3,
            "seed": [0, 1, 2] * 2,
            "indicator": "delivered_t",
            "region": "usa",
            "year": 2008,
            "value": [10.0, 20.0, 30.0, 9.0, 18.0, 27.0],
            "unit": "t",
        }
    )
    s = summarize(runs, "base").set_index("scenario")
    assert s.loc["alt", "mean"] == pytest.approx(18.0)
    assert s.loc["alt", "diff_mean"] == pytest.approx(-2.0)
    # paired: the diff interval is that of the per-seed differences (-1, -2, -3)
    assert s.loc["alt", "diff_p05"] == pytest.approx(np.quantile([-1, -2, -3], 0.05))
    assert s.loc["base", "diff_mean"] == 0.0
    assert list(s.reset_index().columns[:6]) == [
        "scenario",
        "indicator",
        "region",
        "year",
        "unit",
        "n_seeds",
    ]


def test_arms_are_named_base_and_file_stems(tmp_path: Path) -> None:
    f = tmp_path / "my-policy.yaml"
    f.write_text(
        "- type: anti_corruption\n  start: 2008-01\n  target: {country: GTM}\n  size: 0.3\n",
        encoding="utf-8",
    )
    cmp = Comparison.from_args("central-america", [str(f), str(f)], seeds=1)
    assert [a.name for a in cmp.arms] == ["base", "my-policy", "my-policy-2"]
    assert cmp.arms[1].policies[0].kind == "anti_corruption"
    assert cmp.arms[1].scenario is cmp.arms[0].scenario  # on top of the base scenario


def test_common_random_numbers_and_workers(default_scenario) -> None:
    sc = default_scenario.copy()
    sc.end = (2001, 12)
    same = Comparison([Arm("base", sc), Arm("same", sc)], seeds=2, modules=FLOW)
    runs = same.run()
    s = same.summary()
    # two identical arms with common random numbers differ by exactly nothing
    assert (s["diff_mean"].abs().max()) == 0.0
    par = Comparison([Arm("base", sc), Arm("same", sc)], seeds=2, modules=FLOW)
    runs2 = par.run(workers=2)
    pd.testing.assert_frame_equal(
        runs.sort_values(list(runs.columns[:5])).reset_index(drop=True),
        runs2.sort_values(list(runs.columns[:5])).reset_index(drop=True),
    )


def test_cli_compare_end_to_end(scenario_copy: Path, tmp_path: Path) -> None:
    meta = yaml.safe_load((scenario_copy / "scenario.yaml").read_text(encoding="utf-8"))
    meta["end"] = "2008-06"
    (scenario_copy / "scenario.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    pol = tmp_path / "surge.yaml"
    pol.write_text(
        "- type: interdiction_surge\n  start: 2008-01\n  target: {country: GTM}\n  size: 2\n",
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    r = subprocess.run(
        [sys.executable, "-c", "from isthmus.cli import main; main()", "compare",
         str(scenario_copy), str(pol), "--seeds", "2", "--out", str(out), "--years", "2008"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "surge minus base" in r.stdout
    df = pd.read_csv(out / "compare.csv")
    assert {"scenario", "indicator", "region", "year", "mean", "p05", "p95"} <= set(df.columns)
    assert set(df["scenario"]) == {"base", "surge"}
    row = df[(df.scenario == "surge") & (df.indicator == "seized_t") & (df.region == "GTM")]
    assert (row["year"] == 2008).any() and (row["p05"] <= row["mean"]).all()
    assert (row["mean"] <= row["p95"]).all()
    assert (df.loc[df.scenario == "base", "diff_mean"] == 0).all()
    assert (out / "runs.parquet").exists()


# -- F8, on the default scenario with the example policy files --------------------------------


@pytest.fixture(scope="module")
def f8_runs(default_scenario) -> pd.DataFrame:  # noqa: ANN001
    sc = default_scenario.copy()
    sc.end = (2012, 12)
    arms = [Arm("base", sc)] + [
        Arm(n, sc, load_policy_file(EXAMPLES / f"{n}.yaml")) for n in ("unilateral", "coordinated")
    ]
    return Comparison(arms, seeds=2).run()


@pytest.mark.slow
def test_f8_coordinated_delivers_fewer_tons_to_the_us(f8_runs: pd.DataFrame) -> None:
    r = f8_runs
    d = r[(r.indicator == "delivered_t") & (r.region == "usa") & r.year.between(2008, 2012)]
    tot = d.groupby(["scenario", "seed"])["value"].sum().unstack(0)
    assert (tot["coordinated"] < tot["unilateral"]).all(), tot
    assert (tot["unilateral"] < tot["base"]).all(), tot


@pytest.mark.slow
def test_f8_coordinated_displaces_less_into_third_countries(f8_runs: pd.DataFrame) -> None:
    targeted = _targets()
    coord = displacement(f8_runs, "base", "coordinated", targeted)
    uni = displacement(f8_runs, "base", "unilateral", targeted)
    assert coord < uni, (
        f"flow into third countries: coordinated {coord:+.1f} t, unilateral {uni:+.1f} t"
    )
