"""Step 2, route choice: traffickers spread each month's supply over routes.

Each route r of the choice set (see :mod:`isthmus.engine.network`) has an
expected profit per kg, normalised by the destination price P_D
(mechanisms.md (a)):

    EPi_r / P_D = S_r - (C_r + F_r) / P_D

where S_r = prod(1 - p_hat_a) is the survival probability under the *learned*
seizure risk p_hat of its links, C_r the transport cost (with a congestion
premium above capacity) and F_r the piso fees charged by whoever controls the
places it crosses. A nested logit gives target shares: the market (US or Europe)
is chosen on its inclusive value (the log-sum of its routes' utilities) scaled
by a nesting parameter (dealers' networks and demand tie supply to markets, so
the split responds to profits, but less sharply than routes do), and routes
within a market by a path-size logit (Ben-Akiva & Bierlaire); actual shares move towards them with inertia
(traffickers need months to re-route: Dell 2015; OAS 2013).
"""

from __future__ import annotations

import numpy as np

from .network import MARKETS
from .params import Param
from .sim import Module, register


def segment_softmax(v: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    """Softmax of ``v`` within each segment ``seg`` (numerically safe).

    Examples
    --------
    >>> segment_softmax(np.array([0.0, 0.0, 5.0]), np.array([0, 0, 1]), 2).round(3).tolist()
    [0.5, 0.5, 1.0]
    """
    mx = np.full(n_seg, -np.inf)
    np.maximum.at(mx, seg, v)
    e = np.exp(v - mx[seg])
    tot = np.bincount(seg, weights=e, minlength=n_seg)
    return e / tot[seg]


@register
class Routes(Module):
    name = "routes"
    params = {
        "theta": Param(
            22.0,
            "1 (per unit of normalised profit)",
            10.0,
            60.0,
            "calibrated to pre-2007 route shares (mechanisms.md (a): no drug-specific estimate exists)",
            "Logit scale: how sharply traffickers prefer the most profitable routes.",
        ),
        "beta_ps": Param(
            1.0,
            "1",
            0.5,
            1.0,
            "Ben-Akiva & Bierlaire (1999) path-size logit; 1 is the standard value",
            "Weight of the path-size correction for overlapping routes.",
        ),
        "adaptation": Param(
            0.35,
            "1/month",
            0.15,
            0.6,
            "assumption: re-routing takes months (Dell 2015 diversion in the months after PAN wins; "
            "the 2006 precursor shock reverted within 4 months, OAS 2013) -> half-life ~2 months",
            "Share of the gap to the preferred route mix closed each month (inertia).",
        ),
        "memory": Param(
            0.91,
            "1/month",
            0.8,
            0.97,
            "NarcoLogic memory discount w = 0.91/month (mechanisms.md (a) [C])",
            "Monthly discount of past seizure observations in traffickers' risk estimates.",
        ),
        "prior_t": Param(
            20.0,
            "t",
            5.0,
            80.0,
            "assumption: traffickers weigh what they know of enforcement posture like ~20 t of shipments",
            "Weight (pseudo-tons) of the prior risk, the posture traffickers can see, against observed seizures.",
        ),
        "asc_europe": Param(
            -3.5,
            "1",
            -5.0,
            1.0,
            "calibrated: ~30% of Andean exports went to Europe c.2006 (drugwarfacts: US ~44% and Europe ~25% of "
            "consumption, 2008; 520-730 t departing to the US in 2005, ONDCP)",
            "Alternative-specific constant of European routes (market access, networks).",
        ),
        "nest": Param(
            0.3,
            "1",
            0.1,
            1.0,
            "assumption: the US/Europe split answers route profits far less sharply than routes do "
            "(1 = no nesting)",
            "Nesting parameter of the market level (scale of the inclusive value).",
        ),
        "congestion_alpha": Param(
            0.15,
            "1",
            0.05,
            0.5,
            "BPR function, US Bureau of Public Roads (1964)",
            "Congestion premium at capacity, as a share of transport cost.",
        ),
        "congestion_beta": Param(
            4.0,
            "1",
            2.0,
            6.0,
            "BPR function, US Bureau of Public Roads (1964)",
            "Exponent of the congestion premium.",
        ),
        "price_usa_usd_per_kg": Param(
            25000.0,
            "USD/kg",
            24000.0,
            27000.0,
            "Stratfor 2013 (figures.csv): US wholesale 24,000-27,000 USD/kg",
            "US wholesale price used by traffickers while the markets module is inactive (and at start).",
        ),
        "price_europe_usd_per_kg": Param(
            54000.0,
            "USD/kg",
            53000.0,
            55000.0,
            "Stratfor 2013 (figures.csv): Europe wholesale 53,000-55,000 USD/kg",
            "European wholesale price used while the markets module is inactive (and at start).",
        ),
    }

    def init(self) -> None:
        net, st = self.sim.net, self.sim.state
        self.n_orig = len(net.origins)
        self.orig_pos = np.searchsorted(net.origins, net.path_origin)
        st.price_dest = np.array([self.p.price_usa_usd_per_kg, self.p.price_europe_usd_per_kg])
        st.fee_place = np.zeros(net.n_places)  # USD/kg charged by a place's controller
        st.p_hat = np.zeros(net.n_links)
        st.obs_seized = np.zeros(net.n_links)
        st.obs_passed = np.zeros(net.n_links)
        st.link_inflow = np.zeros(net.n_links)
        st.route_share = None
        st.path_flow = np.zeros(net.n_paths)
        self.ln_ps = np.log(net.path_size)
        # Nests: one segment per (origin, market) pair present in the choice set.
        key = self.orig_pos * len(MARKETS) + net.path_market
        uniq, self.seg = np.unique(key, return_inverse=True)
        self.n_seg = len(uniq)
        self.seg_origin = uniq // len(MARKETS)
        self.seg_asc = np.array([0.0, self.p.asc_europe])[uniq % len(MARKETS)]
        self.market_of_path = net.path_market
        assert len(MARKETS) == 2

    def target_shares(self, p_hat: np.ndarray | None = None) -> np.ndarray:
        """Logit shares of routes given current learned risk, costs, fees and prices.

        ``p_hat`` (optional) replaces the learned seizure risk of every link, for a
        read-only what-if (the traffickers' response to a risk they have learned).
        """
        net, st, p = self.sim.net, self.sim.state, self.p
        if p_hat is None:
            p_hat = st.p_hat
        load = np.divide(
            st.link_inflow,
            net.link_capacity,
            out=np.zeros(net.n_links),
            where=net.link_capacity > 0,
        )
        cost = (
            net.link_cost * (1.0 + p.congestion_alpha * load**p.congestion_beta)
            + st.fee_place[net.link_to]
        )
        log_surv = net.A @ np.log1p(-np.clip(p_hat, 0.0, 0.999))
        c_r = net.A @ cost
        price = st.price_dest[self.market_of_path]
        v = p.theta * (np.exp(log_surv) - c_r / price) + p.beta_ps * self.ln_ps
        # Lower level: routes within (origin, market).
        within = segment_softmax(v, self.seg, self.n_seg)
        # Upper level: markets on their inclusive value.
        mx = np.full(self.n_seg, -np.inf)
        np.maximum.at(mx, self.seg, v)
        iv = mx + np.log(
            np.bincount(self.seg, weights=np.exp(v - mx[self.seg]), minlength=self.n_seg)
        )
        w = self.seg_asc + p.nest * iv
        upper = segment_softmax(w, self.seg_origin, self.n_orig)
        return upper[self.seg] * within

    def step(self, t: int) -> None:
        st = self.sim.state
        target = self.target_shares()
        if st.route_share is None:
            st.route_share = target
        else:
            st.route_share = (1.0 - self.p.adaptation) * st.route_share + self.p.adaptation * target
        st.path_flow = st.supply_origin[self.orig_pos] * st.route_share
