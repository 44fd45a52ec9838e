"""Policy levers of the dashboard, turned into interventions (no Streamlit here).

A lever is an intervention type (:func:`isthmus.experiments.runs.intervention_types`),
a target, a size and a period. The dashboard shows the levers whose type is
registered at run time, grouped as the issue names them (enforcement by
country and mode, coordination, military and police, prevention, demand
reduction), and builds the policy dicts that a run takes
(:func:`isthmus.viz.rundata.simulate` ``policies=[...]``). Types added later
appear under "other levers" with a size range and targets read from the class
itself (``size_unit``, ``size_bounds``, ``required_targets``).

A lever that means nothing is an error shown at the lever, and nothing runs:
a lever with no target (:func:`lever_problems`), or a period outside the run
(:func:`period_problems`).

Examples
--------
>>> pol = make_policy("interdiction_surge", "2007-01", None, 0.5, countries=["GTM"], modes=["land"])
>>> pol["target"]
{'country': ['GTM'], 'modes': ['land']}
>>> check_policies([pol], "central-america")
[]
>>> period_problems("2030-01", "", (2000, 1), (2015, 12))
{'start': '2030-01 is after the run ends (2015-12): the lever would do nothing'}
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..scenario import Scenario

MODE_CLASSES = ("land", "sea", "air", "container")

# Lever groups, in the order the dashboard shows them, and the intervention types in each.
GROUPS: dict[str, tuple[str, ...]] = {
    "Enforcement by country and mode": ("interdiction_surge",),
    "Coordination": (
        "coordinated_allocation",
        "unilateral_allocation",
        "international_cooperation",
    ),
    "Military and police": (
        "military_deployment",
        "police_reform",
        "anti_corruption",
        "justice_capacity",
        "kingpin_strategy",
    ),
    "Prevention": ("crime_prevention",),
    "Demand reduction": ("us_demand_reduction",),
}


@dataclass(frozen=True)
class SizeRange:
    """Slider range of a lever's ``size``."""

    low: float
    high: float
    step: float
    default: float


# Ranges a user can reach with a slider; the class's own bounds still apply.
PRESETS: dict[str, SizeRange] = {
    "interdiction_surge": SizeRange(-0.5, 3.0, 0.1, 1.0),
    "military_deployment": SizeRange(0.0, 50000.0, 500.0, 10000.0),
    "police_reform": SizeRange(0.0, 2.0, 0.1, 0.5),
    "anti_corruption": SizeRange(0.0, 1.0, 0.05, 0.3),
    "justice_capacity": SizeRange(0.0, 1.0, 0.05, 0.2),
    "kingpin_strategy": SizeRange(1.0, 5.0, 1.0, 1.0),
    "international_cooperation": SizeRange(0.0, 1.0, 0.05, 0.3),
    "crime_prevention": SizeRange(0.0, 1.0, 0.05, 0.3),
    "us_demand_reduction": SizeRange(0.0, 0.5, 0.05, 0.1),
    "unilateral_allocation": SizeRange(0.0, 30.0, 1.0, 10.0),
    "coordinated_allocation": SizeRange(0.0, 30.0, 1.0, 10.0),
}


def registry() -> dict[str, type]:
    """Intervention types registered now (other engineers may add more)."""
    from ..experiments.runs import intervention_types

    return intervention_types()


def grouped_levers(kinds: dict[str, type] | None = None) -> dict[str, list[str]]:
    """Available intervention types by lever group; unknown new types go to "Other levers"."""
    kinds = registry() if kinds is None else kinds
    out: dict[str, list[str]] = {}
    placed: set[str] = set()
    for g, ks in GROUPS.items():
        have = [k for k in ks if k in kinds]
        placed |= set(ks)
        if have:
            out[g] = have
    # Types that are not a slider (e.g. link_effort: an allocation link by link) stay out.
    other = sorted(k for k in kinds if k not in placed and getattr(kinds[k], "lever", True))
    if other:
        out["Other levers"] = other
    return out


def missing_levers(kinds: dict[str, type] | None = None) -> dict[str, list[str]]:
    """Lever groups with no registered intervention type (shown as unavailable)."""
    kinds = registry() if kinds is None else kinds
    return {g: list(ks) for g, ks in GROUPS.items() if not any(k in kinds for k in ks)}


def size_range(kind: str, cls: type | None = None) -> SizeRange:
    """Slider range for a type: the preset clipped to the class's ``size_bounds``."""
    cls = cls or registry().get(kind)
    lo_b, hi_b = getattr(cls, "size_bounds", (None, None)) if cls else (None, None)
    r = PRESETS.get(kind)
    if r is None:
        unit = str(getattr(cls, "size_unit", "")).lower()
        if "personnel" in unit:
            r = SizeRange(0.0, 50000.0, 500.0, 5000.0)
        elif "effort units" in unit:
            r = SizeRange(0.0, 30.0, 1.0, 5.0)
        elif "0-1" in unit or "share" in unit:
            r = SizeRange(0.0, 1.0, 0.05, 0.2)
        else:
            r = SizeRange(0.0, 2.0, 0.1, 0.5)
    lo = r.low if lo_b is None else max(r.low, float(lo_b))
    hi = r.high if hi_b is None else min(r.high, float(hi_b))
    hi = max(hi, lo + r.step)
    return SizeRange(lo, hi, r.step, min(max(r.default, lo), hi))


def target_kind(kind: str, cls: type | None = None) -> str:
    """Which target widget a type needs: country_modes, places, group, countries or none."""
    cls = cls or registry().get(kind)
    req = tuple(getattr(cls, "required_targets", ()) or ())
    if kind == "interdiction_surge":
        return "country_modes"
    if kind == "military_deployment":
        return "places"
    if "group" in req:
        return "group"
    if "places" in req:
        return "places"
    if "country" in req:
        return "countries"
    if kind in ("us_demand_reduction",):
        return "none"
    # Types may check targets beyond required_targets (crime_prevention needs places or a
    # country): default to countries, which every type accepts.
    return "countries"


def extra_fields(kind: str, cls: type | None = None) -> dict[str, tuple[str, ...]]:
    """Text fields with fixed choices (e.g. ``split`` of unilateral allocation)."""
    cls = cls or registry().get(kind)
    return dict(getattr(cls, "choices", {}) or {})


def describe(kind: str, cls: type | None = None) -> str:
    """One-line help for a lever: the class's description and size unit."""
    cls = cls or registry().get(kind)
    if cls is None:
        return kind
    return f"{getattr(cls, 'description', '')} Size: {getattr(cls, 'size_unit', '')}.".strip()


def label(kind: str) -> str:
    """Readable name of an intervention type."""
    return kind.replace("_", " ").replace("us ", "US ").capitalize().replace("Us ", "US ")


def make_policy(
    kind: str,
    start: str,
    end: str | None,
    size: float,
    countries: list[str] | None = None,
    modes: list[str] | None = None,
    places: list[str] | None = None,
    group: str | None = None,
    extra: dict[str, Any] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """A policy dict (as in ``policies.yaml``) for one lever.

    Examples
    --------
    >>> make_policy("military_deployment", "2008-01", "2010-12", 5000, places=["GT-PE"])["target"]
    {'places': ['GT-PE']}
    """
    target: dict[str, Any] = {}
    if countries:
        target["country"] = list(countries)
    if modes and len(modes) < len(MODE_CLASSES):
        target["modes"] = list(modes)
    if places:
        target["places"] = list(places)
    if group:
        target["group"] = group
    pol: dict[str, Any] = {
        "type": kind,
        "name": name or f"dashboard: {label(kind)}",
        "start": start,
        "target": target,
        "size": float(size),
        "source": "dashboard lever",
    }
    if end:
        pol["end"] = end
    cls = registry().get(kind)
    allowed = {f.name for f in fields(cls)} if cls is not None else set()
    for k, v in (extra or {}).items():
        if k in allowed:
            pol[k] = v
    return pol


# Default targets when a lever is switched on (kept only if the scenario has them).
DEFAULT_COUNTRIES = ("GTM", "HND")
DEFAULT_REFORM_COUNTRIES = ("GTM", "HND", "SLV")
DEFAULT_PLACES = ("GT-PE", "GT-IZ", "HN-CR")


def default_state(
    kind: str, choices: dict[str, list[str]], cls: type | None = None
) -> dict[str, Any]:
    """Widget values of a lever just switched on (``<kind>:*`` keys), valid for the scenario.

    Examples
    --------
    >>> from isthmus import load_scenario
    >>> d = default_state("interdiction_surge", scenario_choices(load_scenario("central-america")))
    >>> d["interdiction_surge:countries"], d["interdiction_surge:size"]
    (['GTM', 'HND'], 1.0)
    """
    cls = cls or registry().get(kind)
    tk = target_kind(kind, cls)
    countries = [c for c in choices["countries"] if c != "transit_zone"]
    out: dict[str, Any] = {f"{kind}:on": True, f"{kind}:size": size_range(kind, cls).default}
    if tk == "country_modes":
        out[f"{kind}:countries"] = [c for c in DEFAULT_COUNTRIES if c in choices["countries"]]
        out[f"{kind}:modes"] = list(choices["modes"])
    elif tk == "countries":
        out[f"{kind}:countries"] = [c for c in DEFAULT_REFORM_COUNTRIES if c in countries]
    elif tk == "countries_optional":
        out[f"{kind}:countries"] = []
    elif tk == "places":
        out[f"{kind}:places"] = [p for p in DEFAULT_PLACES if p in choices["places"]]
    elif tk == "group":
        out[f"{kind}:group"] = choices["groups"][0] if choices["groups"] else None
    for f, opts in extra_fields(kind, cls).items():
        out[f"{kind}:{f}"] = opts[0]
    return out


def lever_policies(
    state: dict[str, Any], kinds: dict[str, type] | None = None
) -> list[dict[str, Any]]:
    """Policies from the dashboard's widget values.

    ``state`` maps widget keys to values: ``start``, ``end`` (``YYYY-MM`` or
    empty) and, for each type, ``<kind>:on``, ``<kind>:size``,
    ``<kind>:countries``, ``<kind>:modes``, ``<kind>:places``, ``<kind>:group``,
    ``<kind>:<choice field>``. Types not registered are ignored.

    Examples
    --------
    >>> s = {"start": "2007-01", "end": "", "interdiction_surge:on": True,
    ...      "interdiction_surge:size": 1.0, "interdiction_surge:countries": ["HND"],
    ...      "interdiction_surge:modes": ["land", "sea"]}
    >>> [p["type"] for p in lever_policies(s)]
    ['interdiction_surge']
    """
    kinds = registry() if kinds is None else kinds
    start = str(state.get("start") or "2007-01")
    end = str(state.get("end") or "") or None
    out = []
    for ks in grouped_levers(kinds).values():
        for kind in ks:
            if not state.get(f"{kind}:on"):
                continue
            r = size_range(kind, kinds[kind])
            size = float(state.get(f"{kind}:size", r.default))
            tk = target_kind(kind, kinds[kind])
            countries = list(state.get(f"{kind}:countries") or [])
            modes = list(state.get(f"{kind}:modes") or [])
            places = list(state.get(f"{kind}:places") or [])
            group = state.get(f"{kind}:group") or None
            extra = {
                f: state[f"{kind}:{f}"]
                for f in extra_fields(kind, kinds[kind])
                if f"{kind}:{f}" in state
            }
            if tk in ("country_modes", "countries") and not countries:
                continue  # no target: lever_problems reports it, and nothing runs
            if tk == "places" and not places:
                continue
            if tk == "group" and not group:
                continue
            out.append(
                make_policy(
                    kind,
                    start,
                    end,
                    size,
                    countries=countries if tk != "places" else None,
                    modes=modes if tk == "country_modes" else None,
                    places=places if tk == "places" else None,
                    group=group if tk == "group" else None,
                    extra=extra,
                )
            )
    return out


def check_policies(policies: list[dict[str, Any]], scenario: Scenario | str) -> list[str]:
    """Problems with the policies for this scenario (empty when they can run).

    Parses them with the scenario's own rules and checks their targets
    against its compiled network (:func:`isthmus.experiments.runs.check_policies`).
    """
    from ..experiments.runs import check_policies as _check

    return _check(scenario, policies, "dashboard")


def _month(text: str) -> tuple[int, int] | None:
    t = str(text or "").strip()
    parts = t.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    y, m = int(parts[0]), int(parts[1])
    return (y, m) if 1 <= m <= 12 else None


def _ym(ym: tuple[int, int]) -> str:
    return f"{ym[0]}-{ym[1]:02d}"


def period_problems(
    start: str, end: str, first: tuple[int, int], last: tuple[int, int]
) -> dict[str, str]:
    """What is wrong with the levers' period for a run from ``first`` to ``last`` (by field).

    ``start`` must be a month (``YYYY-MM``) within the run; ``end`` is empty
    (the end of the run) or a month within the run, not before ``start``.

    Examples
    --------
    >>> period_problems("2007-01", "", (2000, 1), (2015, 12))
    {}
    >>> period_problems("2007-13", "2020-01", (2000, 1), (2015, 12))["start"]
    "'2007-13' is not a month (YYYY-MM, e.g. 2007-01)"
    """
    out: dict[str, str] = {}
    s = _month(start)
    if s is None:
        out["start"] = f"'{start}' is not a month (YYYY-MM, e.g. 2007-01)"
    elif s > last:
        out["start"] = f"{_ym(s)} is after the run ends ({_ym(last)}): the lever would do nothing"
    elif s < first:
        out["start"] = f"{_ym(s)} is before the run starts ({_ym(first)})"
    if str(end or "").strip():
        e = _month(end)
        if e is None:
            out["end"] = (
                f"'{end}' is not a month (YYYY-MM), or leave it empty for the end of the run"
            )
        elif e < first:
            out["end"] = (
                f"{_ym(e)} is before the run starts ({_ym(first)}): the lever would do nothing"
            )
        elif e > last:
            out["end"] = (
                f"{_ym(e)} is after the run ends ({_ym(last)}): leave it empty for the end of the run"
            )
        elif s is not None and e < s:
            out["end"] = f"{_ym(e)} is before the start {_ym(s)}"
    return out


TARGET_WORDS = {
    "country_modes": "choose at least one country (or the transit zone) and one mode",
    "countries": "choose at least one country",
    "places": "choose at least one place",
    "group": "choose a group",
}


def lever_problems(
    state: dict[str, Any], kinds: dict[str, type] | None = None
) -> dict[str, list[str]]:
    """Levers switched on that would do nothing, by type: no target (or no mode).

    Examples
    --------
    >>> lever_problems({"interdiction_surge:on": True, "interdiction_surge:countries": []})
    {'interdiction_surge': ['no target: choose at least one country (or the transit zone) and one mode']}
    """
    kinds = registry() if kinds is None else kinds
    out: dict[str, list[str]] = {}
    for ks in grouped_levers(kinds).values():
        for kind in ks:
            if not state.get(f"{kind}:on"):
                continue
            tk = target_kind(kind, kinds[kind])
            probs = []
            if tk in ("country_modes", "countries") and not state.get(f"{kind}:countries"):
                probs.append(f"no target: {TARGET_WORDS[tk]}")
            if (
                tk == "country_modes"
                and f"{kind}:modes" in state
                and not state.get(f"{kind}:modes")
            ):
                probs.append("no mode: choose at least one mode (land, sea, air, container)")
            if tk == "places" and not state.get(f"{kind}:places"):
                probs.append(f"no target: {TARGET_WORDS['places']}")
            if tk == "group" and not state.get(f"{kind}:group"):
                probs.append(f"no target: {TARGET_WORDS['group']}")
            if probs:
                out[kind] = probs
    return out


def lever_span(start: str, end: str, last_year: int) -> tuple[int, int]:
    """Years the levers act in (the effects table's period).

    Examples
    --------
    >>> lever_span("2008-06", "", 2015)
    (2008, 2015)
    """
    s = _month(start)
    e = _month(end) if str(end or "").strip() else None
    y0 = s[0] if s else last_year
    y1 = e[0] if e else last_year
    return (min(y0, last_year), min(max(y1, y0), last_year))


def scenario_choices(sc: Scenario) -> dict[str, list[str]]:
    """Targets a user can pick in a scenario: jurisdictions, admin-1 places, groups."""
    places = sc.places
    countries = sorted(
        {
            str(c)
            for c, g in zip(places["country"], places["region_group"], strict=True)
            if c and g != "maritime"
        }
    )
    countries = [c for c in countries if c in set(sc.countries["id"].astype(str))]
    jur = countries + ["transit_zone"]
    admin1 = [str(p) for p, lv in zip(places["id"], places["level"], strict=True) if lv == "admin1"]
    groups = [str(a) for a in sc.actors["id"]] if len(sc.actors) else []
    return {"countries": jur, "places": admin1, "groups": groups, "modes": list(MODE_CLASSES)}
