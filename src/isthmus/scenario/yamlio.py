"""Safe YAML reading that remembers line numbers, so errors can name them.

Only ``yaml.SafeLoader`` is used: scenario content is never evaluated as code.
Aliases (``*name``) are allowed, but a document whose aliases would expand to
more than :data:`MAX_NODES` values (an "alias bomb", or "billion laughs") is
refused before anything is built from it, and so is a file larger than
:data:`MAX_YAML_BYTES`.

Examples
--------
>>> data = load_yaml("p.yaml", text="- type: a\\n  start: 2008-01\\n")
>>> data[0][LINE_KEY], key_line(data[0], "start")
(1, 2)
>>> load_yaml("bomb.yaml", text="a: &a [x, x]\\nb: &b [*a, *a]\\n", max_nodes=5)
Traceback (most recent call last):
...
isthmus.scenario.errors.ScenarioError: 1 problem in the scenario:
  bomb.yaml, line 2: YAML aliases expand to more than 5 values ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ScenarioError

LINE_KEY = "__line__"
#: Most values (scalars, lists and mappings) a YAML document may expand to, aliases included.
MAX_NODES = 100_000
#: Largest YAML file read, in bytes (the default scenario's largest is 0.1 MB).
MAX_YAML_BYTES = 16 * 1024 * 1024


class LineDict(dict):
    """A mapping read from YAML; ``lines`` gives the 1-based line of each key."""

    lines: dict[Any, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {}


def key_line(mapping: Any, key: Any) -> int | None:
    """The line of ``key`` in a mapping read by :func:`load_yaml` (else where it starts).

    Examples
    --------
    >>> key_line({"a": 1, LINE_KEY: 4}, "a")
    4
    """
    if not isinstance(mapping, dict):
        return None
    lines = getattr(mapping, "lines", None) or {}
    line = lines.get(key)
    return line if line is not None else mapping.get(LINE_KEY)


# libyaml's parser when the wheel has it (about ten times faster), the pure-Python one
# otherwise; both build only plain data (the safe constructor), never objects.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """A safe loader whose mappings carry the 1-based line where they and their keys start."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = LineDict(yaml.SafeLoader.construct_mapping(loader, node, deep=True))
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            mapping.lines.setdefault(
                loader.construct_object(key_node), key_node.start_mark.line + 1
            )
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _expanded_size(root: yaml.Node, limit: int) -> tuple[int, yaml.Node | None, str]:
    """How many values ``root`` expands to (aliases counted in full), without building it.

    Returns the size (capped just above ``limit``), the innermost node whose
    expansion passes ``limit`` (or that refers to itself) and a reason, or
    ``(size, None, "")`` when the document is within the limit.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative depth-first walk: a deep document must not hit Python's recursion limit
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            on_path.discard(nid)
            if isinstance(node, yaml.SequenceNode):
                kids = node.value
            elif isinstance(node, yaml.MappingNode):
                kids = [n for pair in node.value for n in pair]
            else:
                kids = []
            total = 1 + sum(size[id(k)] for k in kids)
            if total > limit:
                return total, node, f"YAML aliases expand to more than {limit:,} values"
            size[nid] = total
            continue
        if nid in size:
            continue  # an alias of a node already measured
        if nid in on_path:
            return limit + 1, node, "a YAML alias refers to itself"
        on_path.add(nid)
        stack.append((node, True))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((k, False) for k in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((k, False) for pair in node.value for k in pair)
    return size.get(id(root), 0), None, ""


def load_yaml(path: Path | str, text: str | None = None, max_nodes: int = MAX_NODES) -> Any:
    """Read a YAML file safely. Mappings get a ``__line__`` entry and per-key lines.

    Raises
    ------
    ScenarioError
        When the file cannot be read, is not valid YAML (names the line), is
        too large, or its aliases expand beyond ``max_nodes`` values.
    """
    path = Path(path)
    try:
        if text is None:
            size = path.stat().st_size
            if size > MAX_YAML_BYTES:
                raise ScenarioError(
                    [
                        Problem(
                            path.name,
                            None,
                            None,
                            f"file is {size / 2**20:,.0f} MB, more than the "
                            f"{MAX_YAML_BYTES / 2**20:,.0f} MB a scenario YAML file can "
                            "plausibly be; not read",
                        )
                    ]
                )
            text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(path.name, None, None, f"not UTF-8 text (byte {exc.start}: {exc.reason})")]
        ) from None
    except OSError as exc:
        raise ScenarioError(
            [Problem(path.name, None, None, f"cannot read file: {exc.strerror or exc}")]
        ) from None
    loader = None
    try:
        loader = _LineLoader(text)  # checks the characters: may raise a YAMLError already
        node = loader.get_single_node()
        if node is None:
            return None
        _, bad, reason = _expanded_size(node, max_nodes)
        if bad is not None:
            raise ScenarioError(
                [
                    Problem(
                        path.name,
                        bad.start_mark.line + 1,
                        None,
                        f"{reason} (an 'alias bomb'?); write the values out instead",
                    )
                ]
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in reason:  # libyaml's own guard, in the pure-Python parser's words
            reason = "lists or mappings nested too deeply"
        raise ScenarioError([Problem(path.name, line, None, f"invalid YAML: {reason}")]) from None
    except RecursionError:
        raise ScenarioError(
            [Problem(path.name, None, None, "invalid YAML: lists or mappings nested too deeply")]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def strip_lines(obj: Any) -> Any:
    """Remove the ``__line__`` entries added by :func:`load_yaml` (plain dicts and lists)."""
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k != LINE_KEY}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj
