"""Step 3, interdiction: each link seizes a share of what passes.

Effective enforcement effort E (capacity x (1 - corruption), set each month by
the state step from the countries table and the policies) is split, within
each jurisdiction and mode class (land, sea, air, container), over that
jurisdiction's links by an allocation that moves towards the flow the
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

from .network import MODES
from .params import Param
from .sim import Module, register

CLASSES = ("land", "sea", "air", "container")
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
        self.group = net.link_juris * len(CLASSES) + self.cls  # (jurisdiction, class) of each link
        self.n_groups = nJ * len(CLASSES)
        self.k = np.array([self.p.k_land, self.p.k_sea, self.p.k_air, self.p.k_container])[self.cls]
        self.n_in_group = np.bincount(self.group, minlength=self.n_groups).astype(float)
        self.uniform = 1.0 / self.n_in_group[self.group]
        st.alloc = self.uniform.copy()
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
        st.p_true = self.seizure_prob()
        st.p_hat = st.p_true.copy()
        st.link_seized = np.zeros(net.n_links)
        st.link_out = np.zeros(net.n_links)
        st.path_delivered = np.zeros(net.n_paths)
        self.nnz_start = net.A.indptr[:-1]
        self.has_prev = self.nnz_start > 0
        self.prev_idx = np.maximum(self.nnz_start - 1, 0)
        self.ends = net.A.indptr[1:] - 1
        self.AT = net.A.T.tocsr()  # link x path, for the expected inflow of each link

    def seizure_prob(self, extra: np.ndarray | None = None) -> np.ndarray:
        """True seizure share of every link; ``extra`` (effective effort units per link,
        optional) is added on top of ``st.link_extra_effort`` for a read-only what-if."""
        st, p = self.sim.state, self.p
        e_group = st.effort.ravel()[self.group]
        link_extra = st.link_extra_effort if extra is None else st.link_extra_effort + extra
        # Deployed troops hold roads, beaches and airstrips alike: they act at the land rate.
        h = self.k * (e_group * st.alloc + link_extra)
        h += self.p.k_land * getattr(st, "link_troop_effort", 0.0)
        h *= st.link_enf_mult
        return p.p_base + (p.p_max - p.p_base) * (1.0 - np.exp(-h))

    def step(self, t: int) -> None:
        net, st, p = self.sim.net, self.sim.state, self.p
        st.p_true = self.seizure_prob()
        flow = st.path_flow
        # Expected inflow per link sets the number of shipments (randomness of seizures).
        exp_in = self.AT @ flow
        n_ship = np.maximum(exp_in / p.shipment_t, 1.0)
        # Realised rate: lognormal around p with the variance of n Bernoulli shipments. One
        # standard-normal draw per link and month, so two scenarios run with the same seed
        # share their luck link by link (common random numbers).
        z = self.rng.standard_normal(net.n_links)
        pt = np.maximum(st.p_true, 1e-12)
        s2 = np.log1p((1.0 - pt) / (pt * n_ship))
        r = np.clip(pt * np.exp(np.sqrt(s2) * z - 0.5 * s2), 0.0, 0.999)
        # Seizures in travel order along each route: a segmented cumulative sum of log survival.
        lg = np.log1p(-r)[net.nnz_link]
        cs = np.cumsum(lg)
        start_cs = np.where(self.has_prev, cs[self.prev_idx], 0.0)
        inflow = flow[net.nnz_path] * np.exp(cs - lg - start_cs[net.nnz_path])
        st.path_delivered = flow * np.exp(cs[self.ends] - start_cs)
        st.link_inflow = np.bincount(net.nnz_link, weights=inflow, minlength=net.n_links)
        # Each link seizes the same share r of every route's tons passing it.
        st.link_seized = st.link_inflow * r
        st.link_out = st.link_inflow - st.link_seized
        # Enforcers move effort towards the flow they saw (within jurisdiction and mode class).
        g_in = np.bincount(self.group, weights=st.link_inflow, minlength=self.n_groups)
        seen = np.divide(
            st.link_inflow, g_in[self.group], out=self.uniform.copy(), where=g_in[self.group] > 0
        )
        target = (1.0 - p.spread) * seen + p.spread * self.uniform
        st.alloc = (1.0 - p.realloc) * st.alloc + p.realloc * target
        # Traffickers learn risk from seizures they saw (discounted Beta-Bernoulli in tons).
        rp = self.sim.pars["routes"]
        st.obs_seized = rp["memory"] * st.obs_seized + st.link_seized
        st.obs_passed = rp["memory"] * st.obs_passed + st.link_inflow
        st.p_hat = (st.obs_seized + rp["prior_t"] * st.p_true) / (st.obs_passed + rp["prior_t"])
