"""The findings suite: the protocol's lines, inputs-only variants, the CLI, and the record."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from isthmus.experiments.findings import (
    FINDINGS,
    VARIANTS,
    Line,
    abate,
    mexican_groups,
    no2006,
    seeds_needed,
)

# A copy of shared/acceptance/findings-protocol (the criteria are fixed; the copy is checked
# against the original whenever the shared folder is next to the project).
PROTOCOL = Path(__file__).resolve().parent / "data" / "findings-protocol"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "acceptance" / "findings-protocol"


def test_ten_findings_declared() -> None:
    assert [f.id for f in FINDINGS] == [f"F{i}" for i in range(1, 11)]
    for f in FINDINGS:
        assert f.finding and f.experiment and f.effect_label and f.lines
    ids = [ln.id for f in FINDINGS for ln in f.lines]
    assert len(ids) == len(set(ids))


def test_lines_are_the_protocols() -> None:
    """Every criterion of the protocol is a line here, with the same operator and threshold."""
    text = PROTOCOL.read_text()
    if SHARED.exists():  # the copy is the protocol itself
        assert SHARED.read_text() == text
    crits = re.findall(r'crit\("(\w+)", .*?, "(>=|<=|in)", ([\d.()\s,]+)\)\n', text, re.S)
    assert len(crits) >= 20
    lines = {ln.id: ln for f in FINDINGS for ln in f.lines}
    for cid, op, thr in crits:
        ln = lines[cid]
        assert ln.op == op, cid
        want = eval(thr, {"__builtins__": {}})  # a literal number or pair from the protocol
        assert ln.threshold == (tuple(want) if isinstance(want, tuple) else float(want)), cid


def test_variants_change_inputs_only(default_scenario) -> None:
    sc = default_scenario
    n = no2006(sc)
    groups = mexican_groups(sc)
    assert groups >= {"SINALOA", "GULF"} and not groups & {"MS13", "LORENZANA"}
    dropped = [p for p in sc.policies if p not in n.policies]
    assert dropped and all(str(p["start"]) >= "2006-12" for p in dropped)
    assert n.series.equals(sc.series) and n.links.equals(sc.links)
    a = abate(sc)
    s0, s1 = sc.series, a.series
    prod = s0["series"] == "production_t_per_year"
    late = prod & (s0["date"].astype(str) >= "2010-01")
    assert late.any()
    assert (s1.loc[late, "value"].astype(float) == 0.5 * s0.loc[late, "value"].astype(float)).all()
    assert (s1.loc[~late, "value"] == s0.loc[~late, "value"]).all()
    assert a.policies == sc.policies
    for name in ("casurge", "troops", "prevent"):
        v = VARIANTS[name](sc)
        assert (
            v.policies[: len(sc.policies)] == sc.policies
            and len(v.policies) == len(sc.policies) + 1
        )
        assert v.series.equals(sc.series)


def test_line_rule() -> None:
    ln = Line("X", "x", lambda lab, s: 0.0, ">=", 1.0)
    assert ln.test(1.0) and not ln.test(0.99) and not ln.test(float("nan"))
    assert Line("Y", "y", lambda lab, s: 0.0, "in", (0.85, 1.1)).test(0.9)
    assert [seeds_needed(n) for n in (1, 5, 20)] == [1, 4, 16]


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
            "F6,F9",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    data = json.loads(out.read_text())
    assert [f["id"] for f in data["findings"]] == ["F6", "F9"]
    for f in data["findings"]:
        assert set(f) >= {"id", "holds", "share_of_seeds", "effect", "interval", "lines"}
        for ln in f["lines"]:
            assert set(ln) >= {"id", "mean", "needs", "seeds_meeting", "holds"}
            assert 0 <= ln["seeds_meeting"] <= 2
        assert f["holds"] == all(ln["holds"] for ln in f["lines"])
    assert p.returncode == (0 if all(f["holds"] for f in data["findings"]) else 1)
    assert "lines held" in p.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "isthmus", "findings", "--only", "F99"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "F99" in bad.stderr and "Traceback" not in bad.stderr
