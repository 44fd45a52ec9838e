"""Validation errors that name the file, row, column and reason."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

#: Longest reason kept in a problem: a hostile value must not make a megabyte-long message.
MAX_REASON = 500
#: Problems listed in the text of a :class:`ScenarioError` (the rest are counted).
MAX_LISTED = 50


class _BriefRepr(reprlib.Repr):
    """reprlib that also shortens dict and list subclasses (YAML mappings are one)."""

    def repr1(self, x: object, level: int) -> str:
        if isinstance(x, dict) and type(x) is not dict:
            return self.repr_dict(x, level)
        if isinstance(x, list) and type(x) is not list:
            return self.repr_list(x, level)
        return super().repr1(x, level)


def brief(value: object, limit: int = 80) -> str:
    """A value shortened for a message: at most ``limit`` characters.

    Examples
    --------
    >>> brief("x" * 100, 10)
    'xxxxxxx...'
    >>> brief([1, 2])
    '[1, 2]'
    """
    r = _BriefRepr()
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 6
    r.maxlevel = 3
    r.maxstring = r.maxother = limit
    text = value if isinstance(value, str) else r.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario or policy file.

    ``line`` is the 1-based line number in the file (the CSV header is line 1,
    so the first data row is line 2); ``None`` when the problem is about the
    whole file. A reason longer than :data:`MAX_REASON` characters is cut.
    """

    file: str
    line: int | None
    column: str | None
    reason: str

    def __post_init__(self) -> None:
        if len(self.reason) > MAX_REASON:
            object.__setattr__(self, "reason", self.reason[: MAX_REASON - 3] + "...")
        if self.column is not None and len(self.column) > 100:
            object.__setattr__(self, "column", self.column[:97] + "...")

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.reason}"


class ScenarioError(Exception):
    """Raised when a scenario or policy file is invalid. Carries the problems found.

    ``problems`` holds every problem found, or the first ones when reading was
    cut short (a junk file can hold millions); ``total`` counts them all when
    known. The message lists the first :data:`MAX_LISTED`.

    Examples
    --------
    >>> e = ScenarioError([Problem("links.csv", 3, "to", "unknown place 'X'")])
    >>> str(e)
    "1 problem in the scenario:\\n  links.csv, line 3, column 'to': unknown place 'X'"
    >>> e = ScenarioError([Problem("a.csv", i, None, "bad") for i in range(60)])
    >>> str(e).splitlines()[-1]
    '  ... and 10 more'
    """

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = max(len(self.problems), total or 0)
        n = self.total
        head = f"{n} problem{'s' if n != 1 else ''} in the scenario:"
        lines = [head] + [f"  {p}" for p in self.problems[:MAX_LISTED]]
        if n > MAX_LISTED:
            lines.append(f"  ... and {n - MAX_LISTED} more")
        super().__init__("\n".join(lines))
