"""Safe output writing: check an output path before any work, write atomically, leave nothing behind.

Every command that writes results goes through these helpers:

- :func:`check_out_dir` / :func:`check_out_file` refuse an unusable output path
  (it is a file, it lies under a file, its folder is not writable) *before* any
  simulation starts, with :class:`OutputPathError` (the CLI prints one line and
  exits 2).
- :func:`atomic_dir` and :func:`atomic_file` write into a temporary sibling and
  move the result into place only on success. On every failure path (an error,
  Ctrl-C, SIGTERM, a failed final move) the temporary folder is removed; folders
  left by a process that was killed outright (SIGKILL) are removed by the next
  write to the same place. A write that fails because of the system (disk full,
  permissions) raises :class:`OutputWriteError` (the CLI prints one line and exits 1).

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_dir(root / "out") as tmp:
...     _ = (tmp / "a.csv").write_text("x\\n1\\n")
>>> sorted(p.name for p in root.iterdir())
['out']
>>> _ = (root / "afile").write_text("")
>>> check_out_dir(root / "afile" / "sub")
Traceback (most recent call last):
...
isthmus.results.atomic.OutputPathError: --out .../afile/sub: .../afile is a file, not a folder
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "OutputError",
    "OutputPathError",
    "OutputWriteError",
    "atomic_dir",
    "atomic_file",
    "check_out_dir",
    "check_out_file",
    "describe_os_error",
]


class OutputError(Exception):
    """An output path cannot be used or written; the message is one line for the user."""

    exit_code = 1


class OutputPathError(OutputError):
    """The output path is unusable (found before any work): a usage error, exit code 2."""

    exit_code = 2


class OutputWriteError(OutputError):
    """Writing failed (disk full, permissions, a locked file): exit code 1."""

    exit_code = 1


#: Reasons users can act on, found inside the longer messages of DuckDB and shutil.
_KNOWN_REASONS = (
    "No space left on device",
    "Disk quota exceeded",
    "Read-only file system",
    "Permission denied",
    "File name too long",
)


def describe_os_error(exc: BaseException) -> str:
    """A short reason for an error while writing, e.g. ``No space left on device``.

    Works for ``OSError``, ``shutil.Error`` (a list of failed copies) and DuckDB's
    I/O errors (whose text may hold a JSON record).

    Examples
    --------
    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device"))
    'No space left on device'
    >>> describe_os_error(RuntimeError('IO Error: Could not write "x": No space left on device'))
    'No space left on device'
    """
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    for reason in _KNOWN_REASONS:
        if reason in text:
            return reason
    lines = text.strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def _is_write_error(exc: BaseException) -> bool:
    """True for errors caused by the system while writing, not by a bug."""
    if isinstance(exc, OSError):
        return True
    duckdb = sys.modules.get("duckdb")  # only if it is in use: never import it for this
    if duckdb is not None:
        io_errors = tuple(
            c
            for c in (
                getattr(duckdb, "IOException", None),
                getattr(duckdb, "PermissionException", None),
            )
            if c is not None
        )
        if io_errors and isinstance(exc, io_errors):
            return True
    return False


def _existing_ancestor(path: Path) -> Path:
    p = path
    while not p.exists() and not p.is_symlink():
        if p.parent == p:
            break
        p = p.parent
    return p


def _check_parent_chain(path: Path, label: str) -> None:
    """Refuse a path that lies under a file or whose nearest existing folder is not writable."""
    anc = _existing_ancestor(path.parent if path.parent != path else path)
    if anc.exists() and not anc.is_dir():
        raise OutputPathError(f"{label} {path}: {anc} is a file, not a folder")
    if anc.exists() and not os.access(anc, os.W_OK | os.X_OK):
        raise OutputPathError(f"{label} {path}: the folder {anc} is not writable")


def check_out_dir(path: Path | str, label: str = "--out") -> Path:
    """Check, before any work, that ``path`` can become (or already is) an output folder.

    Raises
    ------
    OutputPathError
        If ``path`` is an existing file, lies under a file, or cannot be
        created or written for lack of permission.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_out_dir(d / "new" / "deeper") == d / "new" / "deeper"
    True
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise OutputPathError(f"{label} {path}: exists and is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputPathError(f"{label} {path}: the folder is not writable")
        return path
    _check_parent_chain(path, label)
    return path


def check_out_file(path: Path | str, label: str = "--out") -> Path:
    """Check, before any work, that a file can be written at ``path``.

    Raises
    ------
    OutputPathError
        If ``path`` is a folder, lies under a file, or its folder is not writable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_out_file(d / "report.html") == d / "report.html"
    True
    """
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{label} {path}: is a folder, not a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{label} {path}: the file is not writable")
    _check_parent_chain(path, label)
    return path


_TMP_RE = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)-[A-Za-z0-9_]+$")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _sweep_stale(parent: Path, name: str) -> None:
    """Remove temporary siblings of ``name`` left by processes that no longer exist."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for p in entries:
        m = _TMP_RE.match(p.name)
        if m and m.group("name") == name and not _pid_alive(int(m.group("pid"))):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    p.unlink()


def _mkdirs(path: Path, label: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputPathError(f"{label} {path}: a file is in the way") from None
    except OSError as exc:
        raise OutputPathError(
            f"{label} {path}: cannot create it: {describe_os_error(exc)}"
        ) from None


@contextlib.contextmanager
def atomic_dir(dest: Path | str, label: str = "--out") -> Iterator[Path]:
    """Write into a temporary folder and move its files into ``dest`` only on success.

    If ``dest`` does not exist, the temporary folder is renamed to it in one
    step; if it exists, each file replaces its namesake. Whatever fails inside
    the block or during the move, the temporary folder is removed and ``dest``
    keeps no partial results. OS errors while writing (disk full, permissions)
    come out as :class:`OutputWriteError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     with atomic_dir(root / "out") as tmp:
    ...         _ = (tmp / "half.csv").write_text("x")
    ...         raise RuntimeError("boom")
    ... except RuntimeError:
    ...     pass
    >>> list(root.iterdir())
    []
    """
    dest = Path(dest)
    check_out_dir(dest, label)
    _mkdirs(dest.parent, label)
    _sweep_stale(dest.parent, dest.name)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-{os.getpid()}-", dir=dest.parent))
    except OSError as exc:
        raise OutputWriteError(
            f"cannot write {dest}: {describe_os_error(exc)} (in {dest.parent})"
        ) from None
    try:
        try:
            yield tmp
            _move_into(tmp, dest)
        except BaseException as exc:
            if _is_write_error(exc):
                raise OutputWriteError(
                    f"cannot write {dest}: {describe_os_error(exc)}; nothing was written"
                ) from exc
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_into(tmp: Path, dest: Path) -> None:
    if not dest.exists():
        try:
            tmp.rename(dest)  # one step: dest appears whole or not at all
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if not dest.is_dir():
        raise OutputPathError(f"--out {dest}: exists and is a file, not a folder")
    for f in tmp.iterdir():
        target = dest / f.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        f.replace(target)


@contextlib.contextmanager
def atomic_file(dest: Path | str, label: str = "--out") -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; it replaces ``dest`` only on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_file(d / "x.json") as tmp:
    ...     _ = tmp.write_text("{}")
    >>> sorted(p.name for p in d.iterdir())
    ['x.json']
    """
    dest = Path(dest)
    check_out_file(dest, label)
    _mkdirs(dest.parent, label)
    _sweep_stale(dest.parent, dest.name)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.tmp-{os.getpid()}-", dir=dest.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputWriteError(f"cannot write {dest}: {describe_os_error(exc)}") from None
    tmp = Path(name)
    try:
        try:
            yield tmp
            tmp.replace(dest)
        except BaseException as exc:
            if _is_write_error(exc):
                raise OutputWriteError(
                    f"cannot write {dest}: {describe_os_error(exc)}; nothing was written"
                ) from exc
            raise
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
