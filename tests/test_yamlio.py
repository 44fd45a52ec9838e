"""YAML input: aliases bounded, lines per key, hostile files refused quickly and briefly."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from isthmus.scenario import ScenarioError
from isthmus.scenario.yamlio import LINE_KEY, key_line, load_yaml, strip_lines

CLI = [sys.executable, "-c", "from isthmus.cli import main; main()"]


def bomb(levels: int = 10, width: int = 10) -> str:
    """A 'billion laughs' list: ``width ** levels`` values once expanded."""
    inner = "[" + ", ".join(["MX-TAM"] * width) + "]"
    text = f"&a0 {inner}"
    for k in range(1, levels):
        text = f"&a{k} [{text}, " + ", ".join([f"*a{k - 1}"] * (width - 1)) + "]"
    return text


def test_alias_bomb_is_refused_before_it_is_built():
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as ei:
        load_yaml("p.yaml", text=f"- type: x\n  target:\n    places: {bomb()}\n")
    assert time.perf_counter() - t0 < 5
    (p,) = ei.value.problems
    assert p.line == 3 and "alias" in p.reason and len(str(ei.value)) < 500


def test_small_aliases_still_work():
    text = "base: &ca {country: [GTM, HND]}\npolicies:\n  - target: *ca\n  - target: *ca\n"
    data = load_yaml("p.yaml", text=text)
    assert strip_lines(data["policies"][1]["target"]) == {"country": ["GTM", "HND"]}


def test_recursive_alias_is_refused():
    with pytest.raises(ScenarioError, match="refers to itself"):
        load_yaml("p.yaml", text="a: &a [1, *a]\n")


def test_deep_nesting_is_refused_without_a_traceback():
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_yaml("p.yaml", text="a: " + "[" * 5000 + "]" * 5000)


@pytest.mark.parametrize(
    "text",
    ["\x1f", "a: !!python/object:os.system {}\n", "- [unclosed\n", "a: b: c\n", "\x00"],
)
def test_malformed_or_unsafe_yaml_is_a_scenario_error(text):
    with pytest.raises(ScenarioError) as ei:
        load_yaml("p.yaml", text=text)
    assert all(p.file == "p.yaml" for p in ei.value.problems)


def test_every_key_knows_its_line():
    data = load_yaml("p.yaml", text="- type: a\n  start: 2008-01\n\n  target:\n    places: [X]\n")
    d = data[0]
    assert d[LINE_KEY] == 1
    assert (key_line(d, "type"), key_line(d, "start"), key_line(d, "target")) == (1, 2, 4)
    assert key_line(d["target"], "places") == 5
    assert key_line(d, "missing") == 1  # falls back to where the entry starts


def test_byte_order_mark_and_crlf_are_read(tmp_path: Path):
    f = tmp_path / "p.yaml"
    f.write_bytes(b"\xef\xbb\xbf- type: a\r\n  start: 2008-01\r\n")
    data = load_yaml(f)
    assert strip_lines(data) == [{"type": "a", "start": "2008-01"}]
    assert key_line(data[0], "start") == 2


def test_cli_alias_bomb_in_a_policy_is_refused_fast_in_bounded_memory(scenario_copy: Path):
    with (scenario_copy / "policies.yaml").open("a", encoding="utf-8") as fh:
        fh.write(
            "- type: interdiction_surge\n  name: bomb\n  start: 2005-01\n  size: 0.5\n"
            f"  target:\n    places: {bomb()}\n"
        )

    def limit() -> None:  # 2 GB of address space, as the acceptance check gives it
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    out = scenario_copy.parent / "out"
    t0 = time.perf_counter()
    r = subprocess.run(
        CLI + ["run", str(scenario_copy), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )
    assert time.perf_counter() - t0 < 20
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "alias" in r.stderr and len(r.stderr) < 2000
    assert not out.exists()
