"""Helpers shared by the CLI commands: the console and progress bars.

Safe output writing (atomic folders, output-path checks) lives in
:mod:`isthmus.results.atomic`, below the experiments that also use it.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()


def progress_bar(transient: bool = True) -> Progress:
    """A rich progress bar with a count and the elapsed time (to stderr)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=transient,
    )
