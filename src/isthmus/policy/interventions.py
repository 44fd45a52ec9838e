"""Interventions: small dated classes that change the model's *inputs*.

As in Covasim, an intervention has a ``start``, an ``end``, a ``target`` and a
``size``, and a ``step`` hook that the state step calls for each month it is
active. Interventions never set an outcome: they change enforcement effort,
budgets, supply or demand, and the mechanisms produce what follows. They
round-trip to YAML (:meth:`Intervention.to_dict` / :func:`parse_policies`).

Examples
--------
>>> from isthmus.policy import InterdictionSurge
>>> iv = InterdictionSurge(start="2006-12", target={"country": "MEX", "modes": ["sea", "air"]}, size=0.5)
>>> parse_policies([iv.to_dict()], "policies.yaml")[0] == iv
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..scenario import Problem, ScenarioError, month_index, parse_month
from ..scenario.errors import brief
from ..scenario.yamlio import LINE_KEY, key_line

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
TRANSIT_ZONE = "XTZ"

INTERVENTIONS: dict[str, type[Intervention]] = {}


def link_class(net) -> np.ndarray:  # noqa: ANN001 - CompiledNetwork (avoid an import cycle)
    """Mode class index (into :data:`CLASSES`) of every link of a compiled network."""
    from ..engine.network import MODES

    cls = np.array([CLASSES.index(MODE_TO_CLASS[m]) for m in MODES])
    return cls[net.link_mode]


def _end_mask(net, end: str, side: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Links whose ``side`` (link_from or link_to) is the place or in the country ``end``."""
    if end in net.place_index:
        return side == net.place_index[end]
    return net.place_country[side] == end


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
    #: Allowed range of ``size`` (None = unbounded), checked when parsing.
    size_bounds: ClassVar[tuple[float | None, float | None]] = (0.0, None)
    #: Allowed values of extra text fields, checked when parsing.
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Run after the other interventions of the month (allocations that respond to them).
    late: ClassVar[bool] = False
    start: str = "2000-01"
    end: str | None = None
    target: dict[str, Any] = field(default_factory=dict)
    size: float = 0.0
    name: str = ""
    source: str = ""

    # -- timing ---------------------------------------------------------------------
    def months(self, sim: Sim) -> tuple[int, int]:
        """First and last month index (inclusive) of the intervention in a run."""
        key = (sim.scenario.start, sim.n_months, self.start, self.end)
        cached = self.__dict__.get("_months_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        t0 = month_index(parse_month(self.start), sim.scenario.start)
        t1 = (
            sim.n_months - 1
            if self.end is None
            else month_index(parse_month(self.end), sim.scenario.start)
        )
        self._months_cache = (key, (t0, t1))
        return t0, t1

    def active(self, sim: Sim, t: int) -> bool:
        t0, t1 = self.months(sim)
        return t0 <= t <= t1

    # -- targets --------------------------------------------------------------------
    #: Target keys that must be given (checked by :meth:`validate_targets`).
    required_targets: ClassVar[tuple[str, ...]] = ()

    def countries(self, sim: Sim) -> list[str]:
        """Targeted jurisdictions (ISO3; ``transit_zone`` is the transit zone, XTZ)."""
        c = _as_list(self.target.get("country"))
        return [TRANSIT_ZONE if x == "transit_zone" else x for x in c]

    def classes(self) -> list[str]:
        """Targeted mode classes (land, sea, air, container); all when none is given."""
        m = _as_list(self.target.get("modes"))
        return sorted({MODE_TO_CLASS[x] for x in m}) if m else list(CLASSES)

    def groups(self) -> list[str]:
        """Targeted actor ids (``target.group``)."""
        return _as_list(self.target.get("group"))

    def place_indices(self, sim: Sim) -> np.ndarray:
        """Places named in ``target.places`` plus every place of ``target.country``."""
        net = sim.net
        idx = [net.place_index[p] for p in _as_list(self.target.get("places"))]
        for c in self.countries(sim):
            idx.extend(np.flatnonzero(net.place_country == c).tolist())
        return np.unique(np.asarray(idx, dtype=np.int64))

    def country_indices(self, sim: Sim) -> np.ndarray:
        """Indices in ``net.countries`` of the targeted countries (and of the targeted places)."""
        net = sim.net
        names = set(self.countries(sim))
        for p in _as_list(self.target.get("places")):
            names.add(str(net.place_country[net.place_index[p]]))
        return np.array(
            [net.countries.index(c) for c in sorted(names) if c in net.countries], dtype=np.int64
        )

    def juris_indices(self, sim: Sim) -> np.ndarray:
        """Indices in ``net.juris_ids`` of the targeted jurisdictions."""
        ids = sim.net.juris_ids
        return np.array([ids.index(c) for c in self.countries(sim) if c in ids], dtype=np.int64)

    def link_mask(self, sim: Sim) -> np.ndarray:
        """Links selected by the target: jurisdiction (``country``), destination place
        (``places``), mode class (``modes``) and border segment (``segment``), combined
        with AND; a key that is absent does not restrict."""
        net = sim.net
        mask = np.ones(net.n_links, dtype=bool)
        if self.countries(sim):
            mask &= np.isin(net.link_juris, self.juris_indices(sim))
        places = _as_list(self.target.get("places"))
        if places:
            mask &= np.isin(net.link_to, [net.place_index[p] for p in places])
        if self.target.get("modes"):
            cls = [CLASSES.index(c) for c in self.classes()]
            mask &= np.isin(link_class(net), cls)
        seg = _as_list(self.target.get("segment"))
        if seg:
            sm = np.zeros(net.n_links, dtype=bool)
            for s in seg:
                a, b = (x.strip() for x in s.split(">", 1))
                sm |= _end_mask(net, a, net.link_from) & _end_mask(net, b, net.link_to)
            mask &= sm
        return mask

    def field_line(self, name: str, line: int | None = None) -> int | None:
        """The line of field ``name`` (``"start"``, ``"target.places"``) in the file it came
        from, else ``line`` (where the entry starts)."""
        lines = self.__dict__.get("_lines") or {}
        found = lines.get(name)
        if found is None and name.startswith("target."):
            found = lines.get("target")
        return found if found is not None else line

    def validate_period(
        self, start: tuple[int, int], end: tuple[int, int], file: str, line: int | None = None
    ) -> list[Problem]:
        """Problems when the intervention lies wholly outside the months ``start``..``end``.

        A policy that starts before the run and lasts into it is fine (it is
        active from the first month); one that ends before the run starts or
        starts after it ends would have no effect at all, so it is an error.

        Examples
        --------
        >>> from isthmus.policy import InterdictionSurge
        >>> iv = InterdictionSurge(start="2030-01", target={"country": "GTM"}, size=1.0)
        >>> print(iv.validate_period((2000, 1), (2015, 12), "late.yaml")[0])
        late.yaml, column 'start': 2030-01 is after the run ends (2000-01 to 2015-12): it would have no effect
        """
        span = f"{start[0]}-{start[1]:02d} to {end[0]}-{end[1]:02d}"
        probs = []
        t0 = parse_month(str(self.start))
        t1 = parse_month(str(self.end)) if self.end is not None else None
        if t0 is not None and t0 > end:
            probs.append(
                Problem(
                    file,
                    self.field_line("start", line),
                    "start",
                    f"{self.start} is after the run ends ({span}): it would have no effect",
                )
            )
        elif t1 is not None and t1 < start:
            probs.append(
                Problem(
                    file,
                    self.field_line("end", line),
                    "end",
                    f"{self.end} is before the run starts ({span}): it would have no effect",
                )
            )
        return probs

    def validate_targets(self, sim: Sim, file: str, line: int | None) -> list[Problem]:
        """Check the targets against the network and actors, and the dates against the run.

        Returns one :class:`Problem` per unknown country, place, mode, group or
        segment, per missing required target, and (for a policy added to the
        scenario's own, e.g. from a policy file given to ``compare``) when the
        policy lies wholly outside the run; each names the file and the line of
        the field.
        """
        probs = []
        net = sim.net
        at = self.field_line
        own = sim.interventions[: len(sim.scenario.policies)]
        if not any(iv is self for iv in own):
            # why only added policies: a scenario's own dated events after a shortened
            # period (scenario.yaml's end, or --until) simply do not happen in that run
            probs.extend(self.validate_period(sim.scenario.start, sim.scenario.end, file, line))
        known = set(net.juris_ids) | set(net.countries)
        for key in self.required_targets:
            if not self.target.get(key):
                probs.append(
                    Problem(
                        file,
                        at("target", line),
                        f"target.{key}",
                        f"'{self.kind}' needs a target '{key}'",
                    )
                )
        for c in self.countries(sim):
            if c not in known:
                probs.append(
                    Problem(
                        file,
                        at("target.country", line),
                        "target.country",
                        f"unknown country '{brief(c)}'",
                    )
                )
        for p in _as_list(self.target.get("places")):
            if p not in net.place_index:
                probs.append(
                    Problem(
                        file,
                        at("target.places", line),
                        "target.places",
                        f"unknown place '{brief(p)}'",
                    )
                )
        for m in _as_list(self.target.get("modes")):
            if m not in MODE_TO_CLASS:
                probs.append(
                    Problem(
                        file,
                        at("target.modes", line),
                        "target.modes",
                        f"unknown mode '{brief(m)}' (use {', '.join(MODE_TO_CLASS)})",
                    )
                )
        actors = (
            set(str(a) for a in sim.scenario.actors["id"]) if len(sim.scenario.actors) else set()
        )
        for g in self.groups():
            if g not in actors:
                probs.append(
                    Problem(
                        file,
                        at("target.group", line),
                        "target.group",
                        f"unknown group '{brief(g)}' (actors: {', '.join(sorted(actors)) or 'none'})",
                    )
                )
        for s in _as_list(self.target.get("segment")):
            if ">" not in s:
                probs.append(
                    Problem(
                        file,
                        at("target.segment", line),
                        "target.segment",
                        f"segment '{brief(s)}' must read 'FROM>TO'",
                    )
                )
                continue
            for end in (x.strip() for x in s.split(">", 1)):
                if end not in net.place_index and end not in known:
                    probs.append(
                        Problem(
                            file,
                            at("target.segment", line),
                            "target.segment",
                            f"unknown place or country '{brief(end)}' in segment '{brief(s)}'",
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


def _number(v: Any) -> float | None:
    """``v`` as a finite float, or ``None``."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def parse_policies(specs: list[dict[str, Any]], file: str) -> list[Intervention]:
    """Build interventions from YAML-style dicts, reporting every problem.

    Raises
    ------
    ScenarioError
        Naming the file, the line of the field and the field of each problem
        (unknown type, unknown field, bad date, non-numeric size).

    Examples
    --------
    >>> from isthmus.scenario.yamlio import load_yaml
    >>> specs = load_yaml("p.yaml", text="- type: anti_corruption\\n  start: 2008-13\\n  size: 0.3\\n")
    >>> parse_policies(specs, "p.yaml")
    Traceback (most recent call last):
    ...
    isthmus.scenario.errors.ScenarioError: 1 problem in the scenario:
      p.yaml, line 2, column 'start': '2008-13' is not a valid month (YYYY-MM)
    """
    from . import library  # noqa: F401  (registers the intervention types)

    out: list[Intervention] = []
    problems: list[Problem] = []
    for spec in specs:
        if isinstance(spec, Intervention):
            out.append(spec)
            continue
        if not isinstance(spec, dict):
            problems.append(Problem(file, None, None, f"entry {brief(spec)} is not a mapping"))
            continue
        line = spec.get(LINE_KEY)

        def at(key: str, spec: dict = spec) -> int | None:
            return key_line(spec, key)

        kind = spec.get("type")
        cls = INTERVENTIONS.get(str(kind)) if isinstance(kind, (str, int, float)) else None
        if cls is None:
            problems.append(
                Problem(
                    file,
                    at("type") if "type" in spec else line,
                    "type",
                    f"unknown intervention type '{brief(kind)}' "
                    f"(known: {', '.join(sorted(INTERVENTIONS))})"
                    if "type" in spec
                    else f"missing field (one of: {', '.join(sorted(INTERVENTIONS))})",
                )
            )
            continue
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        lines: dict[str, int | None] = {}
        bad = False
        for k, v in spec.items():
            if k in ("type", LINE_KEY):
                continue
            if k not in names:
                problems.append(
                    Problem(
                        file,
                        at(k),
                        brief(k, 60),
                        f"unknown field for '{kind}' (fields: {', '.join(sorted(names))})",
                    )
                )
                bad = True
                continue
            kwargs[k] = v
            lines[k] = at(k)
        for k in ("start", "end"):
            if k in kwargs and kwargs[k] is not None:
                if isinstance(kwargs[k], (dict, list)):
                    problems.append(
                        Problem(file, at(k), k, f"'{brief(kwargs[k])}' is not a month (YYYY-MM)")
                    )
                    bad = True
                    continue
                kwargs[k] = str(kwargs[k])
                if parse_month(kwargs[k]) is None:
                    problems.append(
                        Problem(
                            file, at(k), k, f"'{brief(kwargs[k])}' is not a valid month (YYYY-MM)"
                        )
                    )
                    bad = True
        if "start" not in kwargs:
            problems.append(Problem(file, line, "start", "missing field"))
            bad = True
        elif kwargs.get("end") is not None and not bad:
            if parse_month(kwargs["end"]) < parse_month(kwargs["start"]):
                problems.append(Problem(file, at("end"), "end", "end is before start"))
                bad = True
        tgt = kwargs.get("target", {})
        if tgt is None:
            tgt = {}
        if not isinstance(tgt, dict):
            problems.append(
                Problem(
                    file,
                    at("target"),
                    "target",
                    "must be a mapping (country, places, modes, group)",
                )
            )
            bad = True
        else:
            raw_tgt = tgt
            tgt = {k: v for k, v in tgt.items() if k != LINE_KEY}
            for k in tgt:
                tl = key_line(raw_tgt, k) or at("target")
                lines[f"target.{k}"] = tl
                if k not in TARGET_KEYS:
                    problems.append(
                        Problem(
                            file,
                            tl,
                            f"target.{brief(k, 60)}",
                            f"unknown target (use {', '.join(TARGET_KEYS)})",
                        )
                    )
                    bad = True
            kwargs["target"] = tgt
        for f in fields(cls):
            if f.name not in kwargs or f.name in ("start", "end", "target"):
                continue
            v = kwargs[f.name]
            if f.type in ("float", float, "int", int):
                num = None if isinstance(v, bool) else _number(v)
                if num is None or (f.type in ("int", int) and num != int(num)):
                    kind_ = "an integer" if f.type in ("int", int) else "a number"
                    problems.append(
                        Problem(file, at(f.name), f.name, f"'{brief(v)}' is not {kind_}")
                    )
                    bad = True
                    continue
                kwargs[f.name] = int(num) if f.type in ("int", int) else num
            elif f.type in ("str", str):
                if isinstance(v, (dict, list)):
                    problems.append(
                        Problem(file, at(f.name), f.name, f"'{brief(v)}' is not a text value")
                    )
                    bad = True
                    continue
                kwargs[f.name] = "" if v is None else str(v)
                allowed = getattr(cls, "choices", {}).get(f.name)
                if allowed and kwargs[f.name] not in allowed:
                    problems.append(
                        Problem(
                            file,
                            at(f.name),
                            f.name,
                            f"'{brief(v)}' is not one of {', '.join(allowed)}",
                        )
                    )
                    bad = True
        lo, hi = cls.size_bounds
        size = kwargs.get("size")
        if isinstance(size, float) and (
            (lo is not None and size < lo) or (hi is not None and size > hi)
        ):
            rng = f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"
            problems.append(
                Problem(file, at("size"), "size", f"{size:g} is outside {rng} ({cls.size_unit})")
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
            iv._lines = lines  # type: ignore[attr-defined]
            out.append(iv)
    if problems:
        raise ScenarioError(problems)
    return out


def dump_policies(ivs: list[Intervention]) -> str:
    """YAML text for a list of interventions (round-trips with :func:`parse_policies`)."""
    import yaml

    return yaml.safe_dump([iv.to_dict() for iv in ivs], sort_keys=False, allow_unicode=True)


def read_policy_file(path: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Raw intervention specs (with ``__line__``) and file-level keys of a policy YAML file.

    A policy file is a YAML list of interventions, or a mapping with a
    ``policies`` list and optional keys (``scenario``: the scenario the
    policies apply to; ``title``, ``description``).

    Raises
    ------
    ScenarioError
        Naming the file (and line) when it cannot be read or has the wrong shape.
    """
    from ..scenario.yamlio import load_yaml

    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Problem(str(path), None, None, "no such policy file")])
    data = load_yaml(path)
    meta: dict[str, Any] = {}
    if isinstance(data, dict):
        unknown = sorted(
            set(data) - {"policies", "scenario", "title", "description", LINE_KEY}, key=str
        )
        if unknown:
            raise ScenarioError(
                [
                    Problem(
                        str(path),
                        key_line(data, k),
                        brief(k, 60),
                        "unknown key (use policies, scenario, title, description)",
                    )
                    for k in unknown
                ]
            )
        meta = {k: v for k, v in data.items() if k not in ("policies", LINE_KEY)}
        data = data.get("policies")
    if data is None or data == []:
        # why: an empty file (or a list left empty) is almost surely a mistake, and would
        # run an arm identical to the base and report "no difference"
        raise ScenarioError(
            [Problem(str(path), None, None, "no interventions: the policy file is empty")]
        )
    if not isinstance(data, list):
        raise ScenarioError([Problem(str(path), None, None, "must be a list of interventions")])
    return data, meta


def load_policy_file(path: str | Path) -> list[Intervention]:
    """Interventions of a policy YAML file; errors name the file and line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.yaml"
    >>> _ = f.write_text("- type: anti_corruption\\n  start: 2008-01\\n  target: {country: GTM}\\n  size: 0.3\\n")
    >>> load_policy_file(f)[0].kind
    'anti_corruption'
    """
    specs, _ = read_policy_file(path)
    return parse_policies(specs, str(path))
