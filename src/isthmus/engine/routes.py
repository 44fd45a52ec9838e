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

from ..scenario import Problem, ScenarioError
from .kernels import (
    lincomb,
    link_load,
    nest_max_shift,
    path_sums3,
    path_sums3_flat,
    route_entry_flags,
    route_flows,
    route_link_terms,
    route_utility_m,
    segment_max_shift,
    segment_normalise,
)
from .network import LANDFALL_GROUPS, MARKETS
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


def _logsum(v: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    """log(sum(exp(v))) within each segment (numerically safe)."""
    mx = np.full(n_seg, -np.inf)
    np.maximum.at(mx, seg, v)
    return mx + np.log(np.bincount(seg, weights=np.exp(v - mx[seg]), minlength=n_seg))


class Segments:
    """A fixed segmentation (``seg``: the segment of each element, every segment used),
    with the order that groups it, for :meth:`softmax_logsum`.

    Examples
    --------
    >>> sm, ls = Segments(np.array([1, 0, 1]), 2).softmax_logsum(np.array([0.0, 5.0, 0.0]))
    >>> sm.round(3).tolist(), ls.round(3).tolist()
    ([0.5, 1.0, 0.5], [5.0, 0.693])
    """

    def __init__(self, seg: np.ndarray, n_seg: int):
        self.seg = seg
        self.n_seg = n_seg
        self.order = np.argsort(seg, kind="stable")
        self.starts = np.flatnonzero(np.r_[True, np.diff(seg[self.order]) != 0])

    def softmax_logsum(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:func:`segment_softmax` and :func:`_logsum` of ``v`` at once: the same
        numbers, from one maximum, one exponential and one sum per segment."""
        # Compiled around numpy's exp and log: the maximum per segment (exact: a maximum is
        # a maximum), the shift, the sums in index order (as bincount) and the division.
        mx, d = segment_max_shift(v, self.order, self.starts, self.seg)
        sm, tot = segment_normalise(np.exp(d, out=d), self.seg, self.n_seg)
        return sm, np.add(mx, np.log(tot, out=tot), out=mx)  # (in place on temporaries)


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
        "corridor_nest": Param(
            1.0,
            "1",
            0.3,
            1.0,
            "assumption: no extra correlation among the routes of one corridor (1 = none)",
            "Scale of a corridor's inclusive value in the choice among corridors (nested logit).",
        ),
        "corridor_adaptation": Param(
            0.03,
            "1/month",
            0.005,
            0.2,
            "assumption, calibrated on the corridor shares of 2000-2006 (observations.csv): "
            "opening a corridor needs contacts, corrupt officials, transport partners and "
            "storage in a new country, which takes years (half-life ~2 years at 0.03/month), "
            "while re-routing within a corridor takes months (adaptation)",
            "Share of the gap to the preferred split among corridors (first landfall: Central "
            "America, the Caribbean, Mexico, the US directly) closed each month.",
        ),
        "load_memory": Param(
            0.8,
            "1/month",
            0.0,
            0.95,
            "assumption: traffickers judge how crowded a route is from several months of "
            "loads (half-life ~3 months), not from the last one",
            "Monthly discount of the link loads that set the congestion premium.",
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
        # The reference prices the links' transport costs were derived at (Stratfor 2013).
        self.p_ref = st.price_dest.copy()
        st.fee_place = np.zeros(net.n_places)  # USD/kg charged by a place's controller
        st.p_hat = np.zeros(net.n_links)
        st.obs_seized = np.zeros(net.n_links)
        st.obs_passed = np.zeros(net.n_links)
        st.link_inflow = np.zeros(net.n_links)
        st.link_load_seen = np.zeros(net.n_links)
        st.route_share = None
        st.path_flow = np.zeros(net.n_paths)
        self.ln_ps = np.log(net.path_size)
        # Nests: one segment per (origin, market) pair present in the choice set.
        key = self.orig_pos * len(MARKETS) + net.path_market
        uniq, self.seg = np.unique(key, return_inverse=True)
        self.n_seg = len(uniq)
        self.seg_origin = uniq // len(MARKETS)
        self.seg_market = uniq % len(MARKETS)
        self.seg_asc = np.array([0.0, self.p.asc_europe])[uniq % len(MARKETS)]
        self.market_of_path = net.path_market
        assert len(MARKETS) == 2
        # Corridors: one segment per (origin, market, first landfall) present.
        ng = len(LANDFALL_GROUPS) + 1
        gkey = key * ng + (net.path_landfall_group + 1)
        guniq, self.gseg = np.unique(gkey, return_inverse=True)
        self.n_gseg = len(guniq)
        self.gseg_m = np.searchsorted(uniq, guniq // ng)  # market segment of each corridor
        self.gseg_lf = guniq % ng - 1  # landfall group index (-1: none)
        st.corridor_share = None
        st.market_share = None
        st.within_share = None
        self.corridor_init = self._initial_corridor_shares()
        # Constants of the monthly utilities (why: target_levels runs every month).
        self._segs = (
            Segments(self.gseg, self.n_gseg),
            Segments(self.gseg_m, self.n_seg),
            Segments(self.seg_origin, self.n_orig),
        )
        self.p_ref_path = self.p_ref[self.market_of_path]
        self.cap_pos = net.link_capacity > 0
        self._no_risk = np.zeros(0)
        self._no_asc = np.zeros(self.n_gseg)
        self.ps_term = self.p.beta_ps * self.ln_ps
        self.path_len = np.diff(net.A.indptr)
        self._flags = route_entry_flags(self.path_len)  # route boundaries (flat kernels)
        if not (np.array_equal(net.A.indices, net.nnz_link) and (net.A.data == 1.0).all()):
            raise ValueError("the route matrix is not 0/1 in route-entry order (A.indices)")
        # preferred_us_bound_share: the split by first landfall that the month's nested
        # logit prefers (its target), before the inertia of re-routing and of opening a
        # corridor; us_bound_share is where the flow is. The gap between them shows how far
        # the flow is from where traffickers want it, and how sharply that target moves.
        from .record import LANDFALL_REGIONS

        us_paths = net.path_market == MARKETS.index("usa")
        self._pref_us = np.flatnonzero(us_paths)
        ok = us_paths & (net.path_landfall_group >= 0)
        self._pref_ok = np.flatnonzero(ok)
        self._pref_col = net.path_landfall_group[ok].astype(np.int64)
        self._n_lf = len(LANDFALL_REGIONS)
        rec = self.sim.rec
        self._r_pref_den = rec.declare("_us_bound_preferred_t", ["all"], "t", public=False)
        self._r_pref = rec.declare(
            "preferred_us_bound_share",
            list(LANDFALL_REGIONS),
            "0-1",
            agg="ratio",
            den="_us_bound_preferred_t",
        )

    def _initial_corridor_shares(self) -> np.ndarray | None:
        """Corridor split at the start from the series ``initial_corridor_share``.

        Rows name a landfall region (central_america, caribbean, mexico_direct,
        direct_us) and give its share of the US-bound flow when the run starts (an
        observed initial condition); corridors without a row share the rest in
        proportion to their preferred shares. Europe-bound corridors start at their
        preferred split. ``None`` when the scenario gives no such rows.
        """
        from .record import LANDFALL_REGIONS

        sc = self.sim.scenario
        s = sc.series
        rows = s[s["series"] == "initial_corridor_share"]
        if rows.empty:
            return None
        probs = []
        given = {}
        for r in rows.itertuples(index=False):
            if r.region not in LANDFALL_REGIONS:
                probs.append(
                    Problem(
                        "series.csv",
                        int(r._0) if hasattr(r, "_0") else None,
                        "region",
                        f"initial_corridor_share: unknown region '{r.region}' "
                        f"(use {', '.join(LANDFALL_REGIONS)})",
                    )
                )
                continue
            given[LANDFALL_REGIONS.index(r.region)] = float(r.value)
        if probs:
            raise ScenarioError(probs)
        if sum(given.values()) > 1.0 + 1e-9:
            raise ScenarioError(
                [Problem("series.csv", None, "value", "initial_corridor_share rows sum above 1")]
            )
        return given  # type: ignore[return-value]

    def _start_corridors(self, target_g: np.ndarray) -> np.ndarray:
        """The corridor split of the first month: the observed one where given."""
        given = self.corridor_init
        if not given:
            return target_g.copy()
        out = target_g.copy()
        us = MARKETS.index("usa")
        m_of_g = self.seg_market[self.gseg_m]
        for m in np.unique(self.gseg_m[m_of_g == us]):
            sel = np.flatnonzero(self.gseg_m == m)
            lf = self.gseg_lf[sel]
            fixed = np.array([lf_k in given for lf_k in lf])
            rest = 1.0 - sum(given[lf_k] for lf_k in lf[fixed])
            out[sel[fixed]] = [given[lf_k] for lf_k in lf[fixed]]
            free = sel[~fixed]
            tot = target_g[free].sum()
            out[free] = max(rest, 0.0) * (
                target_g[free] / tot if tot > 0 else 1.0 / max(len(free), 1)
            )
        return out

    def target_levels(
        self, p_hat: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Preferred shares at the three levels: market, corridor within market, route
        within corridor (a nested logit on expected profit under learned risk).

        ``p_hat`` (optional) replaces the learned seizure risk of every link, for a
        read-only what-if (the traffickers' response to a risk they have learned).
        """
        net, st, p = self.sim.net, self.sim.state, self.p
        if p_hat is None:
            p_hat = st.p_hat
        # Congestion on the load traffickers expect (their smoothed experience): last
        # month's load alone makes flows swing from one month to the next (a cobweb).
        load = link_load(st.link_load_seen, net.link_capacity, self.cap_pos)
        # Transport costs follow the value of the cargo (crews and transporters are paid
        # by the kilo, often in kind, and the chain's price ratios are stable: Caulkins
        # 1994): in units of the market's price they are those of the reference price the
        # links' costs were derived at. Piso fees are quoted on the local price already.
        # Piso fees and the crews' pay for the expected penalty (arrest risk x the courts'
        # capacity to convict: the markets step's risk premium, Reuter & Kleiman 1986), both
        # quoted on the local price. (Compiled around numpy's power and log1p: transport =
        # link_cost (1 + alpha load^beta), charges = fee_place[link_to] + link_risk_cost,
        # and -clip(p_hat, 0, 0.999).)
        risk = getattr(st, "link_risk_cost", None)
        transport, charges, neg_p = route_link_terms(
            load**p.congestion_beta,
            net.link_cost,
            p.congestion_alpha,
            st.fee_place,
            net.link_to,
            self._no_risk if risk is None else risk,
            risk is not None,
            np.asarray(p_hat, dtype=float),
        )
        # Sums over each route's links (net.A @ x, bit for bit), three at once.
        lg = np.log1p(neg_p, out=neg_p)
        if self._flags is None:  # a route without links
            log_surv, c_rel, f_rel = path_sums3(lg, transport, charges, net.nnz_link, self.path_len)
        else:
            log_surv, c_rel, f_rel = path_sums3_flat(
                lg, transport, charges, net.nnz_link, self._flags[1], len(self.path_len)
            )
        # Profit per kg in units of the reference price: a scarcer market pays more for
        # every route alike (the market level answers it), without tilting the choice
        # among routes towards the safest as costs shrink against the price. (Compiled:
        # price = price_dest[market], v = theta (price / p_ref) (survival - c_rel / p_ref
        # - f_rel / price) + ps_term.)
        v = route_utility_m(
            np.exp(log_surv),
            c_rel,
            f_rel,
            np.asarray(st.price_dest, dtype=float),
            self.market_of_path,
            self.p_ref,
            p.theta,
            self.ps_term,
        )
        g_routes, g_corridors, g_markets = self._segs
        # Lower level: routes within (origin, market, corridor); middle level: corridors on
        # their inclusive value, u_g = corridor_nest iv_g; upper level: markets on the
        # inclusive value of their corridors, w = asc + nest iv_m. (Segments.softmax_logsum
        # level by level, compiled around numpy's exp and log: each nest's utility and the
        # next level's maxima in one call.)
        mx, d = segment_max_shift(v, g_routes.order, g_routes.starts, g_routes.seg)
        within, tot = segment_normalise(np.exp(d, out=d), g_routes.seg, g_routes.n_seg)
        mx, d = nest_max_shift(
            mx,
            np.log(tot, out=tot),
            p.corridor_nest,
            self._no_asc,
            False,
            g_corridors.order,
            g_corridors.starts,
            g_corridors.seg,
        )
        corridor, tot = segment_normalise(np.exp(d, out=d), g_corridors.seg, g_corridors.n_seg)
        mx, d = nest_max_shift(
            mx,
            np.log(tot, out=tot),
            p.nest,
            self.seg_asc,
            True,
            g_markets.order,
            g_markets.starts,
            g_markets.seg,
        )
        market, _ = segment_normalise(np.exp(d, out=d), g_markets.seg, g_markets.n_seg)
        return market, corridor, within

    def target_shares(self, p_hat: np.ndarray | None = None) -> np.ndarray:
        """Logit shares of routes given current learned risk, costs, fees and prices.

        ``p_hat`` (optional) replaces the learned seizure risk of every link, for a
        read-only what-if (the traffickers' response to a risk they have learned).
        """
        market, corridor, within = self.target_levels(p_hat)
        return market[self.seg] * corridor[self.gseg] * within

    def step(self, t: int) -> None:
        st, p = self.sim.state, self.p
        m = p.load_memory
        st.link_load_seen = lincomb(m, st.link_load_seen, 1.0 - m, st.link_inflow)
        market, corridor, within = self.target_levels()
        if st.route_share is None:
            st.market_share = market
            st.corridor_share = self._start_corridors(corridor)
            st.within_share = within
        else:
            a = p.adaptation
            st.market_share = lincomb(1.0 - a, st.market_share, a, market)
            st.within_share = lincomb(1.0 - a, st.within_share, a, within)
            if not (self.sim.spinning and self.corridor_init):  # the observed start holds
                b = p.corridor_adaptation
                st.corridor_share = lincomb(1.0 - b, st.corridor_share, b, corridor)
        if not self.sim.spinning:
            # The preferred tons: the month's supply spread by the targets themselves.
            pref = market[self.seg] * corridor[self.gseg] * within
            pref *= np.asarray(st.supply_origin, dtype=float)[self.orig_pos]
            self._r_pref[t] = np.bincount(
                self._pref_col, weights=pref[self._pref_ok], minlength=self._n_lf
            )
            self._r_pref_den[t, 0] = pref[self._pref_us].sum()
        st.route_share, st.path_flow = route_flows(
            st.market_share,
            self.seg,
            st.corridor_share,
            self.gseg,
            st.within_share,
            np.asarray(st.supply_origin, dtype=float),
            self.orig_pos,
        )
