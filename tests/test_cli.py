"""The CLI end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd


def test_run_writes_indicators_and_duckdb(tmp_path: Path) -> None:
    out = tmp_path / "run"
    p = subprocess.run(
        [sys.executable, "-m", "isthmus", "run", "--out", str(out), "--seed", "3"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    assert "Cocaine flow by year" in p.stdout and "Step order" in p.stdout
    ia = pd.read_csv(out / "indicators_annual.csv")
    assert list(ia.columns) == ["indicator", "region", "year", "value", "unit"]
    for name in (
        "supply_t",
        "flow_t",
        "us_bound_share",
        "entering_mexico_share",
        "seized_t",
        "seizure_share",
        "delivered_t",
    ):
        assert (ia["indicator"] == name).any(), name
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    assert con.execute("select seed from runs").fetchone()[0] == 3
    assert con.execute("select count(*) from indicators_monthly").fetchone()[0] > len(ia)


def test_same_seed_same_files(tmp_path: Path, cli) -> None:
    for k in (1, 2):
        code, _ = cli("run", "--out", str(tmp_path / f"r{k}"), "--seed", "4", "-q")
        assert code == 0
    assert (tmp_path / "r1/indicators_annual.csv").read_bytes() == (
        tmp_path / "r2/indicators_annual.csv"
    ).read_bytes()


def test_scenario_list_export_run_roundtrip(tmp_path: Path, cli) -> None:
    code, out = cli("scenario", "list")
    assert code == 0 and "central-america" in out
    dest = tmp_path / "mine"
    code, _ = cli("scenario", "export", "central-america", str(dest))
    assert code == 0 and (dest / "links.csv").exists()
    code, _ = cli("run", str(dest), "--out", str(tmp_path / "o"), "-q")
    assert code == 0 and (tmp_path / "o" / "indicators_annual.csv").exists()
    # exporting onto a non-empty folder is refused with exit 2
    code, out = cli("scenario", "export", "central-america", str(dest))
    assert code == 2 and "not empty" in out


def test_schema_docs_generated_from_schema(cli) -> None:
    code, out = cli("scenario", "schema")
    assert code == 0 and "capacity_t_per_month" in out and "t/month" in out


def test_import_and_help_load_no_heavy_library() -> None:
    """`import isthmus` and `isthmus --help` stay light: the heavy libraries load where used."""
    heavy = ("pandas", "scipy", "plotly", "duckdb", "streamlit", "dask", "SALib", "pyarrow")
    code = (
        "import sys, isthmus; from isthmus.cli import app; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == ""
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "isthmus", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0 and "report" in p.stdout
    loaded = {line.split("|")[-1].strip() for line in p.stderr.splitlines() if "|" in line}
    assert not loaded & set(heavy), loaded & set(heavy)
    # the lazy names still work
    p = subprocess.run(
        [sys.executable, "-c", "import isthmus; print(isthmus.Sim.__name__, isthmus.load_scenario)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0 and p.stdout.startswith("Sim ")


def test_serve_on_a_busy_port_says_so_before_any_url() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = subprocess.run(
            [sys.executable, "-m", "isthmus", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert p.returncode != 0
    assert "in use" in p.stderr and "--port" in p.stderr
    assert "http://" not in p.stdout + p.stderr  # no URL printed
    assert "Traceback" not in p.stderr
