"""The record drawn next to the model: observed values up to 2006, each with its source."""

from __future__ import annotations

import pytest

from isthmus.scenario import load_scenario
from isthmus.viz.record import observed


def test_shipped_record_is_sourced_and_ends_in_2006():
    rec = observed(load_scenario("central-america"))
    assert len(rec) and rec["year"].max() <= 2006
    assert (rec["source"].str.len() > 10).all()
    assert set(rec["fitted"]) == {True, False}  # fit data and display-only rows
    hom = rec[rec["indicator"] == "homicide_rate_per_100k"]
    for c in ("GTM", "HND", "SLV", "MEX"):
        assert hom[hom["region"] == c]["year"].between(2000, 2006).sum() >= 5
    price = rec[(rec["indicator"] == "price_per_pure_gram_usd") & (rec["region"] == "usa")]
    assert 2006 in set(price["year"])
    # a multi-year observation is drawn over each of its years
    cri = rec[(rec["indicator"] == "seized_t") & (rec["region"] == "CRI")]
    assert list(cri["year"]) == list(range(2000, 2006)) and set(cri["span"]) == {
        "annual average 2000-2005"
    }


def test_record_after_2006_is_refused_and_said(scenario_copy):
    rec_file = scenario_copy / "record.csv"
    text = rec_file.read_text(encoding="utf-8").splitlines()
    text.append(
        "later share,us_bound_share,caribbean,2010,,0.2,,,0-1,sqlog,0,,"
        '"made-up source for the test",'
    )
    rec_file.write_text("\n".join(text) + "\n", encoding="utf-8")
    notes: list[str] = []
    rec = observed(load_scenario(scenario_copy), notes)
    assert rec["year"].max() <= 2006  # the fit data still drawn
    assert set(rec["fitted"]) == {True}  # the bad table is left out whole
    assert notes and "record.csv" in notes[0] and "2010" in notes[0]


def test_scenario_without_a_folder_has_no_record():
    from isthmus.scenario.synthetic import synthetic_scenario

    assert observed(synthetic_scenario(30, 80, 1)).empty
    assert observed(None).empty


@pytest.mark.parametrize("name", ["observations.csv", "record.csv"])
def test_every_record_row_names_an_indicator_the_model_records(name, default_results):
    from isthmus.experiments.calibration import load_observations
    from isthmus.scenario import resolve

    public = set(default_results.indicators_annual["indicator"])
    for t in load_observations(resolve("central-america") / name):
        assert t.indicator in public, t.indicator
