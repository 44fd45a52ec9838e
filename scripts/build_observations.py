"""Build the default scenario's ``observations.csv``: the data calibration fits, up to 2006.

Reads the project's copy of the sourced data (``data/sources``, or ``--data DIR``)
and writes
``src/isthmus/scenario/shipped/central-america/observations.csv``. Only
observations dated up to 2006 are copied, with their citations; rows dated
later are refused (the 2007-2012 path is the model's prediction).

- Route shares, seizures and the US market come from ``figures.csv`` (hand-picked
  rows, listed in :data:`FIGURES` with the indicator each one is compared with) and
  ``corridors_upto2006.csv`` (:data:`CORRIDORS`: the corridor shares, departures and
  seizures up to 2006).
- National homicide rates 2000-2006 come from ``homicide_2000_2006.csv`` (the UNODC
  series, the primary series of that file).
- Mexican state homicide rates 2000-2006 come from
  ``mexico-homicides-state-month-2000-2006.csv`` (INEGI death certificates): the
  year's homicides over the year's mean population estimate, per 100,000.

Weights: each block of the fit counts about as much as the data behind it
deserves. Route shares (the displacement data behind finding F1) weigh most;
each country's homicide series weighs 0.7 in total (0.1 a year) and the 32
Mexican states together weigh 2, so that 224 state-years do not drown the
dozen flow and market observations.

Usage::

    .venv/bin/python scripts/build_observations.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/isthmus/scenario/shipped/central-america/observations.csv"
CUTOFF = 2006

HEADER = [
    "quantity",
    "indicator",
    "region",
    "year",
    "year_end",
    "value",
    "low",
    "high",
    "unit",
    "loss",
    "weight",
    "sd",
    "source",
    "note",
]

# (quantity in figures.csv, figures region, figures year) ->
# (indicator, region, year, year_end, value, low, high, unit, scale, weight, note)
FIGURES = [
    (
        ("share of US-bound cocaine passing through any part of Central America", "2005"),
        ("us_bound_share", "mexico_central_america", 2005, None, 0.88, None, None, "0-1", 2.0),
        "passing through any part of Central America (its territory, waters or airspace): the "
        "series of the Mexico-Central America corridor (NDIC: 72% 2002, 77% 2003, >90% 2004; "
        "ONDCP: 90% 2006), so compared with the corridor's share, not with first landfalls in "
        "Central America, which no source up to 2006 gives",
    ),
    (
        ("share of US-bound cocaine via Bahamas-Cuba-Jamaica corridor", "2002"),
        ("us_bound_share", "caribbean", 2002, None, None, 0.10, 0.28, "0-1", 2.0),
        "10-15% by the Bahamas-Cuba-Jamaica corridor alone; with the eastern Caribbean (Puerto "
        "Rico, Hispaniola) at most the 28% that the corridor's 72% of 2002 (NDIC) leaves: the "
        "range 10-28%; the loss is zero inside it",
    ),
    (
        ("cocaine seizures Mexico (presidency records)", "2006"),
        ("seized_t", "MEX", 2006, None, 21.3, None, None, "t", 1.0),
        "presidency records; differs from the INCB series",
    ),
    (
        ("cocaine seizures Honduras", "2006"),
        ("seized_t", "HND", 2006, None, None, 2.714, 8.1, "t", 1.0),
        "range: Ministerio Publico 2.714 t (low) to US figures 8.1 t (high, INCSR via "
        "InSight Crime, same year); the loss is zero inside it",
        ("cocaine seizures Honduras (US figures)", "2006"),
    ),
    (
        ("cocaine seizures Costa Rica (annual average)", "2000-2005"),
        ("seized_t", "CRI", 2000, 2005, 5.0, None, None, "t", 1.0),
        "annual average 2000-2005: compared with the model's mean over those years",
    ),
    (
        ("cocaine price per kg: Colombian ports", "2012-13"),
        ("price_usd_per_kg", "colombian_ports", 2006, None, None, 5500.0, 7000.0, "USD/kg", 0.5),
        "the 2012-13 chain (Stratfor 2013) used for 2006: assumption (Caulkins 1994: price "
        "ratios between market levels are stable); a ratio, not a dated outcome",
    ),
    (
        ("cocaine price per kg: Central America", "2012-13"),
        ("price_usd_per_kg", "central_america", 2006, None, 10000.0, None, None, "USD/kg", 0.5),
        "the 2012-13 chain (Stratfor 2013; OAS 2013 ~10,000 c.2010-12) used for 2006: assumption",
    ),
    (
        ("cocaine price per kg: southern Mexico", "2012-13"),
        ("price_usd_per_kg", "southern_mexico", 2006, None, 12000.0, None, None, "USD/kg", 0.5),
        "the 2012-13 chain (Stratfor 2013) used for 2006: assumption",
    ),
    (
        ("cocaine price per kg: northern Mexico border", "2012-13"),
        (
            "price_usd_per_kg",
            "mexico_northern_border",
            2006,
            None,
            None,
            15000.0,
            16000.0,
            "USD/kg",
            0.5,
        ),
        "Stratfor 2013 16,000 and OAS 2013 15,000 (c.2010-12) used for 2006: assumption",
        ("cocaine price per kg: Mexico northern border", "c.2010-12"),
    ),
    (
        ("cocaine price per kg: Europe wholesale", "2012-13"),
        ("price_usd_per_kg", "europe", 2006, None, None, 53000.0, 55000.0, "USD/kg", 0.5),
        "the 2012-13 chain (Stratfor 2013) used for 2006: assumption, as for the chain's other "
        "levels (the market fit's structural European wholesale price)",
    ),
    (
        ("federal cocaine seizures in US", "2006"),
        ("seized_t", "USA", 2006, None, 53.755, None, None, "t", 1.0),
        "53,755 kg of federal seizures (NDIC NDTA 2010); most at the south-west border",
    ),
    (
        ("US cocaine price per pure gram (STRIDE)", "Q3 2006"),
        ("price_per_pure_gram_usd", "usa", 2006, None, 94.73, None, None, "USD/g", 1.0),
        "third quarter of 2006; compared with the 2006 annual mean",
    ),
    (
        ("US cocaine purity (STRIDE, all purchases)", "Q3 2006"),
        ("purity", "usa", 2006, None, 0.681, None, None, "0-1", 1.0),
        "68.1% as written; third quarter of 2006, compared with the 2006 annual mean",
    ),
    (
        ("US past-month cocaine users (NSDUH)", "2001"),
        ("users_past_month", "usa", 2001, None, 1.7e6, None, None, "persons", 0.5),
        "1.7 million",
    ),
    (
        ("US past-month cocaine users (NSDUH)", "2004"),
        ("users_past_month", "usa", 2004, None, 2.0e6, None, None, "persons", 0.5),
        "2.0 million",
    ),
    (
        ("US past-month cocaine users (NSDUH)", "2006"),
        ("users_past_month", "usa", 2006, None, 2.4e6, None, None, "persons", 0.5),
        "2.4 million (USA Today 2007 said 2.0 million)",
    ),
]

# corridors_upto2006.csv rows: (quantity, region, year) ->
# (indicator, region, year, year_end, value, low, high, unit, weight), note
CORRIDORS = [
    (
        ("share_of_US_bound_cocaine_via_corridor", "Mexico-Central America corridor", "2002"),
        ("us_bound_share", "mexico_central_america", 2002, None, 0.72, None, None, "0-1", 1.0),
        "72% as written (NDIC NDTA 2005 threat matrix)",
    ),
    (
        ("share_of_US_bound_cocaine_via_corridor", "Mexico-Central America corridor", "2003"),
        ("us_bound_share", "mexico_central_america", 2003, None, 0.77, None, None, "0-1", 1.0),
        "77% as written (NDIC NDTA 2005 threat matrix)",
    ),
    (
        ("share_of_US_bound_cocaine_via_corridor", "Mexico-Central America corridor", "2004"),
        ("us_bound_share", "mexico_central_america", 2004, None, None, 0.90, 1.0, "0-1", 0.5),
        "'>90%' (preliminary): read as the range 90-100%; half weight as NDIC calls it preliminary",
    ),
    (
        (
            "share_of_US_bound_cocaine_flow_by_corridor",
            "Mexico-Central America corridor (eastern Pacific + western Caribbean)",
            "2006",
        ),
        ("us_bound_share", "mexico_central_america", 2006, None, 0.90, None, None, "0-1", 1.0),
        "90% (ONDCP, Cocaine Smuggling in 2006, figure 2)",
    ),
    (
        ("share_of_US_bound_cocaine_flow_by_corridor", "Caribbean corridor", "2006"),
        ("us_bound_share", "caribbean", 2006, None, 0.10, None, None, "0-1", 1.0),
        "10% (ONDCP, Cocaine Smuggling in 2006, figure 2)",
    ),
    (
        ("share_of_US_bound_cocaine_flow_by_corridor", "Direct to US", "2006"),
        ("us_bound_share", "direct_us", 2006, None, None, 0.001, 0.01, "0-1", 0.5),
        "'<1%': read as 0.1-1% (a share of 0 lies outside a log loss)",
    ),
    (
        ("cocaine_departing_South_America_toward_US", "South America -> US", "2005"),
        ("departed_t", "usa", 2005, None, None, 520.0, 730.0, "t", 1.0),
        "520-730 t (interagency range)",
    ),
    (
        ("cocaine_departing_South_America_toward_US", "South America -> US", "2006"),
        ("departed_t", "usa", 2006, None, None, 530.0, 710.0, "t", 1.0),
        "530-710 t (interagency common range)",
    ),
    (
        ("cocaine_seized_in_transit_zone", "Transit zone (Caribbean/E. Pacific)", "2003"),
        ("seized_t", "transit_zone", 2003, None, 157.0, None, None, "t", 1.0),
        "157 t, a record (the same source gives an annual average of 113 t)",
    ),
    (
        ("cocaine_interdicted_worldwide", "World", "2006"),
        ("seized_t", "all", 2006, None, None, 300.0, 492.0, "t", 0.5),
        "492 t worldwide; the model's chain (Andes to the US and European entry points) leaves "
        "out seizures inside the US, Europe, Peru and Bolivia: assumption: its share lies "
        "between 300 t and 492 t",
    ),
    (
        ("cocaine_seizures", "COL", "2004"),
        ("seized_t", "COL", 2004, None, 149.297, None, None, "t", 0.5),
        "149,297 kg (UNODC/Colombia survey); half weight: Colombian seizures include the "
        "domestic market",
    ),
    (
        ("cocaine_seizures", "COL", "2005"),
        ("seized_t", "COL", 2005, None, 173.265, None, None, "t", 0.5),
        "173,265 kg; half weight as above",
    ),
]

HOMICIDE_COUNTRIES = ("GTM", "HND", "SLV", "MEX", "NIC", "CRI", "PAN", "BLZ", "DOM", "JAM")
COUNTRY_NAMES = {
    "GTM": "Guatemala",
    "HND": "Honduras",
    "SLV": "El Salvador",
    "MEX": "Mexico",
    "NIC": "Nicaragua",
    "CRI": "Costa Rica",
    "PAN": "Panama",
    "BLZ": "Belize",
    "DOM": "Dominican Republic",
    "JAM": "Jamaica",
}
NATIONAL_WEIGHT = 0.1  # per country-year: 0.7 per country over 2000-2006
STATES_TOTAL_WEIGHT = 2.0  # all 32 states x 7 years together

# INEGI cve_ent 01..32 (alphabetical in Spanish) -> ISO 3166-2
MX_STATES = (
    "MX-AGU MX-BCN MX-BCS MX-CAM MX-COA MX-COL MX-CHP MX-CHH MX-CMX MX-DUR MX-GUA MX-GRO "
    "MX-HID MX-JAL MX-MEX MX-MIC MX-MOR MX-NAY MX-NLE MX-OAX MX-PUE MX-QUE MX-ROO MX-SLP "
    "MX-SIN MX-SON MX-TAB MX-TAM MX-TLA MX-VER MX-YUC MX-ZAC"
).split()
MX_SOURCE = (
    "INEGI death-certificate homicide counts and population estimates by state and month, "
    "as compiled in thegargiulian/mexico-homicide-rates "
    "(mexico-state-month-homicide-rates-2000-2022.csv; "
    "https://github.com/thegargiulian/mexico-homicide-rates)"
)


def _fmt(v: float | int | None) -> str:
    if v is None:
        return ""
    if isinstance(v, int):
        return str(v)
    return f"{v:.6g}"


def figures_rows(data: Path) -> list[list[str]]:
    rows = list(csv.DictReader((data / "figures.csv").open(encoding="utf-8")))
    out = []

    def find(quantity: str, year: str) -> dict[str, str]:
        hit = [r for r in rows if r["quantity"] == quantity and r["year"] == year]
        if len(hit) != 1:
            raise SystemExit(
                f"figures.csv: expected one row for {quantity!r} {year}, got {len(hit)}"
            )
        return hit[0]

    for quantity, year, spec, note, *also in (
        (q, y, spec, note, *rest) for (q, y), spec, note, *rest in FIGURES
    ):
        r = find(quantity, year)
        ind, region, y0, y1, value, low, high, unit, weight = spec
        if low is not None and value is None:
            value = 0.5 * (low + high)  # the midpoint, for reports
        src = f"{r['source_title']} ({r['source_url']}); figures.csv: {quantity}, {year}: "
        src += f"{r['value']} {r['unit']}"
        if r["verified"] != "yes":
            src += " [unverified: weak prior]"
        for q2, y2 in also:
            r2 = find(q2, y2)
            src += f"; and {r2['source_title']} ({r2['source_url']}): {q2}, {y2}: {r2['value']}"
            src += f" {r2['unit']}"
        out.append(
            [
                quantity,
                ind,
                region,
                _fmt(y0),
                _fmt(y1),
                _fmt(value),
                _fmt(low),
                _fmt(high),
                unit,
                "sqlog",
                _fmt(weight),
                "",
                src,
                note,
            ]
        )
    return out


def corridor_rows(data: Path) -> list[list[str]]:
    rows = list(csv.DictReader((data / "corridors_upto2006.csv").open(encoding="utf-8")))
    out = []
    for (quantity, region, year), spec, note in CORRIDORS:
        hit = [
            r
            for r in rows
            if r["quantity"] == quantity and r["region"] == region and r["year"] == year
        ]
        if len(hit) != 1:
            raise SystemExit(
                f"corridors_upto2006.csv: expected one row for {quantity!r} {region} {year}"
            )
        r = hit[0]
        ind, reg, y0, y1, value, low, high, unit, weight = spec
        if low is not None and value is None:
            value = 0.5 * (low + high)
        src = (
            f"{r['source_title']} ({r['source_url']}); corridors_upto2006.csv: {quantity}, "
            f"{region}, {year}: {r['value']} {r['unit']}"
        )
        out.append(
            [
                quantity,
                ind,
                reg,
                _fmt(y0),
                _fmt(y1),
                _fmt(value),
                _fmt(low),
                _fmt(high),
                unit,
                "sqlog",
                _fmt(weight),
                "",
                src,
                note,
            ]
        )
    return out


def national_rows(data: Path) -> list[list[str]]:
    rows = list(csv.DictReader((data / "homicide_2000_2006.csv").open(encoding="utf-8")))
    out = []
    for iso in HOMICIDE_COUNTRIES:
        series = [
            r
            for r in rows
            if r["iso3"] == iso
            and r["region"] == "national"
            and r["source_title"].startswith("UNODC")
            and r["rate_per_100k"]
        ]
        for r in sorted(series, key=lambda r: int(r["year"])):
            y = int(r["year"])
            out.append(
                [
                    f"homicide rate, {COUNTRY_NAMES[iso]} (UNODC series)",
                    "homicide_rate_per_100k",
                    iso,
                    str(y),
                    "",
                    r["rate_per_100k"],
                    "",
                    "",
                    "per 100,000",
                    "sqlog",
                    _fmt(NATIONAL_WEIGHT),
                    "",
                    f"{r['source_title']} ({r['source_url']}); homicide_2000_2006.csv",
                    "UNODC primary series; other series in homicide_2000_2006.csv disagree "
                    "for HND and MEX",
                ]
            )
    return out


def department_rows(data: Path) -> list[list[str]]:
    """Honduran department rates of 2006 (press reports citing the OV-UNAH)."""
    rows = list(
        csv.DictReader((data / "honduras_department_homicide_2006.csv").open(encoding="utf-8"))
    )
    out = []
    for r in rows:
        out.append(
            [
                f"homicide rate, {r['admin1_name']} department, Honduras",
                "homicide_rate_per_100k",
                r["admin1"],
                r["year"],
                "",
                r["rate_per_100k"],
                "",
                "",
                "per 100,000",
                "sqlog",
                _fmt(NATIONAL_WEIGHT),
                "",
                f"{r['source_title']} ({r['source_url']}); honduras_department_homicide_2006.csv",
                r["notes"] or "department rate for 2006",
            ]
        )
    return out


def state_rows(data: Path) -> list[list[str]]:
    hom: dict[tuple[int, int], float] = defaultdict(float)
    pop: dict[tuple[int, int], list[float]] = defaultdict(list)
    with (data / "mexico-homicides-state-month-2000-2006.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            key = (int(r["cve_ent"]), int(r["year"]))
            hom[key] += float(r["homicides"])
            pop[key].append(float(r["pop_est"]))
    keys = sorted(hom)
    w = STATES_TOTAL_WEIGHT / len(keys)
    out = []
    for cve, y in keys:
        p = sum(pop[(cve, y)]) / len(pop[(cve, y)])
        rate = hom[(cve, y)] / p * 1e5
        out.append(
            [
                f"homicide rate, Mexican state {cve:02d} (INEGI)",
                "homicide_rate_per_100k",
                MX_STATES[cve - 1],
                str(y),
                "",
                f"{rate:.4g}",
                "",
                "",
                "per 100,000",
                "sqlog",
                f"{w:.4g}",
                "",
                MX_SOURCE + "; mexico-homicides-state-month-2000-2006.csv",
                f"cve_ent {cve:02d}: {int(hom[(cve, y)])} homicides / mean population "
                f"{p:,.0f} x 100,000",
            ]
        )
    return out


# Weak priors on how the US-bound flow left South America in 2006, by departure vector.
# They are not in shared/data: recalled, unchecked (JIATF-South's Consolidated
# Counterdrug Database estimates, as ONDCP's "Cocaine Smuggling in 2006" and UNODC's
# 2012 threat assessment report them, put most US-bound movement in the Eastern Pacific
# by the mid-2000s, most of it on non-commercial vessels, and light aircraft and commercial
# containers a small part). Wide ranges at low weight: they keep the fit off corners that
# the corridor shares alone leave open (all by air or in containers, or none by the
# Pacific), and no more.
PRIORS = [
    (
        "share of US-bound cocaine leaving South America by the Eastern Pacific",
        ("us_bound_share", "eastern_pacific", 2006, None, None, 0.45, 0.80, "0-1", 0.5),
        "weak prior: recalled, unchecked (JIATF-South CCDB estimates as reported by ONDCP, "
        "Cocaine Smuggling in 2006, and UNODC TOCTA 2012); range 45-80%",
    ),
    (
        "share of US-bound cocaine leaving South America in commercial containers",
        ("us_bound_share", "container", 2006, None, None, 0.02, 0.20, "0-1", 0.5),
        "weak prior: recalled, unchecked (as above: most of the flow moved on non-commercial "
        "vessels, go-fasts, fishing vessels and semi-submersibles; commercial containers a "
        "minor part); range 2-20%",
    ),
    (
        "share of US-bound cocaine leaving South America by light aircraft",
        ("us_bound_share", "air", 2006, None, None, 0.02, 0.25, "0-1", 0.5),
        "weak prior: recalled, unchecked (as above: aircraft carried a small part of the flow "
        "before the Venezuelan air bridge of 2006-2010); range 2-25%",
    ),
]


def prior_rows() -> list[list[str]]:
    """The weak priors above, as observation rows whose source says what they are."""
    out = []
    for quantity, (ind, reg, y, y2, v, lo, hi, unit, wt), note in PRIORS:
        out.append(
            [
                quantity,
                ind,
                reg,
                _fmt(y),
                _fmt(y2),
                _fmt(v if v is not None else (lo + hi) / 2),
                _fmt(lo),
                _fmt(hi),
                unit,
                "sqlog",
                _fmt(wt),
                "",
                "assumption (weak prior, recalled and unchecked): JIATF-South CCDB estimates "
                "as reported by ONDCP (Cocaine Smuggling in 2006) and UNODC (2012) TOCTA",
                note,
            ]
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "sources")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rows = (
        figures_rows(args.data)
        + corridor_rows(args.data)
        + national_rows(args.data)
        + department_rows(args.data)
        + state_rows(args.data)
        + prior_rows()
    )
    late = [r for r in rows if int(r[4] or r[3]) > CUTOFF]
    if late:
        raise SystemExit(f"refusing {len(late)} observation(s) dated after {CUTOFF}")
    tmp = args.out.with_name(args.out.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    tmp.replace(args.out)
    print(f"wrote {len(rows)} observations to {args.out}")


if __name__ == "__main__":
    main()
