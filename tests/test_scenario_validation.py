"""Bad input never crashes and never corrupts: each problem gets its own message and exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ISTHMUS = [sys.executable, "-m", "isthmus"]


def _set_cell(path: Path, line: int, column: str, value: str) -> None:
    rows = path.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    k = header.index(column)
    import csv
    import io

    rec = next(csv.reader(io.StringIO(rows[line - 1])))
    rec[k] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(rec)
    rows[line - 1] = buf.getvalue()
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _run(sc: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ISTHMUS, "run", str(sc), "--out", str(out), "-q"], capture_output=True, text=True
    )


CASES = {
    "missing column": (
        lambda d: (d / "links.csv").write_text(
            "\n".join(
                ",".join(r.split(",")[:1] + r.split(",")[2:])
                for r in (d / "links.csv").read_text().splitlines()
            )
            + "\n"
        ),
        ["links.csv", "column 'to'", "missing column"],
    ),
    "unknown place": (
        lambda d: _set_cell(d / "links.csv", 5, "to", "NOWHERE_XYZ"),
        ["links.csv, line 5", "unknown place 'NOWHERE_XYZ'"],
    ),
    "negative capacity": (
        lambda d: _set_cell(d / "links.csv", 7, "capacity_t_per_month", "-5"),
        ["links.csv, line 7", "capacity_t_per_month", "below the minimum"],
    ),
    "bad date": (
        lambda d: _set_cell(d / "series.csv", 3, "date", "2006-13"),
        ["series.csv, line 3", "not a valid month"],
    ),
    "non-numeric": (
        lambda d: _set_cell(d / "places.csv", 4, "population", "many"),
        ["places.csv, line 4", "population", "not a number"],
    ),
    "duplicate id": (
        lambda d: (d / "places.csv").write_text(
            (d / "places.csv").read_text() + (d / "places.csv").read_text().splitlines()[3] + "\n"
        ),
        ["places.csv", "duplicate id"],
    ),
    "empty file": (
        lambda d: (d / "countries.csv").write_text(""),
        ["countries.csv", "file is empty"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exit_2_with_clear_message(
    case: str, scenario_copy: Path, tmp_path: Path
) -> None:
    mutate, needles = CASES[case]
    mutate(scenario_copy)
    out = tmp_path / "out"
    p = _run(scenario_copy, out)
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    text = p.stdout + p.stderr
    assert "Traceback" not in text
    for n in needles:
        assert n in text, (n, text)
    assert not out.exists(), "a failed run must leave no results"


def test_every_problem_is_reported(scenario_copy: Path, cli) -> None:
    _set_cell(scenario_copy / "links.csv", 2, "to", "NOWHERE_A")
    _set_cell(scenario_copy / "links.csv", 9, "length_km", "far")
    _set_cell(scenario_copy / "places.csv", 5, "lat", "123")
    code, out = cli("scenario", "validate", str(scenario_copy))
    assert code == 2
    assert "NOWHERE_A" in out and "'far' is not a number" in out and "above the maximum" in out


def test_unknown_parameter_names_file_and_line(scenario_copy: Path, cli) -> None:
    with (scenario_copy / "parameters.csv").open("a") as fh:
        fh.write("routes,thetaa,3,1,,,assumption: typo\n")
    code, out = cli("scenario", "validate", str(scenario_copy))
    assert code == 2 and "parameters.csv" in out and "routes.thetaa" in out


def test_policy_errors_name_file_and_line(scenario_copy: Path, cli) -> None:
    (scenario_copy / "policies.yaml").write_text(
        "- type: interdiction_surge\n  start: 2005-01\n  target: {country: MEX}\n  size: 0.5\n"
        "- type: teleport_drugs\n  start: 2005-01\n"
        "- type: interdiction_surge\n  start: 2005-01\n  target: {country: ATLANTIS}\n  size: 0.5\n  colour: red\n"
    )
    code, out = cli("scenario", "validate", str(scenario_copy))
    assert code == 2
    assert "policies.yaml, line 5" in out and "unknown intervention type 'teleport_drugs'" in out
    assert "colour" in out and "line 7" in out
