"""Validation errors that name the file, row, column and reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario or policy file.

    ``line`` is the 1-based line number in the file (the CSV header is line 1,
    so the first data row is line 2); ``None`` when the problem is about the
    whole file.
    """

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.reason}"


class ScenarioError(Exception):
    """Raised when a scenario or policy file is invalid. Carries *every* problem found.

    Examples
    --------
    >>> e = ScenarioError([Problem("links.csv", 3, "to", "unknown place 'X'")])
    >>> str(e)
    "1 problem in the scenario:\\n  links.csv, line 3, column 'to': unknown place 'X'"
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the scenario:"
        super().__init__("\n".join([head] + [f"  {p}" for p in self.problems]))
