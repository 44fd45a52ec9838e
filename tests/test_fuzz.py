"""Fuzz: random mutations of the default scenario never give a traceback or partial results."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from isthmus.scenario import ScenarioError, export_scenario

N_EXAMPLES = int(os.environ.get("ISTHMUS_FUZZ_EXAMPLES", "500"))
FILES = [
    "places.csv",
    "links.csv",
    "countries.csv",
    "series.csv",
    "parameters.csv",
    "policies.yaml",
    "scenario.yaml",
]
JUNK = st.sampled_from(
    [
        "",
        "-1",
        "abc",
        "1e999",
        "nan",
        "NaN",
        "2006-13",
        "0",
        "\u00e9\u00e8",
        '"',
        ",",
        "  ",
        "999999999",
        "MX-XXX",
        "land",
        "{",
        "- ",
        ": :",
        "\x00",
        "2000-01",
    ]
)

_BASE: list[Path] = []


def _base(tmp_root: Path) -> Path:
    if not _BASE:
        d = tmp_root / "base"
        export_scenario("central-america", d)
        # A one-year period keeps each example fast; the tables are the default's.
        text = (d / "scenario.yaml").read_text().replace("end: 2015-12", "end: 2000-12")
        (d / "scenario.yaml").write_text(text)
        _BASE.append(d)
    return _BASE[0]


def _mutate(path: Path, data) -> None:  # noqa: ANN001
    lines = path.read_text(encoding="utf-8").splitlines()
    op = data.draw(
        st.sampled_from(
            ["cell", "drop_line", "dup_line", "truncate", "header", "empty", "junk_line"]
        )
    )
    if not lines:
        lines = [""]
    i = data.draw(st.integers(0, len(lines) - 1))
    if op == "cell":
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1))
        cells[j] = data.draw(JUNK)
        lines[i] = ",".join(cells)
    elif op == "drop_line":
        del lines[i]
    elif op == "dup_line":
        lines.insert(i, lines[i])
    elif op == "truncate":
        lines = lines[:i]
    elif op == "header":
        cells = lines[0].split(",")
        cells[data.draw(st.integers(0, len(cells) - 1))] = data.draw(
            st.sampled_from(["", "x", "id", "to"])
        )
        lines[0] = ",".join(cells)
    elif op == "empty":
        lines = []
    else:
        lines.insert(i, data.draw(st.text(max_size=30)))
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


@settings(max_examples=N_EXAMPLES, deadline=None, derandomize=True)
@given(data=st.data())
def test_fuzzed_scenarios_fail_cleanly(tmp_path_factory, data) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from isthmus.cli import app

    root = tmp_path_factory.mktemp("fz")
    sc = root / "sc"
    shutil.copytree(_base(tmp_path_factory.getbasetemp()), sc)
    for _ in range(data.draw(st.integers(1, 3))):
        _mutate(sc / data.draw(st.sampled_from(FILES)), data)
    out = root / "out"
    res = CliRunner().invoke(app, ["run", str(sc), "--out", str(out), "-q"], catch_exceptions=True)
    exc = res.exception
    if exc is None or (isinstance(exc, SystemExit) and exc.code == 0):
        assert (out / "indicators_annual.csv").exists()
        return
    assert isinstance(exc, ScenarioError), f"unexpected {type(exc).__name__}: {exc}"
    assert exc.problems and all(p.file and p.reason for p in exc.problems)
    assert not out.exists(), "a failed run left results behind"
