"""isthmus.optimize: the leader-follower optimiser, the three-arm experiment, the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isthmus import Sim
from isthmus.engine.response import RouteResponse, StateSnapshot
from isthmus.optimize.gap import exhaustive_gap, small_problem
from isthmus.optimize.objectives import NATIONAL, REGIONAL
from isthmus.optimize.plan import (
    ALLOCATION_COLUMNS,
    SUMMARY_COLUMNS,
    OptimizeSpec,
    run_optimize,
)
from isthmus.optimize.solver import best_response, project_budget
from isthmus.optimize.surrogate import Surrogate
from isthmus.policy import dump_policies, load_policy_file, parse_policies
from isthmus.scenario import ScenarioError, load_scenario

CA8 = ["GTM", "HND", "NIC", "CRI", "PAN", "BLZ", "SLV", "MEX"]


@pytest.fixture(scope="module")
def mid_run():
    """The default scenario run to 2008-06, with a snapshot of its last month."""
    sc = load_scenario("central-america")
    sc.end = (2008, 6)
    sim = Sim(sc, seed=3)
    sim.run()
    return sim, StateSnapshot.take(sim)


# -- the engine's read-only response ------------------------------------------------------


def test_route_response_adjoint_matches_finite_differences(mid_run) -> None:
    sim, snap = mid_run
    resp = RouteResponse(sim)
    with resp.at(snap):
        p = resp.seizure_prob(np.zeros(sim.net.n_links))
        assert resp.check_vjp(p, n_dir=4, seed=1) < 1e-5
        p2 = resp.seizure_prob(np.full(sim.net.n_links, 0.5))
        assert resp.check_vjp(p2, n_dir=4, seed=2) < 1e-5


def test_route_response_is_read_only(mid_run) -> None:
    sim, snap = mid_run
    st = sim.state
    before = {k: v.copy() for k, v in vars(st).items() if isinstance(v, np.ndarray)}
    resp = RouteResponse(sim)
    # With no extra effort, the what-ifs are the engine's own numbers.
    assert np.array_equal(
        resp.seizure_prob(np.zeros(sim.net.n_links)), sim.module("interdiction").seizure_prob()
    )
    assert np.array_equal(resp.shares(st.p_hat), sim.module("routes").target_shares())
    with resp.at(snap):
        p = resp.seizure_prob(np.full(sim.net.n_links, 2.0))
        resp.shares(p)
    assert sim.state is st
    for k, v in before.items():
        assert np.array_equal(getattr(st, k), v), k
    # A snapshot is a copy: changing the live state leaves it alone.
    st.p_hat[:] += 0.1
    assert not np.array_equal(snap.state.p_hat, st.p_hat)
    st.p_hat[:] -= 0.1


def _assert_directional_derivatives(sur, x: np.ndarray, rng: np.random.Generator) -> None:  # noqa: ANN001
    """The surrogate's gradient against central differences along three random directions."""
    _, g = sur.value_and_grad(x)
    for _ in range(3):
        d = rng.standard_normal(len(x))
        h = 1e-6
        fd = (sur.value(x + h * d) - sur.value(x - h * d)) / (2 * h)
        assert fd == pytest.approx(g @ d, rel=1e-4, abs=1e-9)


# -- the leader's problem -----------------------------------------------------------------


@pytest.mark.parametrize("objective", REGIONAL + NATIONAL)
def test_surrogate_gradient_matches_finite_differences(objective: str) -> None:
    sur, cand = small_problem(2, 6, objective)
    rng = np.random.default_rng(0)
    x = rng.uniform(0.05, 0.5, len(cand))
    _assert_directional_derivatives(sur, x, rng)


def test_surrogate_on_the_default_network(mid_run) -> None:
    sim, snap = mid_run
    cand = np.flatnonzero(sim.net.link_juris == sim.net.juris_ids.index("MEX"))
    sur = Surrogate(sim, [snap], "us_delivered", cand)
    assert sur.check_gradient(np.zeros(len(cand))) < 1e-5 and sur.use_vjp
    j0, g0 = sur.value_and_grad(np.zeros(len(cand)))
    x, j = best_response(sur.value_and_grad, len(cand), 5.0)
    assert j < j0 and x.sum() == pytest.approx(5.0, abs=1e-6) and (x >= 0).all()
    assert g0.min() < 0  # effort somewhere in Mexico cuts deliveries to the US


def test_surrogate_gradient_on_snapshots_of_another_month(mid_run) -> None:
    """The planner's host simulation sits at the scenario's start while its snapshots are
    of the planning window: the gradient must follow each snapshot's state (its prices
    set the route choice's scale), not the host's."""
    sim, snap = mid_run
    host = Sim(sim.scenario, seed=0)
    host.init()
    assert not np.allclose(host.state.price_dest, snap.state.price_dest)
    cand = np.flatnonzero(host.net.link_juris == host.net.juris_ids.index("GTM"))
    cand = cand[np.diff(host.net.A.tocsc().indptr)[cand] > 0]  # links some route uses
    for objective in ("us_delivered", "seized_value"):
        sur = Surrogate(host, [snap], objective, cand)
        x = np.full(len(cand), 0.02)
        _, g = sur.value_and_grad(x)
        rng = np.random.default_rng(1)
        for _ in range(2):
            d = rng.standard_normal(len(cand))
            h = 1e-6
            fd = (sur.value(x + h * d) - sur.value(x - h * d)) / (2 * h)
            assert fd == pytest.approx(g @ d, rel=1e-4, abs=1e-9), objective


def test_level_adjoint_matches_the_route_adjoint_and_finite_differences(mid_run) -> None:
    sim, snap = mid_run
    resp = RouteResponse(sim)
    r = resp.routes
    rng = np.random.default_rng(4)
    with resp.at(snap):
        p = resp.seizure_prob(np.full(sim.net.n_links, 0.3))
        lv = resp.levels(p)
        M, C, W = lv
        np.testing.assert_allclose(resp.combine(*lv), resp.shares(p), rtol=0, atol=1e-14)
        # weights on the route shares, carried to the three levels: the same gradient
        y = rng.standard_normal(sim.net.n_paths)
        ym = np.bincount(r.seg, weights=y * C[r.gseg] * W, minlength=r.n_seg)
        yc = np.bincount(r.gseg, weights=y * M[r.seg] * W, minlength=r.n_gseg)
        g = resp.levels_vjp(p, lv, ym, yc, y * M[r.seg] * C[r.gseg])
        np.testing.assert_allclose(g, resp.shares_vjp(p, resp.combine(*lv), y), atol=1e-10)
        # independent weights on each level, against finite differences
        w = [rng.standard_normal(len(z)) for z in lv]
        g = resp.levels_vjp(p, lv, *w)
        for _ in range(3):
            d = rng.standard_normal(len(p)) * np.minimum(p, 0.999 - p)
            h = 1e-6
            f = [
                sum(float(a @ b) for a, b in zip(w, resp.levels(p + s * h * d), strict=True))
                for s in (1, -1)
            ]
            assert (f[0] - f[1]) / (2 * h) == pytest.approx(g @ d, rel=1e-5)


@pytest.mark.parametrize("objective", ["us_delivered", "own_flow", "seized_value"])
def test_adaptive_follower_gradient_and_inertia(mid_run, objective: str) -> None:
    """The adaptive follower: exact gradient; with no month of effort yet, the traffickers
    have not re-routed (only seizures change); its own plan gives the month's shares."""
    sim, snap = mid_run
    cand = np.flatnonzero(np.isin(sim.net.link_juris, [sim.net.juris_ids.index("MEX")]))
    country = "MEX" if objective == "own_flow" else None
    sur = Surrogate(sim, [snap], objective, cand, country=country, effort_start=snap.t - 12)
    assert sur.check_gradient(np.zeros(len(cand))) < 1e-5 and sur.use_vjp
    rng = np.random.default_rng(2)
    x = rng.uniform(0.0, 0.3, len(cand))
    _assert_directional_derivatives(sur, x, rng)
    ad = sur.adaptive[0]
    with sur.resp.at(snap):
        p0 = sur.resp.seizure_prob(np.zeros(sim.net.n_links))
        np.testing.assert_allclose(ad.shares(p0), snap.state.route_share, atol=1e-12)
    fresh = Surrogate(sim, [snap], objective, cand, country=country, effort_start=snap.t)
    with fresh.resp.at(snap):
        p1 = fresh.resp.seizure_prob(np.full(sim.net.n_links, 1.0))
        np.testing.assert_allclose(fresh.adaptive[0].shares(p1), snap.state.route_share, atol=1e-12)


def test_base_effort_replaces_what_the_snapshot_holds(mid_run) -> None:
    """A later round's snapshot holds the previous plan's effort: ``base_extra`` (the
    effort not decided here) replaces it, it is not added to it."""
    import copy

    sim, snap = mid_run
    cand = np.flatnonzero(sim.net.link_juris == sim.net.juris_ids.index("GTM"))
    held = copy.deepcopy(snap)
    held.state.link_extra_effort = snap.state.link_extra_effort.copy()
    held.state.link_extra_effort[cand] += 0.5
    x = np.full(len(cand), 0.05)
    clean = Surrogate(sim, [snap], "us_delivered", cand)
    zero = [np.asarray(snap.state.link_extra_effort, dtype=float)]
    replaced = Surrogate(sim, [held], "us_delivered", cand, base_extra=zero)
    assert replaced.value(x) == pytest.approx(clean.value(x), rel=1e-12)
    # by default the snapshot's own extra effort stays
    kept = Surrogate(sim, [held], "us_delivered", cand)
    assert kept.value(x) != pytest.approx(clean.value(x), rel=1e-6)


def test_gradient_falls_back_to_finite_differences_when_the_adjoint_is_wrong(mid_run) -> None:
    sim, snap = mid_run
    cand = np.flatnonzero(sim.net.link_juris == sim.net.juris_ids.index("BLZ"))
    sur = Surrogate(sim, [snap], "us_delivered", cand)
    x = np.full(len(cand), 0.1)
    _, g_adj = sur.value_and_grad(x)
    sur.use_vjp = False
    _, g_fd = sur.value_and_grad(x)
    np.testing.assert_allclose(g_fd, g_adj, rtol=1e-3, atol=1e-7)
    # A route-choice model the adjoint does not follow is detected.
    sur.resp.theta *= 1.5
    assert sur.check_gradient(np.zeros(len(cand))) > 1e-4 and not sur.use_vjp


@settings(max_examples=60)
@given(
    y=st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=12),
    budget=st.floats(0, 10, allow_nan=False),
)
def test_project_budget_is_the_projection(y: list[float], budget: float) -> None:
    y = np.array(y)
    x = project_budget(y, budget)
    assert (x >= 0).all() and x.sum() <= budget + 1e-9
    # Projection onto a convex set: (y - x).(z - x) <= 0 for every feasible z.
    rng = np.random.default_rng(len(y))
    for _ in range(10):
        z = rng.dirichlet(np.ones(len(y))) * budget * rng.uniform()
        assert (y - x) @ (z - x) <= 1e-7


@pytest.mark.parametrize("objective", ["us_delivered", "own_flow", "own_seizures", "seized_value"])
@pytest.mark.parametrize("network", [1, 3])
def test_optimality_gap_against_exhaustive_search(objective: str, network: int) -> None:
    """docs/policies.md reports these gaps (all 0 to 1e-5 at the time of writing)."""
    g = exhaustive_gap(seed=network, n_candidates=4, grid=10, budget=5.0, objective=objective)
    assert g.points == 1001
    assert g.j_optimiser < g.j_zero  # the effort achieves something
    assert g.gap <= 1e-3, g


# -- link_effort: an allocation as a policy -----------------------------------------------


LINK = {"from": "GT-IZ", "to": "BZ-TOL", "mode": "land", "effort_units": 1.5}


def test_link_effort_round_trips_to_yaml(tmp_path: Path) -> None:
    d = {"type": "link_effort", "start": "2008-01", "end": "2009-12", "links": [LINK], "name": "x"}
    iv = parse_policies([d], "in.yaml")[0]
    f = tmp_path / "p.yaml"
    f.write_text(dump_policies([iv]), encoding="utf-8")
    back = load_policy_file(f)
    assert back == [iv] and dump_policies(back) == dump_policies([iv])


def test_link_effort_adds_effort_during_its_window_only() -> None:
    sc = load_scenario("central-america")
    sc.end = (2008, 12)
    d = {"type": "link_effort", "start": "2008-03", "end": "2008-05", "links": [LINK]}
    sim = Sim(sc, seed=0, policies=[d])
    li = sim.net.place_index
    link = int(
        np.flatnonzero((sim.net.link_from == li["GT-IZ"]) & (sim.net.link_to == li["BZ-TOL"]))[0]
    )
    extra = []
    sim.run(progress=lambda k, n: extra.append(float(sim.state.link_extra_effort[link])))
    juris = sim.net.juris_ids[sim.net.link_juris[link]]  # the country the link enters
    corr = float(sim.scenario.countries.set_index("id").loc[juris, "corruption"])
    t_mar = (2008 - 2000) * 12 + 2
    # The state step of month t prepares month t + 1: effort is in place from March to May.
    on = extra[t_mar - 1 : t_mar + 2]
    assert on == pytest.approx([1.5 * (1 - corr)] * 3, rel=1e-2)
    assert extra[t_mar - 2] == 0.0 and extra[t_mar + 2] == 0.0


@pytest.mark.parametrize(
    "entry, needle",
    [
        ({**LINK, "to": "MX-XXX"}, "no link GT-IZ -> MX-XXX"),
        ({**LINK, "effort_units": -1}, "is not a number >= 0"),
        ({k: v for k, v in LINK.items() if k != "mode"}, "needs from, to, mode, effort_units"),
        ("GT-IZ", "must be a mapping"),
    ],
)
def test_link_effort_bad_entries_are_named(entry, needle: str) -> None:  # noqa: ANN001
    d = {"type": "link_effort", "start": "2008-01", "links": [entry]}
    with pytest.raises(ScenarioError) as ei:
        Sim("central-america", seed=0, policies=[d])
    assert any(needle in str(p) and "links" in str(p) for p in ei.value.problems), ei.value.problems


# -- the three-arm experiment -------------------------------------------------------------


@pytest.fixture(scope="module")
def small_result():
    spec = OptimizeSpec(
        "central-america",
        budget=6.0,
        countries=["GTM", "HND", "MEX"],
        start="2008-01",
        end="2008-12",
        seeds=2,
        train_seeds=1,
        rounds=2,
        nash_rounds=2,
        workers=1,
    )
    return spec, run_optimize(spec)


def test_arms_spend_the_same_budget_with_the_same_rules(small_result) -> None:
    spec, res = small_result
    assert list(res.summary.columns) == SUMMARY_COLUMNS
    assert list(res.summary["arm"]) == ["status_quo", "unilateral", "coordinated"]
    assert list(res.allocation.columns) == ALLOCATION_COLUMNS
    a = res.allocation
    assert (a["effort_units"] > 0).all()
    assert set(a["country"]) <= set(spec.countries)
    spent = a.groupby("arm")["effort_units"].sum()
    assert spent["unilateral"] == pytest.approx(spec.budget, rel=1e-3)
    assert spent["coordinated"] == pytest.approx(spec.budget, rel=1e-3)
    # Each country spends its own share, on its own links only.
    uni = a[a["arm"] == "unilateral"].groupby("country")["effort_units"].sum()
    for c, b in res.diagnostics["budgets_unilateral"].items():
        assert uni.get(c, 0.0) == pytest.approx(b, rel=1e-3, abs=1e-6)
    assert sum(res.diagnostics["budgets_unilateral"].values()) == pytest.approx(spec.budget)
    plans = res.diagnostics["plans"]
    assert plans["coordinated"]["adjoint_used"] and plans["unilateral"]["adjoint_used"]


def test_arms_share_their_seeds_and_the_status_quo_is_the_plain_run(small_result) -> None:
    spec, res = small_result
    by = res.by_seed
    assert sorted(by["seed"].unique()) == [0, 1]
    sc = load_scenario("central-america")
    r = Sim(sc, seed=1).run()
    sq = by[(by["arm"] == "status_quo") & (by["seed"] == 1)].iloc[0]
    assert sq["us_delivered_t"] == pytest.approx(r.annual("delivered_t", "usa", 2008), rel=1e-12)
    # No arm is measured on the seeds it was planned on.
    assert not set(res.diagnostics["train_seeds"]) & set(res.diagnostics["evaluation_seeds"])
    for col in ("us_delivered_t", "seized_t", "active_places", "homicides"):
        assert (by[col] >= 0).all()


def test_plans_do_not_depend_on_the_number_of_workers(small_result) -> None:
    spec, res = small_result
    spec2 = OptimizeSpec(**{**spec.__dict__, "workers": 2})
    res2 = run_optimize(spec2)
    for arm in ("unilateral", "coordinated"):
        np.testing.assert_allclose(res2.units[arm], res.units[arm], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        res2.summary.drop(columns=["arm", "objective"]).to_numpy(),
        res.summary.drop(columns=["arm", "objective"]).to_numpy(),
        rtol=1e-12,
    )


def test_the_allocation_policy_reproduces_the_arm(small_result, tmp_path: Path) -> None:
    spec, res = small_result
    f = tmp_path / "coordinated.yaml"
    f.write_text(dump_policies(parse_policies(res.policies("coordinated"), "x")), encoding="utf-8")
    iv = load_policy_file(f)[0]
    sc = load_scenario("central-america")
    sc.end = (2008, 12)
    sim = Sim(sc, seed=0, policies=[iv])
    np.testing.assert_allclose(iv.effort_units(sim), res.units["coordinated"], atol=1e-6)
    r = sim.run()
    by = res.by_seed
    row = by[(by["arm"] == "coordinated") & (by["seed"] == 0)].iloc[0]
    assert r.annual("delivered_t", "usa", 2008) == pytest.approx(row["us_delivered_t"], rel=1e-6)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--countries", "GTM,XXX"], "unknown country 'XXX'"),
        (["--budget", "-5"], "-5.0 is not a budget >= 0"),
        (["--from", "1990-01"], "1990-01 is outside the run"),
        (["--to", "2030-12"], "2030-12 is outside the run"),
        (["--from", "2010-01", "--to", "2009-01"], "is before --from"),
        (["--objective", "peace"], "'peace' is not one of us_delivered, homicides, seized_value"),
        (["--from", "2010-13"], "is not a month"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(
    args: list[str], needle: str, tmp_path: Path
) -> None:
    out = tmp_path / "opt"
    base = ["--budget", "2", "--countries", "GTM", "--from", "2008-01", "--to", "2008-06"]
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "isthmus",
            "optimize",
            "central-america",
            *base,
            *args,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert needle in " ".join(r.stderr.split()), r.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def opt_dir(tmp_path_factory) -> Path:
    """A folder written by `isthmus optimize` (small: 2 countries, 6 months, 1 seed)."""
    out = tmp_path_factory.mktemp("optimize") / "opt"
    r = subprocess.run(
        [
            sys.executable, "-m", "isthmus", "optimize", "central-america",
            "--budget", "3", "--countries", "GTM,HND", "--objective", "seized_value",
            "--from", "2008-01", "--to", "2008-06", "--seeds", "1", "--rounds", "1",
            "--train-seeds", "1", "--workers", "1", "--out", str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out


def test_cli_writes_the_tables_maps_and_policies(opt_dir: Path) -> None:
    out = opt_dir
    names = {p.name for p in out.iterdir()}
    assert {"allocation.csv", "summary.csv", "maps.html", "summary_by_seed.csv"} <= names
    with open(out / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == SUMMARY_COLUMNS
    assert [x["arm"] for x in rows] == ["status_quo", "unilateral", "coordinated"]
    assert rows[2]["objective"] == "seized_value" and rows[1]["objective"] == "own_flow"
    with open(out / "allocation.csv", newline="") as fh:
        alloc = list(csv.DictReader(fh))
    assert list(alloc[0]) == ALLOCATION_COLUMNS
    meta = json.loads((out / "optimize.json").read_text())
    assert meta["spec"]["budget"] == 3.0 and meta["diagnostics"]["evaluation_seeds"] == [0]
    for arm in ("unilateral", "coordinated"):
        tot = sum(float(a["effort_units"]) for a in alloc if a["arm"] == arm)
        # the budget set is sum(x) <= budget: an arm spends less where more effort would
        # worsen its objective (traffickers re-route), but never more. The coordinated
        # arm may spend nothing: with elastic route choice, effort on any one link can
        # push flow to routes seized less, so zero effort can be its best seized value.
        assert 0.0 <= tot <= 3.0 * (1 + 1e-6)
        if arm == "unilateral":  # effort on a country's own links cuts its own inflow
            assert tot > 0.0
        assert tot == pytest.approx(meta["diagnostics"]["spent"][arm], rel=1e-5)
        ivs = load_policy_file(out / "policies" / f"{arm}.yaml")
        assert ivs[0].kind == "link_effort" and len(ivs[0].links) == sum(
            a["arm"] == arm for a in alloc
        )
        assert sum(lk["effort_units"] for lk in ivs[0].links) == pytest.approx(tot, rel=1e-5)
    page = (out / "maps.html").read_text()
    assert "PlotlyGeoAssets" in page and "Coordinated allocation" in page
    assert "Unilateral: change of the flow" in page


def test_report_shows_the_three_arms(opt_dir: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    r = subprocess.run(
        [sys.executable, "-m", "isthmus", "report", "central-america", "--compare", "none",
         "--optimize", str(opt_dir), "--out", str(html)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    page = html.read_text(encoding="utf-8")
    assert "<h2 id='optimize'>" in page and "With the same optimiser and 3 effort units" in page
    assert page.count('isthmusPlot("opt') == 4  # two allocations, two flow changes
    bad = subprocess.run(
        [sys.executable, "-m", "isthmus", "report", "central-america", "--optimize",
         str(tmp_path), "--out", str(tmp_path / "r2.html")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 2 and "not an `isthmus optimize` folder" in bad.stderr
    assert not (tmp_path / "r2.html").exists()


def test_dashboard_optimise_tab_shows_a_saved_experiment(opt_dir: Path, monkeypatch) -> None:
    pytest.importorskip("streamlit")
    from importlib import resources

    from streamlit.testing.v1 import AppTest

    from isthmus.viz import levers

    assert "link_effort" not in sum(levers.grouped_levers().values(), [])  # not a slider
    monkeypatch.setenv("ISTHMUS_TOPOJSON_URL", "app/static/")
    at = AppTest.from_file(str(Path(str(resources.files("isthmus.viz"))) / "app.py"))
    at.run(timeout=120)
    assert not at.exception, at.exception
    assert "Optimise" in [t.label for t in at.tabs]
    at.text_input(key="opt:folder").input(str(opt_dir))
    at.button(key="opt:load").click().run(timeout=120)
    assert not at.exception, at.exception
    assert any("With the same optimiser and 3 effort units" in s.value for s in at.success)
    assert "opt:result" in at.session_state
