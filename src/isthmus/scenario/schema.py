"""Component-table schemas, in the style of PyPSA's ``component_attrs``.

Each scenario table (places, links, countries, ...) has a schema file in
``isthmus/scenario/schema/<table>.csv`` listing its attributes with a type, a
unit, a default, whether it is required, bounds and a description. The loader
validates scenario files against these schemas, and ``isthmus scenario schema``
generates the documentation from the same files, so the two cannot drift apart.

Examples
--------
>>> from isthmus.scenario.schema import SCHEMAS
>>> SCHEMAS["links"].attribute("capacity_t_per_month").unit
't/month'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources

TABLES: tuple[str, ...] = (
    "places",
    "links",
    "countries",
    "series",
    "parameters",
    "actors",
    "control",
    "baseline_violence",
)
REQUIRED_TABLES: tuple[str, ...] = ("places", "links", "countries", "series", "parameters")


@dataclass(frozen=True)
class Attribute:
    """One column of a component table."""

    name: str
    type: str
    unit: str
    default: str
    required: bool
    min: float | None
    max: float | None
    description: str

    @cached_property  # why cached: the loader asks for every cell
    def enum(self) -> tuple[str, ...] | None:
        """Allowed values when the type is ``enum:a|b|c``."""
        if self.type.startswith("enum:"):
            return tuple(self.type[5:].split("|"))
        return None

    @cached_property
    def base_type(self) -> str:
        return "enum" if self.type.startswith("enum:") else self.type


@dataclass(frozen=True)
class TableSchema:
    """The schema of one component table."""

    table: str
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)

    def attribute(self, name: str) -> Attribute:
        for a in self.attributes:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.attributes]

    @property
    def required(self) -> list[str]:
        return [a.name for a in self.attributes if a.required]

    def to_markdown(self) -> str:
        """Render the schema as a Markdown table (used for the docs)."""
        lines = [
            f"### `{self.table}.csv`",
            "",
            "| attribute | type | unit | default | required | description |",
            "|---|---|---|---|---|---|",
        ]
        for a in self.attributes:
            t = a.type.replace("|", "\\|")
            lines.append(
                f"| `{a.name}` | {t} | {a.unit} | {a.default} | {'yes' if a.required else 'no'} "
                f"| {a.description} |"
            )
        return "\n".join(lines) + "\n"


def _num(s: str) -> float | None:
    return float(s) if s.strip() else None


def _load(table: str) -> TableSchema:
    path = resources.files("isthmus.scenario") / "schema" / f"{table}.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    attrs = tuple(
        Attribute(
            name=r["attribute"],
            type=r["type"],
            unit=r["unit"],
            default=r["default"],
            required=r["required"].strip().lower() == "yes",
            min=_num(r["min"]),
            max=_num(r["max"]),
            description=r["description"],
        )
        for r in rows
    )
    return TableSchema(table=table, attributes=attrs)


SCHEMAS: dict[str, TableSchema] = {t: _load(t) for t in TABLES}


def schema_markdown() -> str:
    """The documentation of every scenario table, generated from the schemas.

    Examples
    --------
    >>> "### `places.csv`" in schema_markdown()
    True
    """
    head = (
        "# Scenario tables\n\n"
        "A scenario is a folder with `scenario.yaml`, the CSV tables below and an optional\n"
        "`policies.yaml`. Every number carries a `source`: a citation, or\n"
        "`assumption: <reason>`. This page is generated from `src/isthmus/scenario/schema/`\n"
        "by `isthmus scenario schema`.\n\n"
    )
    return head + "\n".join(SCHEMAS[t].to_markdown() for t in TABLES)
