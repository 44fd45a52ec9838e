"""Documentation examples run: module docstrings (doctest) and the README's Python block."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

MODULES = [
    "isthmus",
    "isthmus.scenario.loader",
    "isthmus.scenario.schema",
    "isthmus.scenario.errors",
    "isthmus.scenario.yamlio",
    "isthmus.scenario.synthetic",
    "isthmus.engine.params",
    "isthmus.engine.series",
    "isthmus.engine.routes",
    "isthmus.engine.sim",
    "isthmus.engine.state",
    "isthmus.engine.network",
    "isthmus.policy.interventions",
    "isthmus.results.store",
    "isthmus.results.ensemble_store",
    "isthmus.results.atomic",
    "isthmus.experiments.ensemble",
    "isthmus.experiments.sensitivity",
    "isthmus.experiments.compare",
    "isthmus.policy.allocation",
    "isthmus.engine.response",
    "isthmus.optimize.objectives",
    "isthmus.optimize.surrogate",
    "isthmus.optimize.solver",
    "isthmus.optimize.gap",
    "isthmus.optimize.plan",
    "isthmus.viz.optimize_maps",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0


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
