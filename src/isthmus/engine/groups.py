"""Step 5, groups: plazas, piso fees, contests, strength and the activity portfolio.

Crime groups (the ``actors`` table: transnational organisations, territorial
crime families and urban gangs) hold *control shares* of places (the
``control`` table at the start). Each month:

1. **Plaza value.** What a place yields whoever controls it, at full
   exploitation (USD/month): piso fees on the cocaine entering it (fee x tons,
   the fee a share of the local wholesale price, mechanisms.md (a)),
   extortion (population x (1 - state presence)), fees on the migrants
   passing (northbound), human trafficking and the markup on firearms passing
   (southbound from the US). Migrants and firearms move on fixed shortest
   paths over the land network, compiled once, with their own demand, fees
   and apprehensions/seizures.
2. **Activity portfolio.** A group's violent capital (``strength``) is spread
   over activities by marginal return (mechanisms.md (d)): activity k of group a
   yields ``Y_ak (1 - exp(-L_k / l_ak))``, whose marginal return when untapped is
   ``rho x upkeep per unit of strength``; equal marginal returns give the closed
   form ``r_ak = Y_ak max(0, 1 - lambda_a / c_ak)``. When transit revenue falls
   below upkeep, predation (extortion, migrant smuggling, human trafficking,
   firearms) gets a premium, so effort shifts to it.
3. **Corruption.** A share of revenue buys local officials where it is earned
   (F4). The stock of bribes lowers the enforcement multiplier of the links
   into the place (``st.link_enf_mult``) and the effective state presence.
4. **Contest.** Contenders at a place (holders and challengers) and the state
   share it by a Tullock contest success function of their local strength
   (mechanisms.md (c)); shares move toward it with inertia. Neighbouring
   territorial groups and transnational organisations within a few hops enter
   when the place's value, relative to the strength they would face, beats
   what their strength earns elsewhere. A few patient groups collude (a stable
   split, no fighting); more, or impatient, ones fight. Leader removal
   (``st.kingpin_events``) fragments a group into feuding factions and makes it
   less patient. Contest intensity is the Tullock rent dissipation
   ``value x (1 - HHI)``, bounded by the fighters' strength.
5. **Strength** moves toward what net revenue can pay for (upkeep per unit),
   minus attrition by justice capacity and troop deployments.

Outputs on ``sim.state``: ``fee_place`` (USD/kg, read by route choice next
month), ``link_enf_mult``, ``controller`` (actor index or -1), ``contested``,
``group_strength`` (n_actors, order ``actor_ids``; other modules may scale it),
``presence_effective``, and for the violence step ``contest_intensity``,
``predation_usd`` (by actor kind and place) and ``armed_strength``.

Examples
--------
>>> from isthmus import Sim
>>> sim = Sim("central-america", seed=1)
>>> res = sim.run()
>>> g = sim.module("groups")
>>> bool((sim.state.fee_place >= 0).all()) and len(sim.state.group_strength) == len(g.actor_ids)
True
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..scenario import Problem, ScenarioError, month_index, parse_month
from .params import Param
from .series import monthly_series
from .sim import Module, register

KINDS = ("transnational", "territorial", "gang")
ACTIVITIES = ("transit", "extortion", "migrant_smuggling", "human_trafficking", "firearms")
TRADE = [0, 4]  # transit fees and firearms: trade, with its own return on strength
PREDATION = [1, 2, 3]  # extortion, migrant smuggling and kidnapping, trafficking in persons
# (The monthly step and shadow_value address these columns as 0, 4 and 1:4.)
TERRITORY_GROUPS = ("central_america", "mexico", "caribbean")
MIGRANT_ORIGINS = {"GTM": 0.35, "HND": 0.30, "SLV": 0.30, "NIC": 0.05}
MIGRANT_ORIGIN_PLACES = 3  # departments per origin country, by population
US_LAND_ENTRY_WEIGHTS = {
    "US-RGV": 0.35,
    "US-LRD": 0.2,
    "US-ELP": 0.1,
    "US-TUS": 0.25,
    "US-SDG": 0.1,
}
# Fallback wholesale price by latitude when the markets module is inactive
# (Stratfor 2013 and OAS 2013 price chain, figures.csv: Colombian ports 5,500-7,000,
# Central America ~10,000, southern Mexico 12,000, northern border 15,000-16,000 USD/kg).
PRICE_LAT = np.array([5.0, 9.0, 13.0, 16.0, 18.0, 25.0, 32.0])
PRICE_USD = np.array([6000.0, 8000.0, 9500.0, 10500.0, 12000.0, 14500.0, 16000.0])


def _pm(default, unit, low, high, source, description):  # noqa: ANN001, ANN202
    return Param(default, unit, low, high, source, description)


def segment_survival(hazard: np.ndarray, starts: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Share of a path's flow still travelling when it enters each stop.

    ``hazard`` is the loss share at each stop (entries in travel order), ``starts``
    the index of each path's first entry and ``seg`` the path of each entry.

    Examples
    --------
    >>> segment_survival(np.array([0.0, 0.5, 0.5, 0.0, 0.1]), np.array([0, 3]),
    ...                  np.array([0, 0, 0, 1, 1])).round(3).tolist()
    [1.0, 1.0, 0.5, 1.0, 1.0]
    """
    lg = np.log1p(-np.minimum(hazard, 0.999))
    cs = np.cumsum(lg)
    start_cs = cs[np.maximum(starts - 1, 0)] * (starts > 0)
    return np.exp(cs - lg - start_cs[seg])


class _Paths:
    """Fixed paths over places (CSR in travel order) for a secondary commodity."""

    def __init__(self, paths: list[list[int]], n_places: int, country_of: np.ndarray):
        lens = np.array([len(p) for p in paths], dtype=np.int64)
        self.n = len(paths)
        self.place = (
            np.concatenate([np.asarray(p, dtype=np.int64) for p in paths])
            if paths
            else np.zeros(0, dtype=np.int64)
        )
        self.seg = np.repeat(np.arange(self.n), lens)
        self.starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        self.n_places = n_places
        # The first stop of each path in each country: persons or units entering it.
        first = np.zeros(len(self.place), dtype=bool)
        for k in range(self.n):
            seen: set[str] = set()
            for j in range(self.starts[k], self.starts[k] + lens[k]):
                c = country_of[self.place[j]]
                if c not in seen:
                    seen.add(c)
                    first[j] = True
        self.first_in_country = first

    def flows(self, path_flow: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flow entering each stop (per entry) and through each place, after losses."""
        if self.n == 0:
            return np.zeros(0), np.zeros(self.n_places)
        surv = segment_survival(loss[self.place], self.starts, self.seg)
        at = path_flow[self.seg] * surv
        return at, np.bincount(self.place, weights=at, minlength=self.n_places)


@register
class Groups(Module):
    name = "groups"
    params = {
        "fee_share": _pm(
            0.03,
            "1 (share of the local wholesale price per controlled place)",
            0.01,
            0.06,
            "derived: InSight Crime (c.2012, figures.csv) 2,000-2,500 USD/kg to move cocaine "
            "across Guatemala, ~20-25% of the ~10,000 USD/kg local price, over 2-3 controlled "
            "departments; the piso (protection) part taken as ~30% of it as in NarcoLogic "
            "(bribes 30% of node gross margin, mechanisms.md (a) [C]) -> ~0.03 per place",
            "Piso fee per kg charged at a fully controlled place, as a share of the local price.",
        ),
        "fee_price_memory": _pm(
            0.99,
            "1/month",
            0.95,
            0.995,
            "assumption: piso fees are quoted in USD per kg (InSight Crime: 2,000-2,500 USD/kg "
            "across Guatemala) and renegotiated rarely (half-life ~6 years), so a fall in "
            "volume cuts plaza revenue long before scarcity prices catch up",
            "Monthly persistence of the price that piso fees are set on (0 = the current price).",
        ),
        "return_trade": _pm(
            2.5,
            "1",
            1.5,
            4.0,
            "assumption: moving cocaine (and firearms) pays well for the muscle it needs, which is "
            "mostly bribes, not guns (Lessing 2015: cartels 'hide' by bribing)",
            "Marginal revenue of strength on untapped transit fees and firearms, in units of "
            "upkeep per unit of strength.",
        ),
        "return_predation": _pm(
            1.1,
            "1",
            0.8,
            2.0,
            "assumption: predation (extortion, migrant kidnapping and smuggling, trafficking in "
            "persons) barely pays for the gunmen it needs unless a group is short of money "
            "(mechanisms.md (d): drug revenue falls -> violent capital shifts to predation)",
            "Marginal revenue of strength on untapped predatory activities, in units of upkeep "
            "per unit of strength.",
        ),
        "gang_predation_return": _pm(
            2.0,
            "1",
            1.2,
            4.0,
            "assumption: the maras are urban, extortion-based gangs (UNODC 2007, 2012): street "
            "extortion of small businesses and transport is their trade",
            "Marginal revenue of a gang's strength on untapped predation, in units of its upkeep "
            "per unit of strength (replaces return_predation for gangs).",
        ),
        "need_premium": _pm(
            1.0,
            "1",
            0.0,
            3.0,
            "assumption: groups short of cash for upkeep favour predation, which pays at once "
            "(mechanisms.md (d); UNODC 2012: if cocaine flows dwindle, groups turn to other crimes)",
            "Premium on the return of predatory activities at a full transit shortfall (transit revenue 0 vs upkeep).",
        ),
        "strength_rate": _pm(
            0.04,
            "1/month",
            0.015,
            0.1,
            "assumption: recruiting and arming (or shedding) members takes about two years",
            "Share of the gap between strength and its profit-maximising size (marginal revenue "
            "= upkeep per unit) closed each month.",
        ),
        "strength_shed_rate": _pm(
            0.01,
            "1/month",
            0.003,
            0.04,
            "assumption: gunmen who lose their trafficking income stay and turn to other crimes "
            "(UNODC 2012: if cocaine flows abate, groups seek other acquisitive crime; F5: they "
            "keep using violence until dislodged), so groups shed strength over years, mostly "
            "through arrests and deaths",
            "Share of the gap closed each month when a group is larger than its profit-maximising size.",
        ),
        "revenue_memory": _pm(
            0.85,
            "1/month",
            0.6,
            0.95,
            "assumption: groups budget on about six months of revenue",
            "Monthly discount of the smoothed revenue that strength follows.",
        ),
        "value_memory": _pm(
            0.85,
            "1/month",
            0.6,
            0.95,
            "assumption: rivals judge a plaza on about six months of observed value",
            "Monthly discount of the smoothed plaza value.",
        ),
        "corruption_share": _pm(
            0.10,
            "0-1",
            0.03,
            0.3,
            "GlobalPost: ~10% of revenue paid in bribes in Guatemala (mechanisms.md, gaps); "
            "NarcoLogic 30% of node margin is an upper bound",
            "Share of revenue spent on local officials where it is earned.",
        ),
        "corruption_ref_usd": _pm(
            3.0e5,
            "USD/month",
            5.0e4,
            2.0e6,
            "assumption: a few hundred thousand USD a month buys a department's police chiefs, "
            "prosecutors and mayors",
            "Monthly bribes in a place that remove 63% of the corruptible part of local enforcement.",
        ),
        "corruption_memory": _pm(
            0.9,
            "1/month",
            0.7,
            0.97,
            "assumption: bought officials stay bought for about a year",
            "Monthly persistence of the stock of bribes in a place.",
        ),
        "enf_mult_min": _pm(
            0.3,
            "0-1",
            0.1,
            0.7,
            "assumption: even captured departments keep some honest officers and federal units",
            "Lowest enforcement multiplier that corruption can bring on links into a place.",
        ),
        "presence_loss_max": _pm(
            0.4,
            "0-1",
            0.1,
            0.7,
            "assumption: crime families that buy local politics govern remote areas (F4; UNODC 2012)",
            "Largest share of state presence that local corruption can remove.",
        ),
        "extortion_usd_per_capita": _pm(
            1.0,
            "USD/person/month",
            0.3,
            3.0,
            "assumption: El Salvador's extortion market in the low hundreds of millions of USD a "
            "year on ~6 million people, at low state presence",
            "Extortion potential per resident where the state is absent, at full exploitation.",
        ),
        "migrants_per_year": _pm(
            4.0e5,
            "persons/year",
            2.0e5,
            6.0e5,
            "assumption (recalled, unverified): ~430,000 irregular Central American transit "
            "migrants through Mexico in 2005 (Rodriguez, Berumen & Ramos 2011)",
            "Northbound irregular migrants from Guatemala, Honduras, El Salvador and Nicaragua "
            "(scaled by the series migrant_demand, region central_america).",
        ),
        "migrant_fee_usd": _pm(
            100.0,
            "USD/person/place",
            30.0,
            300.0,
            "assumption: plaza 'cuota' on smugglers and ransoms (CNDH: 9,758 migrant kidnappings "
            "in Sep 2008-Feb 2009 for ~25M USD, mechanisms.md (d))",
            "What a fully controlled place extracts from each migrant passing.",
        ),
        "apprehension_per_place": _pm(
            0.06,
            "0-1",
            0.02,
            0.15,
            "assumption: about half of transit migrants apprehended in Mexico (INM deported "
            "~200,000 Central Americans a year c.2005, recalled) over ~10 places at presence 0.6",
            "Share of migrants apprehended on entering a place, at full state presence.",
        ),
        "trafficking_usd_per_migrant": _pm(
            20.0,
            "USD/person/place",
            5.0,
            60.0,
            "assumption: a small share of migrants are trafficked for sexual or labour exploitation",
            "Human-trafficking potential per migrant passing a fully controlled place.",
        ),
        "trafficking_usd_per_capita": _pm(
            0.05,
            "USD/person/month",
            0.01,
            0.2,
            "assumption: local sexual exploitation markets, a few % of the extortion potential",
            "Local human-trafficking potential per resident where the state is absent.",
        ),
        "firearms_per_year": _pm(
            1.5e5,
            "units/year",
            5.0e4,
            3.0e5,
            "assumption: McDougal et al. (2013) put US firearms trafficked to Mexico at ~253,000 a "
            "year in 2010-2012; lower before the 2004 assault-weapons-ban expiry effect built up",
            "Firearms trafficked south from the US border (scaled by the series firearms_demand, region usa).",
        ),
        "firearm_markup_usd": _pm(
            100.0,
            "USD/unit/place",
            30.0,
            300.0,
            "assumption: a ~500 USD rifle sells for 1,500-2,000 USD in Mexico or Central America, "
            "the markup spread over the places it crosses",
            "What a fully controlled place extracts from each firearm passing.",
        ),
        "firearm_seizure_per_place": _pm(
            0.02,
            "0-1",
            0.0,
            0.1,
            "assumption: few firearms are seized in transit",
            "Share of firearms seized on entering a place, at full state presence.",
        ),
        "firearm_group_weight": _pm(
            3.0e4,
            "units of demand per unit of strength",
            0.0,
            1.0e5,
            "assumption: armed groups buy most trafficked firearms",
            "Weight of local group strength, against population (per million), in where firearms go.",
        ),
        "contest_speed": _pm(
            0.15,
            "1/month",
            0.05,
            0.4,
            "assumption: a plaza war is decided over months to a few years",
            "Share of the gap to the contest outcome closed each month.",
        ),
        "tullock_r": _pm(
            1.0,
            "1",
            0.5,
            2.0,
            "Tullock contest success function s_i^r / sum s_j^r; r = 1 is the lottery form "
            "(mechanisms.md (c))",
            "Decisiveness of local strength in the contest.",
        ),
        "home_advantage": _pm(
            2.0,
            "1",
            1.0,
            4.0,
            "assumption: crime families defend their home areas with local networks and officials",
            "Multiplier of a group's local strength in its home places.",
        ),
        "state_strength": _pm(
            2.0,
            "strength units per unit of presence",
            0.5,
            5.0,
            "assumption: full state presence weighs like two mid-sized crime families in a place",
            "The state's weight in the contest for a place (it does not fight for fees).",
        ),
        "troop_strength": _pm(
            0.3,
            "strength units per 1,000 personnel",
            0.0,
            1.0,
            "assumption: troops displace groups only partly (Espinosa & Rubin 2015; Osorio 2015)",
            "The state's extra weight in the contest per 1,000 personnel deployed in a place.",
        ),
        "troop_attrition": _pm(
            0.005,
            "1/month per 1,000 personnel",
            0.0,
            0.1,
            "assumption: arrests and deaths in military operations",
            "Monthly loss of a group's strength present in a place per 1,000 personnel deployed.",
        ),
        "justice_attrition": _pm(
            0.02,
            "1/month",
            0.0,
            0.08,
            "assumption: a fully capable justice system with full presence removes ~2% of a "
            "group's members a month (used only when the state step does not set "
            "st.strength_pressure)",
            "Monthly loss of strength per unit of justice capacity x presence in the home country.",
        ),
        "entry_rate": _pm(
            0.1,
            "1/month",
            0.01,
            0.2,
            "assumption: challengers take months to organise an incursion",
            "Hazard of challenging a place per unit of expected excess return.",
        ),
        "max_commit": _pm(
            0.3,
            "0-1",
            0.1,
            0.6,
            "assumption: an organisation sends at most a third of its gunmen against one plaza",
            "Largest share of its strength a challenger commits to one target.",
        ),
        "integration_value": _pm(
            2.0,
            "1",
            1.0,
            3.3,
            "assumption bounded by NarcoLogic's piso at 30% of a node's gross margin "
            "(mechanisms.md (a) [C]): an organisation that holds the plaza on its own route "
            "keeps more of the margin, at most ~1/0.3 times the fee; 2 (calibrated on the "
            "number of contested Mexican states before 2007)",
            "What a plaza's transit fees are worth to a transnational organisation that would "
            "hold it, relative to the fees themselves.",
        ),
        "reach_transnational": _pm(
            3.0,
            "hops",
            1.0,
            6.0,
            "assumption: Mexican organisations reach several departments beyond their plazas "
            "(the Zetas in Peten, Alta Verapaz and Huehuetenango from 2008, figures.csv)",
            "Land hops from its held places within which a transnational organisation challenges.",
        ),
        "reach_territorial": _pm(
            1.0,
            "hops",
            1.0,
            3.0,
            "assumption: crime families challenge neighbouring departments",
            "Land hops within which a territorial group challenges.",
        ),
        "hop_decay": _pm(
            0.5,
            "1/hop",
            0.2,
            0.9,
            "assumption: projecting force away from home is costly",
            "Share of committed strength that survives each land hop from the nearest held place.",
        ),
        "exit_share": _pm(
            0.02,
            "0-1",
            0.005,
            0.05,
            "assumption",
            "Control share below which a group leaves a place.",
        ),
        "entry_share": _pm(
            0.05,
            "0-1",
            0.01,
            0.1,
            "assumption",
            "Foothold (control share) of a challenger entering a place.",
        ),
        "collusion_deviation_months": _pm(
            6.0,
            "months",
            1.0,
            12.0,
            "derived: grim-trigger collusion holds iff delta^T >= n/(n+1), T the months a "
            "deviator holds the whole plaza before rivals retaliate (Castillo 2013 via "
            "mechanisms.md (c) 3: peace with few, patient organisations)",
            "Months a deviating group keeps the plaza before retaliation.",
        ),
        "collusion_violence": _pm(
            0.1,
            "0-1",
            0.0,
            0.5,
            "assumption: a stable split still produces some enforcement killings",
            "Contest intensity of a colluding place relative to an open contest.",
        ),
        "contest_dissipation": _pm(
            0.3,
            "0-1",
            0.0,
            0.8,
            "assumption: part of a contested plaza's rent is burnt in the fight (Tullock)",
            "Share of a contested place's revenue lost at full rivalry (1 - HHI = 1).",
        ),
        "contest_capacity_usd": _pm(
            3.0e6,
            "USD/month per unit of strength",
            5.0e5,
            1.0e7,
            "assumption: fighting over a plaza needs gunmen in proportion to its value",
            "Plaza value a unit of strength can contest at full intensity.",
        ),
        "kingpin_route_loss": _pm(
            0.5,
            "0-1",
            0.0,
            0.9,
            "assumption: feuding factions lose the suppliers' trust and part of the routes, and "
            "turn to local predation (mechanisms.md (c) 3-4; Calderon et al. 2015)",
            "Share of a group's transit revenue lost at the height of a factional split.",
        ),
        "kingpin_strength_loss": _pm(
            0.15,
            "0-1",
            0.0,
            0.5,
            "assumption: arrests around a leader's capture",
            "Share of a group's strength lost when its leader is removed.",
        ),
        "kingpin_halflife": _pm(
            12.0,
            "months",
            3.0,
            36.0,
            "Lindo & Padilla-Romo 2018: homicides +80% in the municipality of capture for at "
            "least 12 months; Calderon et al. 2015: +36.5% in 6 months (mechanisms.md (c))",
            "Half-life of the factional split after a leader's removal.",
        ),
        "kingpin_patience_drop": _pm(
            0.05,
            "1",
            0.0,
            0.2,
            "mechanisms.md (c) 3: kingpin removal lowers the discount factor (new leaders are impatient)",
            "Fall of a group's monthly discount factor after its leader is removed.",
        ),
        "split_share": _pm(
            0.4,
            "0-1",
            0.1,
            0.7,
            "assumption: the Zetas took a large part of the Gulf cartel's gunmen",
            "Share of the parent's strength a splitting actor takes.",
        ),
        "value_floor_usd": _pm(
            1.0e4,
            "USD/month",
            1.0e3,
            1.0e5,
            "assumption",
            "Value added to every place when a group spreads its strength (keeps home places defended).",
        ),
    }

    # -- set-up ---------------------------------------------------------------------------
    def init(self) -> None:
        sim, net, st, p = self.sim, self.sim.net, self.sim.state, self.p
        n = net.n_places
        self._read_actors()
        na = len(self.actor_ids)
        self.terr = np.isin(net.place_group, TERRITORY_GROUPS) & np.isin(
            net.place_level, ["admin1", "country"]
        )
        self.pop = np.where(self.terr, net.population, 0.0)
        # Default state presence from the countries table (the state module may set st.presence).
        c = sim.scenario.countries.set_index("id")
        pres = c["presence"].fillna(0.5).to_dict() if "presence" in c else {}
        self.presence_default = np.array(
            [float(pres.get(x, 0.5)) for x in net.place_country], dtype=float
        )
        just = c["justice_capacity"].fillna(0.3).to_dict() if "justice_capacity" in c else {}
        self.justice_home = np.array(
            [
                float(just.get(hc, 0.3)) * float(pres.get(hc, 0.5)) if hc else 0.0
                for hc in self.home_country
            ]
        )
        self.fallback_price = np.interp(net.lat, PRICE_LAT, PRICE_USD)
        self.fee_price: np.ndarray | None = None
        self._land_graph()
        self._secondary_paths()
        # State arrays.
        self.C = self.C0_start.copy()
        self.commit = np.zeros((na, n))  # share of strength a challenger commits to a target
        self.zeros = np.zeros(n)
        self.home_mult = np.where(self.home, p.home_advantage, 1.0)
        self.rho = np.where(
            np.isin(np.arange(len(ACTIVITIES)), TRADE), p.return_trade, p.return_predation
        )
        self.pred = np.isin(np.arange(len(ACTIVITIES)), PREDATION).astype(float)  # need premium
        self.decay = 0.5 ** (1.0 / p.kingpin_halflife)
        self.reach = np.where(self.kind == 0, p.reach_transnational, p.reach_territorial)
        self.hmax = int(max(p.reach_transnational, p.reach_territorial))
        self.frag = np.zeros(na)
        self.pat_pen = np.zeros(na)
        self.Vbar = np.zeros(n)
        self.Vbar_t = np.zeros(n)
        self.Rbar = np.zeros(na)
        self.Rbar_transit = np.zeros(na)
        self.K = np.zeros(n)
        self.first = True
        st.actor_ids = list(self.actor_ids)
        st.actor_kind = self.kind.copy()
        st.group_strength = self.S0 * self.active_at(0)
        st.controller = np.full(n, -1, dtype=np.int64)
        st.contested = np.zeros(n, dtype=bool)
        st.control_share = self.C
        st.presence_effective = self.presence_default.copy()
        st.contest_intensity = np.zeros(n)
        st.predation_usd = np.zeros((len(KINDS), len(PREDATION) + 1, n))
        st.armed_strength = np.zeros(n)
        st.corruption_spend = np.zeros(n)
        if not hasattr(st, "fee_place"):
            st.fee_place = np.zeros(n)
        self.migrant_month = (
            p.migrants_per_year
            / 12.0
            * monthly_series(sim.scenario, "migrant_demand", "central_america", default=1.0)
        )
        self.firearm_month = (
            p.firearms_per_year
            / 12.0
            * monthly_series(sim.scenario, "firearms_demand", "usa", default=1.0)
        )
        self._declare()
        # Constants of the monthly step.
        self.kg_terr = 1000.0 * self.terr
        self.start_months = set(self.t_active.tolist())
        self.inv_kref = 1.0 / p.corruption_ref_usd
        self.app = p.apprehension_per_place
        self.gun_sz = p.firearm_seizure_per_place
        self.fire_grp = p.firearm_group_weight / 1e4
        gang = self.kind == KINDS.index("gang")
        rho_a = np.tile(self.rho, (na, 1))
        rho_a[np.ix_(gang, PREDATION)] = p.gang_predation_return
        self.rho_a = rho_a
        self.urho = self.u[:, None] * rho_a
        self.log_rho = np.log(np.maximum(rho_a, 1.0))
        self.inv_u = 1.0 / self.u[:, None]
        nmax = np.arange(na + 2, dtype=float)
        self.crit = (nmax / (nmax + 1.0)) ** (1.0 / p.collusion_deviation_months)
        self.cols = np.arange(n)
        self.justice_press = p.justice_attrition * self.justice_home
        self.agg_iso = np.zeros((n, len(self.iso)))
        ok = self.place_iso >= 0
        self.agg_iso[np.flatnonzero(ok), self.place_iso[ok]] = 1.0
        self.mig_first_iso = self.place_iso[self.mig.place[self.mig.first_in_country]]
        self.fire_first_iso = self.place_iso[self.fire.place[self.fire.first_in_country]]
        self._mig_first = np.flatnonzero(self.mig.first_in_country)
        self._fire_first = np.flatnonzero(self.fire.first_in_country)
        self._rec = {k: s.data for k, s in sim.rec.series.items()}  # this module's arrays
        self._rec_buf = np.zeros((3, n))
        # Buffers and constants of the monthly step (why: it runs every month; none of
        # this changes within a run).
        self.na, self.n = na, n
        self._Y = np.zeros((len(ACTIVITIES), n))
        self._Yrows = tuple(self._Y)
        self._eK = np.exp(-self.K * self.inv_kref)  # exp(-bribes / ref), kept from the step
        self._eK_of = self.K
        self._mig_w_e = self.mig_w[self.mig.seg] if self.mig.n else np.zeros(0)
        self._any_frag = False
        self._all_act_from = int(self.t_active.max()) if na else 0
        # The columns of cmarg for transit and firearms do not move with need (no premium).
        self._cmarg = self.urho * (1.0 + p.need_premium * np.outer(np.zeros(na), self.pred))
        self._cm_pred = self._cmarg[:, 1:4]
        self._urho_pred = self.urho[:, 1:4]
        self._log_c0 = np.log(self._cmarg[:, 0])  # as np.log(cmarg[:, 0]) in shadow_value
        self._link_to = net.link_to
        self._neg_app = -self.app
        self._neg_gun = -self.gun_sz
        self._fire_seg = self.fire.seg
        lm, lf = len(self.mig.place), len(self.fire.place)
        self._sec = {
            "lm": lm,
            "neg_loss": -np.array([[self.app], [self.gun_sz]]),
            "place": np.concatenate([self.mig.place, self.fire.place + n]),
            "lab": np.concatenate([self.mig.place, self.fire.place + n]),
            "cs": np.zeros(lm + lf + 1),
            "start": np.concatenate(
                [
                    np.where(self.mig.starts > 0, self.mig.starts - 1, lm + lf)[self.mig.seg],
                    np.where(self.fire.starts > 0, lm + self.fire.starts - 1, lm + lf)[
                        self.fire.seg
                    ],
                ]
            ).astype(np.int64),
            "flow_e": np.zeros(lm + lf),
        }
        self._pval = np.ones((na, n))  # patience of each contender, by place
        self._pval_stale = True
        self._pat_any = False
        self._commit_any = False
        # Monthly arrays of the records, summed by region once a year (see _flush).
        nm = sim.n_months
        self._rev_rec = self._rec["revenue_usd"]
        self._gs_rec = self._rec["group_strength"]
        self._m_Ya = np.zeros((nm, na, len(ACTIVITIES)))
        self._m_frac = np.zeros((nm, na, len(ACTIVITIES)))
        self._m_cm = np.zeros((nm, na, len(ACTIVITIES)))
        self._m_ctrl = np.zeros((nm, n), dtype=np.int64)
        self._m_prs = np.zeros((nm, na))
        self._m_spend = np.zeros((nm, n))
        self._m_cont = np.zeros((nm, n))
        self._m_Vbar = np.zeros((nm, n))
        self._m_kg = np.zeros((nm, n))
        self._m_held = np.zeros((nm, na))  # cocaine at each group's places (kg)
        self._m_mig = np.zeros((nm, len(self._mig_first)))  # first stop in each country
        self._m_fire = np.zeros((nm, len(self._fire_first)))
        self._iso_ok = np.flatnonzero(self.place_iso >= 0)
        self._flushed = 0
        self._last_t = -1
        self._dissip = p.contest_dissipation
        self._entry_hops()
        self._set_fees(self.price_now())
        self.fee_price = None  # set from the first month's prices (markets run before groups)

    def _read_actors(self) -> None:
        sim, net = self.sim, self.sim.net
        a = sim.scenario.tables.get("actors")
        probs: list[Problem] = []
        ids = [] if a is None else [str(x) for x in a["id"]]
        self.actor_ids = ids
        na, n = len(ids), net.n_places
        idx = {x: i for i, x in enumerate(ids)}
        self.kind = np.zeros(na, dtype=np.int64)
        self.S0 = np.zeros(na)
        self.upkeep = np.zeros(na)
        self.tc = np.ones(na)
        self.patience = np.full(na, 0.9)
        self.home = np.zeros((na, n), dtype=bool)
        self.t_active = np.zeros(na, dtype=np.int64)
        self.parent = np.full(na, -1, dtype=np.int64)
        self.home_country = ["" for _ in ids]
        if a is not None:
            for i, r in enumerate(a.to_dict("records")):
                self.kind[i] = KINDS.index(r["kind"])
                self.S0[i] = float(r["strength"])
                self.upkeep[i] = float(r["upkeep_usd_per_month"])
                tc, pat = r.get("transport_capacity"), r.get("patience")
                self.tc[i] = 1.0 if tc is None or not np.isfinite(tc) else float(tc)
                if pat is not None and np.isfinite(pat):
                    self.patience[i] = float(pat)
                homes = [s.strip() for s in str(r["home_places"] or "").split(";") if s.strip()]
                for h in homes:
                    if h in net.place_index:
                        self.home[i, net.place_index[h]] = True
                if homes and homes[0] in net.place_index:
                    self.home_country[i] = str(net.place_country[net.place_index[homes[0]]])
                if r.get("active_from"):
                    self.t_active[i] = month_index(
                        parse_month(r["active_from"]), sim.scenario.start
                    )
                if r.get("split_from"):
                    self.parent[i] = idx[r["split_from"]]
                if self.upkeep[i] <= 0 and self.S0[i] > 0:
                    probs.append(
                        Problem(
                            "actors.csv",
                            int(r["_line"]),
                            "upkeep_usd_per_month",
                            "an actor with strength needs a positive upkeep",
                        )
                    )
        if probs:
            raise ScenarioError(probs)
        # Upkeep per unit of strength (a split inherits its parent's).
        base = np.where(self.S0 > 0, self.upkeep / np.maximum(self.S0, 1e-12), 0.0)
        for i in range(na):
            if base[i] <= 0 and self.parent[i] >= 0:
                base[i] = base[self.parent[i]]
        self.u = np.maximum(base, 1.0)
        self.C0 = np.zeros((na, n))
        ctrl = sim.scenario.tables.get("control")
        if ctrl is not None:
            for r in ctrl.itertuples(index=False):
                if r.actor in idx and r.place in net.place_index:
                    self.C0[idx[r.actor], net.place_index[r.place]] = float(r.share)
        # Actors appearing later (splits) take their control rows from the parent when they
        # appear; before that the rows are not held by anyone.
        late = self.t_active > 0
        self.C0_start = np.where(late[:, None], 0.0, self.C0)
        self.kind_onehot = np.zeros((len(KINDS), na))
        self.kind_onehot[self.kind, np.arange(na)] = 1.0
        self.cap = np.ones((na, len(ACTIVITIES)))
        self.cap[:, 0] = self.tc  # gangs move (and tax) little cocaine

    def active_at(self, t: int) -> np.ndarray:
        return (self.t_active <= t).astype(float)

    def _land_graph(self) -> None:
        """Hop distances over land links (both directions) between places."""
        net = self.sim.net
        n = net.n_places
        land = net.link_mode == 0
        adj = np.zeros((n, n), dtype=bool)
        adj[net.link_from[land], net.link_to[land]] = True
        adj |= adj.T
        np.fill_diagonal(adj, False)
        self.adj = adj
        self.adjf = adj.astype(float)
        import scipy.sparse as sp

        w = np.zeros((n, n))
        w[net.link_from[land], net.link_to[land]] = net.link_length[land]
        w = np.maximum(w, w.T)
        self.km = sp.csr_matrix(w)

    def _entry_hops(self) -> None:
        """Hop distances to the held places for the challengers' reach, in one product.

        ``W[i, j] = B ** (hmax - d(i, j))`` for land-hop distance ``d <= hmax`` (else 0),
        with ``B = n + 1``: the product ``held @ W`` counts places by distance in base B,
        so its leading digit gives the distance to the nearest held place. The numbers
        are integers below 2**53 (exact in float64); otherwise hops are found by the
        breadth-first search of :meth:`_hops_bfs` (also on networks of more than 2,000
        places).
        """
        n, hmax = self.sim.net.n_places, self.hmax
        self._hopW = None
        self._hop_cache = None
        # (No challengers, no hops; on large networks an n x n matrix costs more than the
        # breadth-first search.)
        if hmax < 1 or n == 0 or n > 2000 or not len(self.actor_ids):
            return
        B = float(n + 1)
        if n * B**hmax >= 2.0**53:
            return
        import scipy.sparse as sp

        # Land-hop distances up to hmax (breadth-first over the sparse adjacency).
        adj = sp.csr_matrix(self.adjf)
        d = np.where(np.eye(n, dtype=bool), 0.0, np.inf)
        frontier = sp.identity(n, format="csr")
        for h in range(1, hmax + 1):
            frontier = frontier @ adj
            d[(frontier.toarray() > 0) & np.isinf(d)] = h
        pw = np.append(B ** np.arange(hmax, -1, -1), 0.0)  # distance 0 ... hmax, beyond
        W = pw[np.minimum(d, hmax + 1).astype(np.int64)]
        self._hopW = W
        self._hopB = B
        self._hop_pow = B ** np.arange(hmax + 1)  # B**0 ... B**hmax
        # An actor reaches hop h <= reach: the product reaches B ** (hmax - floor(reach)).
        rmax = np.minimum(np.floor(self.reach), hmax)
        self._hop_thr = np.where(rmax >= 0, B ** (hmax - np.maximum(rmax, 0)), np.inf)

    def _hops_bfs(self, heldm: np.ndarray) -> np.ndarray:
        hops = np.where(heldm > 0, 0.0, np.inf)
        frontier = heldm
        for h in range(1, self.hmax + 1):
            frontier = np.minimum(frontier @ self.adjf, 1.0)
            hops = np.where((frontier > 0) & np.isinf(hops), float(h), hops)
        return hops

    def _secondary_paths(self) -> None:
        """Migrant (northbound) and firearm (southbound) paths: fixed shortest paths by km."""
        net = self.sim.net
        n = net.n_places
        entries = [e for e in US_LAND_ENTRY_WEIGHTS if e in net.place_index]
        e_idx = [net.place_index[e] for e in entries]
        self.entry_w = np.array([US_LAND_ENTRY_WEIGHTS[e] for e in entries])
        if not e_idx:  # another network: every US entry point, equally
            e_idx = np.flatnonzero((net.dest_market == 0) & (net.place_level == "entry")).tolist()
            self.entry_w = np.ones(len(e_idx))
        if len(e_idx):
            self.entry_w = self.entry_w / self.entry_w.sum()
            dist, pred = dijkstra(self.km, directed=False, indices=e_idx, return_predecessors=True)
        else:
            dist, pred = np.zeros((0, n)), np.zeros((0, n), dtype=np.int64)

        def path_from_entry(k: int, dest: int) -> list[int] | None:
            if not np.isfinite(dist[k, dest]):
                return None
            out = [dest]
            cur = dest
            while pred[k, cur] >= 0:
                cur = pred[k, cur]
                out.append(cur)
            return out[::-1]  # entry ... dest

        # Migrants: every department of the origin countries, by population, to each entry.
        mig_paths, mig_w = [], []
        for c, share in MIGRANT_ORIGINS.items():
            orig = np.flatnonzero((net.place_country == c) & self.terr & (self.pop > 0))
            if not len(orig):
                continue
            # The most populous departments stand for the country (keeps the paths few).
            orig = orig[np.argsort(-self.pop[orig])[:MIGRANT_ORIGIN_PLACES]]
            pw = self.pop[orig] / self.pop[orig].sum()
            for o, wo in zip(orig, pw, strict=True):
                for k in range(len(e_idx)):
                    pth = path_from_entry(k, int(o))
                    if pth is None:
                        continue
                    stops = [q for q in pth[::-1] if self.terr[q]]  # origin ... last Mexican place
                    mig_paths.append(stops)
                    mig_w.append(share * wo * self.entry_w[k])
        w = np.array(mig_w)
        self.mig_w = w / w.sum() if len(w) else w
        self.mig = _Paths(mig_paths, n, net.place_country)
        # Firearms: from the nearest entry to every territorial place reachable by land.
        fire_paths, fire_dest = [], []
        if len(e_idx):
            near = np.argmin(dist, axis=0)
            for d in np.flatnonzero(self.terr):
                k = int(near[d])
                pth = path_from_entry(k, int(d))
                if pth is None:
                    continue
                stops = [q for q in pth if self.terr[q]]
                if stops:
                    fire_paths.append(stops)
                    fire_dest.append(int(d))
        self.fire = _Paths(fire_paths, n, net.place_country)
        self.fire_dest = np.array(fire_dest, dtype=np.int64)
        self.pop_fire = self.pop[self.fire_dest] / 1e6

    def _declare(self) -> None:
        sim, net = self.sim, self.sim.net
        rec = sim.rec
        ids = self.actor_ids
        rec.declare("revenue_usd", [f"{a}:{k}" for a in ids for k in ACTIVITIES], "USD")
        rec.declare(
            "effort_share", [f"{a}:{k}" for a in ids for k in ACTIVITIES], "0-1", agg="mean"
        )
        rec.declare("group_strength", ids, "index", agg="last")
        rec.declare("places_controlled", ids, "places", agg="mean")
        iso = sorted({str(c) for c in net.place_country[self.terr]})
        self.iso = iso
        self.place_iso = np.array(
            [iso.index(c) if t else -1 for c, t in zip(net.place_country, self.terr, strict=True)]
        )
        self.home_iso = np.array([iso.index(c) if c in iso else -1 for c in self.home_country])
        rec.declare("corruption_usd", ids + iso, "USD")
        rec.declare("contested_places", iso, "places", agg="mean")
        self.admin1 = np.flatnonzero(self.terr & (net.place_level == "admin1"))
        rec.declare("plaza_value_usd", iso + [net.place_ids[i] for i in self.admin1], "USD")
        rec.declare("_cocaine_handled_t", ["all"], "t", public=False)
        rec.declare(
            "cocaine_handled_share", list(KINDS), "0-1", agg="ratio", den="_cocaine_handled_t"
        )
        rec.declare("migrants_smuggled", iso, "persons")
        rec.declare("firearms_trafficked", iso, "units")

    # -- helpers ------------------------------------------------------------------------
    def price_now(self) -> np.ndarray:
        """The price piso fees are set on: local wholesale price, smoothed (sticky fees)."""
        pp = getattr(self.sim.state, "place_price", None)
        if pp is None:
            now = self.fallback_price
        else:
            pp = np.asarray(pp, dtype=float)
            now = np.where(np.isfinite(pp) & (pp > 0), pp, self.fallback_price)
        if self.fee_price is None:
            self.fee_price = now.copy()
        else:
            a = self.p.fee_price_memory
            fp = self.fee_price
            np.multiply(fp, a, out=fp)  # a * price + (1 - a) * now, in place
            fp += (1.0 - a) * now
        return self.fee_price

    def _set_fees(self, price: np.ndarray) -> None:
        self.sim.state.fee_place = (self.p.fee_share * price) * (self.tc @ self.C) * self.terr

    def weaken(self, actor: str, factor: float) -> None:
        """Multiply a group's strength by ``factor`` (hook for justice and arrests).

        Examples
        --------
        >>> from isthmus import Sim
        >>> sim = Sim("central-america"); sim.init()
        >>> g = sim.module("groups"); s0 = sim.state.group_strength[0]
        >>> g.weaken(g.actor_ids[0], 0.5); bool(sim.state.group_strength[0] == 0.5 * s0)
        True
        """
        i = self.actor_ids.index(actor)
        self.sim.state.group_strength[i] *= float(factor)

    def _activate_splits(self, t: int) -> None:
        if t == 0 or t not in self.start_months:
            return
        st = self.sim.state
        S = st.group_strength
        for i in np.flatnonzero((self.t_active == t) & (t > 0)):
            par = self.parent[i]
            if par >= 0:
                take = self.p.split_share * S[par]
                S[i] = take
                S[par] -= take
                self.Rbar[i] = self.p.split_share * self.Rbar[par]
                self.Rbar[par] -= self.Rbar[i]
                moved = np.minimum(self.C0[i], self.C[par])
                self.C[i] += moved
                self.C[par] -= moved
            else:
                S[i] = self.S0[i]
                self.C[i] = np.minimum(self.C0[i], 1.0 - self.C.sum(axis=0) + self.C[i])

    def _kingpins(self) -> None:
        st, p = self.sim.state, self.p
        for aid in list(getattr(st, "kingpin_events", []) or []):
            if aid in self.actor_ids:
                i = self.actor_ids.index(aid)
                st.group_strength[i] *= 1.0 - p.kingpin_strength_loss
                self.frag[i] = 1.0
                self.pat_pen[i] = p.kingpin_patience_drop
                self._any_frag = True
                self._pat_any = True

    # -- the month ------------------------------------------------------------------------
    def step(self, t: int) -> None:
        st, p = self.sim.state, self.p
        na, n = self.na, self.n
        if na == 0:  # no actors in the scenario: only the secondary flows move
            self._step_without_actors(t)
            return
        if t == 0:  # (a run that starts again from its first month)
            self._flushed = 0
        self._last_t = t
        if t in self.start_months:
            self._activate_splits(t)
        if getattr(st, "kingpin_events", None):
            self._kingpins()
        S = st.group_strength
        all_act = t >= self._all_act_from  # (x * True == x: the masks are skipped then)
        act = self.t_active <= t
        if not all_act:
            S *= act
        C = self.C
        eps = 1e-12
        add, mul, maximum, where = np.add, np.multiply, np.maximum, np.where

        # Inputs from the other modules (defaults when they are inactive).
        price = self.price_now()
        link_out = getattr(st, "link_out", None)
        if link_out is not None:
            cocaine_kg = np.bincount(self._link_to, weights=link_out, minlength=n)
            cocaine_kg *= self.kg_terr
        else:
            cocaine_kg = self.zeros
        if self._eK_of is not self.K:  # the stock of bribes was set from outside
            self._eK, self._eK_of = np.exp(-self.K * self.inv_kref), self.K
        presence = getattr(st, "presence", self.presence_default)
        pres = presence * (1.0 - p.presence_loss_max * (1.0 - self._eK))
        st.presence_effective = pres
        troops = getattr(st, "deployed_personnel", None)
        has_troops = False
        if troops is not None:
            troops = np.asarray(troops, dtype=float)
            has_troops = bool(troops.any())  # no troops: the troop terms add exact zeros
            if has_troops:
                troops = troops / 1000.0

        # Secondary commodities on fixed paths (migrants north, firearms south).
        fw = self.pop_fire + self.fire_grp * st.armed_strength[self.fire_dest]
        pf = fw * (self.firearm_month[t] / max(add.reduce(fw), eps))
        mig_at, mig_flow, fire_at, fire_flow = self._secondary_flows(pres, t, pf)

        # 1. Potentials by activity (USD/month at full exploitation by a sole holder).
        Y = self._Y
        y_fee, y_ext, y_mig, y_hum, y_fire = self._Yrows
        absent = self.pop * (1.0 - pres)
        mul(p.fee_share, price, out=y_fee)
        y_fee *= cocaine_kg
        mul(p.extortion_usd_per_capita, absent, out=y_ext)
        mul(p.migrant_fee_usd, mig_flow, out=y_mig)
        mul(p.trafficking_usd_per_migrant, mig_flow, out=y_hum)
        y_hum += p.trafficking_usd_per_capita * absent
        mul(p.firearm_markup_usd, fire_flow, out=y_fire)
        if self.first:
            self.Vbar = add.reduce(Y, axis=0)  # first month only: revised below
        Vbar = self.Vbar  # last month's smoothed plaza value sets the contest geometry

        # 2. Where each group's strength is: committed to the places it attacks, the rest
        # spread over its holdings in proportion to their value (not to its share, which
        # would make every contest winner-take-all).
        commit = self.commit
        held = C > 0
        hv = held * (Vbar + p.value_floor_usd)
        spread = (1.0 - add.reduce(commit, axis=1)) * S / maximum(add.reduce(hv, axis=1), eps)
        s_loc = S[:, None] * commit
        s_loc += spread[:, None] * hv
        contender = commit > 0
        contender |= held
        z = s_loc * self.home_mult  # 0 where a group neither holds nor attacks
        np.maximum(z, 0.0, out=z)  # (strength is never negative; guards z ** r)
        if p.tullock_r != 1.0:
            z = z**p.tullock_r
            z *= contender
        z_state = p.state_strength * pres
        if has_troops:
            z_state = z_state + p.troop_strength * troops
        if p.tullock_r != 1.0:
            z_state = z_state**p.tullock_r
        zg = add.reduce(z, axis=0)
        n_cont = add.reduce(contender, axis=0, dtype=np.intp)
        # Collusion (grim trigger): holds iff every contender's discount factor
        # delta >= (n / (n + 1))^(1 / T). (The minimum starts at 1.0: where every group
        # contends, a patience above 1 passes crit < 1 all the same.)
        if self._pat_any or self._pval_stale:
            self._pval[...] = (self.patience - self.pat_pen)[:, None]
            self._pval_stale = False
        pat = np.minimum.reduce(self._pval, axis=0, where=contender, initial=1.0)
        multi = n_cont >= 2
        collude = pat >= self.crit[n_cont]
        collude &= multi
        any_collude = bool(collude.any())
        contested = multi & ~collude if any_collude else multi
        z2 = z * z
        rivalry = 1.0 - add.reduce(z2, axis=0) / maximum(zg * zg, eps)  # 1 - HHI
        rivalry = multi * rivalry

        # 3. Activity portfolio by marginal return (closed form, module docstring).
        bearing = C * (1.0 - p.contest_dissipation * rivalry * contested)
        cap = self.cap
        frag = self._any_frag
        if frag:
            cap = cap.copy()
            cap[:, 0] *= 1.0 - p.kingpin_route_loss * self.frag  # feuding factions lose routes
        Ya = bearing @ Y.T  # (actors, activities)
        Ya *= cap
        short = np.minimum(maximum(1.0 - self.Rbar_transit / (self.u * S + 1.0), 0.0), 1.0)
        # The need premium moves the predation columns only (transit and firearms: x 1).
        cmarg = self._cmarg
        mul(self._urho_pred, (1.0 + p.need_premium * short)[:, None], out=self._cm_pred)
        lam = self._shadow(Ya, cmarg, S)
        frac = maximum(1.0 - lam[:, None] / cmarg, 0.0)
        frac *= Ya > 0
        rev = Ya * frac
        capfrac = cap * frac
        place_rev = capfrac @ Y
        place_rev *= bearing  # (actors, places) USD

        # Plaza value: what the place yields per unit of control at its holders' current
        # exploitation (fees on the flow plus the other revenue); an unheld place at the
        # average exploitation of each activity across groups.
        phi_all = add.reduce(rev, axis=0) / maximum(add.reduce(Ya, axis=0), eps)
        totC = add.reduce(C, axis=0)
        phi = (C.T @ capfrac) / maximum(totC, eps)[:, None]
        phi = where((totC > 0)[:, None], phi, phi_all)
        V = add.reduce(phi * Y.T, axis=1)
        if self.first:
            self.Vbar, self.Vbar_t = V, phi[:, 0] * y_fee
        else:
            a = p.value_memory
            self.Vbar = a * self.Vbar + (1.0 - a) * V
            self.Vbar_t = a * self.Vbar_t + (1.0 - a) * phi[:, 0] * y_fee
        Vbar = self.Vbar

        # 4. Corruption: bribes where revenue is earned lower enforcement and presence.
        spend = p.corruption_share * add.reduce(place_rev, axis=0)
        self.K = p.corruption_memory * self.K + spend
        self._eK = np.exp(-self.K * self.inv_kref)  # also next month's presence loss
        self._eK_of = self.K
        m = p.enf_mult_min + (1.0 - p.enf_mult_min) * self._eK
        st.link_enf_mult = m[self._link_to]
        st.corruption_spend = spend
        R_net = (1.0 - p.corruption_share) * add.reduce(rev, axis=1)
        if self.first:
            self.Rbar, self.Rbar_transit = R_net.copy(), rev[:, 0].copy()
            self.first = False
        else:
            a = p.revenue_memory
            self.Rbar = a * self.Rbar + (1.0 - a) * R_net
            self.Rbar_transit = a * self.Rbar_transit + (1.0 - a) * rev[:, 0]

        # 5. Shares move toward the Tullock outcome against the other groups and the state;
        # colluding places keep their split (only the groups' joint share moves).
        defence = zg + z_state
        target = z / maximum(defence, eps)
        mu = p.contest_speed
        C_new = target - C
        C_new *= mu
        C_new += C
        if any_collude:
            joint = 1.0 + mu * (add.reduce(target, axis=0) - totC) / maximum(totC, eps)
            np.copyto(C_new, C * joint, where=collude)
        # Groups leave places where they are no contender (or not yet active) or below
        # the exit share.
        keep = C_new >= p.exit_share
        keep &= contender
        if not all_act:
            keep &= act[:, None]
        C_new *= keep
        # Challengers stop committing strength once they have left or won the place.
        if self._commit_any:
            pos = keep if p.exit_share > 0 else C_new > 0  # (kept <=> C_new >= exit > 0)
            commit *= pos & (add.reduce(pos, axis=0, dtype=np.intp) > 1)
        if t % 3 == 0:  # challengers decide each quarter
            self._entries(S, act, C_new, defence, Vbar, frac)
        self._commit_any = bool(commit.any())
        self.C = C_new
        st.control_share = C_new

        # 6. Contest intensity: Tullock rent dissipation value x (1 - HHI), less where the
        # groups collude, bounded by the fighters' strength; feuds after a leader's removal.
        fighters = add.reduce(s_loc, axis=0)
        bound = -np.expm1(-fighters * p.contest_capacity_usd / maximum(Vbar, 1.0))
        heat = rivalry * where(collude, p.collusion_violence, 1.0) if any_collude else rivalry
        if frag:
            heat = heat + 0.5 * (self.frag @ C)
        st.contest_intensity = Vbar * np.minimum(heat, 1.0) * bound * self.terr
        st.contested = contested
        top = C_new.argmax(axis=0)
        ctrl_ok = np.maximum.reduce(C_new, axis=0) >= 0.5
        if any_collude:
            ctrl_ok &= ~contested
        else:
            ctrl_ok &= ~multi
        st.controller = where(ctrl_ok, top, -1)
        # Predation revenue by kind of actor, activity and place (for the violence step).
        pred = bearing[:, None, :] * capfrac[:, 1:, None]
        pred *= Y[None, 1:, :]
        st.predation_usd = (self.kind_onehot @ pred.reshape(na, -1)).reshape(len(KINDS), 4, n)
        st.armed_strength = fighters

        # 7. Strength moves toward its profit-maximising size, where the marginal revenue
        # of strength equals its upkeep (lambda = u): sum_k (Y_k / c_k) ln(c_k / u)^+,
        # c_k = rho_k u; it sheds strength more slowly than it grows.
        # Prosecution (the state step's pressure, else justice capacity x presence at
        # home) and troops wear it down.
        sp = getattr(st, "strength_pressure", None)
        jpress = sp if sp is not None and len(sp) == na else self.justice_press
        if has_troops:
            attr = np.minimum(jpress + p.troop_attrition * (s_loc @ troops) / maximum(S, eps), 0.5)
        else:
            attr = np.minimum(jpress, 0.5)
        # (The premium of need redeploys strength; it does not make a group grow.)
        s_opt = add.reduce(Ya / self.urho * self.log_rho, axis=1)
        gap = s_opt - S
        S += where(gap > 0, p.strength_rate, p.strength_shed_rate) * gap - attr * S
        maximum(S, 0.0, out=S)
        if not all_act:
            S *= act
        if frag or self._pat_any:
            self.frag *= self.decay
            self.pat_pen *= self.decay
            self._any_frag = bool(self.frag.any())
            self._pat_any = bool(self.pat_pen.any())

        # Fees for next month's route choice.
        self._set_fees(price)
        # Monthly records: the month's arrays now, the sums by region once a year.
        self._rev_rec[t] = rev.ravel()
        self._gs_rec[t] = S
        self._m_Ya[t] = Ya
        self._m_frac[t] = frac
        self._m_cm[t] = cmarg
        self._m_ctrl[t] = st.controller
        add.reduce(place_rev, axis=1, out=self._m_prs[t])
        self._m_spend[t] = spend
        self._m_cont[t] = contested
        self._m_Vbar[t] = Vbar
        self._m_kg[t] = cocaine_kg
        # (Only what the yearly sums need: few, small rows to write.)
        np.matmul(C_new * self.tc[:, None], cocaine_kg, out=self._m_held[t])
        np.take(mig_at, self._mig_first, out=self._m_mig[t])
        np.take(fire_at, self._fire_first, out=self._m_fire[t])
        if (t + 1) % 12 == 0 or t + 1 == self.sim.n_months:
            self._flush(t + 1)

    def _secondary_flows(
        self, pres: np.ndarray, t: int, pf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_Paths.flows` of migrants and firearms in one pass (the same numbers).

        Entries of both kinds of path sit in one array: one gather, subtraction, exp and
        bincount for both, and a running sum for each (``_sec`` set up in ``init``).
        """
        sec = self._sec
        n, lm = self.n, sec["lm"]
        # Log-survival of each place, log1p(-min(loss, 0.999)) = log1p(max(-loss, -0.999)).
        lg2 = np.log1p(np.maximum(sec["neg_loss"] * pres, -0.999))
        lg = lg2.ravel()[sec["place"]]
        cs = sec["cs"]  # [running sum of migrant entries | of firearm entries | 0]
        np.add.accumulate(lg[:lm], out=cs[:lm])
        np.add.accumulate(lg[lm:], out=cs[lm:-1])
        surv = cs[:-1] - lg
        surv -= cs[sec["start"]]  # the sum before the path's first stop (0 for the first)
        np.exp(surv, out=surv)
        fe = sec["flow_e"]
        np.multiply(self._mig_w_e, self.migrant_month[t], out=fe[:lm])  # mig_w[seg] x month
        np.take(pf, self._fire_seg, out=fe[lm:])
        surv *= fe
        through = np.bincount(sec["lab"], weights=surv, minlength=2 * n)
        return surv[:lm], through[:n], surv[lm:], through[n:]

    def finalize(self) -> None:
        self._flush(self._last_t + 1)

    def _flush(self, t1: int) -> None:
        """Sums by region of the months not yet summed, up to month ``t1`` (excluded).

        The step keeps each month's arrays and sums them once a year and at the last
        month (and :meth:`finalize` for a run stopped early): the same numbers as a
        monthly sum, with far fewer operations.
        """
        t0 = self._flushed
        if self.na == 0 or t1 <= t0:
            return
        self._flushed = t1
        r, na, ni, k = self._rec, self.na, len(self.iso), t1 - t0
        sl = slice(t0, t1)
        months = np.arange(k)[:, None]
        # Effort shares: strength on each activity over the group's strength.
        Ya, frac, cm = self._m_Ya[sl], self._m_frac[sl], self._m_cm[sl]
        L = Ya * -np.log1p(-np.minimum(frac, 1.0 - 1e-9)) / cm
        Ls = L.sum(axis=2, keepdims=True)
        r["effort_share"][sl] = (L / np.maximum(Ls, 1e-300)).reshape(k, -1)
        lab = (self._m_ctrl[sl] + 1 + months * (na + 1)).ravel()
        r["places_controlled"][sl] = np.bincount(lab, minlength=k * (na + 1)).reshape(k, na + 1)[
            :, 1:
        ]
        # By country: sums over its places, in place order.
        ok = self._iso_ok
        lab = (months * ni + self.place_iso[ok][None, :]).ravel()

        def by_iso(x: np.ndarray) -> np.ndarray:
            return np.bincount(lab, weights=x[:, ok].ravel(), minlength=k * ni).reshape(k, ni)

        cu = r["corruption_usd"]
        cu[sl, :na] = self.p.corruption_share * self._m_prs[sl]
        cu[sl, na:] = by_iso(self._m_spend[sl])
        r["contested_places"][sl] = by_iso(self._m_cont[sl])
        vb = self._m_Vbar[sl]
        pv = r["plaza_value_usd"]
        pv[sl, :ni] = by_iso(vb)
        pv[sl, ni:] = vb[:, self.admin1]
        # Cocaine moved: local holders in proportion to control x transport capacity;
        # the rest by the organisations that own the loads (transnational).
        kg = self._m_kg[sl]
        total = kg.sum(axis=1) / 1000.0
        # (Stacked matrix-vector products: the same numbers as the monthly ones.)
        held = self._m_held[sl][:, :, None]
        by_kind = np.matmul(self.kind_onehot[None, :, :], held)[:, :, 0] / 1000.0
        by_kind[:, 0] += np.maximum(total - by_kind.sum(axis=1), 0.0)
        r["cocaine_handled_share"][sl] = by_kind
        r["_cocaine_handled_t"][sl, 0] = total
        lab = (months * ni + self.mig_first_iso[None, :]).ravel()
        r["migrants_smuggled"][sl] = np.bincount(
            lab, weights=self._m_mig[sl].ravel(), minlength=k * ni
        ).reshape(k, ni)
        lab = (months * ni + self.fire_first_iso[None, :]).ravel()
        r["firearms_trafficked"][sl] = np.bincount(
            lab, weights=self._m_fire[sl].ravel(), minlength=k * ni
        ).reshape(k, ni)

    def _step_without_actors(self, t: int) -> None:
        st = self.sim.state
        pres = getattr(st, "presence", self.presence_default)
        st.presence_effective = pres
        st.link_enf_mult = np.ones(self.sim.net.n_links)
        mig_at, _ = self.mig.flows(self.mig_w * self.migrant_month[t], self.app * pres)
        fw = self.pop_fire
        fire_at, _ = self.fire.flows(
            fw * (self.firearm_month[t] / max(fw.sum(), 1e-12)), self.gun_sz * pres
        )
        link_out = getattr(st, "link_out", None)
        kg = (
            np.bincount(self.sim.net.link_to, weights=link_out, minlength=self.sim.net.n_places)
            * self.kg_terr
            if link_out is not None
            else self.zeros
        )
        empty = np.zeros((0, len(ACTIVITIES)))
        self._record(
            t,
            empty,
            empty,
            self.zeros,
            np.zeros((0, len(self.zeros))),
            self.zeros,
            np.zeros(len(self.zeros), dtype=bool),
            mig_at,
            fire_at,
            kg,
        )

    @staticmethod
    def shadow_value(Ya: np.ndarray, c: np.ndarray, S: np.ndarray) -> np.ndarray:
        """Marginal value of strength, lambda, for each group.

        Activity k yields ``Y_k (1 - exp(-L_k c_k / Y_k))`` for strength ``L_k``
        (marginal return ``c_k`` when untapped); equal marginal returns and
        ``sum_k L_k = S`` give ``sum_k (Y_k / c_k) ln(c_k / lambda)^+ = S``, solved
        exactly here for the model's two levels of ``c`` (trade: transit and firearms;
        predation: the other three).

        Examples
        --------
        >>> Ya = np.array([[3.0, 0.0, 0.0, 0.0, 1.0]]); c = np.array([[2.0, 1.0, 1.0, 1.0, 2.0]])
        >>> lam = Groups.shadow_value(Ya, c, np.array([1.0]))
        >>> round(float((Ya[0] / c[0] * np.log(np.maximum(c[0] / lam[0], 1))).sum()), 6)
        1.0
        """
        eps = 1e-300
        q = Ya / c
        wT = q[:, 0] + q[:, 4]  # TRADE (numpy sums a few numbers in order)
        wP = q[:, 1] + q[:, 2] + q[:, 3]  # PREDATION
        lT, lP = np.log(c[:, 0]), np.log(c[:, 1])
        t_hi = lT >= lP
        w_hi, w_lo = np.where(t_hi, wT, wP), np.where(t_hi, wP, wT)
        l_hi, l_lo = np.where(t_hi, lT, lP), np.where(t_hi, lP, lT)
        one = l_hi - S / np.maximum(w_hi, eps)  # only the higher-return level is worked
        both = (w_hi * l_hi + w_lo * l_lo - S) / np.maximum(w_hi + w_lo, eps)
        ll = np.where((one >= l_lo) | (w_lo <= 0), one, both)
        ll = np.where(w_hi > 0, ll, l_lo - S / np.maximum(w_lo, eps))
        return np.where((wT + wP > 0) & (S > 0), np.exp(ll), np.inf)

    def _shadow(self, Ya: np.ndarray, c: np.ndarray, S: np.ndarray) -> np.ndarray:
        """:meth:`shadow_value` for the step's ``cmarg``, whose transit column is constant."""
        eps = 1e-300
        q = Ya / c
        wT = q[:, 0] + q[:, 4]
        wP = q[:, 1] + q[:, 2] + q[:, 3]
        lT, lP = self._log_c0, np.log(c[:, 1])
        t_hi = lT >= lP
        if t_hi.all():  # transit pays best for every group (np.where picks the first)
            w_hi, w_lo, l_hi, l_lo = wT, wP, lT, lP
        else:
            w_hi, w_lo = np.where(t_hi, wT, wP), np.where(t_hi, wP, wT)
            l_hi, l_lo = np.where(t_hi, lT, lP), np.where(t_hi, lP, lT)
        one = l_hi - S / np.maximum(w_hi, eps)
        both = (w_hi * l_hi + w_lo * l_lo - S) / np.maximum(w_hi + w_lo, eps)
        ll = np.where((one >= l_lo) | (w_lo <= 0), one, both)
        ll = np.where(w_hi > 0, ll, l_lo - S / np.maximum(w_lo, eps))
        return np.where((wT + wP > 0) & (S > 0), np.exp(ll), np.inf)

    def _entries(self, S, act, C_new, defence, Vbar, frac) -> None:  # noqa: ANN001
        """Challenges by neighbouring territorial groups and transnational organisations.

        Against a defence D (the holders' and the state's Tullock weight), a challenger
        committing s earns V s / (s + D) - r s a month, r being what a unit of its
        strength costs (its upkeep per unit: at the profit-maximising size the marginal
        revenue of strength equals it), more when projected over more land hops. The best
        commitment is s* = sqrt(V D / r) - D, worth entering iff V > r D: when the
        place's value rises relative to the strength holding it. The hazard of entry is
        proportional to the return on the committed strength, sqrt(V / (r D)) - 1.
        """
        p = self.p
        na = self.na
        if na == 0:
            return
        # One draw per (actor, place) every call, whatever happens below: the stream then
        # advances identically in two runs of the same seed (common random numbers).
        draw = self.rng.random((na, self.n))
        heldm = (C_new >= 0.1).astype(float)  # (0/1 for the hop product)
        room = np.maximum(1.0 - p.max_commit - self.commit.sum(axis=1), 0.0)  # keep some home
        able = act & (self.kind != KINDS.index("gang")) & (S > 0) & (room > 0)
        if not able.any():
            return
        # Places within reach of each group's holdings, and their hop distance: kept while
        # the holdings (shares >= 0.1) do not change.
        hc = self._hop_cache
        if hc is None or not np.array_equal(hc[0], heldm):
            if self._hopW is not None:
                s = heldm @ self._hopW  # base-B digits: distance to the nearest held place
                near = (s >= self._hop_thr[:, None]) & (s < self._hop_pow[-1])
                hops = (self.hmax + 1 - np.searchsorted(self._hop_pow, s, side="right")).astype(
                    float
                )
            else:
                hops = self._hops_bfs(heldm)
                near = (hops <= self.reach[:, None]) & (hops >= 1)
            hc = self._hop_cache = (heldm, near, hops)
        cand = C_new == 0
        cand &= hc[1]
        cand &= self.terr[None, :]
        cand &= able[:, None]
        if not cand.any():
            return
        # Only the candidates (actor, place) from here on.
        ci = np.flatnonzero(cand)
        ca, cj = np.divmod(ci, self.n)
        h = hc[2].ravel()[ci]
        npos = np.add.reduce(frac > 0, axis=1, dtype=np.intp)
        capture = np.divide(np.add.reduce(frac, axis=1), npos, out=np.zeros(na), where=npos > 0)
        # The cost of strength at the margin is what a unit of gunmen costs to keep (at
        # the profit-maximising size the marginal revenue of strength equals its upkeep).
        r_eff = self.u[ca] / p.hop_decay ** (h - 1)
        D = np.maximum(defence, 1e-6)[cj]
        # Transnational organisations also value the margin on their own loads.
        extra = np.where(self.kind == 0, p.integration_value - 1.0, 0.0)
        Vc = (Vbar[cj] + extra[ca] * self.Vbar_t[cj]) * capture[ca]
        x = Vc / (r_eff * D)
        hazard = 3.0 * p.entry_rate * np.maximum(np.sqrt(x) - 1.0, 0.0)  # a quarter
        enter = draw.ravel()[ci] < -np.expm1(-hazard)
        if enter.any():
            ea, ej = ca[enter], cj[enter]
            De = D[enter]
            s_star = np.sqrt(Vc[enter] * De / r_eff[enter]) - De
            f = np.minimum(s_star / np.maximum(S[ea], 1e-12), p.max_commit)
            # A challenger entering several plazas at once shares out the strength it can
            # spare: its new commitments never exceed its room.
            tot_f = np.bincount(ea, weights=f, minlength=na)
            scale = np.divide(room, tot_f, out=np.ones(na), where=tot_f > room)
            f = f * scale[ea]
            self.commit[ea, ej] = f
            C_new[ea, ej] = p.entry_share
            tot = C_new.sum(axis=0)
            over = tot > 1.0
            C_new[:, over] /= tot[over]

    def _record(
        self, t, rev, L, spend, place_rev, Vbar, contested, mig_at, fire_at, cocaine_kg
    ) -> None:  # noqa: ANN001, E501
        r, st = self._rec, self.sim.state
        na = len(self.actor_ids)
        r["revenue_usd"][t] = rev.ravel()
        Ls = L.sum(axis=1, keepdims=True)
        r["effort_share"][t] = (L / np.maximum(Ls, 1e-300)).ravel()
        r["group_strength"][t] = st.group_strength
        ctrl = st.controller
        r["places_controlled"][t] = np.bincount(ctrl + 1, minlength=na + 1)[1:]
        buf = self._rec_buf  # the rows of np.stack([spend, contested, Vbar])
        buf[0] = spend
        buf[1] = contested
        buf[2] = Vbar
        by_c = buf @ self.agg_iso
        ni = len(self.iso)
        cu = r["corruption_usd"]
        cu[t, :na] = self.p.corruption_share * place_rev.sum(axis=1)
        cu[t, na:] = by_c[0]
        r["contested_places"][t] = by_c[1]
        pv = r["plaza_value_usd"]
        pv[t, :ni] = by_c[2]
        pv[t, ni:] = Vbar[self.admin1]
        # Cocaine moved: local holders in proportion to control x transport capacity;
        # the rest by the organisations that own the loads (transnational).
        total = cocaine_kg.sum() / 1000.0
        by_kind = self.kind_onehot @ ((self.C * self.tc[:, None]) @ cocaine_kg) / 1000.0
        by_kind[0] += max(total - by_kind.sum(), 0.0)
        r["cocaine_handled_share"][t] = by_kind
        r["_cocaine_handled_t"][t, 0] = total
        r["migrants_smuggled"][t] = np.bincount(
            self.mig_first_iso, weights=mig_at[self._mig_first], minlength=ni
        )
        r["firearms_trafficked"][t] = np.bincount(
            self.fire_first_iso, weights=fire_at[self._fire_first], minlength=ni
        )
