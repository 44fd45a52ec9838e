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
    # each problem names the line of the field itself, not where its entry starts
    assert "colour" in out and "line 11" in out


# -- hostile and foreign files: bounded time and messages, encodings accepted -----------


def test_bom_and_crlf_are_accepted_in_every_table(scenario_copy: Path) -> None:
    """Excel's "CSV UTF-8" writes a byte-order mark, and Windows CRLF line ends."""
    from isthmus.scenario import load_scenario

    ref = load_scenario(scenario_copy)
    files = sorted(scenario_copy.glob("*.csv")) + sorted(scenario_copy.glob("*.yaml"))
    for f in files:
        text = f.read_text(encoding="utf-8")
        f.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    sc = load_scenario(scenario_copy)
    assert sc.hash() == ref.hash()
    for t, df in ref.tables.items():
        assert sc.tables[t].equals(df), t


def test_missing_column_is_reported_once_not_per_dependent_row(scenario_copy: Path, cli) -> None:
    f = scenario_copy / "places.csv"
    import csv
    import io

    rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"))))
    k = rows[0].index("lat")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:k] + r[k + 1 :] for r in rows])
    f.write_text(buf.getvalue(), encoding="utf-8")
    code, out = cli("scenario", "validate", str(scenario_copy))
    assert code == 2
    lines = out.strip().splitlines()
    assert lines == ["places.csv, line 1, column 'lat': missing column"], lines[:5]


def test_junk_table_is_refused_quickly_with_bounded_messages(scenario_copy: Path, tmp_path):
    import random
    import time

    rng = random.Random(1)
    with (scenario_copy / "places.csv").open("w", encoding="utf-8") as fh:
        fh.write("id,name,country,level,lat,lon,population,role,market,region_group,source\n")
        for i in range(300_000):
            fh.write(f"X{i},n,ZZZ,bad,{rng.random()},x,-1,r,,g,s\n")
    out = tmp_path / "out"
    t0 = time.perf_counter()
    p = _run(scenario_copy, out)
    assert time.perf_counter() - t0 < 30
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stdout) + len(p.stderr) < 100_000
    assert "stopped reading" in p.stderr and "more" in p.stderr
    assert "unknown place" not in p.stderr  # no cascade from the table that failed
    assert not out.exists()


def test_table_far_beyond_any_plausible_size_is_not_read(scenario_copy: Path, monkeypatch) -> None:
    from isthmus.scenario import ScenarioError, load_scenario, loader

    monkeypatch.setattr(loader, "MAX_TABLE_BYTES", 1000)
    with pytest.raises(ScenarioError) as ei:
        load_scenario(scenario_copy)
    msgs = [str(p) for p in ei.value.problems]
    assert any("links.csv" in m and "not read" in m for m in msgs), msgs
    assert not any("unknown place" in m for m in msgs)


def test_not_utf8_names_the_file(scenario_copy: Path, cli) -> None:
    f = scenario_copy / "actors.csv"
    f.write_bytes(f.read_bytes().replace(b"Zetas", b"Z\xe9tas"))
    code, out = cli("scenario", "validate", str(scenario_copy))
    assert code == 2 and "actors.csv" in out and "UTF-8" in out


def test_problem_messages_are_bounded() -> None:
    from isthmus.scenario import Problem, ScenarioError

    p = Problem("f.csv", 2, "c" * 1000, "x" * 10**6)
    assert len(str(p)) < 700
    e = ScenarioError([Problem("f.csv", i, None, "bad") for i in range(10_000)])
    assert len(str(e)) < 5000 and e.total == 10_000


def test_table_records_are_pandas_records() -> None:
    """The engine's fast row reader gives ``to_dict("records")``, value and type."""
    import math

    import numpy as np
    import pandas as pd

    from isthmus.scenario import load_scenario
    from isthmus.scenario.loader import _frame, table_records

    def same(x, y) -> bool:  # noqa: ANN001
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        return type(x) is type(y) and x == y

    sc = load_scenario("central-america")
    frames = list(sc.tables.values())
    frames.append(pd.DataFrame({"a": np.array([1, 2]), "b": [np.float64(1.5), None]}))
    frames.append(
        _frame({"x": np.array([np.nan, 2.0]), "s": np.array(["", "y"], dtype=object)}, ["x", "s"])
    )
    for df in frames:
        want, got = df.to_dict("records"), table_records(df)
        assert len(want) == len(got)
        for w, g in zip(want, got, strict=True):
            assert list(w) == list(g) and all(same(w[k], g[k]) for k in w)
