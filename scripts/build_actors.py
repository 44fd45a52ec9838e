"""Build the default scenario's crime-group tables.

Writes, in ``src/isthmus/scenario/shipped/central-america/``:

- ``actors.csv``: transnational organisations, territorial crime families and gangs,
  with the attributes that drive what they do (strength, upkeep, transport capacity,
  reach, patience). Nothing is scheduled: no actor appears, splits or merges by date
  (splits come from the succession mechanism after the state removes a leader).
- ``control.csv``: who holds which places in January 2000.

``--upkeep`` rescales the upkeeps so that each group starts near the size its revenue
sustains (a steady state of 2000-2002, the flow model's years up to 2002 only). The
fixed effects of violence and the coefficients of the mechanisms are estimated by
``isthmus calibrate --violence`` (:mod:`isthmus.experiments.violence_fit`).

Where the groups operate comes from ``figures.csv`` (InSight Crime profiles, c.2008-2012,
projected back to 2000 as an assumption); the Mexican organisations' states, the gangs'
departments, strengths, upkeeps and patience are assumptions stated row by row.

Usage::

    .venv/bin/python scripts/build_actors.py            # actors.csv, control.csv
    .venv/bin/python scripts/build_actors.py --upkeep   # + steady-state upkeeps
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "isthmus" / "scenario" / "shipped" / "central-america"
DATA = ROOT / "data" / "sources"

IC_GT = (
    "InSight Crime Guatemala profiles (2012 archive) via figures.csv: "
    "http://web.archive.org/web/20120206124052/http://insightcrime.org/criminal-groups/guatemala"
)
MX_MAP = (
    "assumption (recalled, unverified): cartel maps c.2000-2006 (Stratfor 2008; Astorga & Shirk "
    "2010): Sinaloa in the Golden Triangle and the Pacific with the Beltran Leyva brothers in "
    "Guerrero and Morelos, the Gulf cartel with its armed wing (the Zetas) in the north-east, the "
    "Gulf coast and Michoacan, Juarez in Chihuahua, Tijuana in Baja California"
)
GANGS = (
    "UNODC 2007 (Crime and Development in Central America): MS-13 and Barrio 18 are urban street "
    "gangs of El Salvador, Honduras and Guatemala living on extortion; departments and shares: "
    "assumption by population and recalled reporting"
)
GANG_ATTR = (
    "transport capacity 0.02: assumption from UNODC 2007 (street gangs lack the capital and the "
    "international connections to buy cocaine from suppliers and move it in bulk); reach 0: "
    "assumption (they hold neighbourhoods of their cities and do not project force into other "
    "departments); upkeep per member low: young members paid little (UNODC 2007); patience low "
    "(no stable leadership): assumption"
)
REACH = {
    "transnational": "reach 3 hops: assumption (organisations with national networks project "
    "force a few states beyond their holdings)",
    "territorial": "reach 1 hop: assumption (crime families fight their neighbours)",
}
STRENGTH = (
    "strength (1 = a mid-sized crime family), upkeep and patience: assumption; upkeep rescaled "
    "so that the group starts near the size its model revenue sustains in 2000-2002 "
    "(scripts/build_actors.py --upkeep)"
)

# id, name, kind, strength, upkeep USD/month, transport capacity, patience, homes,
# reach (land hops), source
ACTORS = [
    (
        "SINALOA",
        "Sinaloa cartel (Federation)",
        "transnational",
        8.0,
        3.24e6,
        1.0,
        0.96,
        "MX-SIN;MX-DUR",
        3,
        f"{MX_MAP}; {REACH['transnational']}; {STRENGTH}",
    ),
    (
        "GULF",
        "Gulf cartel (with its armed wing, the Zetas)",
        "transnational",
        7.0,
        3.42e6,
        1.0,
        0.95,
        "MX-TAM",
        3,
        f"{MX_MAP}; {REACH['transnational']}; {STRENGTH}",
    ),
    (
        "JUAREZ",
        "Juarez cartel (Carrillo Fuentes)",
        "transnational",
        4.0,
        1.23e6,
        1.0,
        0.95,
        "MX-CHH",
        3,
        f"{MX_MAP}; {REACH['transnational']}; {STRENGTH}",
    ),
    (
        "TIJUANA",
        "Tijuana cartel (Arellano Felix)",
        "transnational",
        3.0,
        7.87e5,
        1.0,
        0.93,
        "MX-BCN",
        3,
        f"{MX_MAP}; {REACH['transnational']}; {STRENGTH}",
    ),
    (
        "LORENZANA",
        "Lorenzana family",
        "territorial",
        1.5,
        6.44e5,
        1.0,
        0.97,
        "GT-ZA;GT-IZ",
        1,
        f"{IC_GT} (Zacapa, Izabal, to the Pacific coast); {REACH['territorial']}; {STRENGTH}",
    ),
    (
        "MENDOZA",
        "Mendoza family",
        "territorial",
        1.2,
        7.34e5,
        1.0,
        0.97,
        "GT-PE;GT-IZ",
        1,
        f"{IC_GT} (Peten, Izabal); {REACH['territorial']}; {STRENGTH}",
    ),
    (
        "LEON",
        "Leon family (Los Leones)",
        "territorial",
        1.0,
        3.41e5,
        1.0,
        0.96,
        "GT-ZA;GT-CQ;GT-JU",
        1,
        "InSight Crime 2011 via figures.csv (Zacapa and the eastern border with El Salvador and "
        f"Honduras; Chiquimula and Jutiapa: assumption); {REACH['territorial']}; {STRENGTH}",
    ),
    (
        "CHAMALE",
        "Juan Ortiz Lopez 'Chamale' network",
        "territorial",
        0.8,
        3.60e5,
        1.0,
        0.95,
        "GT-SM",
        1,
        f"Plaza Publica via InSight Crime, figures.csv (San Marcos); {REACH['territorial']}; "
        f"{STRENGTH}",
    ),
    (
        "CACHIROS",
        "Los Cachiros (Rivera Maradiaga)",
        "territorial",
        1.2,
        3.75e5,
        1.0,
        0.96,
        "HN-CL",
        1,
        "InSight Crime Honduras Elites 2016 via figures.csv (Colon, northern coast; Atlantida and "
        f"Yoro: assumption); {REACH['territorial']}; {STRENGTH}",
    ),
    (
        "VALLE",
        "Valle Valle family",
        "territorial",
        1.0,
        3.29e5,
        1.0,
        0.96,
        "HN-CP",
        1,
        "InSight Crime profile via figures.csv (Copan, on the Guatemalan border; Ocotepeque: "
        f"assumption); {REACH['territorial']}; {STRENGTH}",
    ),
    (
        "TEXIS",
        "Texis cartel",
        "territorial",
        0.8,
        1.88e5,
        1.0,
        0.96,
        "SV-SA;SV-CH",
        1,
        "figures.csv (Sinaloa works via the Texis cartel in El Salvador); north-west El Salvador, "
        f"Santa Ana (Metapan) and Chalatenango: assumption; {REACH['territorial']}; {STRENGTH}",
    ),
    (
        "MS13",
        "Mara Salvatrucha (MS-13)",
        "gang",
        3.0,
        8.61e5,
        0.02,
        0.85,
        "SV-SS;SV-LI;SV-SO;SV-SM;SV-US;HN-CR;HN-FM",
        0,
        f"{GANGS}; {GANG_ATTR}; {STRENGTH}",
    ),
    (
        "BARRIO18",
        "Barrio 18 (M-18)",
        "gang",
        2.5,
        7.39e5,
        0.02,
        0.85,
        "GT-GU;SV-SS;HN-FM",
        0,
        f"{GANGS}; {GANG_ATTR}; {STRENGTH}",
    ),
]

# place, actor, share, source
CONTROL = [
    # Mexico
    *[
        (p, "SINALOA", s, MX_MAP)
        for p, s in (
            ("MX-SIN", 0.7),
            ("MX-DUR", 0.6),
            ("MX-SON", 0.5),
            ("MX-NAY", 0.4),
            ("MX-JAL", 0.4),
            ("MX-GRO", 0.5),
            ("MX-MOR", 0.3),
            ("MX-CHH", 0.2),
            ("MX-CHP", 0.3),
            ("MX-MIC", 0.3),
        )
    ],
    *[
        (p, "GULF", s, MX_MAP)
        for p, s in (
            ("MX-TAM", 1.0),
            ("MX-NLE", 0.8),
            ("MX-COA", 0.5),
            ("MX-VER", 0.7),
            ("MX-TAB", 0.7),
            ("MX-SLP", 0.5),
            ("MX-MIC", 0.6),
            ("MX-ROO", 0.5),
            ("MX-CAM", 0.5),
            ("MX-ZAC", 0.35),
        )
    ],
    ("MX-CHH", "JUAREZ", 0.6, MX_MAP),
    ("MX-BCN", "TIJUANA", 0.7, MX_MAP),
    ("MX-BCS", "TIJUANA", 0.3, MX_MAP),
    # Guatemala
    ("GT-ZA", "LORENZANA", 0.45, IC_GT),
    ("GT-IZ", "LORENZANA", 0.25, IC_GT),
    ("GT-PR", "LORENZANA", 0.3, f"{IC_GT}; El Progreso (route to the Pacific): assumption"),
    ("GT-PE", "MENDOZA", 0.4, IC_GT),
    ("GT-IZ", "MENDOZA", 0.3, IC_GT),
    ("GT-ZA", "LEON", 0.25, "InSight Crime 2011 via figures.csv"),
    ("GT-CQ", "LEON", 0.4, "assumption: the Leones' eastern border (InSight Crime 2011)"),
    ("GT-JU", "LEON", 0.35, "assumption: the Leones' eastern border (InSight Crime 2011)"),
    ("GT-SM", "CHAMALE", 0.5, "Plaza Publica via InSight Crime (figures.csv)"),
    # Honduras
    ("HN-CL", "CACHIROS", 0.6, "InSight Crime 2016 via figures.csv"),
    ("HN-AT", "CACHIROS", 0.25, "assumption: the Cachiros' northern coast (InSight Crime 2016)"),
    ("HN-YO", "CACHIROS", 0.25, "assumption: the Cachiros' northern coast (InSight Crime 2016)"),
    ("HN-CP", "VALLE", 0.6, "InSight Crime profile via figures.csv"),
    ("HN-OC", "VALLE", 0.3, "assumption: the Valles' Guatemalan border (InSight Crime)"),
    # El Salvador
    ("SV-SA", "TEXIS", 0.35, "assumption: north-west El Salvador (Texis cartel)"),
    ("SV-CH", "TEXIS", 0.35, "assumption: north-west El Salvador (Texis cartel)"),
    # Gangs
    *[
        (p, "MS13", s, GANGS)
        for p, s in (
            ("SV-SS", 0.3),
            ("SV-LI", 0.3),
            ("SV-SA", 0.2),
            ("SV-SO", 0.3),
            ("SV-SM", 0.35),
            ("SV-US", 0.3),
            ("SV-AH", 0.2),
            ("SV-PA", 0.25),
            ("SV-UN", 0.25),
            ("SV-CU", 0.2),
            ("SV-MO", 0.2),
            ("SV-SV", 0.2),
            ("SV-CA", 0.2),
            ("SV-CH", 0.1),
            ("HN-CR", 0.3),
            ("HN-FM", 0.25),
            ("HN-AT", 0.15),
            ("HN-YO", 0.15),
            ("HN-CM", 0.1),
            ("GT-GU", 0.15),
            ("GT-ES", 0.1),
        )
    ],
    *[
        (p, "BARRIO18", s, GANGS)
        for p, s in (
            ("SV-SS", 0.3),
            ("SV-LI", 0.2),
            ("SV-SA", 0.15),
            ("SV-SO", 0.15),
            ("SV-SM", 0.1),
            ("SV-US", 0.1),
            ("SV-AH", 0.15),
            ("SV-PA", 0.2),
            ("SV-SV", 0.15),
            ("SV-CU", 0.15),
            ("HN-CR", 0.25),
            ("HN-FM", 0.3),
            ("HN-AT", 0.1),
            ("HN-CH", 0.1),
            ("GT-GU", 0.3),
            ("GT-ES", 0.15),
            ("GT-SA", 0.1),
        )
    ],
]


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else (f"{v:g}" if isinstance(v, float) else v) for v in r])


def build_tables() -> None:
    rows = []
    for r in ACTORS:
        rows.append((*r[:9], r[9]))
    write_csv(
        OUT / "actors.csv",
        [
            "id",
            "name",
            "kind",
            "strength",
            "upkeep_usd_per_month",
            "transport_capacity",
            "patience",
            "home_places",
            "reach_hops",
            "source",
        ],
        rows,
    )
    write_csv(OUT / "control.csv", ["place", "actor", "share", "source"], CONTROL)


def steady_upkeep(iterations: int = 14, seed: int = 0) -> None:
    """Rescale upkeeps so each group starts near its profit-maximising size (2000-2002).

    A group's optimal strength is about inversely proportional to its upkeep per unit,
    so the upkeep is multiplied by (mean model strength 2001-2002) / (table strength).
    Uses the flow model's years up to 2002 only.
    """
    import numpy as np

    from isthmus import Sim
    from isthmus.scenario import load_scenario

    global ACTORS
    for _ in range(iterations):
        sc = load_scenario(OUT)
        sc.end = (2002, 12)  # the years up to 2002 only
        res = Sim(sc, seed=seed).run()
        new = []
        for row in ACTORS:
            aid, s0, up = row[0], row[3], row[4]
            if s0 <= 0 or up <= 0:
                new.append(row)
                continue
            path = res.annual_series("group_strength", aid)
            s_mean = float(np.mean([path.loc[2001], path.loc[2002]]))
            ratio = float(np.clip(s_mean / s0, 0.5, 2.0)) ** 0.5  # damped: groups interact
            new.append((*row[:4], float(f"{up * ratio:.3g}"), *row[5:]))
        ACTORS = new
        build_tables()
        print("upkeeps:", {r[0]: r[4] for r in ACTORS})


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--upkeep", action="store_true", help="also rescale upkeeps to a 2000-2002 steady state"
    )
    args = ap.parse_args()
    build_tables()
    if args.upkeep:
        steady_upkeep()
