"""Writing result folders atomically: all the files, or none.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> with atomic_dir(d) as tmp:
...     _ = (tmp / "a.csv").write_text("x\\n1\\n")
>>> sorted(p.name for p in d.iterdir())
['a.csv']
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


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
