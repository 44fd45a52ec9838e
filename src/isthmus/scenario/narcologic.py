"""Importer for NarcoLogic's published network (Magliocca et al. 2019, PNAS 116:7784).

Reads ``NodeTable.csv`` and ``EdgeTable.csv`` (as in the NarcoABM repository)
and builds an isthmus :class:`Scenario`, so the same engine can be run and
benchmarked on a peer model's network. Conventions follow NarcoLogic:
node 0 is the producer, node 155 the Mexico end node, nodes 156-159 sea
waypoints and 160-162 further end nodes; transport costs are 3.5 USD/kg/km on
land and 1.5 USD/kg/km by sea or air; capacity is 32,000 kg per month; supply
rises along a logistic curve from 16 to 287 t per month over 179 months.

Examples
--------
>>> from pathlib import Path
>>> p = Path(__file__).resolve().parents[4] / "shared" / "peers" / "narcologic"
>>> if p.exists():
...     sc = load_narcologic(p)
...     # the 163 nodes plus a placeholder European market, and its one link
...     assert len(sc.places) == 164 and len(sc.links) == 1018
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .errors import Problem, ScenarioError
from .loader import Scenario
from .synthetic import _haversine, _typed

SRC = "NarcoLogic network (Magliocca et al. 2019, PNAS 116:7784; github nickmags13/NarcoABM)"
END_NODES = (155, 160, 161, 162)
WAYPOINTS = (156, 157, 158, 159)


def _read(path: Path) -> list[dict]:
    if not path.exists():
        raise ScenarioError([Problem(path.name, None, None, "file is missing")])
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_narcologic(folder: Path | str, months: int = 179) -> Scenario:
    """Build a scenario from NarcoLogic's NodeTable.csv and EdgeTable.csv."""
    folder = Path(folder)
    nodes = _read(folder / "NodeTable.csv")
    edges = _read(folder / "EdgeTable.csv")
    places = []
    coords = {}
    for r in nodes:
        i = int(r["ID"])
        lat, lon = float(r["Lat"]), float(r["Lon"])
        coords[i] = (lat, lon)
        dept = r["DeptCode"]
        if i == 0:
            row = dict(level="source", role="source", country="PRD", region_group="south_america")
        elif i in END_NODES:
            row = dict(
                level="entry", role="destination", market="usa", country="MEX", region_group="usa"
            )
        elif i in WAYPOINTS:
            row = dict(level="maritime", country="XTZ", region_group="maritime")
        else:
            # GAUL admin-1 code: each department is its own jurisdiction here.
            row = dict(level="admin1", country=f"D{dept}", region_group="central_america")
        places.append(
            dict(id=f"N{i}", name=f"NarcoLogic node {i}", lat=lat, lon=lon, source=SRC, **row)
        )
    # Europe does not exist in NarcoLogic; a tiny unreachable-but-valid market keeps the schema whole.
    places.append(
        dict(
            id="EU",
            name="(no European market)",
            country="EUR",
            level="market",
            lat=40.0,
            lon=-3.7,
            role="destination",
            market="europe",
            region_group="europe",
            source=SRC,
        )
    )
    links = []
    for r in edges:
        a, b = int(r["EndNodes_1"]), int(r["EndNodes_2"])
        d = float(_haversine(*coords[a], *coords[b]))
        sea = a in WAYPOINTS or b in WAYPOINTS or a == 0
        mode = "maritime-pacific" if sea else "land"
        links.append(
            {
                "from": f"N{a}",
                "to": f"N{b}",
                "mode": mode,
                "length_km": round(d, 2),
                "cost_usd_per_kg": round(d * (1.5 if sea else 3.5), 2),
                "capacity_t_per_month": float(r["Capacity"]) / 1000.0,
                "source": SRC,
            }
        )
    links.append(
        {
            "from": "N0",
            "to": "EU",
            "mode": "maritime-atlantic",
            "length_km": 8000.0,
            "cost_usd_per_kg": 1e6,
            "capacity_t_per_month": 0.001,
            "source": SRC,
        }
    )
    depts = sorted({p["country"] for p in places if p["country"].startswith("D")})
    countries = [
        dict(
            id=c,
            name=c,
            police=1.0,
            military=0.0,
            navy=0.2,
            air=0.1,
            corruption=0.3,
            source="assumption: uniform enforcement per department",
        )
        for c in depts
    ]
    countries.append(dict(id="XTZ", name="waypoints", navy=2.0, air=1.0, source="assumption"))
    # NarcoLogic's logistic supply: 16 -> 287 t/month over the run, here as yearly-rate points.
    series = []
    for k in range(0, months, 6):
        s = 16.0 + (287.0 - 16.0) / (1.0 + math.exp(-10.0 * (k / months - 0.5)))
        series.append(
            dict(
                series="production_t_per_year",
                region="andes",
                date=f"{2000 + k // 12}-{k % 12 + 1:02d}",
                value=round(s * 12.0, 3),
                unit="t/year",
                source=SRC + " (logistic supply)",
            )
        )
    tables = {
        "places": _typed("places", places),
        "links": _typed("links", links),
        "countries": _typed("countries", countries),
        "series": _typed("series", series),
        "parameters": _typed(
            "parameters",
            [
                dict(
                    module="supply",
                    name="export_share",
                    value=1.0,
                    unit="0-1",
                    source="NarcoLogic supply is shipped whole",
                )
            ],
        ),
        "actors": _typed("actors", []),
        "control": _typed("control", []),
    }
    end = (2000 + (months - 1) // 12, (months - 1) % 12 + 1)
    return Scenario(
        name="narcologic",
        title="NarcoLogic network (Magliocca et al. 2019)",
        start=(2000, 1),
        end=end,
        tables=tables,
        policies=[],
        meta={"name": "narcologic"},
        path=folder,
    )
