"""Numbers as an analyst reads them: units, significant digits, intervals, periods."""

from __future__ import annotations

import numpy as np
import pytest

from isthmus.viz.quantities import (
    Est,
    Quantity,
    band,
    change,
    difference,
    fmt_est,
    fmt_value,
    per_seed,
    period_name,
    period_spans,
    sig,
)
from isthmus.viz.rundata import simulate, without_policies


@pytest.fixture(scope="module")
def pair():
    a = simulate("central-america", seed=3, seeds=3, label="as shipped")
    b = simulate(without_policies("central-america"), seed=3, seeds=3, label="counterfactual")
    return a, b


@pytest.mark.parametrize(
    "x, s",
    [(659.3, "659"), (932.42, "932"), (0.396, "0.396"), (24_612.0, "24,600"), (5.4, "5.40"), (-12.0, "−12.0")],
)
def test_three_significant_digits(x, s):
    assert sig(x) == s


def test_units_on_every_number():
    assert fmt_value(94.73, "USD/g") == "94.7 USD/g"
    assert fmt_value(2.4e6, "persons") == "2.40 million persons"
    assert fmt_value(68.1, "%") == "68.1%"
    assert fmt_value(41.36, "per 100,000") == "41.4 per 100,000"


def test_differences_carry_their_interval_and_say_when_it_holds_zero():
    assert fmt_est(Est(-0.09, -0.14, -0.04, 5), "%change") == "−9% [−14%, −4%]"
    s = fmt_est(Est(0.01, -0.02, 0.03, 5), "%change", zero_note=True)
    assert s.endswith("(interval contains zero)") and "[−2.0%, +3.0%]" in s
    assert fmt_est(Est(3.2, 1.0, 5.0, 5), "points") == "+3.2 points [+1.0, +5.0]"
    assert fmt_est(Est(-2.5, -2.5, -2.5, 1), "t/yr") == "−2.5 t/yr"  # one seed: no interval
    assert not Est(1.0, 1.0, 1.0, 1).contains_zero


def test_periods_are_named_with_their_status():
    assert period_name((2000, 2006)) == "2000-2006 (calibration)"
    assert period_name((2007, 2012)) == "2007-2012 (prediction)"
    assert period_name((2013, 2015)) == "2013-2015 (after the hindcast window)"
    assert period_name((2007, 2015)) == "2007-2015 (prediction and later)"
    assert [k for k, *_ in period_spans(2000, 2015)] == ["calibration", "prediction", "later"]
    assert period_spans(2003, 2004) == [("calibration", 2003, 2004)]


def test_bands_and_changes_follow_the_seeds(pair):
    a, _ = pair
    q = Quantity("homicide_rate_per_100k", "HND", "Honduras", "per 100,000")
    v = per_seed(a, q)
    assert list(v.index) == a.seeds and v.shape[0] == 3
    b = band(a, q)
    assert ((b["p05"] <= b["mean"] + 1e-9) & (b["mean"] <= b["p95"] + 1e-9)).all()
    np.testing.assert_allclose(b["mean"], a.pivot("homicide_rate_per_100k")["HND"], rtol=1e-12)
    e = change(a, q, (2000, 2006), (2007, 2012), relative=False)
    manual = v.loc[:, 2007:2012].mean(axis=1) - v.loc[:, 2000:2006].mean(axis=1)
    assert e.mean == pytest.approx(manual.mean()) and e.n == 3
    # sums over regions: the seven Central American countries
    ca = Quantity("seized_t", "central_america", "", "t/yr", parts=("GTM", "HND", "SLV"))
    tot = per_seed(a, ca)
    st = a.stack("seized_t")
    np.testing.assert_allclose(
        tot.to_numpy().ravel(), st[["GTM", "HND", "SLV"]].sum(axis=1).to_numpy(), rtol=1e-12
    )


def test_differences_pair_by_seed(pair):
    a, b = pair
    q = Quantity("supply_t", "andes", "supply", "t/yr")
    e = difference(a, b, q, (2007, 2012), relative=True)
    assert e.mean == pytest.approx(0.0, abs=1e-12) and e.has_interval and e.hi == pytest.approx(0.0, abs=1e-12)
    q = Quantity("price_per_pure_gram_usd", "usa", "price", "USD/g")
    e = difference(a, b, q, (2007, 2009), relative=True)
    x = per_seed(a, q).loc[:, 2007:2009].mean(axis=1)
    y = per_seed(b, q).loc[:, 2007:2009].mean(axis=1)
    assert e.mean == pytest.approx(((x - y) / y).mean())


def test_cached_tables_follow_the_indicators(pair):
    a, _ = pair
    from isthmus.viz.rundata import RunData

    c = RunData(**{**a.__dict__})
    before = c.pivot("delivered_t")["usa"].iloc[0]
    c.ia = c.ia.assign(value=c.ia["value"] * 2)
    c.runs = c.runs.assign(value=c.runs["value"] * 2)
    assert c.pivot("delivered_t")["usa"].iloc[0] == pytest.approx(2 * before)
    assert a.pivot("delivered_t")["usa"].iloc[0] == pytest.approx(before)
