"""Fuzz: random mutations of the default scenario never give a traceback or partial results.

Each example mutates one to three files (cells, lines, headers; YAML anchors, aliases,
tags and nesting; byte-order marks, CRLF, other encodings, NUL bytes) and runs the
scenario with ``--out`` pointing at a new folder, an existing one, a file or a path
under a file. Either the run succeeds, or it fails with a validation error (or, for
an unusable ``--out``, an output-path error) and leaves no results and no temporary
folder behind.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from isthmus.results.atomic import OutputPathError
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
        "\ufeff",
        "\r",
        "&a [MX-TAM]",
        "*a",
        "*nowhere",
        "!!python/object/apply:os.system [ls]",
        "<<: *a",
        "{a: &b [*b]}",
    ]
)
# YAML constructs a hostile or careless file may hold, inserted as whole lines
YAML_LINES = st.sampled_from(
    [
        "x: &a [MX-TAM, MX-TAM]",
        "y: *a",
        "- &e {type: anti_corruption, start: 2008-01, target: {country: GTM}, size: 0.1}",
        "- *e",
        "  target: &t {places: [GT-PE]}",
        "  target: *t",
        "- &r [*r]",
        "z: " + "[" * 200 + "]" * 200,
        "- !!python/object/apply:os.system [ls]",
        "- !!binary aGVsbG8=",
        "b: &b0 [x, x, x, x, x, x, x, x, x, x]",
        "c: &b1 [*b0, *b0, *b0, *b0, *b0, *b0, *b0, *b0, *b0, *b0]",
        "d: &b2 [*b1, *b1, *b1, *b1, *b1, *b1, *b1, *b1, *b1, *b1]",
        "e: &b3 [*b2, *b2, *b2, *b2, *b2, *b2, *b2, *b2, *b2, *b2]",
        "f: &b4 [*b3, *b3, *b3, *b3, *b3, *b3, *b3, *b3, *b3, *b3]",
        "g: &b5 [*b4, *b4, *b4, *b4, *b4, *b4, *b4, *b4, *b4, *b4]",
    ]
)
ENCODINGS = st.sampled_from(["utf-8", "bom", "crlf", "bom+crlf", "latin-1", "utf-16", "nul"])
# mostly a new folder, so that most examples test the input rather than the path
OUT_KINDS = st.sampled_from(["new"] * 4 + ["nested", "existing", "file", "under_file"])

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


def _encode(text: str, how: str) -> bytes:
    """The file's bytes in one of the encodings users (and their tools) produce."""
    if how in ("crlf", "bom+crlf"):
        text = text.replace("\n", "\r\n")
    if how == "latin-1":
        return (text + "# Peten, Chiriqui, Bocas\n").encode("utf-8").replace(b"e", b"\xe9", 3)
    if how == "utf-16":
        return text.encode("utf-16")
    data = text.encode("utf-8", errors="surrogatepass")
    if how == "nul":
        return data[: len(data) // 2] + b"\x00" + data[len(data) // 2 :]
    return (b"\xef\xbb\xbf" if how.startswith("bom") else b"") + data


def _mutate(path: Path, data) -> None:  # noqa: ANN001
    try:
        lines = path.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError:  # an earlier mutation changed its encoding: leave it so
        return
    ops = ["cell", "drop_line", "dup_line", "truncate", "header", "empty", "junk_line"]
    ops += ["encoding"] + (["yaml"] if path.suffix == ".yaml" else [])
    op = data.draw(st.sampled_from(ops))
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
    elif op == "yaml":
        for _ in range(data.draw(st.integers(1, 6))):
            lines.insert(data.draw(st.integers(0, len(lines))), data.draw(YAML_LINES))
    elif op == "encoding":
        text = "\n".join(lines) + ("\n" if lines else "")
        path.write_bytes(_encode(text, data.draw(ENCODINGS)))
        return
    else:
        lines.insert(i, data.draw(st.text(max_size=30)))
    text = "\n".join(lines) + ("\n" if lines else "")
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))


def _out_path(root: Path, kind: str) -> tuple[Path, Path | None]:
    """The --out to use and, for an unusable one, the file in the way."""
    if kind == "new":
        return root / "out", None
    if kind == "nested":
        return root / "a" / "b" / "out", None
    if kind == "existing":
        (root / "out").mkdir()
        (root / "out" / "notes.txt").write_text("mine")
        return root / "out", None
    (root / "afile").write_text("mine")
    return (
        (root / "afile", root / "afile")
        if kind == "file"
        else (
            root / "afile" / "out",
            root / "afile",
        )
    )


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "sc" not in p.relative_to(root).parts[:1]
    }


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
    kind = data.draw(OUT_KINDS)
    out, in_the_way = _out_path(root, kind)
    before = _snapshot(root)
    res = CliRunner().invoke(app, ["run", str(sc), "--out", str(out), "-q"], catch_exceptions=True)
    exc = res.exception
    event(f"--out {kind}: {type(exc).__name__ if exc else 'ok'}")
    leftovers = [p for p in root.rglob("*") if ".tmp-" in p.name]
    assert not leftovers, f"temporary files left: {leftovers}"
    if in_the_way is not None:
        # an unusable --out is refused before anything else, whatever the input
        assert isinstance(exc, OutputPathError), f"unexpected {type(exc).__name__}: {exc}"
        assert in_the_way.name in str(exc) and len(str(exc)) < 500
        assert _snapshot(root) == before, "a refused --out changed files"
        return
    if exc is None or (isinstance(exc, SystemExit) and exc.code == 0):
        assert (out / "indicators_annual.csv").exists()
        return
    assert isinstance(exc, ScenarioError), f"unexpected {type(exc).__name__}: {exc}"
    assert exc.problems and all(p.file and p.reason for p in exc.problems)
    assert len(str(exc)) < 50_000, "the message is not bounded"
    assert _snapshot(root) == before, "a failed run left results behind"
    if kind in ("new", "nested"):
        assert not out.exists() and not (root / "a").exists(), "a failed run created --out"
