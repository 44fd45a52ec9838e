"""Step 3, interdiction: each link seizes a share of what passes.

Effective enforcement effort E (capacity x (1 - corruption), set each month by
the state step from the countries table and the policies) is split, within
each jurisdiction and mode class (land, sea, air, container), over the links
that jurisdiction patrols (``net.pat_link``: a voyage from Colombia to Honduras
is patrolled by Colombia, the transit zone and Honduras, and its hazard is the
sum of theirs) by an allocation that moves towards the flow the
enforcers observed (NarcoLogic's adaptive interdictor, mechanisms.md (a)),
keeping a share spread out as patrol coverage (random allocation works better
against adaptive smugglers: Caulkins, Crawford & Reuter 1993). The hazard on a
link is h = k_mode x (E x allocation + fixed deployments on the link), and the
seizure share saturates:

    p = p_base + (p_max - p_base) x (1 - exp(-h))

Realised seizure rates are random (a few shipments pass a link each month):
lognormal with mean p and the variance p(1 - p)/n of n shipments. Seizures are applied
in travel order along each route, so the flow ledger balances exactly:
supplied = seized + delivered (+ stock change + losses, zero here).
Traffickers update their learned risk p_hat from what they saw seized, with
discounted memory (a Beta-Bernoulli posterior, NarcoLogic).
"""

from __future__ import annotations

import numpy as np

from .kernels import (
    clipped_rate,
    learned_risk,
    lognormal_exponent,
    patrol_hazard,
    realised_rate_parts,
    route_entry_flags,
    saturating_share,
    scale_and_bin_flat,
    seizure_attribution,
    spread_bin,
    survival_exponents,
    survival_exponents_flat,
)
from .network import MODES
from .params import Param
from .sim import Module, register

CLASSES = ("land", "sea", "air", "container")
_F64 = np.dtype(np.float64)
MODE_CLASS = np.array(
    [
        CLASSES.index("land" if m == "land" else "sea" if m.startswith("maritime") else m)
        for m in MODES
    ]
)


@register
class Interdiction(Module):
    name = "interdiction"
    params = {
        "k_land": Param(
            0.2,
            "1/effort unit",
            0.08,
            0.5,
            "calibrated to 2000-2006 seizures (figures.csv)",
            "Seizure hazard per effort unit concentrated on one land link.",
        ),
        "k_sea": Param(
            1.2,
            "1/effort unit",
            0.5,
            2.0,
            "calibrated to 2000-2006 seizures (figures.csv)",
            "Seizure hazard per effort unit concentrated on one maritime link.",
        ),
        "k_air": Param(
            0.4,
            "1/effort unit",
            0.1,
            1.0,
            "calibrated to 2000-2006 seizures (figures.csv)",
            "Seizure hazard per effort unit concentrated on one air link.",
        ),
        "k_container": Param(
            0.4,
            "1/effort unit",
            0.1,
            1.0,
            "assumption: container inspection as land",
            "Seizure hazard per effort unit on container links.",
        ),
        "lane_exposure": Param(
            1.0,
            "1",
            0.1,
            5.0,
            "calibrated on the transit-zone seizures up to 2006 (157 t in 2003, observations.csv) "
            "jointly with the national navies' seizures",
            "Exposure of a lane's mean voyage or flight to the transit zone's effort on that "
            "lane, against a landing state's coast guard on its coast (1 = the same).",
        ),
        "p_base": Param(
            0.005,
            "0-1",
            0.0,
            0.02,
            "NarcoLogic baseline seizure-and-loss probability 0.02 per event (mechanisms.md (a) [C]); "
            "lowered as a link is a leg, not a whole trip",
            "Seizure share of a link with no enforcement effort (accidents, chance stops).",
        ),
        "p_max": Param(
            0.6,
            "0-1",
            0.4,
            0.8,
            "assumption: even saturated enforcement misses most of a heavy flow (Caulkins et al. 1993)",
            "Upper bound of a link's seizure share.",
        ),
        "realloc": Param(
            0.545,
            "1/month",
            0.2,
            0.8,
            "NarcoLogic interdictor learning rate 0.545 (mechanisms.md (a) [C])",
            "Rate at which enforcers move effort towards the flow they observe.",
        ),
        "spread": Param(
            0.3,
            "0-1",
            0.1,
            0.6,
            "assumption: a third of effort is routine coverage (Caulkins et al. 1993: random allocation)",
            "Share of effort spread uniformly over the jurisdiction's links.",
        ),
        "shipment_t": Param(
            0.8,
            "t",
            0.3,
            2.0,
            "assumption: typical go-fast / light-aircraft / truck load of 0.5-1.5 t",
            "Typical shipment size; sets the randomness of realised seizures.",
        ),
    }

    def init(self) -> None:
        net, st = self.sim.net, self.sim.state
        nJ = len(net.juris_ids)
        self.cls = MODE_CLASS[net.link_mode]
        # Patrol entries (link, jurisdiction) in patrol cells: each jurisdiction spreads its
        # effort of a mode class over its cells (a road; a departure or landing coast; a lane
        # of open sea), and a link's hazard sums its patrols' (network._patrol_cells).
        self.e_link = net.pat_link
        self.e_juris = net.pat_juris
        self.e_cell = net.pat_cell
        # Lane exposure: the network's (distance over the lane's mean voyage), scaled.
        lane = np.asarray(getattr(net, "pat_lane", np.zeros(len(net.pat_link), dtype=bool)))
        self.e_expo = np.where(lane, net.pat_exposure * self.p.lane_exposure, 1.0)
        # Entries of the state the link enters (its officials are the ones groups corrupt).
        self.e_own = (self.e_juris == net.link_juris[self.e_link]).astype(float)
        self.own_entry = self.e_own > 0
        nc = max(int(net.n_cells), int(self.e_cell.max()) + 1 if len(self.e_cell) else 0)
        cell_group = np.zeros(nc, dtype=np.int64)
        cell_group[self.e_cell] = self.e_juris * len(CLASSES) + self.cls[self.e_link]
        self.cell_group = cell_group  # (jurisdiction, class) of each cell
        self.n_cells = nc
        self._zero_links = np.zeros(net.n_links)
        self.n_groups = nJ * len(CLASSES)
        self.k = np.array([self.p.k_land, self.p.k_sea, self.p.k_air, self.p.k_container])[self.cls]
        self.k_entry = self.k[self.e_link]  # the hazard rate of each patrol entry's link
        self.n_in_group = np.bincount(cell_group, minlength=self.n_groups).astype(float)
        self.uniform = 1.0 / np.maximum(self.n_in_group[cell_group], 1.0)
        st.alloc = self.uniform.copy()  # share of its group's effort each cell gets
        if not hasattr(
            st, "effort"
        ):  # the state step sets it; without it, capacity x (1 - corruption)
            from .state import base_effort

            st.effort = base_effort(self.sim)
        if not hasattr(st, "link_extra_effort"):
            st.link_extra_effort = np.zeros(net.n_links)
        # Per-link multiplier of effective enforcement (the groups step lowers it where
        # groups corrupt local officials; 1 = no local effect).
        st.link_enf_mult = np.ones(net.n_links)
        st.p_true = self.seizure_prob(store=True)
        st.p_hat = st.p_true.copy()
        st.link_seized = np.zeros(net.n_links)
        st.juris_seized = np.zeros(nJ)
        st.entry_seized = np.zeros(len(self.e_link))
        st.link_seized_rem = np.zeros(net.n_links)
        st.link_out = np.zeros(net.n_links)
        st.path_delivered = np.zeros(net.n_paths)
        self.path_len = np.diff(net.A.indptr)
        self._flags = route_entry_flags(self.path_len)  # route boundaries (flat kernels)
        self._e_path = np.asarray(net.nnz_path, dtype=np.int64)
        if not np.array_equal(np.repeat(np.arange(net.n_paths), self.path_len), net.nnz_path):
            raise ValueError("the network's entries are not grouped by route (A.indptr)")
        if not (net.A.data == 1.0).all():  # spread_bin stands for A.T @ flow
            raise ValueError("the route matrix is not 0/1")

    def routine_effort(self) -> np.ndarray:
        """Effort per patrol entry: its cell's share of the jurisdiction's effort of the
        class, times the entry's exposure."""
        st = self.sim.state
        cell_effort = st.effort.ravel()[self.cell_group] * st.alloc
        return cell_effort[self.e_cell] * self.e_expo

    def seizure_prob(self, extra: np.ndarray | None = None, store: bool = False) -> np.ndarray:
        """True seizure share of every link; ``extra`` (effective effort units per link,
        optional) is added on top of ``st.link_extra_effort`` for a read-only what-if.

        Nothing is written unless ``store`` (the month's own computation): then the
        routine effort per link goes to ``st.link_effort`` and the patrols' shares are
        kept for the attribution of seizures.
        """
        st, p = self.sim.state, self.p
        # Officials that groups corrupt belong to the state the link enters: the
        # multiplier lowers that state's patrols (and its extra effort and troops), not
        # the transit zone's or the departure state's. Deployed troops hold roads,
        # beaches and airstrips alike: they act at the land rate. (Compiled:
        # kernels.patrol_hazard, the numpy arithmetic of routine_effort and of the
        # hazard in the same order.)
        mult = st.link_enf_mult
        link_extra = st.link_extra_effort if extra is None else st.link_extra_effort + extra
        e_entry, link_effort, h, mult_entry = patrol_hazard(
            np.ascontiguousarray(st.effort).ravel(),
            self.cell_group,
            st.alloc,
            self.e_cell,
            self.e_expo,
            self.e_link,
            self.e_own,
            self.own_entry,
            self.k,
            mult,
            link_extra,
            self.p.k_land,
            self._troop(),
        )
        if store:
            st.link_effort = link_effort
            self._e_entry = e_entry
            self._mult_entry = mult_entry
        # p_base + (p_max - p_base) (1 - exp(-h)) (compiled around numpy's exp)
        np.negative(h, out=h)
        return saturating_share(np.exp(h, out=h), p.p_base, p.p_max - p.p_base)

    def _troop(self) -> np.ndarray:
        """Troop effort per link (zeros when the state module does not deploy any)."""
        tr = getattr(self.sim.state, "link_troop_effort", None)
        if tr is None:
            return self._zero_links
        if type(tr) is np.ndarray and tr.dtype is _F64 and tr.shape == self._zero_links.shape:
            return tr  # the state step's own array (why: broadcast_to costs ~5 us a call)
        return np.broadcast_to(np.asarray(tr, dtype=float), self._zero_links.shape)

    def step(self, t: int) -> None:
        net, st, p = self.sim.net, self.sim.state, self.p
        st.p_true = self.seizure_prob(store=True)
        flow = st.path_flow
        # Expected inflow per link sets the number of shipments (randomness of seizures).
        exp_in = spread_bin(flow, self.path_len, net.nnz_link, net.n_links)  # A.T @ flow
        # Realised rate: lognormal around p with the variance of n Bernoulli shipments. One
        # standard-normal draw per link and month, so two scenarios run with the same seed
        # share their luck link by link (common random numbers). (Compiled between numpy's
        # log1p and exp: pt = max(p_true, 1e-12), n_ship = max(exp_in / shipment_t, 1),
        # s2 = log1p((1 - pt) / (pt n_ship)), r = clip(pt exp(sqrt(s2) z - s2 / 2), 0, 0.999).)
        z = self.rng.standard_normal(net.n_links)
        pt, q = realised_rate_parts(exp_in, p.shipment_t, st.p_true)
        s2 = np.log1p(q, out=q)  # (numpy's transcendentals in place on the temporaries)
        e = lognormal_exponent(s2, z)
        r, neg_r = clipped_rate(pt, np.exp(e, out=e))
        # Seizures in travel order along each route: a segmented cumulative sum of log survival.
        lg = np.log1p(neg_r, out=neg_r)
        if self._flags is None:  # a route without links
            inflow, whole = survival_exponents(lg, net.nnz_link, self.path_len)
        else:
            e_start, e_end = self._flags
            inflow, whole = survival_exponents_flat(lg, net.nnz_link, e_start, e_end, len(flow))
        np.exp(inflow, out=inflow)
        st.path_delivered = flow * np.exp(whole, out=whole)
        # tons entering each route's links (travel order), and each link
        st.link_inflow = scale_and_bin_flat(inflow, flow, self._e_path, net.nnz_link, net.n_links)
        st.entry_inflow = inflow
        # Each link seizes the same share r of every route's tons passing it.
        # Seizures by jurisdiction: each patrol's share of the link's effort (extra effort,
        # troops and the base rate count for the jurisdiction the link enters). Enforcers
        # move effort towards the flow they saw (within jurisdiction and mode class).
        # (Compiled: kernels.seizure_attribution, the numpy arithmetic in the same order.)
        (
            st.link_seized,
            st.link_out,
            st.entry_seized,
            st.link_seized_rem,
            st.juris_seized,
            st.alloc,
        ) = seizure_attribution(
            self.k_entry,
            self._e_entry,
            self._mult_entry,
            self.e_link,
            self.e_juris,
            self.e_cell,
            self.k,
            st.link_enf_mult,
            st.link_extra_effort,
            self.p.k_land,
            self._troop(),
            st.link_inflow,
            r,
            net.link_juris,
            len(net.juris_ids),
            self.cell_group,
            self.n_groups,
            self.uniform,
            st.alloc,
            p.spread,
            p.realloc,
        )
        # Traffickers learn risk from seizures they saw (discounted Beta-Bernoulli in tons).
        rp = self.sim.pars["routes"]
        st.obs_seized, st.obs_passed, st.p_hat = learned_risk(
            st.obs_seized,
            st.obs_passed,
            st.link_seized,
            st.link_inflow,
            st.p_true,
            rp["memory"],
            rp["prior_t"],
        )
