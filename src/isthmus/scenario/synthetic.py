"""Synthetic scenarios of any size, for tests, property tests and benchmarks.

Examples
--------
>>> sc = synthetic_scenario(n_places=60, n_links=300, seed=1)
>>> len(sc.places), len(sc.links) >= 250
(60, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .loader import Scenario, read_table
from .schema import SCHEMAS

SRC = "assumption: synthetic test network"


def _typed(table: str, rows: list[dict]) -> pd.DataFrame:
    schema = SCHEMAS[table]
    df = pd.DataFrame(rows)
    for name in schema.names:
        if name not in df.columns:
            df[name] = schema.attribute(name).default
    text = df[schema.names].to_csv(index=False)
    problems: list = []
    out = read_table(text, schema, f"{table}.csv", problems)
    if problems:
        raise ValueError("; ".join(str(p) for p in problems[:5]))
    return out


def _haversine(lat1, lon1, lat2, lon2):
    r = np.pi / 180
    a = (
        np.sin((lat2 - lat1) * r / 2) ** 2
        + np.cos(lat1 * r) * np.cos(lat2 * r) * np.sin((lon2 - lon1) * r / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def _connected(pairs: set[tuple[int, int]], lat: np.ndarray, lon: np.ndarray) -> set:
    """``pairs`` plus the shortest edges that join every component to the largest one.

    Examples
    --------
    >>> lat, lon = np.array([0.0, 0.1, 5.0, 5.1]), np.array([0.0, 0.0, 0.0, 0.0])
    >>> sorted(_connected({(0, 1), (2, 3)}, lat, lon))
    [(0, 1), (1, 2), (2, 3)]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(lat)
    pairs = set(pairs)
    while n > 1:
        ij = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        g = coo_matrix((np.ones(len(ij)), (ij[:, 0], ij[:, 1])), shape=(n, n))
        n_comp, label = connected_components(g, directed=False)
        if n_comp <= 1:
            break
        main = np.flatnonzero(label == np.bincount(label).argmax())
        rest = np.flatnonzero(label != label[main[0]])
        dist, near = cKDTree(np.c_[lat[main], lon[main]]).query(np.c_[lat[rest], lon[rest]])
        k = int(np.argmin(dist))
        a, b = int(rest[k]), int(main[near[k]])
        pairs.add((min(a, b), max(a, b)))
    return pairs


def synthetic_scenario(
    n_places: int = 200,
    n_links: int = 1000,
    seed: int = 0,
    n_countries: int = 8,
    start: str = "2000-01",
    end: str = "2015-12",
    production_t_per_year: float = 900.0,
) -> Scenario:
    """A random but well-formed scenario with ``n_places`` places and about ``n_links`` links.

    Land places lie on a jittered grid between the Andes and the markets and
    belong to ``n_countries`` countries in three region groups (Central
    America in the south, Mexico in the north-west, the Caribbean in the
    east), so that the same indicators as in the default scenario are defined.
    """
    rng = np.random.default_rng(seed)
    n_land = max(n_places - 8, 4)
    lat = rng.uniform(8.0, 30.0, n_land)
    lon = rng.uniform(-110.0, -62.0, n_land)
    countries = [f"C{k:02d}" for k in range(n_countries)]
    # Countries are longitude-latitude blocks; group by position.
    band = np.minimum(((lat - 8.0) / 22.0 * (n_countries // 2)).astype(int), n_countries // 2 - 1)
    east = lon > -80.0
    cidx = np.where(east, n_countries // 2 + band, band)
    cidx = np.clip(cidx, 0, n_countries - 1)
    group = np.where(east, "caribbean", np.where(lat > 17.0, "mexico", "central_america"))
    places = [
        dict(
            id="ANDES",
            name="Andean production",
            country="COL",
            level="source",
            lat=4.0,
            lon=-74.0,
            role="source",
            region_group="south_america",
            source=SRC,
        ),
        dict(
            id="CO-PAC",
            name="Pacific coast",
            country="COL",
            level="source",
            lat=3.0,
            lon=-77.5,
            region_group="south_america",
            source=SRC,
        ),
        dict(
            id="CO-CAR",
            name="Caribbean coast",
            country="COL",
            level="source",
            lat=10.5,
            lon=-75.0,
            region_group="south_america",
            source=SRC,
        ),
        dict(
            id="Z-PAC",
            name="Pacific zone",
            country="XTZ",
            level="maritime",
            lat=8.0,
            lon=-90.0,
            region_group="maritime",
            source=SRC,
        ),
        dict(
            id="Z-CAR",
            name="Caribbean zone",
            country="XTZ",
            level="maritime",
            lat=15.0,
            lon=-78.0,
            region_group="maritime",
            source=SRC,
        ),
        dict(
            id="US-W",
            name="US west entry",
            country="USA",
            level="entry",
            lat=32.0,
            lon=-110.0,
            role="destination",
            market="usa",
            region_group="usa",
            source=SRC,
        ),
        dict(
            id="US-E",
            name="US east entry",
            country="USA",
            level="entry",
            lat=26.0,
            lon=-80.0,
            role="destination",
            market="usa",
            region_group="usa",
            source=SRC,
        ),
        dict(
            id="EU",
            name="Europe",
            country="EUR",
            level="market",
            lat=40.0,
            lon=-10.0,
            role="destination",
            market="europe",
            region_group="europe",
            source=SRC,
        ),
    ]
    ids = [f"P{k:05d}" for k in range(n_land)]
    for k in range(n_land):
        places.append(
            dict(
                id=ids[k],
                name=ids[k],
                country=countries[cidx[k]],
                level="admin1",
                lat=round(float(lat[k]), 4),
                lon=round(float(lon[k]), 4),
                population=float(rng.integers(50_000, 2_000_000)),
                region_group=str(group[k]),
                source=SRC,
            )
        )
    links: list[dict] = []

    def add(a, b, mode, la, loa, lb, lob, cost_per_km):
        d = float(_haversine(la, loa, lb, lob))
        links.append(
            {
                "from": a,
                "to": b,
                "mode": mode,
                "length_km": round(d, 1),
                "cost_usd_per_kg": round(d * cost_per_km, 2),
                "capacity_t_per_month": 200.0,
                "source": SRC,
            }
        )

    add("ANDES", "CO-PAC", "land", 4, -74, 3, -77.5, 0.5)
    add("ANDES", "CO-CAR", "land", 4, -74, 10.5, -75, 0.5)
    add("CO-PAC", "Z-PAC", "maritime-pacific", 3, -77.5, 8, -90, 0.3)
    add("CO-CAR", "Z-CAR", "maritime-caribbean", 10.5, -75, 15, -78, 0.3)
    # Land links: k nearest neighbours, both directions, with k chosen to reach ~n_links.
    tree = cKDTree(np.c_[lat, lon])
    target_pairs = max(int(0.495 * n_links), n_land)
    k_nn = 1
    pairs: set[tuple[int, int]] = set()
    while True:
        _, nb = tree.query(np.c_[lat, lon], k=min(k_nn + 1, n_land))
        pairs = {
            (min(i, int(j)), max(i, int(j)))
            for i in range(n_land)
            for j in np.atleast_1d(nb[i])[1:]
        }
        if len(pairs) >= 0.9 * target_pairs or k_nn + 1 >= n_land:
            break
        k_nn += 1
    # A k-nearest-neighbour graph can fall apart into islands (then no route may connect
    # the landfalls in the south to the entry points in the north): join each island to
    # the largest part by its shortest edge. A connected graph is left as it is.
    pairs = _connected(pairs, lat, lon)
    for i, j in sorted(pairs):
        add(ids[i], ids[j], "land", lat[i], lon[i], lat[j], lon[j], 0.5)
        add(ids[j], ids[i], "land", lat[j], lon[j], lat[i], lon[i], 0.5)
    # Maritime landfalls: southern places from the zones.
    n_gw = max(3, int(0.05 * n_land))
    south = np.argsort(lat)[:n_gw]
    for i in south:
        z = (
            ("Z-CAR", 15, -78, "maritime-caribbean")
            if lon[i] > -85
            else ("Z-PAC", 8, -90, "maritime-pacific")
        )
        add(z[0], ids[i], z[3], z[1], z[2], lat[i], lon[i], 0.3)
    # Entry points: northern places to the US, eastern to Europe.
    north = np.argsort(-lat)[: max(3, int(0.02 * n_land))]
    for i in north:
        tgt = ("US-E", 26, -80) if lon[i] > -90 else ("US-W", 32, -110)
        add(ids[i], tgt[0], "land", lat[i], lon[i], tgt[1], tgt[2], 0.5)
    eastmost = np.argsort(-lon)[: max(2, int(0.01 * n_land))]
    for i in eastmost:
        add(ids[i], "EU", "maritime-atlantic", lat[i], lon[i], 40, -10, 0.2)
        add(ids[i], "US-E", "maritime-caribbean", lat[i], lon[i], 26, -80, 0.3)
    country_rows = [
        dict(
            id=c,
            name=f"Country {c}",
            police=3.0,
            military=2.0,
            navy=1.0,
            air=0.5,
            corruption=0.3,
            source=SRC,
        )
        for c in countries
    ] + [
        dict(
            id="XTZ",
            name="Transit zone",
            police=0,
            military=0,
            navy=6.0,
            air=2.0,
            corruption=0.0,
            source=SRC,
        ),
        dict(
            id="USA",
            name="United States",
            police=5.0,
            military=0,
            navy=1.0,
            air=1.0,
            corruption=0.05,
            source=SRC,
        ),
        dict(
            id="COL",
            name="Colombia",
            police=3.0,
            military=3.0,
            navy=1.0,
            air=0.5,
            corruption=0.3,
            source=SRC,
        ),
    ]
    series = [
        dict(
            series="production_t_per_year",
            region="andes",
            date=start,
            value=production_t_per_year,
            unit="t/year",
            source=SRC,
        ),
    ]
    tables = {
        "places": _typed("places", places),
        "links": _typed("links", links),
        "countries": _typed("countries", country_rows),
        "series": _typed("series", series),
        "parameters": _typed("parameters", []),
        "actors": _typed("actors", []),
        "control": _typed("control", []),
        "baseline_violence": _typed("baseline_violence", []),
    }
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in end.split("-"))
    return Scenario(
        name=f"synthetic-{n_places}",
        title="Synthetic network",
        start=(y0, m0),
        end=(y1, m1),
        tables=tables,
        policies=[],
        meta={"name": f"synthetic-{n_places}"},
    )
