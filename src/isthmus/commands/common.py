"""Helpers shared by the CLI commands: progress bars and atomic output folders."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


@contextlib.contextmanager
def atomic_dir(dest: Path | str) -> Iterator[Path]:
    """Write into a temporary folder and move its files into ``dest`` only on success.

    If anything fails inside the block, ``dest`` is left untouched: no partial
    results are ever written.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    dest.mkdir(parents=True, exist_ok=True)
    for f in tmp.iterdir():
        target = dest / f.name
        if target.is_dir():
            shutil.rmtree(target)
        f.replace(target)
    shutil.rmtree(tmp, ignore_errors=True)
