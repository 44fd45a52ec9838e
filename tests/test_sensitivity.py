"""Sobol and Morris sensitivity: design sizes, indices with intervals, outputs, CLI."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from isthmus.experiments.sensitivity import OutputSpec, Sensitivity
from isthmus.scenario import ScenarioError

# A parameter that matters for transit-zone seizures (sea interdiction effectiveness) and
# one squeezed to a negligible range: the analysis must tell them apart.
PARAMS = ["interdiction.k_sea", "routes.theta"]
BOUNDS = {"routes.theta": (30.0, 30.0001)}
OUT = ["seized_t:transit_zone:2001-2002"]
# The flow modules only: these tests check the analysis, and the flow response to these
# two parameters is smooth; the full model (plaza contests) reacts to tiny perturbations.
FLOW = ["supply", "routes", "interdiction", "state", "record"]


def test_output_spec_parsing():
    o = OutputSpec.parse("delivered_t:usa:2010")
    assert (o.indicator, o.region, o.years) == ("delivered_t", "usa", (2010, 2010))
    assert OutputSpec.parse("seized_t:MEX:2007-2012").label == "seized_t:MEX:2007-2012"
    for bad in ("delivered_t:usa", "delivered_t:usa:20x0", "a:b:2010-2005", "a::2010"):
        with pytest.raises(ValueError):
            OutputSpec.parse(bad)


def test_design_sizes():
    sa = Sensitivity(params=PARAMS + ["interdiction.k_land"], outputs=OUT, n=8, until=2002)
    assert sa.n_runs == 8 * (3 + 2) == len(sa.sample())
    sa2 = Sensitivity(params=PARAMS, outputs=OUT, n=8, second_order=True, until=2002)
    assert sa2.n_runs == 8 * (2 * 2 + 2) == len(sa2.sample())
    sm = Sensitivity(params=PARAMS, outputs=OUT, n=3, method="morris", until=2002)
    assert sm.n_runs == 3 * 3 == len(sm.sample())
    X = sa.sample()
    for j, p in enumerate(sa.space):
        assert p.low <= X[:, j].min() and X[:, j].max() <= p.high


def test_sobol_separates_a_driver_from_a_negligible_parameter(tmp_path):
    sa = Sensitivity(
        params=PARAMS, outputs=OUT, n=16, until=2002, bounds=BOUNDS, seed=1, modules=FLOW
    )
    res = sa.run(workers=2, out=tmp_path)
    w = res.wide(OUT[0])
    assert set(w.columns) >= {"S1", "ST", "S1_conf", "ST_conf"}
    assert np.isfinite(w[["S1", "ST", "S1_conf", "ST_conf"]].to_numpy()).all()
    assert (w["ST_conf"] > 0).all()
    assert w.loc["interdiction.k_sea", "ST"] > 0.5
    assert w.loc["routes.theta", "ST"] < 0.05
    assert w.index[0] == "interdiction.k_sea"  # sorted by total index
    # written to CSV and DuckDB, with the intervals
    csv = pd.read_csv(tmp_path / "sensitivity_indices.csv")
    assert {"S1", "ST"} == set(csv["index"])
    assert (csv["ci_high"] >= csv["ci_low"]).all()
    con = duckdb.connect(str(tmp_path / "results.duckdb"), read_only=True)
    n = con.execute("select count(*) from sensitivity_indices").fetchone()[0]
    n_out = con.execute("select count(*) from sensitivity_outputs").fetchone()[0]
    con.close()
    assert n == len(csv) and n_out == sa.n_runs


def test_morris_ranks_the_driver_first_and_is_worker_independent():
    kw = dict(
        params=PARAMS, outputs=OUT, n=4, method="morris", until=2002, bounds=BOUNDS, modules=FLOW
    )
    one = Sensitivity(**kw).run(workers=1)
    two = Sensitivity(**kw).run(workers=2)
    np.testing.assert_array_equal(one.Y, two.Y)
    w = one.wide(OUT[0])
    assert w.index[0] == "interdiction.k_sea"
    assert w.loc["interdiction.k_sea", "mu_star"] > 20 * w.loc["routes.theta", "mu_star"]
    assert (w["mu_star_conf"] >= 0).all()


def test_non_finite_outputs_give_nan_indices_with_a_warning():
    sa = Sensitivity(params=PARAMS, outputs=OUT, n=4, until=2002, bounds=BOUNDS)
    X = sa.sample()
    Y = np.arange(len(X), dtype=float)[:, None]
    assert np.isfinite(sa.analyze(X, Y)["value"]).all()
    Y[3] = np.nan
    with pytest.warns(RuntimeWarning, match="non-finite"):
        ind = sa.analyze(X, Y)
    assert ind["value"].isna().all() and len(ind) == 2 * len(PARAMS)


def test_bad_outputs_and_params_are_validation_errors():
    with pytest.raises(ScenarioError, match="unknown indicator"):
        Sensitivity(params=PARAMS, outputs=["nope:usa:2001"], n=2, until=2002).run()
    with pytest.raises(ScenarioError, match="years outside"):
        Sensitivity(params=PARAMS, outputs=["delivered_t:usa:2010"], n=2, until=2002).run()
    with pytest.raises(ScenarioError, match="no region"):
        Sensitivity(params=PARAMS, outputs=["delivered_t:mars:2001"], n=2, until=2002).run()
    with pytest.raises(ScenarioError, match="routes.nope"):
        Sensitivity(params=["routes.nope"], outputs=OUT, n=2)
    with pytest.raises(ScenarioError, match="until"):
        Sensitivity(params=PARAMS, outputs=OUT, n=2, until=1990)


def test_cli_sensitivity(cli, tmp_path):
    code, out = cli(
        "sensitivity",
        "--method",
        "morris",
        "--params",
        ",".join(PARAMS),
        "--indicators",
        OUT[0],
        "--n",
        "2",
        "--until",
        "2002",
        "--out",
        str(tmp_path / "s"),
    )
    assert code == 0, out
    assert "mu*" in out and "interdiction.k_sea" in out
    assert (tmp_path / "s" / "sensitivity_indices.csv").exists()
    code, out = cli("sensitivity", "--indicators", "nope:usa:2001", "--n", "2", "--until", "2002")
    assert code == 2 and "unknown indicator" in out
