"""Policies as YAML: every intervention type round-trips; bad files fail clearly (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isthmus.policy import INTERVENTIONS, dump_policies, load_policy_file, parse_policies
from isthmus.scenario import ScenarioError
from isthmus.scenario.yamlio import load_yaml

EXPECTED_TYPES = {
    "interdiction_surge",
    "military_deployment",
    "police_reform",
    "anti_corruption",
    "justice_capacity",
    "kingpin_strategy",
    "international_cooperation",
    "crime_prevention",
    "us_demand_reduction",
    "unilateral_allocation",
    "coordinated_allocation",
}
BASE_FIELDS = {"start", "end", "target", "size", "name", "source"}
ROOT = Path(__file__).resolve().parents[1]


def test_every_issue_type_is_registered() -> None:
    assert EXPECTED_TYPES <= set(INTERVENTIONS)


def _month(draw) -> str:  # noqa: ANN001
    return f"{draw(st.integers(2000, 2015))}-{draw(st.integers(1, 12)):02d}"


text = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), max_codepoint=0x24F),
    max_size=30,
)
ids = st.lists(st.sampled_from(["GTM", "HND", "MEX", "transit_zone", "PAN"]), max_size=3)


@st.composite
def spec(draw, kind: str) -> dict:  # noqa: ANN001
    cls = INTERVENTIONS[kind]
    start = _month(draw)
    d: dict = {"type": kind, "start": start}
    if draw(st.booleans()):
        end = _month(draw)
        d["end"] = max(start, end)
    tgt: dict = {}
    if draw(st.booleans()):
        tgt["country"] = draw(ids)
    if draw(st.booleans()):
        tgt["places"] = draw(st.lists(st.sampled_from(["HN-GD", "GT-PE", "MX-CHH"]), max_size=2))
    if draw(st.booleans()):
        tgt["modes"] = draw(st.lists(st.sampled_from(["land", "sea", "air"]), max_size=2))
    if draw(st.booleans()):
        tgt["group"] = draw(st.lists(st.sampled_from(["ZETAS", "SINALOA"]), max_size=2))
    if draw(st.booleans()):
        tgt["segment"] = [draw(st.sampled_from(["HND>GTM", "GT-PE>MEX"]))]
    d["target"] = tgt
    lo, hi = cls.size_bounds
    d["size"] = draw(
        st.floats(
            -1e6 if lo is None else lo,
            1e6 if hi is None else hi,
            allow_nan=False,
            allow_infinity=False,
        )
    )
    if draw(st.booleans()):
        d["name"] = draw(text)
    if draw(st.booleans()):
        d["source"] = draw(text)
    for f in fields(cls):
        if f.name in BASE_FIELDS or not draw(st.booleans()):
            continue
        if f.name in cls.choices:
            d[f.name] = draw(st.sampled_from(cls.choices[f.name]))
        elif f.type in ("int", int):
            d[f.name] = draw(st.integers(1, 48))
        elif f.type in ("float", float):
            d[f.name] = draw(st.floats(0.0, 1.0))
    return d


@pytest.mark.parametrize("kind", sorted(EXPECTED_TYPES))
@settings(max_examples=25)
@given(data=st.data())
def test_yaml_round_trip(kind: str, data, tmp_path_factory) -> None:  # noqa: ANN001
    d = data.draw(spec(kind))
    iv = parse_policies([d], "in.yaml")[0]
    text_ = dump_policies([iv])
    f = tmp_path_factory.mktemp("rt") / "out.yaml"
    f.write_text(text_, encoding="utf-8")
    back = load_policy_file(f)
    assert back == [iv]
    assert back[0].to_dict() == iv.to_dict()
    # Dumping again gives the same text: the YAML form is stable.
    assert dump_policies(back) == text_


BAD = {
    "type": (
        "- type: anti_corruption\n  start: 2008-01\n  target: {country: GTM}\n  size: 0.2\n"
        "- type: kingpin_stratgy\n  start: 2008-01\n  size: 1\n",
        5,
        "unknown intervention type 'kingpin_stratgy'",
    ),
    "field": (
        "- type: police_reform\n  start: 2008-01\n  target: {country: HND}\n  size: 0.5\n"
        "  speed: 2\n",
        5,
        "speed",
    ),
    "target key": (
        "\n- type: interdiction_surge\n  start: 2008-01\n  target: {state: GTM}\n  size: 0.5\n",
        4,
        "target.state",
    ),
    "target value": (
        "- type: anti_corruption\n  start: 2008-01\n  target: {country: GTM}\n  size: 0.2\n"
        "- type: anti_corruption\n  start: 2008-01\n  target: {country: ATL}\n  size: 0.2\n",
        7,
        "unknown country 'ATL'",
    ),
    "place": (
        "- type: crime_prevention\n  start: 2008-01\n  target: {places: [HN-XX]}\n  size: 0.2\n",
        3,
        "unknown place 'HN-XX'",
    ),
    "size": (
        "- type: anti_corruption\n  start: 2008-01\n  target: {country: GTM}\n  size: 1.5\n",
        4,
        "outside",
    ),
    "group": (
        "- type: kingpin_strategy\n  start: 2008-01\n  target: {group: [NO-SUCH-GROUP]}\n"
        "  size: 1\n",
        3,
        "unknown group 'NO-SUCH-GROUP'",
    ),
    "missing target": (
        "- type: police_reform\n  start: 2008-01\n  size: 0.5\n",
        1,
        "needs a target 'country'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_policy_file_names_file_and_line(case: str, tmp_path: Path) -> None:
    body, line, needle = BAD[case]
    f = tmp_path / "bad.yaml"
    f.write_text(body, encoding="utf-8")
    from isthmus.experiments.compare import Comparison

    with pytest.raises(ScenarioError) as ei:
        Comparison.from_args("central-america", [str(f)], seeds=1).validate()
    msgs = [str(p) for p in ei.value.problems]
    assert any(str(f) in m and f"line {line}" in m and needle in m for m in msgs), msgs


def _isthmus(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from isthmus.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case", ["type", "field", "target value"])
def test_cli_compare_bad_policy_exits_2(case: str, tmp_path: Path) -> None:
    body, line, needle = BAD[case]
    f = tmp_path / "bad.yaml"
    f.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    r = _isthmus(
        "compare", "central-america", str(f), "--seeds", "1", "--out", str(out), cwd=tmp_path
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    err = " ".join(r.stderr.split())  # rich may wrap long lines
    assert "bad.yaml" in err and f"line {line}" in err and needle in err
    assert not out.exists()  # nothing written


def test_cli_run_scenario_with_unknown_target_exits_2(scenario_copy: Path) -> None:
    (scenario_copy / "policies.yaml").write_text(
        "- type: military_deployment\n  start: 2007-01\n  target: {places: [MX-XXX]}\n"
        "  size: 1000\n",
        encoding="utf-8",
    )
    r = _isthmus("run", str(scenario_copy), "-q", cwd=scenario_copy.parent)
    assert r.returncode == 2
    err = " ".join(r.stderr.split())
    assert "policies.yaml" in err and "line 3" in err and "MX-XXX" in err


def test_example_policy_files_parse_and_validate() -> None:
    from isthmus.experiments.compare import Comparison

    files = sorted((ROOT / "examples" / "policies").glob("*.yaml"))
    names = {f.stem for f in files}
    assert {"unilateral", "coordinated", "conventions"} <= names
    cmp = Comparison.from_args("central-america", [str(f) for f in files], seeds=1)
    cmp.validate()
    assert [a.name for a in cmp.arms] == ["base"] + [f.stem for f in files]
    # unilateral and coordinated spend the same total budget over the same period
    u = load_policy_file(ROOT / "examples/policies/unilateral.yaml")
    c = load_policy_file(ROOT / "examples/policies/coordinated.yaml")
    assert sum(i.size for i in u) == sum(i.size for i in c) > 0
    assert {(i.start, i.end) for i in u} == {(i.start, i.end) for i in c}
    assert load_yaml(ROOT / "examples/policies/conventions.yaml")


# -- policy validation that knows the run ------------------------------------------------

LATE = (
    "- type: interdiction_surge\n  name: too late\n  start: 2030-01\n  end: 2031-12\n"
    "  target: {country: GTM}\n  size: 1.0\n"
)
EARLY = "- type: anti_corruption\n  start: 1990-01\n  end: 1995-12\n  target: {country: GTM}\n  size: 0.3\n"


@pytest.mark.parametrize(("body", "line", "field"), [(LATE, 3, "start"), (EARLY, 3, "end")])
def test_policy_wholly_outside_the_run_is_refused(body, line, field, tmp_path: Path) -> None:
    from isthmus.experiments.compare import Comparison

    f = tmp_path / "p.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ScenarioError) as ei:
        Comparison.from_args("central-america", [str(f)], seeds=1).validate()
    (p,) = ei.value.problems
    assert (p.line, p.column) == (line, field) and "no effect" in p.reason
    assert "2000-01 to 2015-12" in p.reason


def test_policy_partly_inside_the_run_is_fine(tmp_path: Path) -> None:
    from isthmus.experiments.compare import Comparison

    f = tmp_path / "p.yaml"
    f.write_text(EARLY.replace("1995-12", "2001-06"), encoding="utf-8")
    Comparison.from_args("central-america", [str(f)], seeds=1).validate()


def test_python_policy_outside_the_run_is_refused() -> None:
    from isthmus import Sim
    from isthmus.policy import InterdictionSurge

    late = InterdictionSurge(start="2030-01", target={"country": "GTM"}, size=1.0)
    with pytest.raises(ScenarioError, match="after the run ends"):
        Sim("central-america", policies=[late])


def test_scenario_own_dated_events_after_a_shortened_period_are_fine() -> None:
    """Cutting a scenario's period (scenario.yaml's end, --until) drops its later events."""
    from isthmus import Sim
    from isthmus.experiments.sensitivity import truncate
    from isthmus.scenario import load_scenario

    sc = truncate(load_scenario("central-america"), 2002)
    assert any(str(p.get("start", "")) > "2003" for p in sc.policies)  # the 2006 strategy
    Sim(sc)  # no error


@pytest.mark.parametrize("body", ["", "# nothing yet\n", "[]\n", "policies: []\n", "policies:\n"])
def test_empty_policy_file_is_an_error(body: str, tmp_path: Path) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ScenarioError, match="empty"):
        load_policy_file(f)


def test_cli_compare_policy_dated_2030_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "late.yaml"
    f.write_text(LATE, encoding="utf-8")
    out = tmp_path / "out"
    r = _isthmus(
        "compare", "central-america", str(f), "--seeds", "1", "--out", str(out), cwd=tmp_path
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    err = " ".join(r.stderr.split())
    assert "late.yaml, line 3, column 'start'" in err and "after the run ends" in err
    assert not out.exists()


def test_each_problem_names_the_line_of_its_field(tmp_path: Path) -> None:
    body = (
        "- type: interdiction_surge\n"  # 1
        "  name: x\n"  # 2
        "  start: 2008-01\n"  # 3
        "  end: 2007-01\n"  # 4: before start
        "  size: lots\n"  # 5: not a number
        "  target:\n"  # 6
        "    country: GTM\n"  # 7
        "    colour: red\n"  # 8: unknown target key
    )
    f = tmp_path / "p.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ScenarioError) as ei:
        load_policy_file(f)
    where = {(p.column, p.line) for p in ei.value.problems}
    assert {("size", 5), ("target.colour", 8)} <= where, where


def test_hostile_values_give_short_messages(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "- type: interdiction_surge\n  start: 2008-01\n  size: ["
        + ", ".join(["1"] * 50_000)
        + "]\n"
        "  name: {a: " + "x" * 100_000 + "}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as ei:
        load_policy_file(f)
    assert len(str(ei.value)) < 2000
