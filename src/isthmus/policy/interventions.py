"""Interventions: small dated classes that change the model's *inputs*.

As in Covasim, an intervention has a ``start``, an ``end``, a ``target`` and a
``size``, and a ``step`` hook that the state step calls for each month it is
active. Interventions never set an outcome: they change enforcement effort,
budgets, supply or demand, and the mechanisms produce what follows. They
round-trip to YAML (:meth:`Intervention.to_dict` / :func:`parse_policies`).

Examples
--------
>>> iv = InterdictionSurge(start="2006-12", target={"country": "MEX", "modes": ["sea", "air"]}, size=0.5)
>>> parse_policies([iv.to_dict()], "policies.yaml")[0] == iv
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..scenario import Problem, ScenarioError, month_index, parse_month
from ..scenario.yamlio import LINE_KEY

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.sim import Sim

CLASSES = ("land", "sea", "air", "container")
MODE_TO_CLASS = {
    "land": "land",
    "maritime-pacific": "sea",
    "maritime-caribbean": "sea",
    "maritime-atlantic": "sea",
    "sea": "sea",
    "air": "air",
    "container": "container",
}
TARGET_KEYS = ("country", "places", "modes", "group", "segment")

INTERVENTIONS: dict[str, type[Intervention]] = {}


def intervention(cls: type[Intervention]) -> type[Intervention]:
    """Class decorator registering an intervention type under ``cls.kind``."""
    INTERVENTIONS[cls.kind] = cls
    return cls


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    return [str(v)]


@dataclass(eq=True)
class Intervention:
    """Base class. Subclasses set ``kind``, ``size_unit`` and implement :meth:`step`."""

    kind: ClassVar[str] = ""
    size_unit: ClassVar[str] = ""
    description: ClassVar[str] = ""
    start: str = "2000-01"
    end: str | None = None
    target: dict[str, Any] = field(default_factory=dict)
    size: float = 0.0
    name: str = ""
    source: str = ""

    # -- timing ---------------------------------------------------------------------
    def months(self, sim: Sim) -> tuple[int, int]:
        """First and last month index (inclusive) of the intervention in a run."""
        t0 = month_index(parse_month(self.start), sim.scenario.start)
        t1 = (
            sim.n_months - 1
            if self.end is None
            else month_index(parse_month(self.end), sim.scenario.start)
        )
        return t0, t1

    def active(self, sim: Sim, t: int) -> bool:
        t0, t1 = self.months(sim)
        return t0 <= t <= t1

    # -- targets --------------------------------------------------------------------
    def countries(self, sim: Sim) -> list[str]:
        c = _as_list(self.target.get("country"))
        return ["XTZ" if x == "transit_zone" else x for x in c]

    def classes(self) -> list[str]:
        m = _as_list(self.target.get("modes"))
        return sorted({MODE_TO_CLASS[x] for x in m}) if m else list(CLASSES)

    def place_indices(self, sim: Sim) -> np.ndarray:
        net = sim.net
        idx = [net.place_index[p] for p in _as_list(self.target.get("places"))]
        for c in self.countries(sim):
            idx.extend(np.flatnonzero(net.place_country == c).tolist())
        return np.unique(np.asarray(idx, dtype=np.int64))

    def validate_targets(self, sim: Sim, file: str, line: int | None) -> list[Problem]:
        """Check that the targets exist in the compiled network."""
        probs = []
        net = sim.net
        known = set(net.juris_ids) | set(net.countries)
        for c in self.countries(sim):
            if c not in known:
                probs.append(Problem(file, line, "target.country", f"unknown country '{c}'"))
        for p in _as_list(self.target.get("places")):
            if p not in net.place_index:
                probs.append(Problem(file, line, "target.places", f"unknown place '{p}'"))
        for m in _as_list(self.target.get("modes")):
            if m not in MODE_TO_CLASS:
                probs.append(
                    Problem(
                        file,
                        line,
                        "target.modes",
                        f"unknown mode '{m}' (use {', '.join(MODE_TO_CLASS)})",
                    )
                )
        return probs

    # -- effect ---------------------------------------------------------------------
    def init(self, sim: Sim) -> None:
        """Resolve targets to arrays once (called when the run starts)."""

    def step(self, sim: Sim, t: int) -> None:  # pragma: no cover - abstract
        """Apply the intervention to the inputs of month ``t``."""
        raise NotImplementedError

    # -- YAML -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("name", "source") and not v:
                continue
            if f.name == "end" and v is None:
                continue
            d[f.name] = v
        return d


def parse_policies(specs: list[dict[str, Any]], file: str) -> list[Intervention]:
    """Build interventions from YAML-style dicts, reporting every problem.

    Raises
    ------
    ScenarioError
        Naming the file, the line and the field of each problem (unknown type,
        unknown field, bad date, non-numeric size).
    """
    from . import library  # noqa: F401  (registers the intervention types)

    out: list[Intervention] = []
    problems: list[Problem] = []
    for spec in specs:
        if isinstance(spec, Intervention):
            out.append(spec)
            continue
        line = spec.get(LINE_KEY) if isinstance(spec, dict) else None
        if not isinstance(spec, dict):
            problems.append(Problem(file, None, None, f"entry {spec!r} is not a mapping"))
            continue
        kind = spec.get("type")
        cls = INTERVENTIONS.get(str(kind))
        if cls is None:
            problems.append(
                Problem(
                    file,
                    line,
                    "type",
                    f"unknown intervention type '{kind}' (known: {', '.join(sorted(INTERVENTIONS))})",
                )
            )
            continue
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        bad = False
        for k, v in spec.items():
            if k in ("type", LINE_KEY):
                continue
            if k not in names:
                problems.append(
                    Problem(
                        file,
                        line,
                        k,
                        f"unknown field for '{kind}' (fields: {', '.join(sorted(names))})",
                    )
                )
                bad = True
                continue
            kwargs[k] = v
        for k in ("start", "end"):
            if k in kwargs and kwargs[k] is not None:
                kwargs[k] = str(kwargs[k])
                if parse_month(kwargs[k]) is None:
                    problems.append(
                        Problem(file, line, k, f"'{kwargs[k]}' is not a valid month (YYYY-MM)")
                    )
                    bad = True
        if "start" not in kwargs:
            problems.append(Problem(file, line, "start", "missing field"))
            bad = True
        tgt = kwargs.get("target", {})
        if tgt is None:
            tgt = {}
        if not isinstance(tgt, dict):
            problems.append(
                Problem(file, line, "target", "must be a mapping (country, places, modes, group)")
            )
            bad = True
        else:
            tgt = {k: v for k, v in tgt.items() if k != LINE_KEY}
            for k in tgt:
                if k not in TARGET_KEYS:
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"target.{k}",
                            f"unknown target (use {', '.join(TARGET_KEYS)})",
                        )
                    )
                    bad = True
            kwargs["target"] = tgt
        for f in fields(cls):
            if (
                f.name in kwargs
                and f.type in ("float", float)
                and not isinstance(kwargs[f.name], bool)
            ):
                try:
                    kwargs[f.name] = float(kwargs[f.name])
                except (TypeError, ValueError):
                    problems.append(
                        Problem(file, line, f.name, f"'{kwargs[f.name]}' is not a number")
                    )
                    bad = True
        if not bad:
            try:
                iv = cls(**kwargs)
            except (TypeError, ValueError) as exc:
                problems.append(Problem(file, line, None, str(exc)))
                continue
            iv._line = line  # type: ignore[attr-defined]
            iv._file = file  # type: ignore[attr-defined]
            out.append(iv)
    if problems:
        raise ScenarioError(problems)
    return out


def dump_policies(ivs: list[Intervention]) -> str:
    """YAML text for a list of interventions (round-trips with :func:`parse_policies`)."""
    import yaml

    return yaml.safe_dump([iv.to_dict() for iv in ivs], sort_keys=False, allow_unicode=True)
