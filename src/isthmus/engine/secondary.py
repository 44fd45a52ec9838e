"""Secondary commodities on fixed paths: migrants north, firearms south (F7).

Irregular migrants from Guatemala, Honduras, El Salvador and Nicaragua travel to the
US land border, and firearms travel south from it, on fixed shortest paths over the
land network (compiled once). Places that a group controls charge them: smugglers'
fees and ransoms on migrants, a markup on firearms. The state apprehends migrants and
seizes firearms in proportion to its presence. The groups step turns what passes each
place into the potentials of the activities ``migrant_smuggling``,
``human_trafficking`` and ``firearms``.

Examples
--------
>>> s = segment_survival(np.array([0.0, 0.5, 0.5, 0.0, 0.1]), np.array([0, 3]),
...                      np.array([0, 0, 0, 1, 1]))
>>> s.round(3).tolist()
[1.0, 1.0, 0.5, 1.0, 1.0]
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .kernels import (
    scale_and_bin,
    secondary_bins,
    secondary_exponents,
    secondary_month_inputs,
    survival_exponents,
)

# assumption (recalled, unverified): the origin countries of Central American transit
# migrants through Mexico c.2005 (Rodriguez, Berumen & Ramos 2011 for the total).
MIGRANT_ORIGINS = {"GTM": 0.35, "HND": 0.30, "SLV": 0.30, "NIC": 0.05}
MIGRANT_ORIGIN_PLACES = 3  # departments per origin country, by population
# assumption: where irregular migrants cross the US land border (Border Patrol sectors).
US_LAND_ENTRY_WEIGHTS = {
    "US-RGV": 0.35,
    "US-LRD": 0.2,
    "US-ELP": 0.1,
    "US-TUS": 0.25,
    "US-SDG": 0.1,
}


def segment_survival(
    hazard: np.ndarray, starts: np.ndarray, seg: np.ndarray, lens: np.ndarray | None = None
) -> np.ndarray:
    """Share of a path's flow still travelling when it enters each stop.

    ``hazard`` is the loss share at each stop (entries in travel order), ``starts``
    the index of each path's first entry and ``seg`` the path of each entry; ``lens``
    (the entries of each path, when each path's entries are contiguous) spreads the
    per-path values with ``np.repeat`` instead of indexing by ``seg`` (the same values).
    """
    lg = np.log1p(-np.minimum(hazard, 0.999))
    cs = np.cumsum(lg)
    start_cs = cs[np.maximum(starts - 1, 0)] * (starts > 0)
    return np.exp(cs - lg - (start_cs[seg] if lens is None else np.repeat(start_cs, lens)))


class Paths:
    """Fixed paths over places (entries in travel order) for a secondary commodity."""

    def __init__(self, paths: list[list[int]], n_places: int, country_of: np.ndarray):
        lens = np.fromiter((len(p) for p in paths), dtype=np.int64, count=len(paths))
        self.n = len(paths)
        self.place = np.fromiter(
            itertools.chain.from_iterable(paths), dtype=np.int64, count=int(lens.sum())
        )
        self.seg = np.repeat(np.arange(self.n), lens)
        self.lens = lens
        self.starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        self.n_places = n_places
        # The first stop of each path in each country: persons or units entering it (the
        # first occurrence of each (path, country) pair, in travel order).
        country = country_of.tolist() if isinstance(country_of, np.ndarray) else country_of
        code: dict = {}
        ccode = np.array([code.setdefault(c, len(code)) for c in country], dtype=np.int64)
        key = self.seg * max(len(code), 1) + ccode[self.place]
        self.first_in_country = np.zeros(len(self.place), dtype=bool)
        self.first_in_country[np.unique(key, return_index=True)[1]] = True

    def flows(self, path_flow: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flow entering each stop (per entry) and through each place, after losses."""
        return self._flows(path_flow, -np.minimum(loss, 0.999))

    def _flows(self, path_flow: np.ndarray, neg_loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`flows` from ``-min(loss, 0.999)`` per place."""
        if self.n == 0:
            return np.zeros(0), np.zeros(self.n_places)
        # segment_survival in compiled passes (the same numbers)
        at, _ = survival_exponents(np.log1p(neg_loss), self.place, self.lens)
        np.exp(at, out=at)
        return at, scale_and_bin(at, path_flow, self.lens, self.place, self.n_places)


class SecondaryFlows:
    """Migrant and firearm paths of a network, and their monthly flows.

    Parameters
    ----------
    net : CompiledNetwork
        The compiled network.
    terr : array of bool
        Territorial places (where groups can hold ground).
    pop : array
        Residents of each territorial place.
    """

    def __init__(self, net, terr: np.ndarray, pop: np.ndarray):  # noqa: ANN001
        n = net.n_places
        land = net.link_mode == 0
        w = sp.coo_matrix(
            (net.link_length[land], (net.link_from[land], net.link_to[land])), shape=(n, n)
        ).tocsr()
        km = w.maximum(w.T)
        entries = [e for e in US_LAND_ENTRY_WEIGHTS if e in net.place_index]
        e_idx = [net.place_index[e] for e in entries]
        entry_w = np.array([US_LAND_ENTRY_WEIGHTS[e] for e in entries])
        if not e_idx:  # another network: every US entry point, equally
            e_idx = np.flatnonzero((net.dest_market == 0) & (net.place_level == "entry")).tolist()
            entry_w = np.ones(len(e_idx))
        if len(e_idx):
            entry_w = entry_w / entry_w.sum()
            dist, pred = dijkstra(km, directed=False, indices=e_idx, return_predecessors=True)
        else:
            dist, pred = np.zeros((0, n)), np.zeros((0, n), dtype=np.int64)

        # plain lists below (why: indexing numpy arrays one element at a time is slow)
        reached = np.isfinite(dist).tolist()
        pred_l = pred.tolist()
        terr_l = np.asarray(terr).tolist()

        def path_from_entry(k: int, dest: int) -> list[int] | None:
            if not reached[k][dest]:
                return None
            out = [dest]
            cur = dest
            pk = pred_l[k]
            while pk[cur] >= 0:
                cur = pk[cur]
                out.append(cur)
            return out[::-1]  # entry ... dest

        # Migrants: the most populous departments of the origin countries, to each entry.
        mig_paths, mig_w = [], []
        for c, share in MIGRANT_ORIGINS.items():
            orig = np.flatnonzero((net.place_country == c) & terr & (pop > 0))
            if not len(orig):
                continue
            orig = orig[np.argsort(-pop[orig])[:MIGRANT_ORIGIN_PLACES]]
            pw = pop[orig] / pop[orig].sum()
            for o, wo in zip(orig, pw, strict=True):
                for k in range(len(e_idx)):
                    pth = path_from_entry(k, int(o))
                    if pth is None:
                        continue
                    stops = [q for q in pth[::-1] if terr_l[q]]  # origin ... last Mexican place
                    mig_paths.append(stops)
                    mig_w.append(share * wo * entry_w[k])
        mw = np.array(mig_w)
        self.mig_w = mw / mw.sum() if len(mw) else mw
        self.mig = Paths(mig_paths, n, net.place_country)
        # Firearms: from the nearest entry to every territorial place reachable by land.
        fire_paths, fire_dest = [], []
        if len(e_idx):
            near = np.argmin(dist, axis=0)
            near_l = near.tolist()
            for d in np.flatnonzero(terr).tolist():
                pth = path_from_entry(near_l[d], d)
                if pth is None:
                    continue
                stops = [q for q in pth if terr_l[q]]
                if stops:
                    fire_paths.append(stops)
                    fire_dest.append(int(d))
        self.fire = Paths(fire_paths, n, net.place_country)
        self.fire_dest = np.array(fire_dest, dtype=np.int64)
        self.pop_fire = pop[self.fire_dest] / 1e6 if len(fire_dest) else np.zeros(0)
        self.mig_first = np.flatnonzero(self.mig.first_in_country)
        self.fire_first = np.flatnonzero(self.fire.first_in_country)
        self.n = n

    def step(
        self,
        presence: np.ndarray,
        migrants: float,
        firearms: float,
        armed: np.ndarray,
        apprehension: float,
        seizure: float,
        group_weight: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One month: migrants and firearms at each stop and through each place.

        Firearms go where people and armed groups are: each destination's demand is
        its population (millions) plus ``group_weight`` x the local group strength.
        """
        # (compiled: the inputs of both, bit for bit the numpy code of Paths.flows, both
        # commodities in each pass; the logarithms and exponentials stay in numpy)
        pm, pf, neg = secondary_month_inputs(
            np.asarray(presence, dtype=float),
            float(apprehension),
            float(seizure),
            self.mig_w,
            float(migrants),
            self.pop_fire,
            np.asarray(armed, dtype=float),
            self.fire_dest,
            float(group_weight),
            float(firearms),
        )
        mig, fire = self.mig, self.fire
        at = secondary_exponents(np.log1p(neg), mig.place, mig.lens, fire.place, fire.lens)
        np.exp(at, out=at)
        mig_thru, fire_thru = secondary_bins(
            at, pm, mig.lens, mig.place, pf, fire.lens, fire.place, self.n
        )
        nm = len(mig.place)
        return at[:nm], mig_thru, at[nm:], fire_thru
