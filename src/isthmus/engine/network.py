"""Compile a scenario's places and links to arrays once (as AequilibraE does).

The hot loop never touches pandas or Python objects: places and links become
integer-indexed numpy arrays, and the traffickers' choice set becomes a sparse
path-by-link incidence matrix (CSR) whose entries are stored in the order in
which a shipment meets the links, so that seizures along a path can be applied
with one segmented cumulative sum.

Who enforces a link is a list of *patrol entries* (link, jurisdiction): the
``patrols`` column of the links table (a voyage from Colombia to Honduras is
patrolled by Colombia's navy, the US-led transit zone and Honduras' coast guard);
by default the state the link enters.

Examples
--------
>>> from isthmus.scenario import load_scenario
>>> net = compile_network(load_scenario("central-america"))
>>> net.n_paths > 100 and net.A.shape == (net.n_paths, net.n_links)
True
>>> sorted(set(net.vectors)) == sorted(net.vectors)  # departure vectors, each once
True
"""

from __future__ import annotations

import copy
import itertools
import pickle
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ..scenario import Problem, Scenario, ScenarioError


def bin_sum_matrix(bins: np.ndarray, n_bins: int) -> sp.csr_matrix:
    """A sparse (bins x entries) 0/1 matrix ``S`` with ``S @ w`` equal, bit for bit, to
    ``np.bincount(bins, weights=w, minlength=n_bins)``.

    Why: a fixed index is summed over every month; the sparse product skips bincount's
    scan of the index (half the time on 15,000 route entries). Both add each bin's
    entries one after the other, in index order, from 0 (the CSR rows keep the
    entries' order), and ``1.0 x w`` is exact: the same sums to the last bit.

    Examples
    --------
    >>> w = np.array([0.1, 0.2, 0.3, 0.4])
    >>> (bin_sum_matrix(np.array([2, 0, 2, 2]), 4) @ w).tolist() == np.bincount(
    ...     [2, 0, 2, 2], weights=w, minlength=4).tolist()
    True
    """
    bins = np.asarray(bins, dtype=np.int64)
    m = sp.csr_matrix((np.ones(len(bins)), (bins, np.arange(len(bins)))), shape=(n_bins, len(bins)))
    m.sort_indices()  # each row's entries in index order (the order bincount adds them)
    return m


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
# First landfall after South America: a region group, or straight into a market.
LANDFALL_GROUPS = ("central_america", "caribbean", "mexico", "direct")
SEIZURE_GROUPS = ("central_america", "caribbean", "mexico", "transit_zone")
TRANSIT_ZONE = "XTZ"
# Departure vectors (links.csv ``vector``), in the order the indicators list them.
VECTORS = (
    "eastern_pacific",
    "western_caribbean",
    "eastern_caribbean",
    "air",
    "overland",
    "atlantic",
    "container",
)
# The vector of a link leaving South America when its row gives none.
MODE_VECTOR = {
    "maritime-pacific": "eastern_pacific",
    "maritime-caribbean": "western_caribbean",
    "air": "air",
    "land": "overland",
    "maritime-atlantic": "atlantic",
    "container": "container",
}


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
    link_juris: np.ndarray  # index into juris_ids: the jurisdiction the link enters
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
    # patrol entries: (link, jurisdiction) pairs whose enforcement acts on the link
    pat_link: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pat_juris: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pat_cell: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pat_exposure: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pat_lane: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    n_cells: int = 0
    # departure vector of each path (index into ``vectors``) and the vectors present
    path_vector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: list[str] = field(default_factory=list)
    path_exit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

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

    def patrolled_by(self, juris: str) -> np.ndarray:
        """Boolean mask of the links that a jurisdiction patrols.

        Examples
        --------
        >>> from isthmus.scenario import load_scenario
        >>> net = compile_network(load_scenario("central-america"))
        >>> bool(net.patrolled_by("XTZ").any())
        True
        """
        out = np.zeros(self.n_links, dtype=bool)
        if juris in self.juris_ids:
            out[self.pat_link[self.pat_juris == self.juris_ids.index(juris)]] = True
        return out


def _path_links(
    pred: list[int], src: int, dst: int, edge_of: dict[tuple[int, int], int]
) -> list[int] | None:
    """Link indices along the shortest path from src to dst given a predecessor row
    (a list: why, indexing a numpy row one element at a time costs more than the walk)."""
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
    # consecutive pairs looked up in C (why: a Python loop over them costs more)
    return list(map(edge_of.__getitem__, zip(nodes[:-1], nodes[1:], strict=True)))


def _nearest_within(dist: np.ndarray, dm: np.ndarray, ratio: float, k: int) -> list[list[int]]:
    """For each row of ``dist`` (from a gate), the places ``dm`` whose distance is within
    ``ratio`` of the row's least finite one (+1e-9), the ``k`` nearest, ties in the order
    of ``dm``: per row, what ``dm[ok & (c <= ratio * c[ok].min() + 1e-9)]`` sorted by a
    stable argsort of its distances gives (nothing where no place is reachable).

    Examples
    --------
    >>> d = np.array([[3.0, 1.0, np.inf, 2.0], [np.inf, np.inf, np.inf, np.inf]])
    >>> _nearest_within(d, np.array([0, 1, 3]), 2.5, 2)
    [[1, 3], []]
    """
    if not len(dm) or not len(dist):
        return [[] for _ in range(len(dist))]
    c = dist[:, dm]
    ok = np.isfinite(c)
    best = np.where(ok, c, np.inf).min(axis=1)
    sel = ok & (c <= ratio * best[:, None] + 1e-9)
    order = np.argsort(np.where(sel, c, np.inf), axis=1, kind="stable")[:, :k]
    take = np.take_along_axis(sel, order, axis=1)
    places = dm[order]
    return [p[t].tolist() for p, t in zip(places, take, strict=True)]


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


def _split(cell) -> list[str]:  # noqa: ANN001 - a table cell
    return [s.strip() for s in str(cell or "").split(";") if s.strip()]


# Exposure of a voyage or flight to a third party's patrols (the transit zone) grows with
# the distance travelled in the lane it watches, relative to the lane's mean voyage: the
# patrols' assets are spread over the lane's whole area, so a typical voyage of a wide
# ocean meets no more of them than a typical voyage of a narrow sea (assumption; the
# Eastern Pacific is several times the Western Caribbean's area, and JIATF-South works
# both with the same kind of assets: detection density, not distance, sets the risk).


def _patrol_cells(
    pat_link: np.ndarray,
    pat_juris: np.ndarray,
    juris_ids: list[str],
    frm: np.ndarray,
    to: np.ndarray,
    mode: np.ndarray,
    length: np.ndarray,
    country: np.ndarray,
    link_vector: list[str],
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """The patrol cell, exposure and lane flag of each patrol entry.

    A jurisdiction spreads its effort of a mode class over *cells*, and each link it
    patrols lies in one of them. On land a cell is a road link (its checkpoints). At sea,
    in the air and at the ports the cell is where the patrol stands: for the state the
    link enters, its coast on that sea (or its airspace), landings from abroad and coastal
    hops alike, or the port of arrival for containers; the departure coast for the state
    a link leaves for abroad; and for a third party (the transit
    zone) the lane of open sea or air it watches, whose exposure is the distance
    travelled in it over the lane's mean voyage. So many parallel voyages across one
    ocean, or landings on one coast, do not dilute the patrols of that ocean or coast.
    """
    keys: dict[tuple, int] = {}
    cell = np.zeros(len(pat_link), dtype=np.int64)
    expo = np.ones(len(pat_link))
    lane = np.zeros(len(pat_link), dtype=bool)
    land = MODES.index("land")
    container = MODES.index("container")
    # plain lists in the loop (why: indexing numpy arrays one element at a time is slow)
    mode, frm, to = mode.tolist(), frm.tolist(), to.tolist()
    length, country = length.tolist(), country.tolist()
    for k, (li, j) in enumerate(zip(pat_link.tolist(), pat_juris.tolist(), strict=True)):
        jid = juris_ids[j]
        if mode[li] == land:
            key = (j, "link", li)
        elif jid == country[to[li]]:
            if mode[li] == container:  # customs at the port of arrival
                key = (j, "to", to[li], mode[li])
            else:  # the coast guard or air force watches its whole coast or airspace,
                # landings from abroad and coastal hops alike
                key = (j, "coast", link_vector[li], mode[li])
        elif jid == country[frm[li]]:
            key = (j, "from", frm[li], mode[li])
        else:
            key = (j, "lane", link_vector[li], mode[li])
            expo[k] = max(length[li], 1e-6)
            lane[k] = True
        cell[k] = keys.setdefault(key, len(keys))
    # Lanes: distance over the mean distance of the lane's voyages (1 elsewhere).
    if lane.any():
        tot = np.bincount(cell[lane], weights=expo[lane], minlength=len(keys))
        cnt = np.bincount(cell[lane], minlength=len(keys))
        mean = np.divide(tot, cnt, out=np.ones(len(keys)), where=cnt > 0)
        expo[lane] = expo[lane] / mean[cell[lane]]
    return cell, expo, len(keys), lane


#: The columns of the places and links tables a network is compiled from: the compiler
#: sees no other (a column it would read without being listed here fails at once).
PLACE_COLUMNS = (
    "id",
    "country",
    "level",
    "lat",
    "lon",
    "population",
    "role",
    "market",
    "region_group",
)
LINK_COLUMNS = (
    "from",
    "to",
    "mode",
    "length_km",
    "cost_usd_per_kg",
    "capacity_t_per_month",
    "patrols",
    "vector",
)
#: Networks compiled in this process (see :func:`compile_network`), oldest first.
_COMPILED: dict[tuple, CompiledNetwork] = {}
#: Most networks kept in :data:`_COMPILED` (the default's takes about 1 MB).
_COMPILED_MAX = 8
_COMPILED_LOCK = threading.Lock()  # the dashboard (streamlit) runs each session in a thread


def _columns(df: pd.DataFrame, names: tuple[str, ...]) -> dict[str, pd.Series]:
    """The columns ``names`` of a table that it has, indexed 0, 1, ... (why not a
    DataFrame of them: selecting columns costs pandas more than the cache saves)."""
    df = df.reset_index(drop=True)
    return {c: df[c] for c in names if c in df.columns}


def _table_key(cols: dict[str, pd.Series]) -> tuple[tuple[str, str, bytes], ...]:
    """Columns as (name, dtype, pickled values): equal keys, equal columns (pickle writes
    each value with its type; the row index is not part of it).

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1.0, 2.0], "id": ["a", "b"]})
    >>> key = _table_key(_columns(a, ("x", "id")))
    >>> key == _table_key(_columns(a.copy(deep=True), ("x", "id"))), key == _table_key(
    ...     _columns(a[::-1], ("x", "id")))
    (True, False)
    """
    return tuple(
        (c, str(col.dtype), pickle.dumps(col.to_numpy(), protocol=5)) for c, col in cols.items()
    )


def compile_network(
    scenario: Scenario,
    initial_risk: np.ndarray | None = None,
    max_gateways: int = 400,
    variants: int = 1,
    reference_value_usd_per_kg: float = 15000.0,
    max_cost_ratio: float = 4.0,
    onward_ratio: float = 2.5,
    max_onward: int = 7,
) -> CompiledNetwork:
    """Compile places and links to arrays and generate the traffickers' choice set.

    A route leaves the origin through South America (cheapest path to the departure
    place), leaves South America by one *exit* link (a voyage, a flight, a container
    or a land crossing) to its first landfall, and goes on by the cheapest path that
    never re-enters South America to a market's entry points: for each exit, the
    ``max_onward`` entry points of each market whose onward cost is within
    ``onward_ratio`` of the cheapest. ``variants - 1`` alternatives per exit penalise
    the links of earlier onward paths. Generalised cost = transport cost + initial
    seizure risk x a reference value (USD/kg). Routes costing more than
    ``max_cost_ratio`` times the cheapest route to the same destination are dropped
    as implausible.

    The network depends only on the columns :data:`PLACE_COLUMNS` and
    :data:`LINK_COLUMNS` of the scenario's places and links and on the arguments: a
    network compiled once in this process for the same content of those (every value
    and its type; :func:`_table_key`) and the same arguments is
    returned as a deep copy instead of compiled again. Why: the route generation takes
    more time than a tenth of a run's months, and most runs of a process (ensembles,
    calibration, the benchmarks) compile the same network.
    """
    places = _columns(scenario.places, PLACE_COLUMNS)
    links = _columns(scenario.links, LINK_COLUMNS)
    args = (
        initial_risk,
        max_gateways,
        variants,
        reference_value_usd_per_kg,
        max_cost_ratio,
        onward_ratio,
        max_onward,
    )
    key = (_table_key(places), _table_key(links), pickle.dumps(args, protocol=5))
    with _COMPILED_LOCK:
        hit = _COMPILED.get(key)
    if hit is not None:
        return copy.deepcopy(hit)
    net = _compile(places, links, *args)
    kept = copy.deepcopy(net)  # kept apart from the one handed out
    with _COMPILED_LOCK:
        while len(_COMPILED) >= _COMPILED_MAX:
            del _COMPILED[next(iter(_COMPILED))]
        _COMPILED[key] = kept
    return net


def _compile(
    places: dict[str, pd.Series],
    links: dict[str, pd.Series],
    initial_risk: np.ndarray | None,
    max_gateways: int,
    variants: int,
    reference_value_usd_per_kg: float,
    max_cost_ratio: float,
    onward_ratio: float,
    max_onward: int,
) -> CompiledNetwork:
    """:func:`compile_network` of the columns of a scenario's places and links it reads
    (indexed 0, 1, ...); it sees nothing else of the scenario, so that the cache's key
    holds all it reads."""
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
    nl = len(frm)
    # Jurisdiction: the state whose waters or territory the link enters.
    juris_of_link = np.where(group[to] == "maritime", TRANSIT_ZONE, country[to])
    # Patrols: the jurisdictions whose enforcement acts on each link (default: the one it
    # enters).
    pcol = links["patrols"] if "patrols" in links else [""] * nl
    patrols = [_split(c) or [str(j)] for c, j in zip(pcol, juris_of_link, strict=True)]
    juris_ids = sorted(set(juris_of_link.tolist()) | {j for ps in patrols for j in ps})
    jmap = {j: i for i, j in enumerate(juris_ids)}
    juris = np.array([jmap[j] for j in juris_of_link], dtype=np.int64)
    pat_link = np.repeat(np.arange(nl, dtype=np.int64), [len(ps) for ps in patrols])
    pat_juris = np.array([jmap[j] for ps in patrols for j in ps], dtype=np.int64)
    vcol = links["vector"] if "vector" in links else [""] * nl
    link_vector = [str(v or "") or MODE_VECTOR[MODES[m]] for v, m in zip(vcol, mode, strict=True)]
    pat_cell, pat_exposure, n_cells, pat_lane = _patrol_cells(
        pat_link, pat_juris, juris_ids, frm, to, mode, length, country, link_vector
    )

    risk = np.zeros(nl) if initial_risk is None else np.asarray(initial_risk, dtype=float)
    w = cost + risk * reference_value_usd_per_kg

    sa = group == "south_america"
    exits = np.flatnonzero(sa[frm] & ~sa[to])

    g_sa, e_sa = _best_edges(n, frm, to, w, sa[frm] & sa[to])
    onward_mask = ~sa[frm] & ~sa[to]
    dests = [np.flatnonzero(dest_market == k) for k in range(len(MARKETS))]
    gates = np.unique(to[exits])
    gates = gates[dest_market[gates] < 0]
    gpos = {int(g): i for i, g in enumerate(gates)}

    paths: list[tuple[int, int, list[int]]] = []  # (origin, dest, links)
    seen: set[tuple[int, ...]] = set()
    to_list = to.tolist()

    def add(o: int, d: int, lk: list[int]) -> None:
        key = tuple(lk)
        if lk and key not in seen and len({to_list[x] for x in lk}) == len(lk):
            seen.add(key)
            paths.append((o, d, lk))

    penal = w.copy()
    onward: list[tuple[np.ndarray, np.ndarray, dict]] = []
    n_variants = max(variants, 1)
    for v in range(n_variants):
        g_on, e_on = _best_edges(n, frm, to, penal, onward_mask)
        if len(gates):
            d_on, p_on = dijkstra(g_on, indices=gates, return_predecessors=True)
        else:
            d_on, p_on = np.zeros((0, n)), np.zeros((0, n), dtype=np.int64)
        onward.append((d_on, p_on, e_on))
        if v == n_variants - 1:
            break  # the penalties only shape the variants after this one
        used: list[int] = []
        for gi, g in enumerate(gates):
            prow = p_on[gi].tolist()
            for dm in dests:
                reach = dm[np.isfinite(d_on[gi, dm])]
                for d in reach:
                    lk = _path_links(prow, int(g), int(d), e_on)
                    if lk:
                        used.extend(lk)
        if used:
            penal[np.unique(used)] *= 2.0

    # The onward paths from a gate do not depend on the origin or the exit that reaches
    # it: each gate's list (destination, links), in the order the routes are made, once.
    onward_of: dict[int, list[tuple[int, list[int]]]] = {}
    # Each gate's entry points of each market: those within onward_ratio of the cheapest,
    # the max_onward cheapest of them (ties in the order of ``dests``), for all the gates
    # at once (why: a few numpy calls per gate and market add up).
    entry_points = [
        [_nearest_within(d_on, dm, onward_ratio, max_onward) for dm in dests]
        for d_on, _, _ in onward
    ]

    def onward_from(gi: int, g: int) -> list[tuple[int, list[int]]]:
        out = onward_of.get(gi)
        if out is not None:
            return out
        out = []
        for (_, p_on, e_on), per_market in zip(onward, entry_points, strict=True):
            prow = p_on[gi].tolist()
            for cand in per_market:
                for d in cand[gi]:
                    rest = _path_links(prow, g, d, e_on)
                    if rest is not None:
                        out.append((d, rest))
        onward_of[gi] = out
        return out

    exit_list = exits.tolist()
    exit_from, exit_to = frm[exits].tolist(), to[exits].tolist()
    exit_direct = (dest_market[to[exits]] >= 0).tolist()
    for o in origins.tolist():
        d1, p1 = dijkstra(g_sa, indices=o, return_predecessors=True)
        reached = np.isfinite(d1[exit_from]).tolist()
        p1 = p1.tolist()
        for e, f, g, direct, ok in zip(
            exit_list, exit_from, exit_to, exit_direct, reached, strict=True
        ):
            if not ok:
                continue
            first = _path_links(p1, o, f, e_sa)
            if first is None:
                continue
            if direct:
                add(o, g, first + [e])
                continue
            head = first + [e]
            for d, rest in onward_from(gpos[g], g):
                add(o, d, head + rest)
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
    from .kernels import segment_sums_pairwise  # numba: only when a network is compiled

    all_lens = np.fromiter((len(lk) for _, _, lk in paths), dtype=np.int64, count=len(paths))
    all_ends = np.cumsum(all_lens)
    flat = np.fromiter(
        itertools.chain.from_iterable(lk for _, _, lk in paths),
        dtype=np.int64,
        count=int(all_ends[-1]),
    )
    # each route's cost summed as numpy sums it (pairwise), from one gather of all links
    pcl = segment_sums_pairwise(w[flat], all_ends - all_lens, all_lens).tolist()
    best: dict[tuple[int, int], float] = {}
    for (o, d, _), c in zip(paths, pcl, strict=True):
        best[(o, d)] = min(best.get((o, d), np.inf), c)
    keep = [
        i for i, (o, d, _) in enumerate(paths) if pcl[i] <= max_cost_ratio * best[(o, d)] + 1e-9
    ]
    paths = [paths[i] for i in keep]

    lens = all_lens[keep]
    indptr = np.concatenate([[0], np.cumsum(lens)])
    kept = np.zeros(len(all_lens), dtype=bool)
    kept[keep] = True
    indices = flat[np.repeat(kept, all_lens)]
    n_paths = len(paths)
    A = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n_paths, nl))
    nnz_path = np.repeat(np.arange(n_paths), lens)

    path_origin = np.fromiter((o for o, _, _ in paths), dtype=np.int64, count=n_paths)
    path_dest = np.fromiter((d for _, d, _ in paths), dtype=np.int64, count=n_paths)
    path_market = dest_market[path_dest]
    # First landfall and departure vector: the link on which a route leaves South America.
    is_exit = np.zeros(nl, dtype=bool)
    is_exit[exits] = True
    path_exit = np.full(n_paths, -1, dtype=np.int64)
    at_exit = np.flatnonzero(is_exit[indices])  # entries on an exit link, in travel order
    with_exit, first_at = np.unique(nnz_path[at_exit], return_index=True)
    path_exit[with_exit] = indices[at_exit[first_at]]
    lf = np.full(n_paths, -1, dtype=np.int64)
    ok = path_exit >= 0
    # the landfall group of each place, then of each route's landfall
    place_lf = np.array(
        [
            LANDFALL_GROUPS.index("direct")
            if dm >= 0
            else LANDFALL_GROUPS.index(gr)
            if gr in LANDFALL_GROUPS
            else -1
            for dm, gr in zip(dest_market.tolist(), group.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    lf_ok = place_lf[to[path_exit[ok]]]
    lf[ok] = lf_ok
    used_vec = {link_vector[li] for li in path_exit[ok]}
    vectors = [v for v in VECTORS if v in used_vec] + sorted(used_vec - set(VECTORS))
    path_vector = np.full(n_paths, -1, dtype=np.int64)
    vpos = {v: i for i, v in enumerate(vectors)}
    path_vector[ok] = [vpos[link_vector[li]] for li in path_exit[ok].tolist()]
    # Path-size factor (Ben-Akiva & Bierlaire): overlap with other routes of the same origin.
    lw = np.maximum(cost[indices], 1e-6)
    plen = np.bincount(nnz_path, weights=lw, minlength=n_paths)
    n_use = np.zeros((len(origins), nl))
    for k, o in enumerate(origins):
        sel = path_origin[nnz_path] == o
        n_use[k] = np.bincount(indices[sel], minlength=nl)
    nu = n_use[np.searchsorted(origins, path_origin[nnz_path]), indices]  # origins are sorted
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
        pat_link=pat_link,
        pat_juris=pat_juris,
        pat_cell=pat_cell,
        pat_exposure=pat_exposure,
        pat_lane=pat_lane,
        n_cells=n_cells,
        path_vector=path_vector,
        vectors=vectors,
        path_exit=path_exit,
    )
