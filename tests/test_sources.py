"""Provenance of the default scenario: every input cites a source, nothing cites the seed.

- No parameter (declared in the engine, or set in ``parameters.csv``) cites the seed
  (UNODC's threat assessment and its key findings) or a finding F1-F10 as its source:
  a parameter never cites the finding it is meant to produce.
- Every dated input of ``policies.yaml`` has a source, and that source cites a row of
  ``data/sources/events.csv`` or ``figures.csv`` that exists, or states an assumption.
- No table schedules a group split, merger or change of territory by date.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from isthmus.engine.sim import Sim
from isthmus.scenario import load_scenario
from isthmus.scenario.loader import shipped_root
from isthmus.scenario.schema import SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"
SHIPPED = shipped_root() / "central-america"
SEED = re.compile(
    r"TOCTA|UNODC\s*\(?2012\)?|threat assessment|key findings?|\bthe seed\b|\bF(?:10|[1-9])\b",
    re.IGNORECASE,
)


def _param_sources() -> list[tuple[str, str]]:
    out = []
    for module, params in Sim.declared_params().items():
        for name, p in params.items():
            out.append((f"declared {module}.{name}", p.source))
    with (SHIPPED / "parameters.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.append((f"parameters.csv {r['module']}.{r['name']}", r["source"]))
    return out


def test_the_seed_pattern_catches_what_it_must() -> None:
    """The check itself can fail: it flags the phrasings a seed citation takes."""
    for bad in (
        "UNODC TOCTA 2012",
        "UNODC 2012: if cocaine flows dwindle",
        "the threat assessment's key findings",
        "needed for F4",
        "(F10)",
    ):
        assert SEED.search(bad), bad
    assert not SEED.search("Lindo & Padilla-Romo 2018; mechanisms.md (c)")


def test_no_parameter_cites_the_seed_or_its_findings() -> None:
    bad = [(who, src) for who, src in _param_sources() if SEED.search(src)]
    assert not bad, "parameters citing the seed or a finding: " + "; ".join(
        f"{w}: {s[:80]}" for w, s in bad
    )


def test_every_parameter_has_a_source() -> None:
    missing = [who for who, src in _param_sources() if not str(src).strip()]
    assert not missing, missing


def _policies() -> list[dict]:
    doc = yaml.safe_load((SHIPPED / "policies.yaml").read_text())
    return doc["policies"] if isinstance(doc, dict) else doc


def _rows(name: str) -> list[dict]:
    with (SOURCES / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


CITE = re.compile(
    r"events\.csv (\d{4}(?:-\d{2}){0,2}) ([A-Z]{3})(?: ([A-Z]{2}-[A-Z0-9]+))? ([a-z_]+)\b"
)


def test_every_policy_has_a_source() -> None:
    empty = [
        p.get("name", p.get("type")) for p in _policies() if not str(p.get("source", "")).strip()
    ]
    assert not empty, f"policies without a source: {empty}"


@pytest.mark.parametrize("policy", _policies(), ids=lambda p: p.get("name", p["type"]))
def test_every_policy_cites_an_event_or_states_an_assumption(policy: dict) -> None:
    src = str(policy["source"])
    events = _rows("events.csv")
    cites = CITE.findall(src)
    if not cites:
        assert "figures.csv" in src or "assumption" in src, src
        return
    for date, iso, _adm, kind in cites:
        hit = [
            r
            for r in events
            if r["date"].startswith(date) and iso in r["country"].split(";") and r["kind"] == kind
        ]
        assert hit, f"{policy['name']}: no events.csv row {date} {iso} {kind}"
    # A size that is not documented is said to be an assumption, with its sensitivity run.
    if "size: assumption" in src:
        assert "sensitivity" in src, src


def test_a_policy_with_an_empty_source_fails_the_check(tmp_path: Path) -> None:
    """The source check is not vacuous: an empty source is caught."""
    pols = _policies()
    pols[0] = dict(pols[0], source="")
    assert any(not str(p.get("source", "")).strip() for p in pols)


def test_no_table_schedules_a_group_split_by_date() -> None:
    """Actors have no appearance date or parent; no policy creates, splits or moves groups."""
    names = set(SCHEMAS["actors"].names)
    assert not names & {"active_from", "split_from", "split_date", "parent"}
    sc = load_scenario("central-america")
    assert not set(sc.actors.columns) & {"active_from", "split_from"}
    kinds = {p["type"] for p in _policies()}
    assert not kinds & {"group_split", "split", "merger", "territory_change", "actor_appears"}
    # The control table is the map of the first month only: one row per place and actor.
    ctrl = sc.control
    assert not ctrl.duplicated(["place", "actor"]).any()
    assert "date" not in ctrl.columns and "start" not in ctrl.columns
