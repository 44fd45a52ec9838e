"""The loader's per-process cache: a scenario loaded again is the same scenario, never a stale one."""

from __future__ import annotations

from pathlib import Path

import pytest

from isthmus.scenario import ScenarioError, load_scenario, loader


def _same(a, b) -> None:  # noqa: ANN001 - two scenarios
    assert (a.name, a.title, a.start, a.end, a.path) == (b.name, b.title, b.start, b.end, b.path)
    assert a.meta == b.meta and a.policies == b.policies
    assert [p.lines for p in a.policies] == [p.lines for p in b.policies]
    assert a.tables.keys() == b.tables.keys()
    for t in a.tables:
        assert a.tables[t].equals(b.tables[t]), t
        assert a.tables[t].dtypes.tolist() == b.tables[t].dtypes.tolist(), t


def test_a_cached_load_is_the_parsed_scenario(scenario_copy: Path) -> None:
    first = load_scenario(scenario_copy)
    again = load_scenario(scenario_copy)  # from the cache
    parsed = loader._load(loader.resolve(scenario_copy), None)  # the folder, parsed again
    _same(again, parsed)
    _same(first, parsed)
    assert again is not first and again.tables["links"] is not first.tables["links"]


def test_an_edited_copy_never_reaches_the_next_load(scenario_copy: Path) -> None:
    load_scenario(scenario_copy)
    a = load_scenario(scenario_copy)  # from the cache: edits must not reach the cache
    before = a.param("routes", "theta")
    a.set_param("routes", "theta", 123.0)
    a.tables["links"].loc[0, "cost_usd_per_kg"] = -1.0
    a.policies.clear()
    b = load_scenario(scenario_copy)
    assert b.param("routes", "theta") == before != 123.0
    assert b.tables["links"].loc[0, "cost_usd_per_kg"] != -1.0 and b.policies


def test_an_edited_file_is_read_again(scenario_copy: Path) -> None:
    load_scenario(scenario_copy)
    f = scenario_copy / "links.csv"
    lines = f.read_text().splitlines(keepends=True)
    f.write_text("".join(lines[:-1]))  # one link fewer (same size class, new content)
    assert len(load_scenario(scenario_copy).links) == len(lines) - 2
    f.write_text("".join(lines))
    assert len(load_scenario(scenario_copy).links) == len(lines) - 1


def test_a_failed_load_is_not_kept_and_a_fixed_file_loads(scenario_copy: Path) -> None:
    f = scenario_copy / "parameters.csv"
    good = f.read_bytes()
    load_scenario(scenario_copy)
    f.write_bytes(good.replace(b"\n", b"\nroutes,theta_x,x,1,,,s\n", 1))
    for _ in range(2):  # the bad bytes fail each time: nothing of them was kept
        with pytest.raises(ScenarioError, match="not a number"):
            load_scenario(scenario_copy)
    f.write_bytes(good)
    assert load_scenario(scenario_copy).param("routes", "theta") is not None


def test_a_file_that_is_not_utf8_is_named_as_before(scenario_copy: Path) -> None:
    f = scenario_copy / "actors.csv"
    f.write_bytes(f.read_bytes().replace(b"Zetas", b"Z\xe9tas"))
    with pytest.raises(ScenarioError) as ei:
        load_scenario(scenario_copy)
    assert any("actors.csv" in str(p) and "UTF-8" in str(p) for p in ei.value.problems)


def test_the_cache_holds_a_few_scenarios(scenario_copy: Path, tmp_path: Path) -> None:
    from isthmus.scenario import export_scenario

    for i in range(loader._LOADED_MAX + 2):
        load_scenario(export_scenario("central-america", tmp_path / f"c{i}"))
    assert len(loader._LOADED) <= loader._LOADED_MAX
