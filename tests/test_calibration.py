"""Calibration: fit terms, no data after 2006, a real optimiser, reproducibility, provenance."""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from isthmus.experiments import calibration as calmod
from isthmus.experiments.calibration import (
    CUTOFF_YEAR,
    Calibration,
    Target,
    load_observations,
    parse_param_spec,
)
from isthmus.scenario import ScenarioError, load_scenario
from isthmus.scenario.loader import shipped_root
from isthmus.scenario.synthetic import synthetic_scenario

FLOW = ["supply", "routes", "interdiction", "record"]
SHIPPED_OBS = shipped_root() / "central-america" / "observations.csv"
HEADER = SHIPPED_OBS.read_text(encoding="utf-8").splitlines()[0]


# -- the observations table -------------------------------------------------------------


def test_shipped_observations_have_no_row_after_2006() -> None:
    with SHIPPED_OBS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 300
    for r in rows:
        assert int(r["year"]) <= 2006, r
        assert not r["year_end"] or int(r["year_end"]) <= 2006, r
        assert r["source"].strip(), r  # every observation carries its citation


def test_shipped_observations_cover_the_brief() -> None:
    obs = load_observations("central-america")
    keys = {(t.indicator, t.region) for t in obs}
    for k in [
        ("us_bound_share", "mexico_central_america"),
        ("us_bound_share", "caribbean"),
        ("seized_t", "MEX"),
        ("seized_t", "HND"),
        ("seized_t", "CRI"),
        ("price_per_pure_gram_usd", "usa"),
        ("purity", "usa"),
        ("users_past_month", "usa"),
    ]:
        assert k in keys, k
    countries = {t.region for t in obs if t.indicator == "homicide_rate_per_100k"}
    assert {"GTM", "HND", "SLV", "MEX", "NIC", "CRI", "PAN", "BLZ", "DOM", "JAM"} <= countries
    assert len({r for r in countries if r.startswith("MX-")}) == 32
    # ranges keep low/high and report the midpoint
    hnd = next(t for t in obs if (t.indicator, t.region) == ("seized_t", "HND"))
    assert hnd.is_range and hnd.low < hnd.value < hnd.high
    cri = next(t for t in obs if (t.indicator, t.region) == ("seized_t", "CRI"))
    assert cri.years == (2000, 2001, 2002, 2003, 2004, 2005)
    # the brief's 2005 figure (88% "passing through any part of Central America") is the
    # Mexico-Central America corridor's share (its territory, waters or airspace), not
    # the first landfalls in Central America: compared with the corridor series
    ca05 = [
        t
        for t in obs
        if t.indicator == "us_bound_share"
        and t.years == (2005,)
        and "any part of Central America" in t.quantity
    ]
    assert len(ca05) == 1 and ca05[0].region == "mexico_central_america"
    assert ca05[0].value == pytest.approx(0.88)
    corridor = {
        t.years
        for t in obs
        if (t.indicator, t.region) == ("us_bound_share", "mexico_central_america")
    }
    assert {(2002,), (2003,), (2004,), (2005,), (2006,)} <= corridor


def _write_obs(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_loader_refuses_rows_dated_after_2006(tmp_path: Path) -> None:
    f = _write_obs(
        tmp_path / "observations.csv",
        [
            "price,price_per_pure_gram_usd,usa,2006,,94.73,,,USD/g,sqlog,1,,src,",
            "price,price_per_pure_gram_usd,usa,2008,,174,,,USD/g,sqlog,1,,src,",
            "avg,seized_t,CRI,2004,2007,5,,,t,sqlog,1,,src,",
        ],
    )
    with pytest.raises(ScenarioError) as exc:
        load_observations(f)
    probs = exc.value.problems
    assert [(p.line, p.column) for p in probs] == [(3, "year"), (4, "year_end")]
    assert all("after the calibration cutoff 2006" in p.reason for p in probs)
    # the same file is fine with an explicit later cutoff (the check is the cutoff, not a date)
    assert len(load_observations(f, cutoff=2008)) == 3


def test_loader_reports_bad_rows_with_line_and_column(tmp_path: Path) -> None:
    f = _write_obs(
        tmp_path / "observations.csv",
        [
            "a,seized_t,HND,2006,,,2.7,,t,sqlog,1,,src,",  # range without high
            "b,seized_t,HND,2006,,,,,t,sqlog,1,,src,",  # no value at all
            "c,purity,usa,2006,,0.6,,,0-1,huber,1,,src,",  # unknown loss
            "d,purity,usa,2006,,0.6,,,0-1,gauss,1,,src,",  # gauss without sd
        ],
    )
    with pytest.raises(ScenarioError) as exc:
        load_observations(f)
    got = {(p.line, p.column) for p in exc.value.problems}
    assert {(2, "high"), (3, "value"), (4, "loss"), (5, "sd")} <= got


def test_every_term_of_a_calibration_is_dated_up_to_2006(monkeypatch) -> None:
    """Instrument the data access: every observation read and every term fitted is <= 2006."""
    seen: list[Target] = []
    real = calmod.load_observations

    def spy(source, cutoff=CUTOFF_YEAR):  # noqa: ANN001
        out = real(source, cutoff=cutoff)
        seen.extend(out)
        return out

    monkeypatch.setattr(calmod, "load_observations", spy)
    cal = Calibration("central-america", parameters=["routes.theta"], seeds=[0])
    assert seen and len(seen) == len(cal.targets)
    assert max(y for t in seen for y in t.years) <= 2006
    assert max(y for t in cal.targets for y in t.years) <= 2006
    # the fit's simulations stop in December 2006: no later year can even be read
    assert cal.sim_scenario.end == (2006, 12)


def test_calibration_refuses_targets_after_the_cutoff() -> None:
    late = Target("purity", "usa", (2008,), 0.6)
    with pytest.raises(ScenarioError, match="after the calibration cutoff"):
        Calibration("central-america", parameters=["routes.theta"], targets=[late])


# -- losses -----------------------------------------------------------------------------


def test_losses_are_interval_aware() -> None:
    t = Target("seized_t", "HND", (2006,), 5.0, low=2.5, high=10.0, weight=2.0)
    assert t.term_loss(3.0) == 0.0 == t.term_loss(9.9)
    assert t.term_loss(20.0) == pytest.approx(2.0 * 0.6931471805599453**2)
    assert t.term_loss(0.0) > t.term_loss(1.0) > t.term_loss(2.0) > 0
    p = Target("purity", "usa", (2006,), 0.5)
    assert p.term_loss(0.5) == 0.0 and p.term_loss(1.0) == pytest.approx(p.term_loss(0.25))
    g = Target("x", "r", (2000,), 10.0, low=8.0, high=12.0, loss="gauss")
    # a range read as a 90% interval: at its end z = 1.645
    assert g.term_loss(12.0) == pytest.approx(0.5 * 1.6448536269514722**2)
    assert g.term_loss(float("nan")) > g.term_loss(30.0)


# -- the optimiser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def twin():
    """A short synthetic problem whose observations come from the model at known values."""
    from isthmus import Sim

    sc = synthetic_scenario(30, 80, seed=1, end="2003-12")
    truth = {"routes.theta": 20.0, "interdiction.k_sea": 0.5}
    res = Sim(sc, seed=0, modules=FLOW, params=truth).run()
    # us_bound_share by departure vector: the synthetic routes leave South America into
    # the maritime zones (Z-PAC, Z-CAR), so their first landfall (central_america,
    # caribbean, ...) is not a land group and those shares are zero whatever the values
    pairs = [
        ("us_bound_share", "eastern_pacific"),
        ("us_bound_share", "western_caribbean"),
        ("seizure_share", "transit_zone"),
        ("delivered_t", "usa"),
    ]
    targets = [Target(i, r, (y,), res.annual(i, r, y)) for i, r in pairs for y in (2001, 2003)]
    assert all(t.value > 0 for t in targets)  # a zero target could only be missed
    return sc, targets, truth


def _cal(twin, **kw) -> Calibration:
    sc, targets, _ = twin
    kw.setdefault("targets", targets)
    return Calibration(
        sc,
        parameters={"routes.theta": (10.0, 60.0), "interdiction.k_sea": (0.05, 1.5)},
        modules=FLOW,
        seeds=[0],
        **kw,
    )


def test_calibration_lowers_the_loss(twin) -> None:
    cal = _cal(twin)
    res = cal.run(maxiter=4, popsize=4, seed=3)
    assert res.loss_before > 0.05
    assert res.loss_after < 0.2 * res.loss_before
    # it moved towards the values that made the data
    assert abs(res.after["interdiction.k_sea"] - 0.5) < abs(res.before["interdiction.k_sea"] - 0.5)
    assert res.n_evaluations == 5 * 8 and len(res.history) == res.n_evaluations
    # the scenario's own values are the first candidate, so the loss cannot end higher
    assert res.history[0] == pytest.approx(res.loss_before, rel=1e-12)
    # the reported loss is the loss of the values written (6 significant digits)
    assert cal.loss(res.after) == pytest.approx(res.loss_after, rel=1e-12)


def _one_poor_candidate(monkeypatch) -> None:
    """Replace the optimiser by one that evaluates a single poor candidate (theta at 59,
    k_sea at 1.4: far from the values that made the data) and nothing else."""
    import scipy.optimize

    def fake_de(func, bounds, workers, **kw):  # noqa: ANN001, ANN003
        workers(func, [np.array([59.0, math.log(1.4)])])

    monkeypatch.setattr(scipy.optimize, "differential_evolution", fake_de)


def test_a_search_that_finds_nothing_better_returns_its_start(twin, monkeypatch) -> None:
    _one_poor_candidate(monkeypatch)
    cal = _cal(twin)
    res = cal.run(maxiter=1, popsize=3, seed=0)
    assert res.history[0] > res.loss_before  # the only candidate is worse
    assert res.after == cal.start_params == cal.scenario_params
    assert res.loss_after == res.loss_before


def test_a_value_outside_the_bounds_starts_at_the_bound_and_is_not_undercut(
    twin, monkeypatch
) -> None:
    _one_poor_candidate(monkeypatch)
    sc, targets, _ = twin
    theta = Calibration(sc, parameters={"routes.theta": None}, targets=targets).scenario_params
    lo = theta["routes.theta"] + 5.0  # the scenario's theta lies below the search range
    cal = Calibration(
        sc,
        parameters={"routes.theta": (lo, 60.0), "interdiction.k_sea": (0.05, 1.5)},
        targets=targets,
        modules=FLOW,
        seeds=[0],
    )
    res = cal.run(maxiter=1, popsize=3, seed=0)
    assert res.after == cal.start_params and res.after["routes.theta"] == lo
    assert res.loss_after == pytest.approx(cal.loss(cal.start_params), rel=1e-12)
    assert res.loss_after < res.history[0]


def test_same_seed_same_result_whatever_the_workers(twin) -> None:
    a = _cal(twin).run(maxiter=2, popsize=3, seed=11)
    b = _cal(twin).run(maxiter=2, popsize=3, seed=11)
    c = _cal(twin).run(maxiter=2, popsize=3, seed=11, workers=2)
    assert a.after == b.after == c.after
    assert a.loss_after == b.loss_after == c.loss_after
    assert a.history == b.history == c.history
    d = _cal(twin).run(maxiter=2, popsize=3, seed=12)
    assert d.history != a.history


def test_progress_is_reported_per_evaluation(twin) -> None:
    calls = []
    _cal(twin).run(maxiter=1, popsize=3, seed=0, progress=lambda d, t, b: calls.append((d, t, b)))
    assert [c[0] for c in calls] == list(range(1, len(calls) + 1))
    assert calls[-1][0] == calls[-1][1] == 12
    bests = [c[2] for c in calls]
    assert bests == sorted(bests, reverse=True)  # the best loss never rises


def test_terms_without_a_simulated_indicator_are_skipped_with_a_warning(twin) -> None:
    sc, targets, _ = twin
    extra = [Target("purity", "usa", (2002,), 0.6), Target("homicides", "C01", (2002,), 50.0)]
    cal = _cal(twin, targets=targets + extra)
    with pytest.warns(UserWarning, match=r"2 fit term\(s\) skipped: purity/usa.*homicides/C01"):
        cal.prepare()
    assert len(cal.active) == len(targets)
    assert {t.indicator for t, _ in cal.skipped} == {"purity", "homicides"}


# -- parameters and writing ---------------------------------------------------------------


def test_param_spec_parsing() -> None:
    assert parse_param_spec("routes.theta=8:30,interdiction.k_sea") == {
        "routes.theta": (8.0, 30.0),
        "interdiction.k_sea": None,
    }
    for bad in ("theta=1:2", "routes.theta=2:1", "routes.theta=a:b", "routes.theta=5", " , "):
        with pytest.raises(ScenarioError):
            parse_param_spec(bad)


def test_unknown_parameter_is_a_validation_error() -> None:
    with pytest.raises(ScenarioError, match="unknown parameter"):
        Calibration("central-america", parameters=["routes.nope"])


def test_wide_positive_ranges_are_searched_on_a_log_scale() -> None:
    cal = Calibration(
        "central-america",
        parameters={"routes.theta": (10.0, 60.0), "violence.contest_homicides_per_unit": (1, 100)},
    )
    logs = {b.key: b.log for b in cal.bounds}
    assert logs == {"routes.theta": False, "violence.contest_homicides_per_unit": True}
    # the search runs in log units there, and maps back to the range's ends
    b = next(b for b in cal.bounds if b.log)
    lo, hi = b.x_bounds
    assert b.from_x(lo) == pytest.approx(1.0) and b.from_x(hi) == pytest.approx(100.0)
    assert b.from_x(0.5 * (lo + hi)) == pytest.approx(10.0)  # the search's midpoint


def test_write_round_trip_gives_a_valid_scenario(tmp_path: Path, scenario_copy: Path) -> None:
    sc = load_scenario(scenario_copy)
    targets = [
        t for t in load_observations(scenario_copy) if t.indicator in ("us_bound_share", "seized_t")
    ]
    cal = Calibration(
        sc,
        parameters={"routes.theta": (8.0, 30.0), "interdiction.k_container": (0.1, 1.0)},
        targets=["us_bound_share", "seized_t"],
        modules=FLOW,
        seeds=[0],
    )
    res = cal.run(maxiter=1, popsize=3, seed=5)
    assert res.loss_after <= res.loss_before
    before_text = (scenario_copy / "parameters.csv").read_text(encoding="utf-8")

    # 1. a copy into a new folder
    dest = cal.write(tmp_path / "out" / "calibrated")
    sc2 = load_scenario(dest)
    for k, v in res.after.items():
        m, _, n = k.partition(".")
        assert sc2.param(m, n) == pytest.approx(v, rel=1e-12)
    src = sc2.parameters.set_index(["module", "name"]).loc[("routes", "theta"), "source"]
    assert src.startswith("calibrated ") and "loss before" in src and "after" in src
    prov = yaml.safe_load((dest / "calibration.yaml").read_text(encoding="utf-8"))
    assert prov["loss"] == {"before": res.loss_before, "after": res.loss_after}
    assert prov["seed"] == 5 and prov["observations"]["cutoff_year"] == 2006
    assert {p["key"] for p in prov["parameters"]} == set(res.after)
    assert prov["observations"]["rows_used"] == [t.line for t in targets]
    assert prov["observations"]["file"] == "observations.csv"
    assert prov["code_version"] and prov["date"]
    # the calibrated scenario reproduces the reported loss
    cal2 = Calibration(sc2, parameters=list(res.after), targets=targets, modules=FLOW, seeds=[0])
    assert cal2.loss() == pytest.approx(res.loss_after, rel=1e-9)
    # the source scenario is untouched
    assert (scenario_copy / "parameters.csv").read_text(encoding="utf-8") == before_text

    # 2. in place: only the calibrated rows change, and no temporary file is left behind
    cal.write(scenario_copy)
    after_lines = (scenario_copy / "parameters.csv").read_text(encoding="utf-8").splitlines()
    changed = [a for a, b in zip(after_lines, before_text.splitlines(), strict=False) if a != b]
    assert {ln.split(",")[1] for ln in changed} <= {"theta", "k_container"}
    assert not [p for p in scenario_copy.iterdir() if p.name.startswith(".")]
    load_scenario(scenario_copy)

    # 3. a non-empty folder that is not a scenario is refused
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "x.txt").write_text("x")
    with pytest.raises(ScenarioError, match="not a scenario folder"):
        cal.write(junk)


def test_default_parameters_are_declared_and_ranged() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = Calibration("central-america")
    keys = [b.key for b in cal.bounds]
    assert {"routes.theta", "interdiction.k_land", "interdiction.k_sea"} <= set(keys)
    assert all(b.low < b.high for b in cal.bounds)
