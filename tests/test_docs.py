"""Documentation examples run: module docstrings (doctest) and the README's Python block."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest


def _all_modules() -> list[str]:
    """Every module of the package: an example anywhere in a docstring must run."""
    import pkgutil

    import isthmus

    names = ["isthmus"]
    for m in pkgutil.walk_packages(isthmus.__path__, "isthmus."):
        # the dashboard page and `python -m isthmus` run at import (their own tests drive them)
        if m.name.endswith((".app", ".__main__")):
            continue
        names.append(m.name)
    return sorted(names)


MODULES = _all_modules()
# Modules whose docstrings must show an example (not only run the ones they have).
WITH_EXAMPLES = {
    "isthmus.viz",
    "isthmus.viz.geo",
    "isthmus.viz.rundata",
    "isthmus.viz.maps",
    "isthmus.viz.charts",
    "isthmus.viz.narrative",
    "isthmus.viz.provenance",
    "isthmus.viz.levers",
    "isthmus.viz.report",
    "isthmus.viz.quantities",
    "isthmus.viz.record",
    "isthmus.viz.tables",
    "isthmus.viz.panels",
    "isthmus.experiments.runs",
    "isthmus.engine.groups",
    "isthmus.engine.violence",
}


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0
    if name in WITH_EXAMPLES:
        assert res.attempted > 0, f"{name} lost its docstring examples"


def test_modules_with_examples_exist() -> None:
    assert WITH_EXAMPLES <= set(MODULES)


def test_readme_python_block_runs() -> None:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no Python example"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own documentation


def test_schema_docs_are_current() -> None:
    """docs/scenario-tables.md is generated from the schema (isthmus scenario schema --out ...)."""
    from isthmus.scenario import schema_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "scenario-tables.md"
    assert doc.read_text(encoding="utf-8") == schema_markdown()


DOCS = Path(__file__).resolve().parents[1] / "docs"


def _block(path: Path, name: str) -> str:
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert start in text and end in text, (path.name, name)
    return text.split(start, 1)[1].split(end, 1)[0]


def test_generated_tables_are_there() -> None:
    """The tables scripts/docs_tables.py and scripts/input_sensitivity.py write: one row per
    non-homicide observation, the violence estimates and decomposition, the vectors, and
    one pair of runs per input whose size is an assumption."""
    import csv

    from isthmus.scenario import load_scenario

    sc = load_scenario("central-america")
    obs = list(csv.DictReader(open(Path(sc.path) / "observations.csv", encoding="utf-8")))
    table = _block(DOCS / "calibration.md", "calibration-table")
    for o in obs:
        if o["indicator"] != "homicide_rate_per_100k":
            assert f"`{o['indicator']}` | `{o['region']}` | {o['year']}" in table, o["quantity"]
    est = _block(DOCS / "groups-and-violence.md", "violence-estimates")
    for k in ("contest", "succession", "predation"):
        assert f"| {k} |" in est
    dec = _block(DOCS / "groups-and-violence.md", "violence-decomposition")
    assert dec.count("| MEX |") >= 5 and "fixed effect" in dec
    vec = _block(DOCS / "flow-engine.md", "vector-table")
    assert "`eastern_pacific`" in vec and "`air`" in vec
    assert (DOCS / "flows-by-vector.png").stat().st_size > 10_000
    sens = _block(DOCS / "inputs.md", "input-sensitivity")
    assumed = [
        p
        for p in sc.policies
        if p.get("type") != "kingpin_strategy" and "assumption" in str(p.get("source", "")).lower()
    ]
    assert sens.count("| x 0.5 |") == len(assumed) == sens.count("| x 2 |")
