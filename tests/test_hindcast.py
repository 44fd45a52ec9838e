"""The hindcast and the calibrate/hindcast commands end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from isthmus.experiments.hindcast import BLOCKS, run_hindcast


@pytest.fixture(scope="module")
def hc():
    return run_hindcast("central-america", seeds=2, seed=1)


def test_hindcast_table_is_the_2007_2012_prediction(hc) -> None:
    t = hc.table
    assert list(t.columns) == ["indicator", "region", "year", "mean", "low", "high", "unit"]
    assert sorted(t["year"].unique()) == list(range(2007, 2013))
    assert (t["low"] <= t["mean"] + 1e-9).all() and (t["mean"] <= t["high"] + 1e-9).all()
    assert len(hc.seeds) == 2 and hc.seeds[0] != hc.seeds[1]
    # every block whose indicators the default run records is there
    for key in ("us_bound_share", "seizure_share", "entering_mexico_share", "flow_t"):
        assert not hc.block(key).empty, key
    shares = hc.block("seizure_share")
    assert set(shares["region"]) == {"central_america", "caribbean", "mexico"}
    flows = hc.block("flow_t")
    assert flows["region"].str.fullmatch(r"[A-Z]{3}").all() and "GTM" in set(flows["region"])


def test_hindcast_blocks_follow_the_recorded_indicators(hc) -> None:
    recorded = set(hc.bands["indicator"])
    if "homicide_rate_per_100k" in recorded:
        states = hc.block("homicide_mx_state")["region"].unique()
        assert len(states) == 32 and all(s.startswith("MX-") for s in states)
        countries = set(hc.block("homicide_country")["region"])
        assert {"GTM", "HND", "SLV", "MEX"} <= countries
    if "price_per_pure_gram_usd" in recorded:
        us = hc.block("us_market")
        assert set(us["indicator"]) == {"price_per_pure_gram_usd", "purity", "users_past_month"}
    assert {b.key for b in BLOCKS} >= set(hc.bands["block"])


def test_hindcast_intervals_widen_with_differing_seeds(hc) -> None:
    # two seeds that differ: somewhere the interval has width (the runs are not identical)
    t = hc.table
    assert ((t["high"] - t["low"]) > 0).any()


def test_hindcast_cli_writes_csv_and_plot(tmp_path: Path, cli) -> None:
    out = tmp_path / "hc"
    code, text = cli("hindcast", "--seeds", "2", "--workers", "1", "--out", str(out))
    assert code == 0, text
    assert "2007" in text and "2012" in text and "prediction" in text
    assert "Share of the seizures" in text
    df = pd.read_csv(out / "hindcast.csv")
    assert list(df.columns) == ["indicator", "region", "year", "mean", "low", "high", "unit"]
    assert df["year"].min() == 2007 and df["year"].max() == 2012
    html = (out / "hindcast.html").read_text(encoding="utf-8")
    assert "plotly" in html.lower() and '<script src="http' not in html
    assert len(html) > 1_000_000  # plotly.js is embedded: the page works offline
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_calibrate_cli_bad_params_exit_2(tmp_path: Path) -> None:
    for spec, words in (
        ("routes.theta=30:8", "not below"),
        ("routes.nope=1:2", "unknown parameter"),
        ("theta", "module.name"),
    ):
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "isthmus",
                "calibrate",
                "--params",
                spec,
                "--out",
                str(tmp_path / "x"),
            ],
            capture_output=True,
            text=True,
        )
        assert p.returncode == 2, (spec, p.stderr)
        assert words in p.stderr and "--params" in p.stderr
        assert "Traceback" not in p.stderr
        assert not (tmp_path / "x").exists()


def test_calibrate_cli_small_budget(tmp_path: Path, cli) -> None:
    out = tmp_path / "cal"
    code, text = cli(
        "calibrate",
        "--params",
        "routes.theta=8:30",
        "--maxiter",
        "1",
        "--popsize",
        "3",
        "--replicates",
        "1",
        "--workers",
        "1",
        "--out",
        str(out),
    )
    assert code == 0, text
    assert "loss before" in text and "after" in text and "routes.theta" in text
    assert (out / "calibration.yaml").exists() and (out / "observations.csv").exists()
    from isthmus.scenario import load_scenario

    sc = load_scenario(out)
    assert 8.0 <= sc.param("routes", "theta") <= 30.0
    # an existing, non-empty --out is refused (exit 2) rather than overwritten
    code, text = cli("calibrate", "--params", "routes.theta", "--out", str(out))
    assert code == 2 and "not empty" in text


def test_calibrate_cli_write_updates_the_scenario_folder(scenario_copy: Path, cli) -> None:
    before = (scenario_copy / "parameters.csv").read_text(encoding="utf-8")
    code, text = cli(
        "calibrate",
        str(scenario_copy),
        "--params",
        "routes.theta=8:30",
        "--maxiter",
        "0",
        "--replicates",
        "1",
        "--workers",
        "1",
        "--write",
    )
    assert code == 0, text
    after = (scenario_copy / "parameters.csv").read_text(encoding="utf-8")
    changed = [a for a, b in zip(after.splitlines(), before.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0].startswith("routes,theta,")
    assert "calibrated " in changed[0] and "loss before" in changed[0]
    assert (scenario_copy / "calibration.yaml").exists()
