"""Scenarios: schema, loading, validation and the shipped scenarios.

The error types are imported at once (the CLI needs them to report problems);
the loader and the schema, which need pandas, on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import Problem, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from .loader import (
        Scenario,
        export_scenario,
        list_scenarios,
        load_scenario,
        month_index,
        parse_month,
        resolve,
    )
    from .schema import SCHEMAS, schema_markdown

__all__ = [
    "Problem",
    "ScenarioError",
    "Scenario",
    "SCHEMAS",
    "export_scenario",
    "list_scenarios",
    "load_scenario",
    "month_index",
    "parse_month",
    "resolve",
    "schema_markdown",
]

_LAZY = {
    "Scenario": ".loader",
    "export_scenario": ".loader",
    "list_scenarios": ".loader",
    "load_scenario": ".loader",
    "month_index": ".loader",
    "parse_month": ".loader",
    "resolve": ".loader",
    "SCHEMAS": ".schema",
    "schema_markdown": ".schema",
}


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'isthmus.scenario' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(mod, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
