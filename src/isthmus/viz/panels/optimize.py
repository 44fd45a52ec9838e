"""The Optimise tab: where should the region put its interdiction effort?

Status quo, each country alone and one regional plan, with the same optimiser
and budget (``isthmus optimize``); see :mod:`isthmus.viz.optimize_panel`.
"""

from __future__ import annotations

from ..optimize_panel import TITLE, render

__all__ = ["TITLE", "render"]
