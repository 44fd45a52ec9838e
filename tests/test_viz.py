"""Maps, charts, findings text and levers (no browser)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from isthmus.viz import geo
from isthmus.viz.charts import (
    homicide_cause_chart,
    revenue_by_activity,
    revenue_chart,
    us_market_chart,
)
from isthmus.viz.maps import MapUnavailable, control_map, flow_map, homicide_map
from isthmus.viz.narrative import Periods, key_findings, landfall_finding, market_finding
from isthmus.viz.rundata import RunData, load_run_dir, simulate, without_policies


@pytest.fixture(scope="module")
def run():
    return simulate("central-america", seed=0)


@pytest.fixture(scope="module")
def surge():
    """Guatemala and Honduras double land interdiction from 2007 (same seed as ``run``)."""
    pol = {
        "type": "interdiction_surge",
        "start": "2007-01",
        "target": {"country": ["GTM", "HND"], "modes": ["land"]},
        "size": 2.0,
    }
    return simulate("central-america", seed=0, policies=[pol], label="surge")


def _with(
    rd: RunData, rows: list[tuple[str, str, int, float, str]], drop: tuple[str, ...] = ()
) -> RunData:
    """A copy of a run with some indicators replaced (to test views on controlled numbers)."""
    ia = rd.ia[~rd.ia["indicator"].isin(drop)]
    add = pd.DataFrame(rows, columns=["indicator", "region", "year", "value", "unit"])
    out = RunData(**{**rd.__dict__})
    out.ia = pd.concat([ia, add], ignore_index=True)
    return out


# -- collected link flows ---------------------------------------------------------------


def test_link_flows_balance_with_public_indicators(run):
    """Tons out of links into US entry points = delivered_t; seized on links = seized_t."""
    g = run.geo
    pl = run.scenario.places.set_index("id")
    us = np.array(
        [pl.loc[p, "role"] == "destination" and pl.loc[p, "market"] == "usa" for p in g.place_ids]
    )
    delivered = run.link_out[:, us[g.link_to]].sum(axis=1)
    np.testing.assert_allclose(delivered, run.pivot("delivered_t")["usa"].to_numpy(), rtol=1e-9)
    # seized_t: one column per jurisdiction and "all", their total
    sz = run.pivot("seized_t")
    seized = run.link_seized.sum(axis=1)
    np.testing.assert_allclose(seized, sz["all"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(seized, sz.drop(columns="all").sum(axis=1).to_numpy(), rtol=1e-9)
    assert (run.link_out >= 0).all() and (run.link_seized >= 0).all()


def test_seizure_totals_count_each_ton_once(run):
    """The total of seizures shown (effects table, chart areas) is the record's "all"
    column, not the sum of the jurisdictions plus that total."""
    from isthmus.viz.charts import seizures_chart
    from isthmus.viz.narrative import effect_quantities
    from isthmus.viz.quantities import per_seed

    total = run.pivot("seized_t")["all"].to_numpy()
    q = next(q for q, _ in effect_quantities(run) if q.indicator == "seized_t")
    np.testing.assert_allclose(per_seed(run, q).iloc[0].to_numpy(), total, rtol=1e-9)
    t = seizures_chart(run).table
    assert "all" not in set(t["region"])
    areas = t[
        (t["kind"] == "model")
        & t["region"].isin(["transit_zone", "central_america", "MEX", "other"])
    ]
    by_year = areas.groupby("year")["value"].sum().to_numpy()
    np.testing.assert_allclose(by_year, total, rtol=1e-9)


def test_run_folder_reproduces_link_flows(tmp_path):
    from isthmus import Sim
    from isthmus.results.store import write_run

    res = Sim("central-america", seed=0).run()
    (tmp_path / "out").mkdir()
    write_run(res, tmp_path / "out" / "results.duckdb")
    rd = load_run_dir(tmp_path / "out")
    assert rd.link_out is not None
    assert any("reproduced" in n for n in rd.notes)
    # the re-run's link flows add up to the deliveries stored in the database
    g = rd.geo
    pl = rd.scenario.places.set_index("id")
    us = np.array(
        [pl.loc[p, "role"] == "destination" and pl.loc[p, "market"] == "usa" for p in g.place_ids]
    )
    np.testing.assert_allclose(
        rd.link_out[:, us[g.link_to]].sum(axis=1),
        rd.pivot("delivered_t")["usa"].to_numpy(),
        rtol=1e-9,
    )


def test_run_folder_with_changed_scenario_falls_back(tmp_path):
    """A stored hash that no longer matches: no re-run, and the map uses admin-1 arrivals."""
    import duckdb

    from isthmus import Sim
    from isthmus.results.store import write_run

    res = Sim("central-america", seed=0).run()
    db = tmp_path / "results.duckdb"
    write_run(res, db)
    con = duckdb.connect(str(db))
    con.execute("update runs set scenario_hash = 'feedfacefeedface'")
    con.close()
    rd = load_run_dir(tmp_path)
    assert rd.link_out is None
    assert any("changed since the run" in n for n in rd.notes)
    fig = flow_map(rd, 2006)
    assert any(tr.name == "cocaine entering (t/year)" for tr in fig.data)
    assert any("no intervals" in n for n in rd.notes)  # a run folder holds one seed


# -- maps -------------------------------------------------------------------------------


def _line_traces(fig):
    return [tr for tr in fig.data if tr.type == "scattergeo" and tr.mode == "lines"]


def test_flow_map_line_width_grows_with_tons(run):
    fig = flow_map(run, (2007, 2012))
    lines = _line_traces(fig)
    assert lines, "no flow lines"
    v = run.link_out[run.year_mask((2007, 2012))].mean(axis=0)
    # the widest class holds the busiest link (each mode has its own traces: one of the
    # traces of the widest class)
    top = max(tr.line.width for tr in lines)
    busiest = int(np.argmax(v))
    g = run.geo
    ends = (g.lon[g.link_from[busiest]], g.lon[g.link_to[busiest]])
    assert any(
        all(x in [lo for lo in tr.lon if lo is not None] for x in ends)
        for tr in lines
        if tr.line.width == top
    )
    widths = sorted({tr.line.width for tr in lines})
    assert len(widths) >= 3
    assert fig.layout.geo.projection.type == "mercator"


def _flow_lines(fig, geo_name="geo"):
    """Flow lines of one map (main or inset), without the size key's legend-only lines."""
    return [
        tr
        for tr in _line_traces(fig)
        if (tr.geo or "geo") == geo_name and not tr.name.startswith("line:")
    ]


def test_difference_map_matches_link_differences(run, surge):
    """Red lines are exactly the links with more flow than the other run, blue ones those with less."""
    fig = flow_map(surge, (2007, 2012), base=run)
    span = (2007, 2012)
    d = surge.link_out[surge.year_mask(span)].mean(0) - run.link_out[run.year_mask(span)].mean(0)
    shown = np.abs(d) >= 0.01 * np.abs(d).max()
    more = f"more flow than in {run.label}"
    n_seg = {more: 0, "less flow": 0}
    for tr in _flow_lines(fig):
        n_seg[tr.name] += sum(x is None for x in tr.lon)
    assert n_seg[more] == int((shown & (d > 0)).sum())
    assert n_seg["less flow"] == int((shown & (d < 0)).sum())
    assert np.abs(d).max() > 0  # the lever changed something
    # the widest line is the largest change
    widest = max(_flow_lines(fig), key=lambda tr: tr.line.width)
    k = int(np.argmax(np.abs(d)))
    assert widest.name == (more if d[k] > 0 else "less flow")


def test_flow_map_covers_every_place_with_an_inset_and_a_size_key(run):
    """Places outside the main window (West Africa, Europe) are drawn in an inset; the legend
    holds a size key for lines and bubbles."""
    fig = flow_map(run, (2007, 2012))
    g = run.geo
    outside = ~geo.in_main_window(g.lon, g.lat)
    assert outside.any() and fig.layout.geo2.lonaxis.range is not None
    lo, hi = fig.layout.geo2.lonaxis.range
    la, lb = fig.layout.geo2.lataxis.range
    assert all(
        lo <= x <= hi and la <= y <= lb for x, y in zip(g.lon[outside], g.lat[outside], strict=True)
    )
    inset = _flow_lines(fig, "geo2")
    assert inset, "no flow drawn in the inset"
    # every link that touches an outside place and carries flow is drawn in the inset
    v = run.link_out[run.year_mask((2007, 2012))].mean(0)
    touch = outside[g.link_from] | outside[g.link_to]
    n_inset = sum(sum(x is None for x in tr.lon) for tr in inset)
    assert n_inset == int((touch & (v >= 0.01 * v.max())).sum())
    # the size key is drawn on the map (a legend caps marker sizes): three widths, bubbles
    widths = [tr.line.width for tr in fig.data if tr.name and tr.name.startswith("line:")]
    assert len(widths) == 3 and widths == sorted(widths)
    bubbles = [tr for tr in fig.data if tr.name == "seizures: size key"][0]
    assert len(bubbles.lon) >= 2 and list(bubbles.marker.size) == sorted(bubbles.marker.size)
    assert all(geo.in_main_window(bubbles.lon, bubbles.lat))
    seized = [tr for tr in fig.data if tr.name == "seizures (t/yr)"][0]
    big = max(seized.marker.size)
    assert max(bubbles.marker.size) == pytest.approx(big, rel=0.35)  # same scale as the map


@pytest.mark.parametrize("vmax", [0.013, 0.9, 1.49, 1.6, 4.0, 4.16, 8.2, 16.4, 19.9, 33.0, 160.0])
def test_the_size_key_tops_out_near_the_largest_value(vmax: float) -> None:
    """The largest key is a round number between 0.45 and 1.2 times the largest value on
    the map (its bubble then within 35% of the largest bubble's size), above the others."""
    from isthmus.viz.maps import key_values

    k = key_values(vmax)
    assert k == sorted(k) and len(k) >= 2
    assert 0.45 * vmax <= k[-1] <= 1.2 * vmax, k
    mant = k[-1] / 10 ** np.floor(np.log10(k[-1]))
    assert min(abs(mant - m) for m in (1, 2, 5)) < 1e-9


def test_homicide_map_degrades_and_draws(run):
    bare = _with(run, [], drop=("homicide_rate_per_100k",))
    with pytest.raises(MapUnavailable, match="violence module"):
        homicide_map(bare, 2008)
    rows = [
        ("homicide_rate_per_100k", "HN-CR", 2008, 80.0, "per 100,000"),
        ("homicide_rate_per_100k", "GT-PE", 2008, 40.0, "per 100,000"),
        ("homicide_rate_per_100k", "JAM", 2008, 60.0, "per 100,000"),
    ]
    fig = homicide_map(_with(bare, rows), 2008)
    ch = {tr.geojson: tr for tr in fig.data if tr.type == "choropleth" and tr.name != "countries"}
    assert sorted(ch[geo.ADMIN1_REF].locations) == ["GT-PE", "HN-CR"]
    assert list(ch[geo.COUNTRIES_REF].locations) == ["JAM"]  # islands: country level
    assert ch[geo.ADMIN1_REF].zmax == pytest.approx(80.0)


def test_control_map_needs_groups(run):
    if run.controller is None:
        with pytest.raises(MapUnavailable, match="groups module"):
            control_map(run, 2010)
    else:
        fig = control_map(run, 2010)
        assert any(tr.type == "choropleth" and tr.showlegend for tr in fig.data)


def test_control_map_encodes_months_contested_and_contests_decided(run):
    """Over a period, a plaza's circle grows with its months contested; decided contests are drawn."""
    span = (2007, 2012)
    fig = control_map(run, span)
    rows = run.year_mask(span)
    cm = run.contested_months[rows].sum(axis=0)
    hot = [tr for tr in fig.data if tr.name == "contested"][0]
    sizes = np.asarray(hot.marker.size)
    months = cm[cm > 0]
    assert len(sizes) == len(months)
    order = np.argsort(months)
    assert (np.diff(sizes[order]) >= -1e-9).all()  # more months, larger circle
    if len(np.unique(months)) > 1:
        assert sizes.max() > sizes.min()
    # a size key for months contested, on the map
    key = [tr for tr in fig.data if tr.name == "contested: size key"][0]
    assert list(key.marker.size) == sorted(key.marker.size) and len(key.lon) >= 2
    # contests decided in the period appear, each place with its count
    taken = run.taken[rows].sum(axis=0)
    drawn = [tr for tr in fig.data if tr.name.startswith("taken by a new holder")]
    assert len(drawn) == int(taken.any())
    if drawn:
        assert len(drawn[0].lon) == int((taken > 0).sum())
    assert "2007-2012 (prediction)" in fig.layout.title.text


def test_geojson_wound_for_d3():
    """Exterior rings clockwise (d3/plotly), else a shape paints the whole globe."""
    for gj in (geo.admin1_geojson(), geo.countries_geojson()):
        for f in gj["features"]:
            g = f["geometry"]
            polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
            for poly in polys:
                assert geo._ring_area2(poly[0]) < 0, f["id"]


def test_map_files_small():
    total = sum(p.stat().st_size for p in geo.data_dir().iterdir() if p.is_file())
    assert total <= 5e6, f"map files {total / 1e6:.1f} MB"


def test_offline_page_has_no_remote_loads(run):
    page = geo.offline_page([flow_map(run, 2006)])
    assert "PlotlyGeoAssets" in page and "world_50m" in page
    assert re.findall(r'(?:src|href)\s*=\s*["\'](https?://[^"\']+)', page) == []
    assert "<script src=" not in page


# -- charts -----------------------------------------------------------------------------


def test_charts_appear_with_their_indicators(run):
    bare = _with(
        run,
        [],
        drop=(
            "revenue_usd",
            "homicides_contest",
            "homicides_predation",
            "homicides_state",
            "homicides_baseline",
            "price_per_pure_gram_usd",
            "purity",
            "consumption_t",
            "users_past_month",
        ),
    )
    assert revenue_chart(bare) is None
    assert homicide_cause_chart(bare) is None
    assert us_market_chart(bare) is None
    rows = [
        ("revenue_usd", f"{g}:{a}", y, v, "USD")
        for y in (2006, 2007)
        for g, a, v in (
            ("ZETAS", "transit", 10e6),
            ("ZETAS", "extortion", 5e6),
            ("MS13", "extortion", 1e6),
        )
    ]
    rows += [
        ("homicides_contest", "HND", 2007, 900.0, "count"),
        ("homicides_state", "HND", 2007, 100.0, "count"),
    ]
    rows += [("purity", "usa", y, 0.6, "0-1") for y in (2006, 2007)]
    rd = _with(bare, rows)
    rev = revenue_by_activity(rd)
    assert rev.loc[2007, "extortion"] == pytest.approx(6e6)
    fig = revenue_chart(rd).fig
    assert {tr.name for tr in fig.data} == {"transit", "extortion"}
    hc = homicide_cause_chart(rd, 2007)
    assert {tr.name for tr in hc.fig.data if tr.type == "bar"} == {
        "contests between groups",
        "state-group confrontation",
    }
    um = us_market_chart(rd)
    titles = [a.text for a in um.fig.layout.annotations]
    assert "retail purity (%)" in titles and not any("price" in t for t in titles)
    assert set(um.table["series"]) == {"purity"}  # the panels follow the indicators


# -- findings text ----------------------------------------------------------------------


def test_findings_follow_the_numbers(run):
    """The same run with the landfall shares swapped tells the opposite story."""
    per = Periods.of(run)
    sh = run.pivot("us_bound_share")
    rows_a, rows_b = [], []
    for y in sh.index:
        after = y > per.pivot
        ca, cb = (0.3, 0.6) if after else (0.6, 0.3)
        rows_a += [
            ("us_bound_share", "central_america", y, ca, "0-1"),
            ("us_bound_share", "caribbean", y, cb, "0-1"),
            ("us_bound_share", "mexico_direct", y, 0.1, "0-1"),
        ]
        rows_b += [
            ("us_bound_share", "central_america", y, cb, "0-1"),
            ("us_bound_share", "caribbean", y, ca, "0-1"),
            ("us_bound_share", "mexico_direct", y, 0.1, "0-1"),
        ]
    fa = landfall_finding(_with(run, rows_a, drop=("us_bound_share",)), per)
    fb = landfall_finding(_with(run, rows_b, drop=("us_bound_share",)), per)
    assert "Central America lost share" in fa.text and "(−30 points)" in fa.text
    assert "to Caribbean" in fa.text
    assert "Central America gained share" in fb.text and "(+30 points)" in fb.text
    assert "to Central America" in fb.text


def test_market_finding_reads_price_and_purity(run):
    per = Periods.of(run)
    rows = []
    for y in run.all_years:
        rows.append(
            ("price_per_pure_gram_usd", "usa", y, 100.0 if y <= per.pivot else 150.0, "USD/g")
        )
        rows.append(("purity", "usa", y, 0.7 if y <= per.pivot else 0.5, "0-1"))
    f = market_finding(_with(run, rows, drop=("price_per_pure_gram_usd", "purity")), per)
    assert "price per pure gram rose (+50%)" in f.text
    assert "from 70.0% in 2006 to 50.0% on average (−20 points" in f.text


def test_key_findings_with_baseline(run):
    base = simulate(without_policies("central-america"), seed=0, label="no dated policies")
    fs = key_findings(run, base)
    topics = [f.topic for f in fs]
    assert "displacement" in topics and topics[-1] == "comparison"
    assert (
        "Against no dated policies" in fs[-1].text and "one seed each: no interval" in fs[-1].text
    )
    # every sentence carries numbers from the run
    assert all(re.search(r"\d", f.text) for f in fs)


def test_findings_json_formats(tmp_path):
    from isthmus.viz.report import load_findings

    recs = [
        {
            "id": "F1",
            "effect": 0.12,
            "interval": [0.101234, 0.14],
            "holds": True,
            "detail": {"x": 1.23456},
        },
        {
            "id": "F2",
            "effect": -0.3,
            "interval": [-0.4, -0.2],
            "holds": False,
            "detail": {"x": 2.0},
        },
    ]
    # as `isthmus findings --json` writes it, a bare list, and a mapping by id
    for data in (
        {"scenario": "central-america", "seeds": 2, "findings": recs},
        recs,
        {r["id"]: r for r in recs},
    ):
        p = tmp_path / "f.json"
        p.write_text(json.dumps(data))
        t = load_findings(p)
        assert len(t) == 2 and list(t.columns[:4]) == ["id", "effect", "interval", "holds"]
        assert t.loc[0, "interval"] == "[0.101, 0.140]" and t.loc[0, "detail"] == "x = 1.23"


# -- levers -----------------------------------------------------------------------------


def test_lever_policies_build_valid_interventions():
    from isthmus.viz import levers as lv

    kinds = lv.registry()
    state = {
        "start": "2008-01",
        "end": "2010-12",
        "interdiction_surge:on": True,
        "interdiction_surge:size": 0.8,
        "interdiction_surge:countries": ["GTM", "transit_zone"],
        "interdiction_surge:modes": ["land", "sea"],
        "military_deployment:on": True,
        "military_deployment:size": 5000.0,
        "military_deployment:places": ["GT-PE"],
        "military_deployment:countries": ["MEX"],  # ignored: troops go to places
    }
    pols = lv.lever_policies(state, kinds)
    assert [p["type"] for p in pols] == ["interdiction_surge", "military_deployment"]
    surge = pols[0]
    assert surge["target"] == {"country": ["GTM", "transit_zone"], "modes": ["land", "sea"]}
    assert (surge["start"], surge["end"], surge["size"]) == ("2008-01", "2010-12", 0.8)
    assert pols[1]["target"] == {"places": ["GT-PE"]}
    assert lv.check_policies(pols, "central-america") == []
    # a lever switched on without a target builds no policy, and is reported at the lever
    empty = {"interdiction_surge:on": True, "interdiction_surge:countries": []}
    assert lv.lever_policies(empty, kinds) == []
    assert "no target" in lv.lever_problems(empty, kinds)["interdiction_surge"][0]
    assert lv.lever_problems(state, kinds) == {}


def test_levers_follow_the_registry():
    """Only registered types are offered; a group without any is reported missing."""
    from isthmus.viz import levers as lv

    kinds = {k: v for k, v in lv.registry().items() if k == "interdiction_surge"}
    assert lv.grouped_levers(kinds) == {"Enforcement by country and mode": ["interdiction_surge"]}
    assert "Demand reduction" in lv.missing_levers(kinds)
    state = {"us_demand_reduction:on": True, "us_demand_reduction:size": 0.2}
    assert lv.lever_policies(state, kinds) == []  # not registered: ignored


def test_lever_ranges_respect_class_bounds():
    from isthmus.viz import levers as lv

    for kind, cls in lv.registry().items():
        r = lv.size_range(kind, cls)
        lo, hi = getattr(cls, "size_bounds", (None, None))
        assert r.low <= r.default <= r.high
        assert lo is None or r.low >= lo
        assert hi is None or r.high <= hi


def test_check_policies_reports_bad_targets():
    from isthmus.viz import levers as lv

    bad = lv.make_policy("interdiction_surge", "2007-01", None, 0.5, countries=["XXX"])
    probs = lv.check_policies([bad], "central-america")
    assert probs and any("XXX" in p for p in probs)


def test_every_offered_lever_runs_with_its_defaults():
    """All levers the dashboard offers, switched on with their defaults, validate and run together."""
    from isthmus import load_scenario
    from isthmus.viz import levers as lv

    sc = load_scenario("central-america")
    choices = lv.scenario_choices(sc)
    state = {"start": "2007-01", "end": "2010-12"}
    for kinds in lv.grouped_levers().values():
        for kind in kinds:
            state.update(lv.default_state(kind, choices))
    pols = lv.lever_policies(state)
    offered = {k for ks in lv.grouped_levers().values() for k in ks}
    assert {p["type"] for p in pols} == offered
    assert lv.check_policies(pols, sc) == []
    rd = simulate(sc, seed=0, policies=pols, label="all levers")
    base = simulate(sc, seed=0)
    pre, post = rd.years < 2007, (rd.years >= 2008) & (rd.years <= 2010)
    np.testing.assert_allclose(rd.link_out[pre], base.link_out[pre])
    assert not np.allclose(rd.link_out[post], base.link_out[post])
