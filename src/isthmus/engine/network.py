"""Compile a scenario's places and links to arrays once (as AequilibraE does).

The hot loop never touches pandas or Python objects: places and links become
integer-indexed numpy arrays, and the traffickers' choice set becomes a sparse
path-by-link incidence matrix (CSR) whose entries are stored in the order in
which a shipment meets the links, so that seizures along a path can be applied
with one segmented cumulative sum.

Examples
--------
>>> from isthmus.scenario import load_scenario
>>> net = compile_network(load_scenario("central-america"))
>>> net.n_paths > 100 and net.A.shape == (net.n_paths, net.n_links)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ..scenario import Problem, Scenario, ScenarioError

MODES = ("land", "maritime-pacific", "maritime-caribbean", "maritime-atlantic", "air", "container")
SERVICES = ("police", "military", "navy", "air")
# Which enforcement services act on which mode (why: navies patrol sea lanes, air forces
# track flights, police and the army hold roads and border crossings; customs at ports
# are police).
MODE_SERVICES = {
    "land": ("police", "military"),
    "maritime-pacific": ("navy",),
    "maritime-caribbean": ("navy",),
    "maritime-atlantic": ("navy",),
    "air": ("air",),
    "container": ("police",),
}
MARKETS = ("usa", "europe")
LANDFALL_GROUPS = ("central_america", "caribbean", "mexico")
SEIZURE_GROUPS = ("central_america", "caribbean", "mexico", "transit_zone")
TRANSIT_ZONE = "XTZ"


@dataclass
class CompiledNetwork:
    """Array form of a scenario's network and choice set."""

    place_ids: list[str]
    place_index: dict[str, int]
    place_country: np.ndarray  # object array of ISO3
    place_group: np.ndarray  # object array of region groups
    place_level: np.ndarray
    population: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    origins: np.ndarray  # place indices with role source
    dest_market: np.ndarray  # per place: market index or -1
    link_from: np.ndarray
    link_to: np.ndarray
    link_mode: np.ndarray  # index into MODES
    link_length: np.ndarray
    link_cost: np.ndarray
    link_capacity: np.ndarray
    link_juris: np.ndarray  # index into juris_ids
    juris_ids: list[str]
    # choice set
    A: sp.csr_matrix  # paths x links, data = 1, entries in travel order
    path_origin: np.ndarray
    path_market: np.ndarray
    path_dest: np.ndarray
    path_landfall_group: np.ndarray  # index into LANDFALL_GROUPS or -1
    path_size: np.ndarray  # path-size factor in (0, 1]
    nnz_path: np.ndarray  # path index of each nnz entry
    nnz_link: np.ndarray  # link index of each nnz entry (== A.indices)
    countries: list[str] = field(default_factory=list)
    place_country_idx: np.ndarray | None = None  # index into countries, -1 for none

    @property
    def n_places(self) -> int:
        return len(self.place_ids)

    @property
    def n_links(self) -> int:
        return len(self.link_from)

    @property
    def n_paths(self) -> int:
        return self.A.shape[0]

    def links_into(self, place_ids: list[str]) -> np.ndarray:
        """Boolean mask of links that end in any of the given places."""
        idx = [self.place_index[p] for p in place_ids if p in self.place_index]
        return np.isin(self.link_to, idx)


def _path_links(
    pred: np.ndarray, src: int, dst: int, edge_of: dict[tuple[int, int], int]
) -> list[int] | None:
    """Link indices along the shortest path from src to dst given a predecessor row."""
    if src == dst:
        return []
    nodes = [dst]
    cur = dst
    guard = 0
    while cur != src:
        cur = pred[cur]
        if cur < 0:
            return None
        nodes.append(cur)
        guard += 1
        if guard > len(pred):
            return None
    nodes.reverse()
    return [edge_of[(nodes[i], nodes[i + 1])] for i in range(len(nodes) - 1)]


def _best_edges(n: int, frm: np.ndarray, to: np.ndarray, w: np.ndarray, mask: np.ndarray):
    """Graph (CSR) keeping only the cheapest link between each ordered pair of places."""
    order = np.lexsort((w, to, frm))
    f, t, ww, idx = frm[order], to[order], w[order], np.arange(len(frm))[order]
    keep = mask[order].copy()
    f, t, ww, idx = f[keep], t[keep], ww[keep], idx[keep]
    first = np.ones(len(f), dtype=bool)
    first[1:] = (f[1:] != f[:-1]) | (t[1:] != t[:-1])
    f, t, ww, idx = f[first], t[first], ww[first], idx[first]
    g = sp.csr_matrix((ww + 1e-9, (f, t)), shape=(n, n))
    edge_of = {(int(a), int(b)): int(i) for a, b, i in zip(f, t, idx, strict=True)}
    return g, edge_of


def compile_network(
    scenario: Scenario,
    initial_risk: np.ndarray | None = None,
    max_gateways: int = 80,
    variants: int = 1,
    reference_value_usd_per_kg: float = 15000.0,
    max_cost_ratio: float = 4.0,
) -> CompiledNetwork:
    """Compile places and links to arrays and generate the traffickers' choice set.

    The choice set holds, for each origin and each destination, the cheapest
    route through each *gateway* (a place of first landfall after South
    America or the sea), plus ``variants - 1`` alternatives with the links of
    earlier routes penalised. Generalised cost = transport cost + initial
    seizure risk x a reference value (USD/kg). Routes costing more than
    ``max_cost_ratio`` times the cheapest route to the same destination are
    dropped as implausible.
    """
    places = scenario.places.reset_index(drop=True)
    links = scenario.links.reset_index(drop=True)
    ids = [str(x) for x in places["id"]]
    index = {p: i for i, p in enumerate(ids)}
    n = len(ids)
    group = places["region_group"].fillna("").astype(str).to_numpy(dtype=object)
    country = places["country"].fillna("").astype(str).to_numpy(dtype=object)
    level = places["level"].fillna("").astype(str).to_numpy(dtype=object)
    market = places["market"].fillna("").astype(str).to_numpy(dtype=object)
    dest_market = np.array(
        [
            MARKETS.index(m) if (r == "destination" and m in MARKETS) else -1
            for m, r in zip(market, places["role"], strict=True)
        ],
        dtype=np.int64,
    )
    origins = np.flatnonzero((places["role"] == "source").to_numpy())

    frm = links["from"].map(index).to_numpy(dtype=np.int64)
    to = links["to"].map(index).to_numpy(dtype=np.int64)
    mode = links["mode"].map({m: i for i, m in enumerate(MODES)}).to_numpy(dtype=np.int64)
    length = links["length_km"].to_numpy(dtype=float)
    cost = links["cost_usd_per_kg"].to_numpy(dtype=float)
    cap = links["capacity_t_per_month"].to_numpy(dtype=float)
    # Jurisdiction: the state whose waters or territory the link enters.
    juris_of_link = np.where(group[to] == "maritime", TRANSIT_ZONE, country[to])
    juris_ids = sorted(set(juris_of_link.tolist()))
    jmap = {j: i for i, j in enumerate(juris_ids)}
    juris = np.array([jmap[j] for j in juris_of_link], dtype=np.int64)

    risk = np.zeros(len(frm)) if initial_risk is None else np.asarray(initial_risk, dtype=float)
    w = cost + risk * reference_value_usd_per_kg

    # Gateways: first landfall after South America or the sea.
    sea_or_sa = np.isin(group, ["south_america", "maritime"])
    gw_mask = np.zeros(n, dtype=bool)
    entering = sea_or_sa[frm] & ~sea_or_sa[to] & (dest_market[to] < 0)
    gw_mask[to[entering]] = True
    gateways = np.flatnonzero(gw_mask)
    dests = np.flatnonzero(dest_market >= 0)

    all_links = np.ones(len(frm), dtype=bool)
    # First leg: only through South America and the sea, ending at a gateway.
    leg1_mask = sea_or_sa[frm] & (sea_or_sa[to] | gw_mask[to])
    g1, e1 = _best_edges(n, frm, to, w, leg1_mask)
    # Second leg: never back into South America.
    leg2_mask = group[to] != "south_america"
    paths: list[tuple[int, int, list[int]]] = []  # (origin, dest, links)
    seen: set[tuple[int, ...]] = set()

    def add(o: int, d: int, lk: list[int]) -> None:
        key = tuple(lk)
        if lk and key not in seen and len(set(to[lk].tolist())) == len(lk):
            seen.add(key)
            paths.append((o, d, lk))

    g_full, e_full = _best_edges(n, frm, to, w, all_links)
    for o in origins:
        d1, p1 = dijkstra(g1, indices=o, return_predecessors=True)
        reach = gateways[np.isfinite(d1[gateways])]
        if len(reach) > max_gateways:
            reach = reach[np.argsort(d1[reach])[:max_gateways]]
        # direct routes (cheapest on the full graph) as a fallback
        dd, pd_ = dijkstra(g_full, indices=o, return_predecessors=True)
        for d in dests:
            lk = _path_links(pd_, o, d, e_full)
            if lk is not None:
                add(o, d, lk)
        penal = w.copy()
        for _v in range(max(variants, 1)):
            g2, e2 = _best_edges(n, frm, to, penal, leg2_mask)
            d2, p2 = dijkstra(g2, indices=reach, return_predecessors=True)
            used: list[int] = []
            for gi, gwy in enumerate(reach):
                first = _path_links(p1, o, gwy, e1)
                if first is None:
                    continue
                for d in dests:
                    if not np.isfinite(d2[gi, d]):
                        continue
                    second = _path_links(p2[gi], gwy, d, e2)
                    if second is None:
                        continue
                    add(o, d, first + second)
                    used.extend(second)
            if used:
                penal[np.unique(used)] *= 2.0
    if not paths:
        raise ScenarioError(
            [
                Problem(
                    "links.csv",
                    None,
                    None,
                    "no route connects a source place to a destination place",
                )
            ]
        )

    # Drop implausible routes (far costlier than the best to the same destination).
    pc = np.array([w[lk].sum() for _, _, lk in paths])
    best: dict[tuple[int, int], float] = {}
    for (o, d, _), c in zip(paths, pc, strict=True):
        best[(o, d)] = min(best.get((o, d), np.inf), c)
    keep = [i for i, (o, d, _) in enumerate(paths) if pc[i] <= max_cost_ratio * best[(o, d)] + 1e-9]
    paths = [paths[i] for i in keep]

    lens = np.array([len(lk) for _, _, lk in paths], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lens)])
    indices = np.concatenate([np.asarray(lk, dtype=np.int64) for _, _, lk in paths])
    n_paths = len(paths)
    A = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n_paths, len(frm)))
    nnz_path = np.repeat(np.arange(n_paths), lens)

    path_origin = np.array([o for o, _, _ in paths], dtype=np.int64)
    path_dest = np.array([d for _, d, _ in paths], dtype=np.int64)
    path_market = dest_market[path_dest]
    lf = np.full(n_paths, -1, dtype=np.int64)
    for i, (_, _, lk) in enumerate(paths):
        for li in lk:
            g = group[to[li]]
            if g in LANDFALL_GROUPS:
                lf[i] = LANDFALL_GROUPS.index(g)
                break
    # Path-size factor (Ben-Akiva & Bierlaire): overlap with other routes of the same origin.
    lw = np.maximum(cost[indices], 1e-6)
    plen = np.bincount(nnz_path, weights=lw, minlength=n_paths)
    n_use = np.zeros((len(origins), len(frm)))
    for k, o in enumerate(origins):
        sel = path_origin[nnz_path] == o
        n_use[k] = np.bincount(indices[sel], minlength=len(frm))
    okey = {int(o): k for k, o in enumerate(origins)}
    nu = n_use[[okey[int(o)] for o in path_origin[nnz_path]], indices]
    ps = np.bincount(nnz_path, weights=lw / plen[nnz_path] / np.maximum(nu, 1), minlength=n_paths)

    countries = sorted({c for c in country if c})
    cidx = {c: i for i, c in enumerate(countries)}
    return CompiledNetwork(
        place_ids=ids,
        place_index=index,
        place_country=country,
        place_group=group,
        place_level=level,
        population=places["population"].fillna(0).to_numpy(dtype=float),
        lat=places["lat"].to_numpy(dtype=float),
        lon=places["lon"].to_numpy(dtype=float),
        origins=origins,
        dest_market=dest_market,
        link_from=frm,
        link_to=to,
        link_mode=mode,
        link_length=length,
        link_cost=cost,
        link_capacity=cap,
        link_juris=juris,
        juris_ids=juris_ids,
        A=A,
        path_origin=path_origin,
        path_market=path_market,
        path_dest=path_dest,
        path_landfall_group=lf,
        path_size=np.clip(ps, 1e-6, 1.0),
        nnz_path=nnz_path,
        nnz_link=indices.copy(),  # travel order, kept apart from A (scipy may sort A)
        countries=countries,
        place_country_idx=np.array([cidx.get(c, -1) for c in country], dtype=np.int64),
    )
