"""Declared parameters, with defaults, units, ranges and sources (as in Starsim)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """A module parameter.

    Examples
    --------
    >>> p = Param(0.3, "1/month", 0.1, 0.6, "assumption: adaptation within months")
    >>> p.default
    0.3
    """

    default: float
    unit: str
    low: float | None = None
    high: float | None = None
    source: str = ""
    description: str = ""
