"""The engine's small interface to interventions (levers).

The engine never imports the policy package: it knows an intervention only as a
:class:`Lever` (a start and end month, a ``step`` hook the state step calls, a way to
check its targets and to write itself back to YAML), and it turns a scenario's
``policies.yaml`` specs into levers with the parser registered here. The package
:mod:`isthmus.policy` registers its parser when it is imported; a Sim built before
anything imported it loads :data:`DEFAULT_PROVIDER` by name.

What a lever may read and write is the simulation's public state (``sim.net``,
``sim.state`` and its ``levers`` namespace, ``sim.scenario``, ``sim.pars``,
``sim.module(name)``): :class:`SimView` lists it for type checkers.

Examples
--------
>>> from isthmus.engine.levers import parse_levers
>>> lv = parse_levers([{"type": "interdiction_surge", "start": "2006-12",
...                     "target": {"country": "MEX"}, "size": 0.5}], "policies.yaml")
>>> lv[0].kind, lv[0].start
('interdiction_surge', '2006-12')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

#: Module that provides the intervention types when none has registered a parser.
DEFAULT_PROVIDER = "isthmus.policy"


class SimView(Protocol):
    """What a lever sees of a running simulation."""

    net: Any
    state: Any
    scenario: Any
    pars: dict[str, dict[str, float]]
    n_months: int

    def module(self, name: str) -> Any: ...


@runtime_checkable
class Lever(Protocol):
    """An intervention as the engine sees it."""

    kind: str
    start: str
    end: str | None
    name: str
    source: str
    late: bool

    def months(self, sim: SimView) -> tuple[int, int]: ...

    def active(self, sim: SimView, t: int) -> bool: ...

    def init(self, sim: SimView) -> None: ...

    def step(self, sim: SimView, t: int) -> None: ...

    def validate_targets(self, sim: SimView, file: str, line: int | None) -> list: ...

    def to_dict(self) -> dict[str, Any]: ...


_PARSER: list[Callable[[list[Any], str], list[Lever]]] = []


def register_parser(fn: Callable[[list[Any], str], list[Lever]]) -> None:
    """Register the function that turns YAML-style specs into levers."""
    _PARSER[:] = [fn]


def parse_levers(specs: list[Any], file: str) -> list[Lever]:
    """Levers from a scenario's policy specs (objects that are already levers pass)."""
    if not _PARSER:
        importlib.import_module(DEFAULT_PROVIDER)  # registers its parser on import
    return _PARSER[0](specs, file)
