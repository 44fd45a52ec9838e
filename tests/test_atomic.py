"""Output paths checked before any work; atomic writes that leave nothing behind on any failure."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from isthmus.results import atomic
from isthmus.results.atomic import (
    OutputPathError,
    OutputWriteError,
    atomic_dir,
    atomic_file,
    check_out_dir,
    check_out_file,
)

CLI = [sys.executable, "-c", "from isthmus.cli import main; main()"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


# -- checks before any work -------------------------------------------------------------


def test_out_dir_that_is_a_file_or_under_a_file_is_refused(tmp_path):
    f = tmp_path / "afile"
    f.write_text("")
    with pytest.raises(OutputPathError, match="exists and is a file"):
        check_out_dir(f)
    with pytest.raises(OutputPathError, match="afile is a file, not a folder"):
        check_out_dir(f / "sub" / "deeper")
    assert check_out_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # a check creates nothing
    with pytest.raises(OutputPathError, match="is a folder"):
        check_out_file(tmp_path)


def test_unwritable_folder_is_refused(tmp_path, monkeypatch):
    # (the tests may run as root, for whom every folder is writable: simulate it)
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(
        atomic.os, "access", lambda p, mode: False if Path(p) == ro else real(p, mode)
    )
    with pytest.raises(OutputPathError, match="not writable"):
        check_out_dir(ro)
    with pytest.raises(OutputPathError, match="not writable"):
        check_out_dir(ro / "out")
    with pytest.raises(OutputPathError, match="not writable"):
        check_out_file(ro / "x.json")


# -- atomic writes ----------------------------------------------------------------------


def test_error_inside_the_block_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_dir(tmp_path / "out") as tmp:
            (tmp / "half.csv").write_text("x")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_disk_full_while_writing_is_one_clear_error_and_leaves_nothing(tmp_path):
    with pytest.raises(OutputWriteError, match="No space left on device"):
        with atomic_dir(tmp_path / "out") as tmp:
            (tmp / "a.csv").write_text("x")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_failed_final_move_leaves_no_temporary_folder(tmp_path, monkeypatch):
    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_move_into", full)
    with pytest.raises(OutputWriteError):
        with atomic_dir(tmp_path / "out") as tmp:
            (tmp / "a.csv").write_text("x")
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_gets_the_new_files_and_keeps_others(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    (out / "a.csv").write_text("old")
    with atomic_dir(out) as tmp:
        (tmp / "a.csv").write_text("new")
    assert (out / "a.csv").read_text() == "new" and (out / "keep.txt").read_text() == "mine"
    assert _leftovers(tmp_path) == []


def test_atomic_file_replaces_only_on_success(tmp_path):
    f = tmp_path / "x.json"
    f.write_text("old")
    with pytest.raises(ValueError):
        with atomic_file(f) as tmp:
            tmp.write_text("half")
            raise ValueError
    assert f.read_text() == "old" and _leftovers(tmp_path) == []
    with atomic_file(f) as tmp:
        tmp.write_text("new")
    assert f.read_text() == "new" and _leftovers(tmp_path) == []


def test_temporary_folder_of_a_killed_process_is_removed_by_the_next_write(tmp_path):
    # a process killed outright (SIGKILL) cannot clean up: the next write does
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    ).stdout.strip()
    stale = tmp_path / f".out.tmp-{dead}-abc123"
    stale.mkdir()
    (stale / "big.duckdb").write_text("x" * 1000)
    alive = tmp_path / f".out.tmp-{os.getpid()}-zzz999"  # ours: in use, must stay
    alive.mkdir()
    with atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a.csv").write_text("x")
    assert not stale.exists() and alive.exists()


def test_sigterm_during_a_write_removes_the_temporary_folder(tmp_path):
    code = textwrap.dedent(
        f"""
        import signal, sys, time
        from pathlib import Path
        from isthmus import cli
        from isthmus.results.atomic import atomic_dir
        signal.signal(signal.SIGTERM, cli._on_sigterm)
        with atomic_dir(Path({str(tmp_path / "out")!r})) as tmp:
            (tmp / "half.csv").write_text("x")
            print("ready", flush=True)
            time.sleep(60)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    assert _leftovers(tmp_path)  # the temporary folder exists while it writes
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


# -- the commands -----------------------------------------------------------------------


@pytest.mark.parametrize("cmd", ["run", "compare", "ensemble", "export", "scenario export"])
@pytest.mark.parametrize("where", ["file", "under a file"])
def test_commands_refuse_an_unusable_out_before_any_work(tmp_path, cmd, where):
    afile = tmp_path / "afile"
    afile.write_text("")
    out = afile if where == "file" else afile / "sub"
    store = tmp_path / "store"
    store.mkdir()
    (store / "results.duckdb").write_bytes(b"")
    args = {
        "run": ["run", "central-america", "--out", str(out)],
        "compare": ["compare", "central-america", "--seeds", "1", "--out", str(out)],
        "ensemble": ["ensemble", "central-america", "--runs", "50", "--out", str(out)],
        "export": ["export", str(store), "--out", str(out)],
        "scenario export": ["scenario", "export", "central-america", str(out)],
    }[cmd]
    t0 = time.perf_counter()
    r = subprocess.run(CLI + args, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    elapsed = time.perf_counter() - t0
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    msg = " ".join((r.stderr + r.stdout).split())
    assert "afile" in msg and ("is a file" in msg), msg
    assert len((r.stderr + r.stdout).strip().splitlines()) <= 3  # one short message
    assert elapsed < 30  # refused up front, not after a run (50 runs would take minutes)
    assert afile.read_text() == "" and _leftovers(tmp_path) == []


def test_disk_full_while_writing_a_run_gives_one_line_and_exit_1(cli, tmp_path, monkeypatch):
    import isthmus.results.store as store

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "write_run", full)
    out = tmp_path / "out"
    code, text = cli("run", "central-america", "--out", str(out), "-q")
    assert code == 1, text
    assert "No space left on device" in text and "Traceback" not in text
    assert not out.exists() and list(tmp_path.iterdir()) == []
