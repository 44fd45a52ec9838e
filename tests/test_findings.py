"""The findings suite: interface, JSON, and every finding holding on the default scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from isthmus.experiments.findings import FINDINGS, run_findings, with_supply_cut, without_policies


def test_ten_findings_declared() -> None:
    assert [f.id for f in FINDINGS] == [f"F{i}" for i in range(1, 11)]
    for f in FINDINGS:
        assert f.finding and f.experiment and f.effect_label


def test_counterfactuals_change_inputs_only(default_scenario) -> None:
    cut = with_supply_cut(default_scenario, "2010-01", 0.5)
    s = cut.series
    assert ((s["series"] == "supply_multiplier") & (s["value"] == 0.5)).any()
    assert cut.links.equals(default_scenario.links) and cut.places.equals(default_scenario.places)
    nomx = without_policies(default_scenario, lambda p: "MEX" in str(p.get("target")))
    assert len(nomx.policies) < len(default_scenario.policies)
    assert nomx.series.equals(default_scenario.series)


def test_cli_json_and_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "isthmus",
            "findings",
            "--seeds",
            "2",
            "--only",
            "F1,F6",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    data = json.loads(out.read_text())
    ids = [f["id"] for f in data["findings"]]
    assert ids == ["F1", "F6"]
    for f in data["findings"]:
        assert set(f) >= {"id", "holds", "share_of_seeds", "effect", "interval", "description"}
        assert len(f["interval"]) == 2 and 0 <= f["share_of_seeds"] <= 1
    assert p.returncode == (0 if all(f["holds"] for f in data["findings"]) else 1)
    bad = subprocess.run(
        [sys.executable, "-m", "isthmus", "findings", "--only", "F99"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "F99" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_all_findings_hold_on_default_scenario() -> None:
    rep = run_findings("central-america", seeds=5, workers=2)
    failing = {f.id: (f.share_of_seeds, f.effect, f.detail) for f in rep.findings if not f.holds}
    assert not failing, failing
