"""Safe YAML reading that remembers line numbers, so errors can name them.

Only ``yaml.SafeLoader`` is used: scenario content is never evaluated as code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ScenarioError

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings carry the 1-based line where they start."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path | str, text: str | None = None) -> Any:
    """Read a YAML file safely. Mappings get a ``__line__`` entry.

    Raises
    ------
    ScenarioError
        When the file cannot be read or is not valid YAML (names the line).
    """
    path = Path(path)
    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(path.name, None, None, f"cannot read file: {exc}")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(path.name, line, None, f"invalid YAML: {reason}")]) from None


def strip_lines(obj: Any) -> Any:
    """Remove the ``__line__`` entries added by :func:`load_yaml`."""
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k != LINE_KEY}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj
