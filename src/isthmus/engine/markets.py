"""Step 4, markets: the price chain along the routes, and the US and European markets.

Two mechanisms (mechanisms.md (b); ``docs/markets.md`` has the full account).

**The price chain** ("risks and prices", Reuter & Kleiman 1986). Along every
route of the choice set the wholesale price per kg rises link by link from the
price of cocaine leaving the Colombian jungle, by multiplicative markups
(Caulkins 1994 found stable price ratios between market levels)::

    P_to = (P_from + c + f) x exp(mu km / 1000 + x + kappa J e) / (1 - p)

with c the link's transport cost, f the piso fee charged where it ends
(``st.fee_place``), p the seizure share traffickers have learned for the link
(``st.p_hat``: what is seized must be paid for by what gets through), e the
enforcement effort on the link and J the justice capacity of its jurisdiction
(crews are paid for the expected penalty: arrest risk grows with enforcement,
and its cost with the courts' capacity to convict), mu a markup per distance
and x the exporters' margin on the links that leave the production areas. That is the *cost* chain; it ends at a market's entry points with a
landed cost L. What importers get above it, the scarcity rent s, passes back
down the chain multiplicatively, the more the nearer a place is to the market
(its share of the route's log markup). A place's price is flow-weighted over the
routes that pass it. Nothing is typed in: prices move with enforcement, fees,
costs and scarcity. Seizures are valued at the price where they happen (the
price at the place the link leaves: what the lost drug cost its owner).

**The markets** (the US; Europe the same, more coarsely). Delivered tons (pure
equivalents, as the flow) enter dealers' stocks S. Importers price off their
landed cost, times a markup that falls as their stocks pile up:
``P_w = m0 L^chi P_ref^(1 - chi) (S / S0)^(-1 / phi)``. The retail target price
per pure gram is a multiplicative markup of P_w. Dealers keep the price per
*raw* gram sticky (it follows only part of a lasting change in costs, and
slowly) and dilute instead (Reuter & Caulkins 2004): purity moves towards raw
price / target, so a supply cut shows as lower purity and a higher price per
pure gram. Consumption (pure t) follows a constant-elasticity demand curve in
the price per pure gram, shifted by ``st.demand_multiplier`` and the scenario
series ``demand_multiplier``; past-month users follow with the participation
share of the elasticity. Stocks make the response lag: a cut lowers stocks
month after month until the higher price clears the market. The market ledger
(delivered = consumed + lost + stock change) is checked every month.

Both wholesale prices go to ``st.price_dest`` for next month's route choice
(scarcity raises the value at risk). ``st.place_price`` holds the price at each
place, and ``st.place_revenue`` the monthly value (USD) of the cocaine arriving
at each place at its local price (what a plaza's flow is worth); it falls less
than proportionally with volume when demand is inelastic, because the scarcity
rent raises local prices.

Examples
--------
>>> from isthmus import Sim
>>> r = Sim("central-america", seed=0, modules=["supply", "routes", "interdiction", "markets"]).run()
>>> 50 < r.annual("price_per_pure_gram_usd", "usa", 2006) < 150
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import kernels as K
from .interdiction import MODE_CLASS
from .kernels import (
    chain_log_last,
    chain_region_prices,
    cost_chain_sums,
    link_markup_parts,
    neg_clipped,
    place_prices_kernel,
    scarcity_tilt,
    scarcity_tilt_flat,
    seg_cumsum,
    seized_value_by_jurisdiction,
)
from .network import MARKETS, TRANSIT_ZONE
from .params import Param
from .series import monthly_series
from .sim import Module, register

G_PER_T = 1e6  # grams per metric ton
KG_PER_T = 1e3
P_REF = 100.0  # USD per pure gram: the reference price demand scales are quoted at
LEDGER_COLUMNS = (
    "delivered_t",
    "consumed_t",
    "consumed_raw_t",
    "lost_t",
    "stock_change_t",
    "stock_t",
    "residual_t",
)
_US = "US market: "
_EU = "European market (coarser): "


def _chain_params() -> dict[str, Param]:
    return {
        "source_price_usd_per_kg": Param(
            2200.0,
            "USD/kg",
            1800.0,
            2700.0,
            "Stratfor 2013 (Colombian National Police): 2,200 USD/kg in the Colombian jungle; "
            "OAS 2013 ~2,700 (figures.csv)",
            "Price of cocaine leaving the production areas (start of the price chain).",
        ),
        "arrest_premium": Param(
            0.6333,
            "1/effort unit",
            0.2,
            1.2,
            "fitted to the 2012-13 price chain (Stratfor 2013; OAS 2013; structural figures); "
            "risk compensation is over half of costs (Caulkins & Reuter 1998, NRC p.155)",
            "kappa: log markup per unit of enforcement effort on a link, times the justice "
            "capacity of its jurisdiction (the expected penalty crews are paid to bear).",
        ),
        "export_margin": Param(
            0.7083,
            "1",
            0.4,
            0.9,
            "fitted to the Colombian ports price (5,500-7,000 USD/kg from 2,200 in the jungle: "
            "Stratfor 2013; OAS 2013): the exporting organisations' margin for buying, "
            "consolidating and moving cocaine inside the producing country",
            "Log markup on the links that leave the production areas.",
        ),
        "markup_per_1000km": Param(
            0.0,
            "1/1000 km",
            0.0,
            0.2,
            "fitted to the price chain (Stratfor 2013; OAS 2013): transport cost and risk "
            "explain it without a distance markup",
            "mu: log markup per 1,000 km (time, labour and capital tied up in transit).",
        ),
        "scarcity_passthrough": Param(
            1.0,
            "0-1",
            0.5,
            1.0,
            "Caulkins 1994: stable price ratios between market levels (multiplicative "
            "pass-through); 1 = full",
            "Exponent on the scarcity rent passed down the chain.",
        ),
    }


def _market_params() -> dict[str, Param]:
    return {
        "elasticity": Param(
            -0.5,
            "1",
            -1.0,
            -0.4,
            "NRC 2001 p.43 (review -0.6 to -2.5; participation -0.4 to -0.6); OAS 2013 central "
            "~-0.5 (mechanisms.md (b))",
            "Price elasticity of demand for pure cocaine (both markets).",
        ),
        "participation_share": Param(
            0.8,
            "0-1",
            0.5,
            1.0,
            "NRC 2001 p.43: participation elasticity -0.4 to -0.6 against a total near -0.5 "
            "(OAS 2013): most of the response is people starting or stopping",
            "Share of the demand elasticity that acts through the number of past-month users.",
        ),
        "stock_cover_months": Param(
            3.0,
            "months",
            1.5,
            6.0,
            "assumption: wholesale dealers hold a few months of sales; with stock_price_"
            "elasticity it gives a market half-life of ~4 months (the 2006 precursor shock "
            "reverted within 4 months, OAS 2013)",
            "S0: dealers' normal stocks, in months of demand at 100 USD per pure gram.",
        ),
        "stock_price_elasticity": Param(
            1.0,
            "1",
            0.5,
            2.0,
            "assumption: a 1% fall in dealers' stocks raises the importers' markup ~1%",
            "phi: wholesale price = m0 L (S / S0)^(-1 / phi).",
        ),
        "raw_price_passthrough": Param(
            0.5,
            "0-1",
            0.2,
            1.0,
            "Reuter & Caulkins 2004 ('Illegal lemons'): retail prices per raw gram are sticky "
            "price points and purity absorbs supply shocks; assumption: half of a lasting change "
            "in the price per pure gram reaches the raw-gram price",
            "nu: elasticity of the normal raw-gram price to the target price per pure gram.",
        ),
        "raw_price_adjust": Param(
            0.08,
            "1/month",
            0.03,
            0.3,
            "assumption: raw-gram price points move over about a year (Reuter & Caulkins 2004)",
            "Share of the gap between the raw-gram price and its normal level closed each month.",
        ),
        "purity_adjust": Param(
            0.5,
            "1/month",
            0.2,
            1.0,
            "assumption: dealers re-cut within weeks (Reuter & Caulkins 2004)",
            "Share of the gap between purity and its target closed each month.",
        ),
        "purity_max": Param(
            0.9,
            "0-1",
            0.8,
            1.0,
            "assumption: export-quality cocaine is close to 90% pure (figures.csv counts "
            "departures in 'export quality' tons); retail cannot be purer than what arrives",
            "Highest retail purity, even in a glut.",
        ),
        "retail_loss_share": Param(
            0.05,
            "0-1",
            0.0,
            0.15,
            "assumption: state and local seizures and losses inside the market (border and "
            "federal seizures are made by the interdiction step)",
            "Share of delivered cocaine seized or lost inside the market.",
        ),
        "cost_passthrough": Param(
            1.0,
            "0-1",
            0.0,
            1.0,
            "Reuter & Kleiman 1986 (risks and prices): importers price off their replacement "
            "cost; 0 = the wholesale price answers stocks only",
            "chi: elasticity of the importers' price to their landed cost (short run: stocks "
            "bring the price back to what clears the market).",
        ),
        "price_cap_mult": Param(
            20.0,
            "1",
            5.0,
            50.0,
            "assumption: numerical guard; dealers would not hold out above 20x the reference "
            "wholesale price",
            "Upper bound of the wholesale price, as a multiple of 100 USD/g over the markup.",
        ),
        "us_demand_t_at_100": Param(
            335.0,
            "t pure/year",
            294.8,
            375.2,
            "fitted: the demand curve passes through the 2006 STRIDE price (94.73 USD per pure "
            "gram, Q3 2006, figures.csv) at the model's 2006 deliveries",
            _US + "pure consumption at 100 USD per pure gram (the scale of the demand curve).",
        ),
        "us_users_at_100": Param(
            2317000.0,
            "persons",
            1969000.0,
            2665000.0,
            "fitted: 2.4 million past-month users in 2006 (NSDUH via CS Monitor 2013, figures.csv)",
            _US + "past-month users at 100 USD per pure gram.",
        ),
        "us_retail_markup": Param(
            4.0,
            "(USD/g) / (USD/kg / 1000)",
            3.0,
            5.0,
            "IDA study via NRC 2001 p.30: retail price per pure gram is about 4x wholesale",
            _US + "retail target price per pure gram over the wholesale price per gram.",
        ),
        "us_purity_at_100": Param(
            0.6597,
            "0-1",
            0.6,
            0.78,
            "fitted: STRIDE purity 68.1% in Q3 2006 (NDIC 2010, figures.csv)",
            _US + "normal retail purity when the target price is 100 USD per pure gram.",
        ),
        "us_import_markup": Param(
            1.611,
            "1",
            1.4,
            2.1,
            "fitted: dealers hold their normal stocks in 2006; the markup from the chain's landed "
            "cost at the border to US wholesale (Stratfor 2013: 16,000 at the northern border, "
            "24,000-27,000 US wholesale)",
            _US + "m0: importers' markup over landed cost at normal stocks.",
        ),
        "eu_demand_t_at_100": Param(
            367.8,
            "t pure/year",
            323.7,
            411.9,
            "fitted: European wholesale 53,000-55,000 USD/kg (Stratfor 2013; structural) at the "
            "model's 2006 European deliveries",
            _EU + "pure consumption at 100 USD per pure gram.",
        ),
        "eu_users_at_100": Param(
            2469000.0,
            "persons",
            1852000.0,
            3086000.0,
            "fitted to an assumption: ~2 million past-month users in the EU mid-2000s (EMCDDA "
            "annual reports; recalled, unchecked)",
            _EU + "past-month users at 100 USD per pure gram.",
        ),
        "eu_retail_markup": Param(
            3.0,
            "(USD/g) / (USD/kg / 1000)",
            2.0,
            4.0,
            "assumption: below the US' 4x (NRC p.30) as European wholesale is already far up the "
            "chain (Stratfor 2013: 53-55k vs US 24-27k USD/kg)",
            _EU + "retail target price per pure gram over the wholesale price per gram.",
        ),
        "eu_purity_at_100": Param(
            0.5421,
            "0-1",
            0.4,
            0.65,
            "fitted to an assumption: European retail purity ~40% in the mid-2000s (EMCDDA; "
            "recalled, unchecked)",
            _EU + "normal retail purity when the target price is 100 USD per pure gram.",
        ),
        "eu_import_markup": Param(
            6.504,
            "1",
            4.0,
            9.0,
            "fitted: dealers hold their normal stocks in 2006 at the Stratfor 2013 wholesale "
            "price (Europe's chain lacks the costs of the Atlantic crossing and distribution)",
            _EU + "m0: importers' markup over landed cost at normal stocks.",
        ),
    }


class MarketDynamics:
    """Dealers' stocks, wholesale price, dilution and demand of one or more markets.

    Vectorised over markets (arrays of length ``n``); the scalar parameters are
    shared. :meth:`step` takes one month's deliveries (pure t), demand
    multipliers and landed costs, and returns the month's outcomes; the market
    ledger (delivered = consumed + lost + stock change) holds to rounding.

    Parameters
    ----------
    demand_t_at_100, users_at_100, retail_markup, purity_at_100, import_markup : array
        Per market: pure consumption (t/year) and past-month users at 100 USD
        per pure gram, retail markup, normal purity at that price, importers'
        markup over landed cost at normal stocks.
    elasticity, participation_share, stock_cover_months, stock_price_elasticity,
    raw_price_passthrough, raw_price_adjust, purity_adjust, retail_loss_share,
    price_cap_mult, cost_passthrough, purity_max : float
        See :attr:`Markets.params`.

    Examples
    --------
    >>> m = MarketDynamics([400.0], [2.4e6], [4.0], [0.67], [1.0])
    >>> m.start(np.array([25000.0]), np.array([25000.0]))
    >>> out = m.step(np.array([35.0]), np.array([1.0]), np.array([25000.0]))
    >>> bool(0 < out["purity"][0] <= 1 and out["price_per_pure_gram"][0] > 0)
    True
    """

    def __init__(
        self,
        demand_t_at_100,
        users_at_100,
        retail_markup,
        purity_at_100,
        import_markup,
        elasticity: float = -0.5,
        participation_share: float = 0.8,
        stock_cover_months: float = 3.0,
        stock_price_elasticity: float = 1.0,
        raw_price_passthrough: float = 0.5,
        raw_price_adjust: float = 0.08,
        purity_adjust: float = 0.5,
        retail_loss_share: float = 0.05,
        price_cap_mult: float = 20.0,
        cost_passthrough: float = 1.0,
        purity_max: float = 0.9,
    ):
        self.c100 = np.asarray(demand_t_at_100, dtype=float) / 12.0  # t pure per month
        self.u100 = np.asarray(users_at_100, dtype=float)
        self.mr = np.asarray(retail_markup, dtype=float)
        self.pi100 = np.clip(np.asarray(purity_at_100, dtype=float), 1e-3, 1.0)
        self.m0 = np.asarray(import_markup, dtype=float)
        self.eps = float(elasticity)
        self.beta = float(participation_share)
        self.phi = float(stock_price_elasticity)
        self.nu = float(raw_price_passthrough)
        self.a_raw = float(np.clip(raw_price_adjust, 0.0, 1.0))
        self.a_pi = float(np.clip(purity_adjust, 0.0, 1.0))
        self.loss = float(np.clip(retail_loss_share, 0.0, 1.0))
        self.s0 = np.maximum(max(float(stock_cover_months), 1e-3) * self.c100, 1e-9)
        self.pw_ref = P_REF * 1000.0 / self.mr  # wholesale price that makes 100 USD/g retail
        self.pw_cap = float(price_cap_mult) * self.pw_ref
        self.chi = float(np.clip(cost_passthrough, 0.0, 1.0))
        self.pi_max = float(np.clip(purity_max, 1e-3, 1.0))
        # Constant factors of the monthly step (the same products, computed once).
        self._pw_ref_chi = self.pw_ref ** (1.0 - self.chi)
        self._pi100_pref = self.pi100 * P_REF
        n = len(self.c100)
        self.stock = np.zeros(n)  # pure t held by dealers at the end of the month
        self.raw_price = np.zeros(n)  # USD per raw retail gram
        self.purity = self.pi100.copy()
        self.residual = np.zeros(n)  # the last step's delivered - consumed - lost - stock change

    def normal_raw_price(self, p_star: np.ndarray) -> np.ndarray:
        """Raw-gram price dealers settle on at a target price per pure gram (sticky: nu < 1)."""
        return self.pi100 * P_REF * (p_star / P_REF) ** self.nu

    def cost_base(self, landed: np.ndarray) -> np.ndarray:
        """What importers price off: landed cost (chi = 1) or the reference price (chi = 0)."""
        landed = np.maximum(np.asarray(landed, dtype=float), 1e-9)
        return self._pw_ref_chi * landed**self.chi

    def start(self, wholesale: np.ndarray, landed: np.ndarray) -> None:
        """Start in a steady state at the given wholesale prices and landed costs (USD/kg).

        Dealers hold the stocks that go with those prices and sell at normal
        purity; the market then moves towards what deliveries and demand make of it.
        """
        pw = np.clip(np.asarray(wholesale, dtype=float), 1e-9, self.pw_cap)
        rent = pw / np.maximum(self.m0 * self.cost_base(landed), 1e-9)
        self.stock = self.s0 * rent ** (-self.phi)
        p_star = self.mr * pw / 1000.0
        self.raw_price = self.normal_raw_price(p_star)
        self.purity = np.clip(self.raw_price / p_star, 1e-3, self.pi_max)

    def step(
        self, delivered: np.ndarray, demand_mult: np.ndarray, landed: np.ndarray
    ) -> dict[str, np.ndarray]:
        """One month: arrivals, wholesale price, dilution, consumption, new stocks.

        The arithmetic runs in compiled kernels between numpy's powers (the same
        operations in the same order as the array expressions they replace:
        ``tests/test_engine_kernels.py``).
        """
        s_prev = self.stock
        k = len(s_prev)
        M = np.empty((K.MK_ROWS, k))  # this month's quantities, one row each (kernels)
        landed = np.asarray(landed, dtype=float)
        K.market_month_arrivals(
            M, np.asarray(delivered, dtype=float), self.loss, s_prev, self.s0, landed
        )
        # Importers' markup falls as stocks pile up (the scarcity rent).
        rent = M[K.MK_RATIO] ** (-1.0 / self.phi)
        # Target retail price per pure gram from the wholesale price (the cost base is
        # cost_base(landed): pw_ref^(1 - chi) landed^chi).
        K.market_month_wholesale(
            M,
            self._pw_ref_chi,
            M[K.MK_LANDED] ** self.chi,
            rent,
            self.m0,
            self.pw_cap,
            self.mr,
            P_REF,
        )
        # Sticky raw-gram price; purity absorbs the gap (dilution).
        K.market_month_dilution(
            M,
            self.raw_price,
            self.a_raw,
            self._pi100_pref,
            M[K.MK_Q] ** self.nu,
            self.pi_max,
            self.purity,
            self.a_pi,
            P_REF,
        )
        r = M[K.MK_R]
        K.market_month_demand(
            M,
            np.asarray(demand_mult, dtype=float),
            self.c100,
            r**self.eps,
            self.u100,
            r ** (self.beta * self.eps),
            self.m0,
            landed,
            G_PER_T,
            s_prev,
        )
        self.raw_price = M[K.MK_RAW]
        self.purity = M[K.MK_PUR]
        self.stock = M[K.MK_STOCK]
        # (the ledger's residual, delivered - consumed - lost - stock change, is kept too)
        self.residual = M[K.MK_RESID]
        return {
            "delivered": M[K.MK_D],
            "lost": M[K.MK_LOST],
            "stock_rent": rent,
            "scarcity": M[K.MK_SCAR],
            "wholesale": M[K.MK_PW],
            "price_per_pure_gram": M[K.MK_PPURE],
            "purity": M[K.MK_PURC],
            "consumed": M[K.MK_CONS],
            "consumed_raw": M[K.MK_CRAW],
            "users": M[K.MK_USERS],
            "value": M[K.MK_VALUE],
            "stock": M[K.MK_STOCKC],
            "stock_change": M[K.MK_CHANGE],
        }


@register
class Markets(Module):
    """Price chain along the routes; US and European markets (see the module docstring)."""

    name = "markets"
    params = {**_chain_params(), **_market_params()}

    # -- set-up -----------------------------------------------------------------------
    def init(self) -> None:
        sim, net, st, p = self.sim, self.sim.net, self.sim.state, self.p
        self.mkt = MarketDynamics(
            [p.us_demand_t_at_100, p.eu_demand_t_at_100],
            [p.us_users_at_100, p.eu_users_at_100],
            [p.us_retail_markup, p.eu_retail_markup],
            [p.us_purity_at_100, p.eu_purity_at_100],
            [p.us_import_markup, p.eu_import_markup],
            p.elasticity,
            p.participation_share,
            p.stock_cover_months,
            p.stock_price_elasticity,
            p.raw_price_passthrough,
            p.raw_price_adjust,
            p.purity_adjust,
            p.retail_loss_share,
            p.price_cap_mult,
            p.cost_passthrough,
            p.purity_max,
        )
        self.started = False
        self.dm_series = np.array(
            [monthly_series(sim.scenario, "demand_multiplier", m, default=1.0) for m in MARKETS]
        )  # (markets, months)
        # Price chain: static per-link and per-entry (travel order) arrays.
        self.zero_links = np.zeros(net.n_links)
        self.ones_links = np.ones(net.n_links)
        self.zero_places = np.zeros(net.n_places)
        self.zero_paths = np.zeros(net.n_paths)
        self.link_cls = MODE_CLASS[net.link_mode]
        # Static part of each link's log markup: distance, and the exporters' margin on the
        # links that leave the production areas.
        self.log_base_link = p.markup_per_1000km * net.link_length / 1000.0 + (
            p.export_margin * np.isin(net.link_from, net.origins)
        )
        ctab = sim.scenario.countries.set_index("id")["justice_capacity"].astype(float)
        self.justice_link = np.array([float(ctab.get(j, 0.0)) for j in net.juris_ids], dtype=float)[
            net.link_juris
        ]
        # Country (index into net.countries) of each link's jurisdiction, for st.justice_c.
        cpos = {c: i for i, c in enumerate(net.countries)}
        jpos = np.array([cpos.get(j, -1) for j in net.juris_ids], dtype=np.int64)
        self.link_country = jpos[net.link_juris]
        self.has_country = self.link_country >= 0
        indptr = net.A.indptr
        lens = np.diff(indptr)
        self.last = indptr[1:] - 1
        # Per-route values spread over the route's entries with np.repeat (the entries of
        # a route are contiguous): the same values as indexing by route, in half the time.
        self.path_start = indptr[:-1]
        self.path_len = lens
        if not np.array_equal(np.repeat(np.arange(net.n_paths), lens), net.nnz_path):
            raise ValueError("the network's entries are not grouped by route (A.indptr)")
        self.e_link = net.nnz_link
        self.e_path = np.asarray(net.nnz_path, dtype=np.int64)  # the route of each entry
        self._flags = K.route_entry_flags(lens)  # route boundaries for the flat kernels
        self.e_place = net.link_to[self.e_link]
        self.p0 = p.source_price_usd_per_kg
        # Places on no route take their country's mean price (else the source price).
        on_route = np.bincount(self.e_place, minlength=net.n_places) > 0
        on_route[net.origins] = True
        self.off_route = ~on_route
        cidx = net.place_country_idx
        self.cidx = np.where(cidx >= 0, cidx, len(net.countries))
        self.n_c = len(net.countries) + 1
        self.c_count = np.bincount(self.cidx[on_route], minlength=self.n_c).astype(float)
        # Constants of the monthly step (why: it runs every month; nothing here changes).
        self.origins = np.asarray(net.origins, dtype=np.int64)
        self.log_p0 = np.log(self.p0)
        self.m0_path = self.mkt.m0[net.path_market]
        self.link_country_ok = self.link_country[self.has_country]
        self._justice_of: tuple[object, np.ndarray] | None = None  # (st.justice_c, scaled)
        st.place_price = np.full(net.n_places, self.p0)
        st.place_revenue = np.zeros(net.n_places)
        if not hasattr(st, "price_dest"):  # route choice sets it; without it, 100 USD/g
            st.price_dest = P_REF * 1000.0 / self.mkt.mr
        st.market_stock = np.zeros(len(MARKETS))
        # Recorded series (names are DESIGN.md's public interface).
        rec = sim.rec
        mk = list(MARKETS)
        # The price chain's regions (flow-weighted prices; chain_regions).
        regs = chain_regions(list(net.place_ids), net.place_country)
        self.chain_names = [CHAIN_KEYS[r] for r in regs if r != "US wholesale"]
        self.chain_idx = [
            np.array([net.place_index[p] for p in regs[r]], dtype=np.int64)
            for r in regs
            if r != "US wholesale"
        ]
        # ... flattened, so that one bincount weighs all regions at once
        self.chain_cat = np.concatenate(self.chain_idx) if self.chain_idx else np.zeros(0, int)
        self.chain_seg = np.repeat(
            np.arange(len(self.chain_idx)), [len(i) for i in self.chain_idx]
        ).astype(np.int64)
        self.chain_n = np.array([len(i) for i in self.chain_idx], dtype=float)
        self.r_price = rec.declare(
            "price_usd_per_kg", list(net.place_ids) + mk + self.chain_names, "USD/kg", "mean"
        )
        self.r_ppg = rec.declare("price_per_pure_gram_usd", mk, "USD/g", "mean")
        self.r_pur = rec.declare("purity", mk, "0-1", "mean")
        self.r_cons = rec.declare("consumption_t", mk, "t", "sum")
        self.r_users = rec.declare("users_past_month", mk, "persons", "mean")
        self.r_value = rec.declare("market_value_usd", mk, "USD", "sum")
        jur = ["transit_zone" if j == TRANSIT_ZONE else j for j in net.juris_ids]
        self.r_seized_value = rec.declare("seized_value_usd", [*jur, "all"], "USD", "sum")
        self.r_stock = rec.declare("_market_stock_t", mk, "t", "last", public=False)
        self.r_scar = rec.declare("_market_scarcity", mk, "1", "mean", public=False)
        self.r_rent = rec.declare("_market_stock_rent", mk, "1", "mean", public=False)
        self.r_landed = rec.declare("_landed_cost_usd_per_kg", mk, "USD/kg", "mean", public=False)
        self.r_resid = rec.declare("_market_ledger_residual_t", mk, "t", public=False)
        self.r_revenue = rec.declare(
            "_place_revenue_usd", list(net.place_ids), "USD", "sum", public=False
        )
        self.ledger = {k: np.zeros((sim.n_months, len(MARKETS))) for k in LEDGER_COLUMNS}
        # (ledger column, key of the market step's output), "" for the residual
        self._ledger_keys = [
            (self.ledger[c], "" if c == "residual_t" else c.removesuffix("_t"))
            for c in LEDGER_COLUMNS
        ]

    # -- the price chain --------------------------------------------------------------
    def link_log_markup(self) -> tuple[np.ndarray, np.ndarray]:
        """Per link: log of the multiplicative markup, and the additive cost (USD/kg).

        log M = mu km / 1000 + x + kappa J e - log(1 - p), with x the exporters'
        margin on links leaving the production areas, e the enforcement effort on
        the link, J the justice capacity of its jurisdiction and p the learned
        seizure share.
        """
        net, st = self.sim.net, self.sim.state
        zero = self.zero_links
        neg_p = neg_clipped(getattr(st, "p_hat", zero), 0.0, 0.95)
        mult = getattr(st, "link_enf_mult", None)
        if mult is not None and (mult.ndim if type(mult) is np.ndarray else np.ndim(mult)) == 0:
            # a scalar multiplier on every link
            mult = np.full(len(zero), float(mult))
        fee = getattr(st, "fee_place", None)
        self.last_arrest_log, log_m, add = link_markup_parts(
            getattr(st, "link_effort", zero),  # routine effort (interdiction step)
            getattr(st, "link_extra_effort", zero),
            getattr(st, "link_troop_effort", zero),
            self.ones_links if mult is None else mult,
            self._arrest_scale(st),
            self.log_base_link,
            np.log1p(neg_p, out=neg_p),
            net.link_cost,
            self.zero_places if fee is None else fee,
            net.link_to,
        )
        if fee is None:
            add = net.link_cost
        return log_m, add

    def _arrest_scale(self, st) -> np.ndarray:  # noqa: ANN001 - the sim's state
        """kappa x the justice capacity of each link's jurisdiction.

        The state step's evolving justice capacity where it has one; it keeps the same
        array while no lever moves it, so the product is reused until it changes.
        """
        jc = getattr(st, "justice_c", None)
        hit = self._justice_of
        if hit is not None and hit[0] is jc:
            return hit[1]
        justice = self.justice_link
        if jc is not None:
            justice = justice.copy()
            justice[self.has_country] = np.asarray(jc)[self.link_country_ok]
        out = self.p.arrest_premium * justice
        self._justice_of = (jc, out)
        return out

    def cost_chain(self) -> np.ndarray:
        """Log of the cost-based price per kg at each route entry (travel order).

        P_k = M_k (P_{k-1} + a_k) is solved for all routes at once as
        P_k = G_k (P_0 + sum_{i<=k} a_i M_i / G_i), with G the running product of M.
        """
        z, cum = self._cost_chain_parts()
        z += cum
        return z

    def _cost_chain_parts(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`cost_chain` as its two terms, ``log(P_0 + ...)`` and ``log G``, whose
        sum the monthly step's kernels form where they need it (one pass fewer)."""
        log_m, add = self.link_log_markup()
        if self._flags is None:  # a route without links
            cum = seg_cumsum(log_m, self.e_link, self.path_len)
            z = cost_chain_sums(
                add * np.exp(log_m), self.e_link, self.path_len, np.exp(cum), self.p0
            )
        else:  # (add * exp(log_m) formed per entry)
            e_start = self._flags[0]
            cum = K.seg_cumsum_flat(log_m, self.e_link, e_start)
            z = K.cost_chain_sums_flat(
                add, np.exp(log_m), self.e_link, np.exp(cum), self.p0, e_start
            )
        np.log(z, out=z)
        return z, cum

    def with_scarcity(
        self, log_price: np.ndarray, scarcity: np.ndarray, log_last: np.ndarray | None = None
    ) -> np.ndarray:
        """Prices per kg at route entries with each market's scarcity rent passed down.

        A place's exposure is its share of the route's log markup from source to
        market (0 at the source, 1 at the market's entry point): P' = P s^share.
        """
        net = self.sim.net
        log_p0 = self.log_p0
        if log_last is None:  # the log price at each route's last entry
            log_last = log_price[self.last]
        tilt = self.p.scarcity_passthrough * np.log(np.maximum(scarcity, 1e-9))
        out = scarcity_tilt(log_price, log_last, log_p0, tilt, net.path_market, self.path_len)
        return np.exp(out, out=out)

    def place_prices(self, entry_price: np.ndarray) -> np.ndarray:
        """Flow-weighted price at each place (routes with no flow count a little);
        places on no route take their country's mean (the source price in a country
        with none)."""
        net, st = self.sim.net, self.sim.state
        return place_prices_kernel(
            getattr(st, "path_flow", self.zero_paths),
            self.path_len,
            entry_price,
            self.e_place,
            net.n_places,
            self.origins,
            self.p0,
            self.off_route,
            self.cidx,
            self.c_count,
        )

    # -- one month --------------------------------------------------------------------
    def demand_multiplier(self, t: int) -> np.ndarray:
        """Demand shifters of month ``t``: the scenario series times the state's multiplier."""
        dm_state = getattr(self.sim.state, "demand_multiplier", None) or {}
        return self.dm_series[:, t] * np.array([float(dm_state.get(m, 1.0)) for m in MARKETS])

    def step(self, t: int) -> None:
        net, st = self.sim.net, self.sim.state
        k = len(MARKETS)
        # Tolerate runs without the flow steps (nothing arrives then).
        path_delivered = getattr(st, "path_delivered", self.zero_paths)
        path_flow = getattr(st, "path_flow", self.zero_paths)
        # Cost chain and each market's landed cost (weighted by what each route delivers).
        # (The log price at the route entries is lz + cum: the kernels add the two terms
        # where they read them.)
        lz, cum = self._cost_chain_parts()
        log_last = chain_log_last(lz, cum, self.last)
        p_end = np.exp(log_last)
        # (no route: the price without the importers' markup, no rent)
        delivered, landed = K.landed_by_market(
            net.path_market,
            path_delivered,
            path_flow,
            p_end,
            k,
            np.asarray(st.price_dest, dtype=float),
            self.mkt.m0,
        )
        if not self.started:  # at the structural wholesale prices route choice starts from
            self.mkt.start(st.price_dest, landed)
            self.started = True
        out = self.mkt.step(delivered, self.demand_multiplier(t), landed)
        resid = self.mkt.residual  # delivered - consumed - lost - stock change
        # (a few markets: plain floats are quicker than array calls)
        if any(
            abs(r) > 1e-9 * max(1.0, d)
            for r, d in zip(resid.tolist(), out["delivered"].tolist(), strict=True)
        ):
            raise RuntimeError(f"market ledger does not balance in month {t}: {resid}")
        pw = out["wholesale"]
        st.price_dest = pw.copy()
        st.market_stock = out["stock"]
        st.landed_cost = landed
        # The scarcity rent passes down the routes; then place prices and revenues.
        # (Compiled: with_scarcity, then the market entry points' importers' price (m0 x
        # landed cost x rent) and place_prices, bit for bit.)
        tilt = self.p.scarcity_passthrough * np.log(np.maximum(out["scarcity"], 1e-9))
        entry_price = scarcity_tilt_flat(
            lz, cum, log_last, self.log_p0, tilt, net.path_market, self.e_path
        )
        np.exp(entry_price, out=entry_price)
        st.place_price = K.place_prices_flat(
            path_flow,
            self.e_path,
            entry_price,
            self.last,
            self.m0_path,
            self.e_place,
            net.n_places,
            self.origins,
            self.p0,
            self.off_route,
            self.cidx,
            self.c_count,
        )
        # Arrest-risk compensation per link in USD/kg (for route choice, if it counts it),
        # the price at each link's start, and the tons and USD arriving at each place.
        price_at_from, st.link_risk_cost, arrivals, st.place_revenue = K.link_prices_and_arrivals(
            st.place_price,
            net.link_from,
            net.link_to,
            net.link_cost,
            np.expm1(self.last_arrest_log),
            getattr(st, "link_out", self.zero_links),
            getattr(st, "link_inflow", self.zero_links),
            net.n_places,
            self.origins,
            KG_PER_T,
        )
        if self.sim.spinning:  # spin-up months are not recorded (month 0 is written again)
            return
        # Record.
        self.r_price[t, : net.n_places] = st.place_price
        self.r_price[t, net.n_places : net.n_places + k] = pw
        # Each chain region's price: weighted by the tons arriving (the plain mean when
        # none arrive; 0 for a region without places).
        self.r_price[t, net.n_places + k :] = chain_region_prices(
            arrivals, st.place_price, self.chain_cat, self.chain_seg, self.chain_n
        )
        self.r_ppg[t] = out["price_per_pure_gram"]
        self.r_pur[t] = out["purity"]
        self.r_cons[t] = out["consumed"]
        self.r_users[t] = out["users"]
        self.r_value[t] = out["value"]
        nJ = len(net.juris_ids)
        entry = getattr(st, "entry_seized", None)
        sv = self.r_seized_value[t]
        if entry is None:  # by the jurisdiction of the link
            seized = getattr(st, "link_seized", self.zero_links)
            price_from = KG_PER_T * price_at_from
            sv[:nJ] = np.bincount(net.link_juris, weights=seized * price_from, minlength=nJ)
            sv[nJ] = sv[:nJ].sum()
        else:  # by the jurisdictions that made the seizures (interdiction step)
            sv[:] = seized_value_by_jurisdiction(
                net.pat_juris,
                entry,
                net.pat_link,
                net.link_juris,
                st.link_seized_rem,
                price_at_from,
                KG_PER_T,
                nJ,
            )
        self.r_stock[t] = out["stock"]
        self.r_scar[t] = out["scarcity"]
        self.r_rent[t] = out["stock_rent"]
        self.r_landed[t] = landed
        self.r_resid[t] = resid
        self.r_revenue[t] = st.place_revenue
        for arr, key in self._ledger_keys:
            arr[t] = out[key] if key else resid

    def finalize(self) -> None:
        sim, st = self.sim, self.sim.state
        n, k = sim.n_months, len(MARKETS)
        table = pd.DataFrame(
            {
                "year": np.repeat(sim.years, k),
                "month": np.repeat(sim.month_of_year, k),
                "market": np.tile(np.asarray(MARKETS, dtype=object), n),
                **{c: v.ravel() for c, v in self.ledger.items()},
            }
        )
        if not hasattr(st, "extra_tables"):
            st.extra_tables = {}
        st.extra_tables["market_ledger"] = table


# -- calibration (data up to 2006, plus the structural price chain) ----------------------

CA7 = ("GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN")
MX_SOUTH = ("MX-CHP", "MX-TAB", "MX-CAM", "MX-ROO", "MX-OAX")
MX_NORTH_BORDER = ("MX-BCN", "MX-SON", "MX-CHH", "MX-COA", "MX-NLE", "MX-TAM")
#: Price-chain figures (USD/kg) the chain is compared with: (low, high, source).
CHAIN_TARGETS: dict[str, tuple[float, float, str]] = {
    "Colombian ports": (5500.0, 7000.0, "Stratfor 2013; OAS 2013 (figures.csv)"),
    "Central America": (10000.0, 10000.0, "Stratfor 2013; OAS 2013 ~10,000 (figures.csv)"),
    "southern Mexico": (12000.0, 12000.0, "Stratfor 2013 (figures.csv)"),
    "Mexican northern border": (15000.0, 16000.0, "OAS 2013 15,000; Stratfor 2013 16,000"),
    "US wholesale": (24000.0, 27000.0, "Stratfor 2013 24,000-27,000; OAS 2013 >=27,000"),
}
#: Region names of the chain in the indicator price_usd_per_kg.
CHAIN_KEYS = {
    "Colombian ports": "colombian_ports",
    "Central America": "central_america",
    "southern Mexico": "southern_mexico",
    "Mexican northern border": "mexico_northern_border",
}
#: 2006 US market observations the market is fitted to (figures.csv).
MARKET_TARGETS_2006: dict[str, tuple[float, str]] = {
    "price_per_pure_gram_usd": (94.73, "STRIDE Q3 2006 (NDIC NDTA 2010)"),
    "purity": (0.681, "STRIDE Q3 2006, all purchases (NDIC NDTA 2010)"),
    "users_past_month": (2.4e6, "NSDUH 2006 (CS Monitor 2013)"),
}
#: Europe: wholesale price per kg (structural, Stratfor 2013) used to scale its demand.
EUROPE_WHOLESALE_USD_PER_KG = 54000.0
#: Europe: assumed levels (EMCDDA, recalled and unchecked: weak priors, not data).
EUROPE_ASSUMED_2006 = {"purity": 0.40, "users": 2.0e6}


def chain_regions(place_ids: list[str], place_country: np.ndarray) -> dict[str, list[str]]:
    """Place ids (or ``usa``) making up each region of :data:`CHAIN_TARGETS`.

    Examples
    --------
    >>> regions = chain_regions(["CO-CAR", "GT-PE", "MX-TAM"], np.array(["COL", "GTM", "MEX"]))
    >>> regions["Central America"], regions["Mexican northern border"]
    (['GT-PE'], ['MX-TAM'])
    """
    ca = [p for p, c in zip(place_ids, place_country, strict=True) if c in CA7]
    return {
        "Colombian ports": [p for p in ("CO-CAR", "CO-PAC", "CO-URA", "CO-GUA") if p in place_ids],
        "Central America": ca,
        "southern Mexico": [p for p in MX_SOUTH if p in place_ids],
        "Mexican northern border": [p for p in MX_NORTH_BORDER if p in place_ids],
        "US wholesale": ["usa"],
    }


def chain_table(results, net, year: int = 2006) -> pd.DataFrame:  # noqa: ANN001
    """The simulated price chain of one year against the figures (flow-weighted by region).

    Prices of a region's places are weighted by the tons arriving there
    (``flow_t``); ``ratio`` is model / midpoint of the figure.

    Examples
    --------
    >>> from isthmus import Sim
    >>> sim = Sim("central-america", seed=0)
    >>> tab = chain_table(sim.run(), sim.net)
    >>> list(tab.columns)
    ['region', 'model_usd_per_kg', 'low', 'high', 'ratio', 'source']
    """
    ia = results.indicators_annual
    ia = ia[ia["year"] == year]
    price = ia[ia["indicator"] == "price_usd_per_kg"].set_index("region")["value"]
    flow = ia[ia["indicator"] == "flow_t"].set_index("region")["value"]
    rows = []
    for region, places in chain_regions(net.place_ids, net.place_country).items():
        places = [p for p in places if p in price.index]
        v = price[places].to_numpy(dtype=float)
        w = np.array([float(flow.get(p, 0.0)) for p in places])
        model = float((w * v).sum() / w.sum()) if w.sum() > 0 else float(v.mean())
        lo, hi, src = CHAIN_TARGETS[region]
        rows.append((region, model, lo, hi, model / (0.5 * (lo + hi)), src))
    return pd.DataFrame(
        rows, columns=["region", "model_usd_per_kg", "low", "high", "ratio", "source"]
    )


def calibrate(
    scenario="central-america",  # noqa: ANN001
    seed: int = 0,
    params: dict[str, float] | None = None,
    rounds: int = 2,
    iterations: int = 3,
    modules: list[str] | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Fit the markets' level parameters to 2006 data and the chain to the price figures.

    Only observations up to 2006 (:data:`MARKET_TARGETS_2006`), the structural
    price chain (:data:`CHAIN_TARGETS`) and, for Europe, the structural
    wholesale price and two recalled assumptions are used; the run is cut at
    December 2006, so nothing later can leak in. Fitted by fixed-point
    iteration (route choice answers the prices, so a few rounds):
    ``us_demand_t_at_100`` (2006 price per pure gram), ``us_purity_at_100``
    (2006 purity), ``us_users_at_100`` (2006 users), ``us_import_markup``
    (dealers at normal stocks in 2006), and the same for Europe; then
    ``arrest_premium``, ``markup_per_1000km`` and ``export_margin`` by least
    squares on the log ratios of the chain (Colombian ports, Central America, southern Mexico,
    northern border) to the figures. ``modules`` (default: all, as ``isthmus
    run``) restricts the model the fit is made on.

    Returns
    -------
    fitted : dict
        ``{"markets.name": value}``.
    report : DataFrame
        Each target, its observed value, the model's 2006 value and the ratio.
    """
    from scipy.optimize import least_squares

    from ..scenario import load_scenario
    from .sim import Sim

    sc = scenario.copy() if hasattr(scenario, "copy") else load_scenario(scenario)
    sc.end = (2006, 12)
    declared = Sim.declared_params()["markets"]
    cur = {}
    for k, p in declared.items():
        v = sc.param("markets", k)
        cur[f"markets.{k}"] = p.default if v is None else float(v)
    cur.update(params or {})
    eps = cur["markets.elasticity"]

    def run(p: dict[str, float]):
        sim = Sim(sc, seed=seed, params=p, modules=modules)
        return sim, sim.run()

    def fit_levels() -> None:
        for _ in range(iterations):
            sim, res = run(cur)
            for mk, target_pw in (("us", None), ("eu", EUROPE_WHOLESALE_USD_PER_KG)):
                region = "usa" if mk == "us" else "europe"
                ann = {
                    n: res.annual(n, region, 2006)
                    for n in ("price_per_pure_gram_usd", "purity", "users_past_month")
                }
                if target_pw is None:
                    ratio = (
                        MARKET_TARGETS_2006["price_per_pure_gram_usd"][0]
                        / ann["price_per_pure_gram_usd"]
                    )
                    pur, users = (MARKET_TARGETS_2006[n][0] for n in ("purity", "users_past_month"))
                else:
                    ratio = target_pw / res.annual("price_usd_per_kg", region, 2006)
                    pur, users = EUROPE_ASSUMED_2006["purity"], EUROPE_ASSUMED_2006["users"]
                # P = 100 (C / C100)^(1 / eps): scale C100 so the price moves to its target.
                cur[f"markets.{mk}_demand_t_at_100"] *= ratio ** (-eps)
                cur[f"markets.{mk}_purity_at_100"] = min(
                    cur[f"markets.{mk}_purity_at_100"] * pur / ann["purity"], 1.0
                )
                cur[f"markets.{mk}_users_at_100"] *= users / ann["users_past_month"]
                # Dealers at normal stocks in 2006: fold the year's rent into the markup.
                rent = sim.rec["_market_stock_rent"][sim.years == 2006, MARKETS.index(region)]
                cur[f"markets.{mk}_import_markup"] *= float(np.mean(rent))

    names = ["Colombian ports", "Central America", "southern Mexico", "Mexican northern border"]

    chain = ("arrest_premium", "markup_per_1000km", "export_margin")
    lo, hi = [0.0, 0.0, 0.0], [5.0, 1.0, 2.0]

    def resid(x: np.ndarray) -> np.ndarray:
        p = dict(cur, **{f"markets.{k}": float(v) for k, v in zip(chain, x, strict=True)})
        s, r = run(p)
        tab = chain_table(r, s.net).set_index("region")
        return np.log(tab.loc[names, "ratio"].to_numpy(dtype=float))

    for _ in range(rounds):
        fit_levels()
        x0 = np.clip([cur[f"markets.{k}"] for k in chain], lo, hi)
        fit = least_squares(resid, x0, bounds=(lo, hi), x_scale=[0.5, 0.1, 0.5], diff_step=0.05)
        cur.update({f"markets.{k}": float(v) for k, v in zip(chain, fit.x, strict=True)})
    fit_levels()
    sim, res = run(cur)
    rows = [
        (f"2006 {k} (usa)", v, res.annual(k, "usa", 2006), src)
        for k, (v, src) in MARKET_TARGETS_2006.items()
    ]
    rows.append(
        (
            "2006 price_usd_per_kg (europe)",
            EUROPE_WHOLESALE_USD_PER_KG,
            res.annual("price_usd_per_kg", "europe", 2006),
            "Stratfor 2013 (structural)",
        )
    )
    rows += [
        (f"2006 chain: {r.region}", 0.5 * (r.low + r.high), r.model_usd_per_kg, r.source)
        for r in chain_table(res, sim.net).itertuples()
    ]
    report = pd.DataFrame(rows, columns=["target", "observed", "model", "source"])
    report["ratio"] = report["model"] / report["observed"]
    fitted = {
        k: cur[k]
        for k in cur
        if k.split(".")[1]
        in (
            "us_demand_t_at_100",
            "us_purity_at_100",
            "us_users_at_100",
            "us_import_markup",
            "eu_demand_t_at_100",
            "eu_purity_at_100",
            "eu_users_at_100",
            "eu_import_markup",
            *chain,
        )
    }
    return fitted, report


def write_fitted(fitted: dict[str, float], path) -> list[str]:  # noqa: ANN001
    """Write fitted ``markets`` values into a scenario's ``parameters.csv``, in place.

    Only the value column of existing ``markets`` rows changes (each row keeps its
    unit, range and source); a missing parameter is appended with its declared
    unit, range and source. A value outside the range its row states is written, and
    a warning names it (the fit and the prior its source gives disagree). Returns the
    names written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "parameters.csv"
    >>> _ = f.write_text("module,name,value,unit,low,high,source\\n")
    >>> write_fitted({"markets.us_import_markup": 1.5}, f)
    ['us_import_markup']
    >>> "markets,us_import_markup,1.5," in f.read_text()
    True
    """
    import csv
    import warnings
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        path = path / "parameters.csv"
    lines = path.read_text().splitlines()
    done = []
    for key, value in fitted.items():
        name = key.split(".", 1)[1] if "." in key else key
        v = str(round(float(value))) if abs(value) >= 1e5 else f"{float(value):.4g}"
        for i, line in enumerate(lines):
            if line.startswith(f"markets,{name},"):
                parts = line.split(",", 3)
                lines[i] = ",".join([parts[0], parts[1], v, parts[3]])
                row = next(csv.reader([line]))
                low, high = (float(x) if x.strip() else None for x in row[4:6])
                break
        else:
            p = Markets.params[name]
            src = p.source.replace('"', "'")
            lines.append(f'markets,{name},{v},{p.unit},{p.low},{p.high},"fitted: {src}"')
            low, high = p.low, p.high
        if (low is not None and float(value) < low) or (high is not None and float(value) > high):
            warnings.warn(
                f"{path.name}: markets.{name} fitted at {v}, outside its stated range "
                f"[{'' if low is None else f'{low:g}'}, {'' if high is None else f'{high:g}'}]",
                stacklevel=2,
            )
        done.append(name)
    path.write_text("\n".join(lines) + "\n")
    return done
