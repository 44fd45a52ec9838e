"""isthmus.experiments.runs: what the report and the dashboard ask of the model."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isthmus.experiments.runs import (
    check_policies,
    detailed_indicators,
    paired_summary,
    replicate_seed,
    run_detailed,
    run_seeds,
    seed_summary,
    without_policies,
)

SURGE = {
    "type": "interdiction_surge",
    "start": "2008-01",
    "target": {"country": ["GTM", "HND"], "modes": ["land"]},
    "size": 1.0,
}


@pytest.fixture(scope="module")
def three():
    return run_seeds("central-america", seeds=3, seed=11)


def test_replicates_use_the_ensemble_seeds_whatever_the_workers(three):
    assert [int(s) for s in three.groupby("run_id")["seed"].first()] == [
        replicate_seed(11, i) for i in range(3)
    ]
    two = run_seeds("central-america", seeds=3, seed=11, workers=2)
    pd.testing.assert_frame_equal(three, two)
    # the seeds differ, and so do the runs (the model is stochastic)
    d = three[three["indicator"] == "homicides"].groupby("run_id")["value"].sum()
    assert d.nunique() == 3


def test_the_detailed_run_is_replicate_0(three):
    d = run_detailed("central-america", seed=replicate_seed(11, 0))
    a = detailed_indicators(d, 0)
    b = three[three["run_id"] == 0].reset_index(drop=True)
    m = a.merge(b, on=["indicator", "region", "year"], suffixes=("_d", "_e"))
    assert len(m) == len(a) == len(b)
    np.testing.assert_allclose(m["value_d"], m["value_e"], rtol=0, atol=0, equal_nan=True)
    # link flows add up to the deliveries of the same run
    assert d.link_out.shape == (len(d.years), d.net.n_links) and (d.link_out >= 0).all()
    skip = run_seeds("central-america", seeds=3, seed=11, skip=(0,))
    assert sorted(skip["run_id"].unique()) == [1, 2]


def test_summaries_bracket_the_mean_and_pair_by_seed(three):
    s = seed_summary(three)
    assert (s["n_seeds"] == 3).all()
    ok = s.dropna(subset=["mean"])
    assert ((ok["p05"] <= ok["mean"] + 1e-9) & (ok["mean"] <= ok["p95"] + 1e-9)).all()
    # a counterfactual with the same base seed pairs seed by seed (common random numbers)
    cf = run_seeds(without_policies("central-america"), seeds=3, seed=11)
    assert sorted(cf["seed"].unique()) == sorted(three["seed"].unique())
    p = paired_summary(three, cf)
    row = p[(p["indicator"] == "supply_t") & (p["region"] == "andes")]
    assert np.allclose(row["diff_mean"], 0.0) and np.allclose(row["diff_p95"], 0.0)
    # a policy changes nothing before it starts: paired differences are zero there
    lev = run_seeds("central-america", seeds=3, seed=11, policies=[SURGE])
    d = paired_summary(lev, three)
    pre = d[(d["indicator"] == "delivered_t") & (d["year"] < 2008)]
    post = d[(d["indicator"] == "delivered_t") & (d["year"] >= 2009)]
    assert np.allclose(pre["diff_mean"], 0.0) and not np.allclose(post["diff_mean"], 0.0)


def test_bad_input_fails_before_any_run():
    from isthmus.scenario import ScenarioError

    bad = dict(SURGE, target={"country": ["XXX"]})
    with pytest.raises(ScenarioError):
        run_seeds("central-america", seeds=2, policies=[bad])
    assert any("XXX" in p for p in check_policies("central-america", [bad]))
    assert check_policies("central-america", [SURGE]) == []


def test_interfaces_reach_the_model_through_experiments():
    """Layers point one way: viz and commands never import the engine (issue 13)."""
    root = Path(__file__).resolve().parents[1] / "src" / "isthmus" / "viz"
    offenders = []
    for f in root.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and "engine" in node.module:
                offenders.append(f"{f.name}: from {node.module}")
            if isinstance(node, ast.Import) and any("engine" in a.name for a in node.names):
                offenders.append(f"{f.name}: import")
    assert offenders == []
