"""Scenarios: schema, loading, validation and the shipped scenarios."""

from .errors import Problem, ScenarioError
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
