"""Loading and validating scenario folders.

A scenario is a folder of CSV tables (see :mod:`isthmus.scenario.schema`), a
``scenario.yaml`` with its name and period, and an optional ``policies.yaml``.
:func:`load_scenario` validates everything and raises :class:`ScenarioError`
with *every* problem found (file, line, column, reason), so a user can fix a
file in one pass. A scenario that fails validation never starts a run.

Examples
--------
>>> from isthmus.scenario import load_scenario
>>> sc = load_scenario("central-america")
>>> sc.name, sc.start, sc.end
('central-america', (2000, 1), (2015, 12))
>>> sc.n_months
192
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import math
import os
import re
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem, ScenarioError
from .schema import REQUIRED_TABLES, SCHEMAS, TABLES, TableSchema
from .yamlio import LINE_KEY, load_yaml, strip_lines

DATE_RE = re.compile(r"^(\d{4})-(\d{2})$")
#: Problems collected from one table before reading it stops (a junk file can hold millions).
MAX_TABLE_PROBLEMS = 200
#: Largest table file read, in bytes: far beyond any plausible scenario (the default's
#: largest table is 0.4 MB), small enough to refuse a wrong file before parsing it.
MAX_TABLE_BYTES = 256 * 1024 * 1024
BOM = "\ufeff"
ID_TABLES = {"places": ("id",), "countries": ("id",), "actors": ("id",)}
KEY_TABLES = {
    "links": ("from", "to", "mode"),
    "parameters": ("module", "name"),
    "control": ("place", "actor"),
    "series": ("series", "region", "date"),
}


def parse_month(text: str) -> tuple[int, int] | None:
    """Parse ``YYYY-MM`` into ``(year, month)``; ``None`` if malformed.

    Examples
    --------
    >>> parse_month("2006-12")
    (2006, 12)
    >>> parse_month("2006-13") is None
    True
    """
    m = DATE_RE.match(str(text).strip())
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12 or not 1900 <= y <= 2200:
        return None
    return (y, mo)


def month_index(ym: tuple[int, int], start: tuple[int, int]) -> int:
    """Months elapsed from ``start`` to ``ym`` (may be negative)."""
    return (ym[0] - start[0]) * 12 + (ym[1] - start[1])


@dataclass
class Scenario:
    """A validated scenario: data only, no algorithms (the engine compiles it).

    Attributes
    ----------
    name : str
        Scenario name from ``scenario.yaml``.
    tables : dict of str to pandas.DataFrame
        The component tables, typed according to their schema.
    policies : list of dict
        Raw intervention specs from ``policies.yaml`` (parsed by
        :mod:`isthmus.policy`), each with a ``__line__`` for error messages.
    """

    name: str
    title: str
    start: tuple[int, int]
    end: tuple[int, int]
    tables: dict[str, pd.DataFrame]
    policies: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    policy_file: str = "policies.yaml"

    @property
    def n_months(self) -> int:
        return month_index(self.end, self.start) + 1

    @property
    def places(self) -> pd.DataFrame:
        return self.tables["places"]

    @property
    def links(self) -> pd.DataFrame:
        return self.tables["links"]

    @property
    def countries(self) -> pd.DataFrame:
        return self.tables["countries"]

    @property
    def series(self) -> pd.DataFrame:
        return self.tables["series"]

    @property
    def parameters(self) -> pd.DataFrame:
        return self.tables["parameters"]

    @property
    def actors(self) -> pd.DataFrame:
        return self.tables["actors"]

    @property
    def control(self) -> pd.DataFrame:
        return self.tables["control"]

    def copy(self) -> Scenario:
        """A deep copy that can be edited without touching the original."""
        return Scenario(
            name=self.name,
            title=self.title,
            start=self.start,
            end=self.end,
            tables={k: v.copy(deep=True) for k, v in self.tables.items()},
            policies=copy.deepcopy(self.policies),
            meta=copy.deepcopy(self.meta),
            path=self.path,
            policy_file=self.policy_file,
        )

    def param(self, module: str, name: str) -> float | None:
        """The scenario's value for a module parameter, or ``None`` if not set."""
        p = self.parameters
        hit = p[(p["module"] == module) & (p["name"] == name)]
        return None if hit.empty else float(hit["value"].iloc[0])

    def set_param(self, module: str, name: str, value: float, source: str = "") -> None:
        """Set (or add) a module parameter in the parameters table."""
        p = self.tables["parameters"]
        mask = (p["module"] == module) & (p["name"] == name)
        if mask.any():
            p.loc[mask, "value"] = float(value)
            if source:
                p.loc[mask, "source"] = source
        else:
            row = {c: None for c in p.columns}
            row.update(module=module, name=name, value=float(value), unit="", source=source)
            self.tables["parameters"] = pd.concat([p, pd.DataFrame([row])], ignore_index=True)

    def hash(self) -> str:
        """A content hash of the scenario (tables, period and policies)."""
        h = hashlib.sha256()
        h.update(f"{self.name}|{self.start}|{self.end}".encode())
        for t in TABLES:
            if t not in self.tables:  # an optional table a scenario built in code leaves out
                continue
            h.update(t.encode())
            h.update(self.tables[t].to_csv(index=False).encode())
        h.update(repr(strip_lines(self.policies)).encode())
        return h.hexdigest()[:16]


# ---------------------------------------------------------------------------
# shipped scenarios


def shipped_root() -> Path:
    """Folder holding the shipped scenarios."""
    return Path(str(resources.files("isthmus.scenario") / "shipped"))


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios.

    Examples
    --------
    >>> "central-america" in list_scenarios()
    True
    """
    root = shipped_root()
    return sorted(p.name for p in root.iterdir() if (p / "scenario.yaml").exists())


def resolve(name_or_path: str | Path) -> Path:
    """Path of a scenario given a shipped name or a folder."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    shipped = shipped_root() / str(name_or_path)
    if shipped.is_dir():
        return shipped
    raise ScenarioError(
        [
            Problem(
                str(name_or_path),
                None,
                None,
                "no such scenario folder, and not a shipped scenario "
                f"(shipped: {', '.join(list_scenarios()) or 'none'})",
            )
        ]
    )


def export_scenario(name: str, dest: Path | str) -> Path:
    """Copy a shipped scenario into ``dest`` (new or empty) so a user can edit it.

    The copy goes into a temporary sibling first and is renamed into place, so a
    failure (a full disk) leaves neither a half-copied scenario nor the
    temporary folder.
    """
    src = resolve(name)
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise ScenarioError([Problem(str(dest), None, None, "exists and is a file, not a folder")])
    if dest.exists() and any(dest.iterdir()):
        raise ScenarioError([Problem(str(dest), None, None, "destination exists and is not empty")])
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-{os.getpid()}-", dir=dest.parent))
    try:
        shutil.copytree(src, tmp / "scenario", ignore=shutil.ignore_patterns("__pycache__"))
        if dest.exists():
            dest.rmdir()  # empty (checked above)
        (tmp / "scenario").rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


# ---------------------------------------------------------------------------
# parsing


def _parse_cell(raw: str, attr, fname: str, line: int, problems: list[Problem]) -> Any:  # noqa: ANN001
    text = raw.strip()
    if text == "":
        if attr.required and attr.default == "":
            problems.append(Problem(fname, line, attr.name, "required value is empty"))
            return None
        text = attr.default
        if text == "":
            return None if attr.base_type in ("float", "int") else ""
    bt = attr.base_type
    if bt in ("float", "int"):
        try:
            v = float(text)
        except ValueError:
            problems.append(Problem(fname, line, attr.name, f"'{raw}' is not a number"))
            return None
        if not math.isfinite(v):
            problems.append(Problem(fname, line, attr.name, f"'{raw}' is not a finite number"))
            return None
        if attr.min is not None and v < attr.min:
            problems.append(
                Problem(fname, line, attr.name, f"{v:g} is below the minimum {attr.min:g}")
            )
        if attr.max is not None and v > attr.max:
            problems.append(
                Problem(fname, line, attr.name, f"{v:g} is above the maximum {attr.max:g}")
            )
        if bt == "int":
            if v != int(v):
                problems.append(Problem(fname, line, attr.name, f"'{raw}' is not an integer"))
            return int(v)
        return v
    if bt == "date":
        if parse_month(text) is None:
            problems.append(
                Problem(fname, line, attr.name, f"'{raw}' is not a valid month (YYYY-MM)")
            )
            return None
        return text
    if bt == "enum":
        if text not in attr.enum:
            allowed = ", ".join(repr(e) for e in attr.enum if e) or "''"
            problems.append(Problem(fname, line, attr.name, f"'{raw}' is not one of {allowed}"))
        return text
    if bt == "list":
        return text
    return text


class _Unclean(Exception):
    """A cell :func:`_parse_column` leaves to :func:`_parse_cell` (it has a problem)."""


def _parse_column(texts: list[str], attr) -> list[Any]:  # noqa: ANN001
    """The values :func:`_parse_cell` gives a column whose every cell is clean.

    Raises :class:`_Unclean` at the first cell that would make a problem: the caller
    then parses the table cell by cell, which names each problem. Why: one pass per
    column costs a third of a call per cell (the loader runs before every run).
    """
    bt = attr.base_type
    default = attr.default
    if "" in texts:
        if attr.required and default == "":
            raise _Unclean
        if default == "":
            empty: Any = None if bt in ("float", "int") else ""
            if bt in ("float", "int"):
                rest = _parse_column([t for t in texts if t != ""], attr) if texts else []
                it = iter(rest)
                return [empty if t == "" else next(it) for t in texts]
            return [empty if t == "" else t for t in _check_text([t for t in texts], attr, True)]
        texts = [default if t == "" else t for t in texts]
    if bt in ("float", "int"):
        try:
            vals = [float(t) for t in texts]
        except ValueError:
            raise _Unclean from None
        lo, hi = attr.min, attr.max
        for v in vals:
            if not math.isfinite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
                raise _Unclean
        if bt == "int":
            out = []
            for v in vals:
                if v != int(v):
                    raise _Unclean
                out.append(int(v))
            return out
        return vals
    return _check_text(texts, attr, False)


def _check_text(texts: list[str], attr, skip_empty: bool) -> list[str]:  # noqa: ANN001
    """Text cells as :func:`_parse_cell` returns them, or :class:`_Unclean`."""
    bt = attr.base_type
    if bt == "date":
        for t in texts:
            if not (skip_empty and t == "") and parse_month(t) is None:
                raise _Unclean
    elif bt == "enum":
        allowed = set(attr.enum)
        for t in texts:
            if not (skip_empty and t == "") and t not in allowed:
                raise _Unclean
    return texts


def _parse_columns(rows: list[list[str]], pos: list[int], attrs) -> list[list[Any]] | None:  # noqa: ANN001
    """Every column parsed at once (:func:`_parse_column`), or ``None`` when a cell has a
    problem (the caller then parses cell by cell)."""
    cols = []
    try:
        for attr, k in zip(attrs, pos, strict=True):
            texts = [r[k].strip() for r in rows] if k >= 0 else [""] * len(rows)
            cols.append(_parse_column(texts, attr))
    except _Unclean:
        return None
    return cols


def _frame(data: dict[str, np.ndarray], columns: list[str]) -> pd.DataFrame:
    """A DataFrame of equal-length 1-d arrays (float, int64 or object), kept as they are.

    Object columns stay object (no string inference). Why: pandas' own constructor
    checks and converts each column, which costs several times the parsing of a small
    table (the loader runs before every run); ``_from_arrays`` without the checks
    makes the same frame. Falls back to the constructor if pandas lacks it.

    Examples
    --------
    >>> df = _frame({"a": np.array([1.0]), "b": np.array(["x"], dtype=object)}, ["a", "b"])
    >>> df.dtypes.tolist()
    [dtype('float64'), dtype('O')]
    """
    arrays = [data[c] for c in columns]
    try:
        return pd.DataFrame._from_arrays(
            arrays,
            columns=pd.Index(columns),
            index=pd.RangeIndex(len(arrays[0])),
            verify_integrity=False,
        )
    except (AttributeError, TypeError):  # a pandas without it: the public constructor
        return pd.DataFrame(
            {c: pd.Series(a, dtype=a.dtype) for c, a in zip(columns, arrays, strict=True)},
            columns=columns,
        )


def _empty(schema: TableSchema) -> pd.DataFrame:
    df = pd.DataFrame(columns=["_line", *schema.names])
    for attr in schema.attributes:
        if attr.base_type in ("float", "int"):
            df[attr.name] = df[attr.name].astype(float)
    return df


def _incomplete(df: pd.DataFrame) -> pd.DataFrame:
    """Mark a table that could not be read whole, so that checks of references into it
    are skipped (one missing column must not cascade into a problem per dependent row)."""
    df.attrs["incomplete"] = True
    return df


def is_incomplete(df: pd.DataFrame) -> bool:
    """True when :func:`read_table` could not read the table whole (see its problems)."""
    return bool(df.attrs.get("incomplete"))


def read_text_file(path: Path, problems: list[Problem], limit: int | None = None) -> str | None:
    """Text of a scenario file (UTF-8, with or without a byte-order mark; any line ends).

    Appends a problem and returns ``None`` when the file cannot be read, is not
    UTF-8 or is larger than ``limit`` bytes (default :data:`MAX_TABLE_BYTES`;
    checked before reading it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b"\\xef\\xbb\\xbfid,name\\r\\nA,x\\r\\n")
    >>> read_text_file(f, [])
    'id,name\\nA,x\\n'
    """
    limit = MAX_TABLE_BYTES if limit is None else limit
    try:
        size = path.stat().st_size
        if size > limit:
            problems.append(
                Problem(
                    path.name,
                    None,
                    None,
                    f"file is {size / 2**20:,.0f} MB, more than the {limit / 2**20:,.0f} MB "
                    "a scenario table can plausibly be; not read",
                )
            )
            return None
        # utf-8-sig drops the byte-order mark Excel's "CSV UTF-8" writes; universal
        # newlines turn CRLF (and CR) line ends into LF
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                path.name,
                None,
                None,
                f"not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8 (CSV UTF-8)",
            )
        )
    except OSError as exc:
        problems.append(Problem(path.name, None, None, f"cannot read file: {exc.strerror or exc}"))
    return None


def read_table(text: str, schema: TableSchema, fname: str, problems: list[Problem]) -> pd.DataFrame:
    """Parse one CSV table against its schema, appending the problems found.

    A leading byte-order mark is ignored. Reading stops after
    :data:`MAX_TABLE_PROBLEMS` problems in the table; a table that was not read
    whole (missing columns, stopped early) is marked so that references into it
    are not checked (see :func:`is_incomplete`).
    """
    if text.startswith(BOM):
        text = text[1:]
    if not text.strip():
        problems.append(Problem(fname, None, None, "file is empty"))
        return _incomplete(_empty(schema))
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        problems.append(Problem(fname, reader.line_num, None, f"malformed CSV: {exc}"))
        return _incomplete(_empty(schema))
    header = [h.strip() for h in rows[0]]
    known = set(schema.names)
    n_before = len(problems)
    for col in schema.required:
        if col not in header:
            problems.append(Problem(fname, 1, col, "missing column"))
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.append(Problem(fname, 1, col, "duplicate column"))
        seen.add(col)
        if col not in known and not col.startswith("note"):
            problems.append(
                Problem(fname, 1, col, f"unknown column (expected: {', '.join(schema.names)})")
            )
    if len(problems) > n_before:
        return _incomplete(_empty(schema))
    attrs = schema.attributes
    # Cells are parsed column by column into lists (why: a dict per row and pandas'
    # type inference cost more than the parsing itself).
    pos = [header.index(a.name) if a.name in header else -1 for a in attrs]
    lines: list[int] = []
    cols: list[list[Any]] = [[] for _ in attrs]
    stop_at = n_before + MAX_TABLE_PROBLEMS
    stopped = False
    # The usual table: every row of the header's length, every cell clean. Its columns
    # are parsed whole (the same values); any doubt and the cells are parsed one by one.
    body = [
        (i, row)
        for i, row in enumerate(rows[1:], start=2)
        if row and not all(not c.strip() for c in row)
    ]
    fast = (
        _parse_columns([r for _, r in body], pos, attrs)
        if all(len(r) == len(header) for _, r in body)
        else None
    )
    if fast is not None:
        lines = [i for i, _ in body]
        cols = fast
        rows = rows[:1]  # nothing left to parse cell by cell
    for i, row in enumerate(rows[1:], start=2):
        if len(problems) >= stop_at:
            # first in the table's list, so that it shows even when the list is cut
            problems.insert(
                n_before,
                Problem(
                    fname,
                    i,
                    None,
                    f"stopped reading here, after {MAX_TABLE_PROBLEMS} problems "
                    f"({len(rows) - i + 1} line(s) not checked; is it the right file?); "
                    "the first problems follow",
                ),
            )
            stopped = True
            break
        if not row or all(not c.strip() for c in row):
            continue  # blank lines are harmless
        if len(row) != len(header):
            problems.append(
                Problem(fname, i, None, f"row has {len(row)} fields, the header has {len(header)}")
            )
            continue
        lines.append(i)
        for attr, k, out in zip(attrs, pos, cols, strict=True):
            out.append(_parse_cell(row[k] if k >= 0 else "", attr, fname, i, problems))
    numeric = [a.base_type in ("float", "int") for a in attrs]
    # (text cells are str or None: ``in`` scans a column in C)
    if lines and not any(None in vals for vals, num in zip(cols, numeric, strict=True) if not num):
        data: dict[str, Any] = {"_line": np.array(lines, dtype=np.int64)}
        for attr, vals, num in zip(attrs, cols, numeric, strict=True):
            if num:
                data[attr.name] = np.array([np.nan if v is None else v for v in vals], dtype=float)
            else:
                arr = np.empty(len(vals), dtype=object)
                arr[:] = vals
                data[attr.name] = arr
        df = _frame(data, ["_line"] + schema.names)
    else:  # no rows, or missing text values: pandas' own inference, as it always was
        records = [
            {"_line": i, **{a.name: vals[r] for a, vals in zip(attrs, cols, strict=True)}}
            for r, i in enumerate(lines)
        ]
        df = pd.DataFrame.from_records(records, columns=["_line"] + schema.names)
        for attr in attrs:
            if attr.base_type in ("float", "int"):
                df[attr.name] = pd.to_numeric(df[attr.name], errors="coerce").astype(float)
            else:
                df[attr.name] = df[attr.name].astype(object)
    return _incomplete(df) if stopped else df


def _check_keys(table: str, df: pd.DataFrame, problems: list[Problem]) -> None:
    keys = ID_TABLES.get(table) or KEY_TABLES.get(table)
    if not keys or df.empty:
        return
    fname = f"{table}.csv"
    seen: dict[tuple, int] = {}
    for line, *key in zip(*(df[k].tolist() for k in ("_line", *keys)), strict=True):
        key = tuple(key)
        if key in seen:
            label = "/".join(str(k) for k in key)
            problems.append(
                Problem(
                    fname,
                    line,
                    keys[0],
                    f"duplicate {'id' if len(keys) == 1 else 'key'} '{label}' "
                    f"(first at line {seen[key]})",
                )
            )
        else:
            seen[key] = line


def table_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as plain dicts, as ``df.to_dict("records")`` gives them.

    Why: pandas boxes each cell on its own; a column at a time is several times faster
    (the engine reads small tables this way before every run).

    Examples
    --------
    >>> table_records(pd.DataFrame({"id": ["a", "b"], "x": [1.0, 2.5]}))
    [{'id': 'a', 'x': 1.0}, {'id': 'b', 'x': 2.5}]
    """
    cols = list(df.columns)
    if not cols or len(set(cols)) != len(cols):
        return df.to_dict("records")
    plain = (str, float, int, bool, type(None))
    values = []
    for c in cols:
        col = df[c]
        if col.dtype.kind not in "fiubO":
            return df.to_dict("records")  # extension types: pandas' own boxing
        vals = col.tolist()
        if col.dtype.kind == "O" and not all(type(v) in plain for v in vals):
            return df.to_dict("records")
        values.append(vals)
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def _rows(df: pd.DataFrame, *cols: str) -> zip:
    """Rows of some columns as tuples of plain values (faster than ``itertuples``)."""
    return zip(*(df[c].tolist() for c in cols), strict=True)


def _check_refs(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    # A table that could not be read whole has been reported already; references
    # into it are not checked, or one missing column would give a problem per row.
    places_ok = not is_incomplete(tables["places"])
    actors_ok = not is_incomplete(tables["actors"])
    place_ids = set(tables["places"]["id"].dropna())
    juris = set(tables["countries"]["id"].dropna()) if "countries" in tables else set()
    if "patrols" in tables["links"]:
        for rec in _rows(tables["links"], "_line", "patrols"):
            for j in [x.strip() for x in str(rec[1] or "").split(";") if x.strip()]:
                if juris and j not in juris:
                    problems.append(
                        Problem(
                            "links.csv",
                            rec[0],
                            "patrols",
                            f"unknown jurisdiction '{j}' (not an id of countries.csv)",
                        )
                    )
    for rec in _rows(tables["links"], "_line", "from", "to"):
        for col, val in (("from", rec[1]), ("to", rec[2])):
            if places_ok and val and val not in place_ids:
                problems.append(Problem("links.csv", rec[0], col, f"unknown place '{val}'"))
        if rec[1] and rec[1] == rec[2]:
            problems.append(
                Problem("links.csv", rec[0], "to", "a link cannot start and end at the same place")
            )
    actors = tables["actors"]
    actor_ids = set(actors["id"].dropna())
    for rec in _rows(actors, "_line", "home_places"):
        for pid in [s.strip() for s in str(rec[1] or "").split(";") if s.strip()]:
            if places_ok and pid not in place_ids:
                problems.append(
                    Problem("actors.csv", rec[0], "home_places", f"unknown place '{pid}'")
                )
    for rec in _rows(tables["control"], "_line", "place", "actor"):
        if places_ok and rec[1] and rec[1] not in place_ids:
            problems.append(Problem("control.csv", rec[0], "place", f"unknown place '{rec[1]}'"))
        if actors_ok and rec[2] and rec[2] not in actor_ids:
            problems.append(Problem("control.csv", rec[0], "actor", f"unknown actor '{rec[2]}'"))
    ctrl = tables["control"]
    if not ctrl.empty:
        tot = ctrl.groupby("place")["share"].sum()
        for pid, s in tot.items():
            if s > 1 + 1e-9:
                line = int(ctrl.loc[ctrl["place"] == pid, "_line"].max())
                problems.append(
                    Problem(
                        "control.csv", line, "share", f"control shares of '{pid}' sum to {s:g} > 1"
                    )
                )
    places = tables["places"]
    if places_ok and not places.empty:
        if not (places["role"] == "source").any():
            problems.append(Problem("places.csv", None, "role", "no place has role 'source'"))
        if not (places["role"] == "destination").any():
            problems.append(Problem("places.csv", None, "role", "no place has role 'destination'"))
        bad = places[(places["role"] == "destination") & (places["market"].fillna("") == "")]
        for rec in _rows(bad, "_line", "id"):
            problems.append(
                Problem(
                    "places.csv",
                    rec[0],
                    "market",
                    f"destination '{rec[1]}' needs a market (usa or europe)",
                )
            )


def _read_meta(
    path: Path, problems: list[Problem], texts: dict[str, str | None] | None = None
) -> dict[str, Any]:
    f = path / "scenario.yaml"
    if not (f.exists() if texts is None else texts[f.name] is not None):
        problems.append(Problem("scenario.yaml", None, None, "file is missing"))
        return {}
    try:
        meta = load_yaml(f, text=None if texts is None else texts[f.name])
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return {}
    if not isinstance(meta, dict):
        problems.append(
            Problem("scenario.yaml", None, None, "must be a mapping with name, start and end")
        )
        return {}
    for key in ("name", "start", "end"):
        if key not in meta:
            problems.append(Problem("scenario.yaml", None, key, "missing key"))
    for key in ("start", "end"):
        if key in meta and parse_month(str(meta[key])) is None:
            problems.append(
                Problem(
                    "scenario.yaml",
                    meta.get(LINE_KEY),
                    key,
                    f"'{meta[key]}' is not a valid month (YYYY-MM)",
                )
            )
    if all(k in meta and parse_month(str(meta[k])) for k in ("start", "end")):
        if month_index(parse_month(str(meta["end"])), parse_month(str(meta["start"]))) < 0:
            problems.append(Problem("scenario.yaml", None, "end", "end is before start"))
    return meta


def _read_policies(
    path: Path, problems: list[Problem], texts: dict[str, str | None] | None = None
) -> list[dict]:
    f = path / "policies.yaml"
    if not (f.exists() if texts is None else texts[f.name] is not None):
        return []
    try:
        data = load_yaml(f, text=None if texts is None else texts[f.name])
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return []
    if data is None:
        return []
    if isinstance(data, dict) and "policies" in data:
        data = data["policies"]
    if not isinstance(data, list):
        problems.append(Problem("policies.yaml", None, None, "must be a list of interventions"))
        return []
    out = []
    for item in data:
        if not isinstance(item, dict):
            problems.append(
                Problem("policies.yaml", None, None, f"entry {item!r} is not a mapping")
            )
            continue
        out.append(item)
    return out


#: Files :func:`load_scenario` reads from a scenario folder (the YAML files, then the tables).
_FILES = ("scenario.yaml", "policies.yaml", *(f"{t}.csv" for t in TABLES))
#: Scenarios already loaded in this process (see :func:`load_scenario`), oldest first.
_LOADED: dict[tuple[str, tuple[tuple[str, bytes | None], ...]], Scenario] = {}
#: Most scenarios kept in :data:`_LOADED` (a scenario's tables take a few MB).
_LOADED_MAX = 8
_LOADED_LOCK = threading.Lock()  # the dashboard (streamlit) runs each session in a thread


def _snapshot(path: Path) -> tuple[tuple[str, bytes | None], ...] | None:
    """The bytes of every file :func:`load_scenario` reads from ``path`` (``None`` for a
    missing one), or ``None`` when a file is not a plain readable file within the size
    limits (the loader then reads the folder itself and reports the problem).

    Examples
    --------
    >>> snap = _snapshot(resolve("central-america"))
    >>> [name for name, data in snap][:3], all(data for name, data in snap[:2])
    (['scenario.yaml', 'policies.yaml', 'places.csv'], True)
    """
    from . import yamlio  # the module's limit as it stands now (tests lower it)

    out = []
    for name in _FILES:
        f = path / name
        limit = yamlio.MAX_YAML_BYTES if name.endswith(".yaml") else MAX_TABLE_BYTES
        try:
            st = f.stat()
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return None
            data = f.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError:
            return None
        if data is not None and len(data) > limit:  # grew since the stat
            return None
        out.append((name, data))
    return tuple(out)


def _decode(data: bytes) -> str:
    """``data`` as :func:`read_text_file` reads it from a file (the same decoder: UTF-8
    with or without a byte-order mark, universal newlines); may raise UnicodeDecodeError."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig").read()


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario folder (or a shipped scenario by name).

    A scenario loaded once in this process is not parsed again: the loader reads the
    bytes of its files (a fraction of a millisecond) and, when the folder and every
    byte are the same as a previous load's, returns a fresh copy of that load's
    scenario (:meth:`Scenario.copy`, so an edit of one never reaches another). Why: a
    run spends more time parsing and validating the tables than in a tenth of its
    months. The scenario is parsed from the very bytes it is keyed on, so an edited file
    is always read again; a load that fails is never kept.

    Raises
    ------
    ScenarioError
        Listing every problem (file, line, column, reason).

    Examples
    --------
    >>> a, b = load_scenario("central-america"), load_scenario("central-america")
    >>> a is not b and a.tables["links"] is not b.tables["links"]
    True
    >>> a.tables["links"].equals(b.tables["links"])
    True
    """
    path = resolve(name_or_path)
    snap = _snapshot(path)
    texts: dict[str, str | None] | None = None
    if snap is not None:
        with _LOADED_LOCK:
            hit = _LOADED.get((str(path), snap))
        if hit is not None:
            return hit.copy()
        try:
            texts = {name: None if data is None else _decode(data) for name, data in snap}
        except UnicodeDecodeError:  # the loader reads the file itself and names the byte
            snap = None
    sc = _load(path, texts)
    if snap is not None:
        kept = sc.copy()  # kept apart from the one handed out
        with _LOADED_LOCK:
            while len(_LOADED) >= _LOADED_MAX:
                del _LOADED[next(iter(_LOADED))]
            _LOADED[(str(path), snap)] = kept
    return sc


def _load(path: Path, texts: dict[str, str | None] | None) -> Scenario:
    """Load and validate the scenario in ``path``, from the decoded ``texts`` of its files
    (see :func:`_snapshot`; ``None`` for a missing file) or, when ``texts`` is ``None``,
    from the folder itself."""
    problems: list[Problem] = []
    meta = _read_meta(path, problems, texts)
    tables: dict[str, pd.DataFrame] = {}
    for t in TABLES:
        f = path / f"{t}.csv"
        schema = SCHEMAS[t]
        if not (f.exists() if texts is None else texts[f.name] is not None):
            if t in REQUIRED_TABLES:
                problems.append(Problem(f"{t}.csv", None, None, "file is missing"))
            tables[t] = read_table(",".join(schema.names) + "\n", schema, f.name, [])
            continue
        text = read_text_file(f, problems) if texts is None else texts[f.name]
        if text is None:
            tables[t] = _incomplete(read_table(",".join(schema.names) + "\n", schema, f.name, []))
            continue
        tables[t] = read_table(text, schema, f.name, problems)
        _check_keys(t, tables[t], problems)
    _check_refs(tables, problems)
    policies = _read_policies(path, problems, texts)
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=str(meta["name"]),
        title=str(meta.get("title", meta["name"])),
        start=parse_month(str(meta["start"])),
        end=parse_month(str(meta["end"])),
        tables=tables,
        policies=policies,
        meta=strip_lines(meta),
        path=path,
    )
