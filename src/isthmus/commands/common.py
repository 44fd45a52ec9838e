"""Helpers shared by the CLI commands: progress bars and atomic output folders
(:func:`atomic_dir` lives in :mod:`isthmus.results.files`; it is re-exported here)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..results.files import atomic_dir

__all__ = ["atomic_dir", "console", "progress_bar"]

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
