"""Panels of the dashboard: one module per tab, registered by name.

A panel module defines ``TITLE`` (the tab's label) and ``render(ctx)``, which
draws the tab with Streamlit from a :class:`Context`. :data:`PANELS` lists
the modules in tab order; a new panel (e.g. an "Optimise" tab) is a new
module in this package and one more name in :data:`PANELS`.

Examples
--------
>>> [p.TITLE for p in load_panels()]
['Maps', 'Charts', 'Findings', 'Data', 'Optimise']
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..rundata import RunData

#: Panel modules of this package, in tab order.
PANELS: list[str] = ["maps", "charts", "findings", "data", "optimize"]


@dataclass
class Context:
    """What a panel draws from.

    Attributes
    ----------
    spec : str
        Scenario name or folder.
    seed, seeds : int
        Base seed and number of replicates.
    shipped : RunData
        The scenario as shipped (with its own dated policies).
    run : RunData or None
        The run with the levers, when one has been made for the current scenario and seeds.
    policies : list of dict
        The levers of ``run`` (policy dicts).
    span : tuple of int
        Years the levers act in (the effects' period).
    topo : str or None
        Where the browser finds plotly's base maps (None: maps cannot be drawn).
    years : tuple of int
        Years shown on the maps (set by the maps panel's slider).
    """

    spec: str
    seed: int
    seeds: int
    shipped: RunData
    run: RunData | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)
    span: tuple[int, int] = (2007, 2012)
    topo: str | None = None
    years: tuple[int, int] = (2007, 2012)

    @property
    def shown(self) -> RunData:
        """The run the panels show: with the levers if there is one, else as shipped."""
        return self.run if self.run is not None else self.shipped

    @property
    def compared(self) -> RunData | None:
        """What the shown run is compared with (None without levers)."""
        return self.shipped if self.run is not None else None


def load_panels(names: list[str] | None = None) -> list[ModuleType]:
    """The panel modules, in tab order."""
    return [importlib.import_module(f"{__name__}.{n}") for n in (names or PANELS)]
