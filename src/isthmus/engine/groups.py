"""Step 5, groups: plazas, piso fees, contests, succession, strength and the portfolio.

Crime groups (the ``actors`` table: transnational organisations, territorial crime
families and urban gangs) hold *control shares* of places (the ``control`` table at
the start). Nothing in this step depends on an actor's *kind*, which only labels
results: what a group does follows from its attributes (strength, upkeep per unit of
strength, transport capacity, reach, patience) and from where it is. Each month:

1. **Succession** (:mod:`.succession`): the state's removals of leaders weaken and
   fragment the group they strike, and may split it into rival factions.
2. **Potentials.** What each place yields a sole holder at full exploitation (USD a
   month): piso fees on the cocaine entering it (a share of the local wholesale price
   per kg, times the holder's transport capacity), extortion (residents x (1 - state
   presence)), fees on migrants passing north, trafficking in persons, and the markup
   on firearms passing south (:mod:`.secondary`).
3. **Plazas** (:mod:`.plazas`): where each group's strength is, the Tullock contest
   for each place against the other groups and the state, collusion among few patient
   groups, challengers' entry, and the violence the contests cost.
4. **Portfolio** (:mod:`.portfolio`): each group moves its effort towards the
   activities with the best marginal return, more towards those that pay at once when
   its transit revenue falls short of its upkeep.
5. **Corruption.** A share of revenue buys local officials where it is earned: the
   stock of bribes lowers the state's enforcement on the links into the place and its
   presence there.
6. **Strength** follows what the group can pay for: recruits, turnover, prosecution
   and troops; crime prevention cuts recruitment in its places.

Outputs on ``sim.state``: ``fee_place`` (USD/kg, for next month's route choice),
``link_enf_mult``, ``controller`` (actor slot or -1), ``contested``, ``group_strength``
(per slot, order ``actor_ids``), ``presence_effective``, and for the violence step
``contest_violence`` and ``succession_violence`` (strength units engaged, per place),
``predation_usd`` (by kind of actor, activity and place, for the records) and
``armed_strength`` (group strength present at each place).

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

from ..scenario import Problem, ScenarioError
from ..scenario.loader import table_records
from .kernels import (
    add_owned,
    contest_outcome,
    effective_presence,
    entry_candidates,
    entry_commit,
    entry_hazard_parts,
    fee_price_step,
    feud_may_split,
    flow_at_places,
    groups_inputs,
    groups_record_month,
    hop_rows,
    link_enforcement,
    pairwise_sum,
    piso_fees,
    plaza_contest_rows,
    plaza_gather_locate,
    plaza_potentials,
    plaza_value_neg,
    portfolio_efforts_slots,
    portfolio_inputs,
    portfolio_revenue,
    predation_split,
    shadow_floor,
    shadow_log,
    shares_and_violence_parts,
    strength_month,
    troop_hits,
)
from .params import Param
from .plazas import (
    collusion_threshold,
    hop_matrix,
)
from .portfolio import ACTIVITIES, TRANSIT
from .secondary import SecondaryFlows
from .series import monthly_series
from .sim import Module, register
from .succession import Lineages, split_region

KINDS = ("transnational", "territorial", "gang")
TERRITORY_GROUPS = ("central_america", "mexico", "caribbean")
# Fallback wholesale price by latitude when the markets module is inactive
# (Stratfor 2013 and OAS 2013 price chain, figures.csv: Colombian ports 5,500-7,000,
# Central America ~10,000, southern Mexico 12,000, northern border 15,000-16,000 USD/kg).
PRICE_LAT = np.array([5.0, 9.0, 13.0, 16.0, 18.0, 25.0, 32.0])
PRICE_USD = np.array([6000.0, 8000.0, 9500.0, 10500.0, 12000.0, 14500.0, 16000.0])
# Activity weights of predation in the violence it needs (the violence step reads them).
PREDATION_ACTIVITIES = ACTIVITIES[1:]


def _by_id(frame, column: str, fill: float) -> dict:  # noqa: ANN001
    """A table's ``column`` by its ``id`` (missing values ``fill``; ``{}`` without it)."""
    if column not in frame:
        return {}
    return dict(zip(frame["id"].tolist(), frame[column].fillna(fill).tolist(), strict=True))


def _f64(x: object, n: int) -> bool:
    """Whether ``x`` is a float64 vector of length ``n`` (what the compiled inputs take)."""
    return isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == (n,)


def _pm(default, unit, low, high, source, description):  # noqa: ANN001, ANN202
    return Param(default, unit, low, high, source, description)


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
        "fee_share_cap": _pm(
            0.8,
            "0-1",
            0.5,
            0.95,
            "assumption: no plaza is the only way north (the markup 1/(1 - s) is capped at 5x)",
            "Largest share of the flow a plaza's market-power markup is computed on.",
        ),
        "fee_price_memory": _pm(
            0.99,
            "1/month",
            0.95,
            0.995,
            "assumption: piso fees are quoted in USD per kg (InSight Crime: 2,000-2,500 USD/kg "
            "across Guatemala) and renegotiated rarely (half-life ~6 years)",
            "Monthly persistence of the price that piso fees are set on (0 = the current price).",
        ),
        "m_trade_usd": _pm(
            1.0e6,
            "USD/month per strength unit",
            3.0e5,
            3.0e6,
            "assumption: a mid-sized crime family's gunmen and officials can tax about a "
            "million USD a month of untapped transit fees or arms trade; with the upkeeps of "
            "the actors table it sets the size each group can sustain (scripts/build_actors.py)",
            "Marginal revenue of strength on untapped transit fees and firearms.",
        ),
        "m_predation_usd": _pm(
            4.5e5,
            "USD/month per strength unit",
            1.0e5,
            1.5e6,
            "assumption: extortion, migrant kidnapping and trafficking in persons yield less per "
            "gunman than moving cocaine and need many more victims; it pays for cheap members "
            "(gangs' upkeep per unit is low: UNODC 2007, Crime and Development in Central "
            "America) but hardly for a cartel's professional gunmen",
            "Marginal revenue of strength on untapped extortion, migrant smuggling and human "
            "trafficking.",
        ),
        "need_premium": _pm(
            2.0,
            "1",
            0.0,
            3.0,
            "assumption: a group short of cash for its upkeep favours the activities that pay at "
            "once (mechanisms.md (d); Sobrino 2020: after a drop in heroin demand, Mexican "
            "groups entered other rackets); sensitivity: docs/groups-and-violence.md",
            "Premium on the marginal return of the activities other than transit at a full "
            "transit shortfall (transit revenue 0 vs upkeep).",
        ),
        "effort_adjust": _pm(
            0.15,
            "1/month",
            0.03,
            0.5,
            "assumption: moving gunmen from escorting loads to extortion or smuggling takes "
            "months (half-life ~4 months)",
            "Share of the gap to the optimal effort on each activity closed each month.",
        ),
        "strength_rate": _pm(
            0.04,
            "1/month",
            0.015,
            0.1,
            "assumption: recruiting and arming members takes about two years",
            "Share of the gap between strength and the size its revenue sustains closed by "
            "recruits each month.",
        ),
        "strength_shed_rate": _pm(
            0.01,
            "1/month",
            0.003,
            0.04,
            "assumption: gunmen who lose their income stay and turn to other crimes; groups "
            "shed strength over years, mostly through arrests and deaths",
            "Share of the gap closed each month when a group is larger than it can sustain.",
        ),
        "turnover": _pm(
            0.02,
            "1/month",
            0.005,
            0.05,
            "assumption: about a fifth of members leave, are killed or jailed each year and "
            "are replaced by recruits",
            "Members lost each month, replaced by recruitment (which prevention cuts).",
        ),
        "prevention_effect": _pm(
            1.0,
            "0-1",
            0.1,
            1.0,
            "definition: a crime_prevention policy's size is the share of recruits it keeps "
            "out of groups at full effect (policy library); this scales it for sensitivity runs "
            "(Abt & Winship 2016, USAID review of violence prevention in Central America: effects "
            "through recruitment and risk factors; docs/groups-and-violence.md)",
            "Share of a prevention programme's stated effect on recruitment that is realised.",
        ),
        "revenue_memory": _pm(
            0.85,
            "1/month",
            0.6,
            0.95,
            "assumption: groups budget on about six months of revenue",
            "Monthly discount of the smoothed revenue that the need for cash follows.",
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
            "assumption: groups that buy local officials and politicians can hollow out much "
            "of the state's presence (Snyder & Duran-Martinez 2009, mechanisms.md (e))",
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
            3.0,
            "millions of residents per strength unit",
            0.0,
            10.0,
            "assumption: armed groups buy most trafficked firearms",
            "Weight of local group strength, against population (millions), in where firearms go.",
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
            2.0,
            "1",
            0.5,
            4.0,
            "Tullock contest success function s_i^r / sum s_j^r (mechanisms.md (c)); r = 2: "
            "assumption, a local edge in gunmen, informants and officials compounds "
            "(Hirshleifer 1989: r > 1 where fighting has economies of scale), so plaza wars "
            "end with a winner instead of a lasting split; sensitivity: "
            "docs/groups-and-violence.md",
            "Decisiveness of local strength in the contest.",
        ),
        "home_advantage": _pm(
            3.0,
            "1",
            1.0,
            4.0,
            "assumption: crime families defend their home areas with local networks, kin and "
            "officials (Dell 2015: rivals enter only where the incumbent is weakened); "
            "sensitivity: docs/groups-and-violence.md",
            "Multiplier of a group's local strength in its home places.",
        ),
        "state_strength": _pm(
            0.5,
            "strength units per unit of presence",
            0.1,
            5.0,
            "assumption: the state holds ground against groups only where it is present, and "
            "then weighs like half a mid-sized crime family (it does not fight for fees; its "
            "presence lowers what a place yields instead); sensitivity: "
            "docs/groups-and-violence.md",
            "The state's weight in the contest for a place.",
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
            0.02,
            "1/month per 1,000 personnel",
            0.0,
            0.1,
            "assumption: arrests and deaths in military operations remove about 2% a month of "
            "the group strength present per 1,000 troops, shared among the groups in proportion "
            "to their control of the place (operations target the incumbent: Osorio 2015; "
            "Dell 2015, mechanisms.md (c) 4)",
            "Monthly loss of the group strength present in a place per 1,000 personnel deployed, "
            "shared among the groups by control share.",
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
            0.03,
            "1/month",
            0.01,
            0.2,
            "assumption: an incursion needs months of preparation (recruits, weapons, local "
            "allies, bought officials); at the rate the expected return allows, about a year "
            "passes between an incumbent's weakening and a challenge; sensitivity: "
            "docs/groups-and-violence.md",
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
            "(mechanisms.md (a) [C]): a group that moves its own loads and holds the plaza "
            "keeps more of the margin, at most ~1/0.3 times the fee",
            "What a plaza's transit fees are worth to a group that moves cocaine itself "
            "(weighted by its transport capacity), relative to the fees themselves.",
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
            0.1,
            "0-1",
            0.005,
            0.3,
            "assumption: a group holding under a tenth of a place can no longer collect there "
            "and withdraws its people",
            "Control share below which a group leaves a place.",
        ),
        "entry_share": _pm(
            0.1,
            "0-1",
            0.01,
            0.3,
            "assumption: an incursion that does not win a tenth of the place at once is "
            "abandoned (the foothold equals the exit share)",
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
            "Contest violence of a colluding place relative to an open contest.",
        ),
        "contest_dissipation": _pm(
            0.3,
            "0-1",
            0.0,
            0.8,
            "assumption: part of a contested plaza's rent is burnt in the fight (Tullock)",
            "Share of a contested place's revenue lost at full rivalry (1 - HHI = 1).",
        ),
        "contest_capacity": _pm(
            1.0,
            "1",
            0.2,
            3.0,
            "assumption: at most about all the group strength present at a place fights for it",
            "Bound on the strength engaged in a place's contest, per unit of strength present.",
        ),
        "kingpin_route_loss": _pm(
            0.5,
            "0-1",
            0.0,
            0.9,
            "assumption: feuding factions lose the suppliers' trust and part of the routes "
            "(mechanisms.md (c) 3-4)",
            "Share of a group's transit capacity lost at the height of a succession feud.",
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
            "prior: Lindo & Padilla-Romo 2018: homicides +80% in the municipality of capture "
            "for at least 12 months; Calderon et al. 2015: +36.5% in 6 months (mechanisms.md (c))",
            "Half-life of the succession feud after a leader's removal.",
        ),
        "kingpin_patience_drop": _pm(
            0.05,
            "1",
            0.0,
            0.2,
            "mechanisms.md (c) 3: a leader's removal lowers the group's discount factor (new "
            "leaders are impatient; Castillo 2013)",
            "Fall of a group's monthly discount factor after its leader is removed.",
        ),
        "feud_defence_loss": _pm(
            0.5,
            "0-1",
            0.0,
            0.9,
            "assumption: at the height of a succession feud factions defend only their own "
            "plazas, halving the group's weight against rivals (Calderon et al. 2015: removals "
            "invite rival groups; mechanisms.md (c) 4)",
            "Share of a group's contest weight lost at the height of a succession feud.",
        ),
        "split_hazard": _pm(
            0.025,
            "1/month at full feud",
            0.0,
            0.2,
            "assumption: about one removal in three ends in a split over the feud's life "
            "(1 - exp(-0.025 x 17.3 months of feud at a 12-month half-life) = 0.35); "
            "sensitivity: docs/groups-and-violence.md",
            "Monthly hazard that a feuding group splits, per unit of fragmentation.",
        ),
        "split_share": _pm(
            0.4,
            "0-1",
            0.1,
            0.7,
            "assumption: a splitting faction takes a large part of the gunmen around it",
            "Share of the group's strength a splitting faction takes.",
        ),
        "max_factions": _pm(
            2.0,
            "factions per actor",
            0.0,
            4.0,
            "assumption: room for two splits per group over a run",
            "Latent faction slots of each actor that splits can activate.",
        ),
        "value_floor_usd": _pm(
            1.0e4,
            "USD/month",
            1.0e3,
            1.0e5,
            "assumption: a group keeps some people in every place it holds",
            "Value added to every place when a group spreads its strength (keeps home places defended).",
        ),
    }

    # -- set-up ---------------------------------------------------------------------------
    def init(self) -> None:
        sim, net, st, p = self.sim, self.sim.net, self.sim.state, self.p
        n = net.n_places
        self.n = n
        self.terr = np.isin(net.place_group, TERRITORY_GROUPS) & np.isin(
            net.place_level, ["admin1", "country"]
        )
        self.terr_f = self.terr.astype(float)  # the same mask, as a factor
        self.pop = np.where(self.terr, net.population, 0.0)
        c = sim.scenario.countries
        pres = _by_id(c, "presence", 0.5)
        self.presence_default = np.array(
            [float(pres.get(x, 0.5)) for x in net.place_country], dtype=float
        )
        just = _by_id(c, "justice_capacity", 0.3)
        self._read_actors(pres, just)
        na = self.na
        self.fallback_price = np.interp(net.lat, PRICE_LAT, PRICE_USD)
        self.fee_price: np.ndarray | None = None
        # Land adjacency (both directions) for reach and splits.
        land = net.link_mode == 0
        adj = np.zeros((n, n))
        adj[net.link_from[land], net.link_to[land]] = 1.0
        adj = np.maximum(adj, adj.T)
        np.fill_diagonal(adj, 0.0)
        self.adj = adj
        self.hmax = int(max(self.reach.max(), 0)) if na else 0
        self.sec = SecondaryFlows(net, self.terr, self.pop)
        # Activity returns (USD a month per strength unit, untapped): transit and firearms
        # trade, the others predation.
        self.m0 = np.array(
            [p.m_trade_usd, p.m_predation_usd, p.m_predation_usd, p.m_predation_usd, p.m_trade_usd]
        )
        self.need_mask = np.arange(len(ACTIVITIES)) != TRANSIT
        # log of the untapped returns, as portfolio.optimal_effort takes it (constant)
        self._log_m0 = np.log(np.maximum(self.m0[None, :], 1e-300))[0]
        self.cap = np.ones((na, len(ACTIVITIES)))
        self.cap[:, TRANSIT] = self.tc
        # State arrays.
        self.C = self.C0.copy()
        self.commit = np.zeros((na, n))
        self.effort = np.zeros((na, len(ACTIVITIES)))  # shares of strength by activity
        self.frag = np.zeros(na)
        self.pat_pen = np.zeros(na)
        self.Vbar = None
        self.Vbar_t = np.zeros(n)
        self.Rbar_transit = np.zeros(na)
        self.K = np.zeros(n)
        self._hop_d: np.ndarray | None = None  # all-pairs land hops, on first use
        self.decay = 0.5 ** (1.0 / p.kingpin_halflife)
        # Collusion threshold of each number of contenders (plazas.collusion), computed once.
        self._crit = collusion_threshold(np.arange(na + 1), p.collusion_deviation_months)
        self.home_mult = np.where(self.home, p.home_advantage, 1.0)
        st.actor_ids = list(self.actor_ids)
        st.actor_kind = np.array([KINDS.index(k) for k in self.kind_of], dtype=np.int64)
        st.actor_home = [np.flatnonzero(self.home[i]) for i in range(na)]
        st.group_strength = self.S0.copy()
        st.controller = np.full(n, -1, dtype=np.int64)
        st.contested = np.zeros(n, dtype=bool)
        st.control_share = self.C
        st.presence_effective = self.presence_default.copy()
        st.contest_violence = np.zeros(n)
        st.succession_violence = np.zeros(n)
        st.predation_usd = np.zeros((len(KINDS), len(ACTIVITIES) - 1, n))
        st.predation_labour = np.zeros((len(KINDS), len(ACTIVITIES) - 1, n))
        st.armed_strength = np.zeros(n)
        st.corruption_spend = np.zeros(n)
        st.kingpin_hits = []
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
        self.kind_onehot = np.zeros((len(KINDS), na))
        self.kind_onehot[st.actor_kind, np.arange(na)] = 1.0
        self.kind_tc = self.kind_onehot * self.tc  # transport capacity by kind (records)
        self._declare()
        self.flow_share = np.zeros(n)  # smoothed share of the flow passing each place
        # The slots in play and their constants (see _slots): rebuilt when a split
        # activates a faction (the only change of lin.active, which bumps _active_ver).
        self._active_ver = 0
        self._slots_ver = -1
        self._ai: np.ndarray | None = None
        # exp(-K / corruption_ref_usd) of the stock of bribes K it was computed from
        # (the step computes it at the end of a month and reuses it at the next).
        self._eK: np.ndarray | None = None
        self._eK_of: np.ndarray | None = None
        self._no_flow = np.zeros(0)  # (placeholder of the compiled inputs' path flows)
        self._set_fees(self.price_now())
        self.fee_price = None  # set from the first month's prices (markets run before groups)

    def _read_actors(self, pres: dict, just: dict) -> None:
        sim, net, p = self.sim, self.sim.net, self.p
        a = sim.scenario.tables.get("actors")
        rows = [] if a is None else table_records(a)
        base = [str(r["id"]) for r in rows]
        self.lin = Lineages(base, int(round(p.max_factions)) if rows else 0)
        ids = self.lin.ids
        self.actor_ids = ids
        na, n, nb = len(ids), net.n_places, len(base)
        self.na = na
        probs: list[Problem] = []
        S0 = np.zeros(nb)
        upkeep = np.zeros(nb)
        tc = np.ones(nb)
        patience = np.full(nb, 0.9)
        reach = np.zeros(nb)
        home = np.zeros((nb, n), dtype=bool)
        kinds = []
        home_country = []
        for i, r in enumerate(rows):
            kinds.append(str(r["kind"]))
            S0[i] = float(r["strength"])
            upkeep[i] = float(r["upkeep_usd_per_month"])
            for key, arr in (("transport_capacity", tc), ("patience", patience)):
                v = r.get(key)
                if v is not None and np.isfinite(v):
                    arr[i] = float(v)
            v = r.get("reach_hops")
            reach[i] = float(v) if v is not None and np.isfinite(v) else 1.0
            homes = [s.strip() for s in str(r["home_places"] or "").split(";") if s.strip()]
            for h in homes:
                if h in net.place_index:
                    home[i, net.place_index[h]] = True
            home_country.append(
                str(net.place_country[net.place_index[homes[0]]])
                if homes and homes[0] in net.place_index
                else ""
            )
            if upkeep[i] <= 0 and S0[i] > 0:
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
        lin = self.lin.lineage
        # Factions inherit their lineage's attributes; they start with no strength and no
        # home (a split gives them the places they take).
        self.kind_of = [kinds[b] for b in lin]
        self.S0 = np.where(self.lin.is_faction, 0.0, S0[lin])
        # Upkeep per unit of strength: what a member costs.
        self.u = np.maximum(np.where(S0 > 0, upkeep / np.maximum(S0, 1e-12), 1.0), 1.0)[lin]
        self.tc = tc[lin]
        self.patience = patience[lin]
        self.reach = reach[lin]
        self.home = np.where(self.lin.is_faction[:, None], False, home[lin])
        self.justice_home = np.array(
            [
                float(just.get(hc, 0.3)) * float(pres.get(hc, 0.5)) if hc else 0.0
                for hc in (home_country[b] for b in lin)
            ]
        )
        self.C0 = np.zeros((na, n))
        ctrl = sim.scenario.tables.get("control")
        idx = {x: i for i, x in enumerate(base)}
        if ctrl is not None:
            for actor, place, share in zip(
                ctrl["actor"].tolist(), ctrl["place"].tolist(), ctrl["share"].tolist(), strict=True
            ):
                if actor in idx and place in net.place_index:
                    self.C0[idx[actor], net.place_index[place]] = float(share)

    def _declare(self) -> None:
        sim, net = self.sim, self.sim.net
        rec = sim.rec
        ids = self.actor_ids
        rec.declare("revenue_usd", [f"{a}:{k}" for a in ids for k in ACTIVITIES], "USD")
        rec.declare(
            "effort_share", [f"{a}:{k}" for a in ids for k in ACTIVITIES], "0-1", agg="mean"
        )
        rec.declare("group_strength", ids, "index", agg="last")
        rec.declare("group_active", ids, "0/1", agg="last")
        rec.declare("places_controlled", ids, "places", agg="mean")
        iso = sorted({str(c) for c in net.place_country[self.terr]})
        self.iso = iso
        self.place_iso = np.array(
            [iso.index(c) if t else -1 for c, t in zip(net.place_country, self.terr, strict=True)]
        )
        self.agg_iso = np.zeros((net.n_places, len(iso)))
        ok = self.place_iso >= 0
        self.agg_iso[np.flatnonzero(ok), self.place_iso[ok]] = 1.0
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
        # The record arrays, looked up once (the step writes a row of each every month).
        self._rec = {name: s.data for name, s in rec.series.items()}
        self._rec_parts = tuple(
            self._rec[k]
            for k in (
                "revenue_usd",
                "effort_share",
                "group_strength",
                "group_active",
                "places_controlled",
                "corruption_usd",
                "plaza_value_usd",
                "migrants_smuggled",
                "firearms_trafficked",
            )
        )
        self.mig_first_iso = self.place_iso[self.sec.mig.place[self.sec.mig_first]]
        self._no_slots = np.zeros(0, dtype=np.int64)  # (placeholders of the records' kernel)
        self._no_slots_f = np.zeros((0, 1))
        self.fire_first_iso = self.place_iso[self.sec.fire.place[self.sec.fire_first]]

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
            self.fee_price = a * self.fee_price + (1.0 - a) * now
        return self.fee_price

    def _price_month(self) -> np.ndarray:
        """:meth:`price_now`, compiled for the usual month (markets active, fees set)."""
        pp = getattr(self.sim.state, "place_price", None)
        if self.fee_price is None or pp is None or not isinstance(pp, np.ndarray):
            return self.price_now()
        self.fee_price = fee_price_step(
            np.asarray(pp, dtype=float),
            self.fallback_price,
            self.fee_price,
            self.p.fee_price_memory,
        )
        return self.fee_price

    def _set_fees(self, price: np.ndarray) -> None:
        """Piso fees: a share of the local price, marked up by the plaza's market power.

        A holder facing traffickers who choose routes by logit sets the fee that maximises
        its fee revenue, ``f = f0 / (1 - s)``, with ``s`` the share of the cocaine flow
        that passes the place (Anderson, de Palma & Thisse 1992: the logit monopolist's
        markup): a place most of the flow must cross charges more than one of many
        alternatives, which spreads the flow over the corridors.
        """
        # (compiled: (fee_share * price / (1 - s)) * (tc @ C) * terr_f, s the capped share)
        self.sim.state.fee_place = piso_fees(
            self.flow_share,
            self.p.fee_share_cap,
            self.p.fee_share,
            price,
            self.tc @ self.C,
            self.terr_f,
        )

    def weaken(self, actor: str, factor: float) -> None:
        """Multiply a group's strength by ``factor`` (hook for tests and levers).

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

    def _removals(self, t: int, S: np.ndarray) -> None:
        """Leader removals of the month, and splits of feuding groups.

        A removal costs the group strength (arrests) and starts a succession feud. Each
        month a feuding group splits with probability ``1 - exp(-split_hazard x frag)``
        while it has a free faction slot. One uniform draw per slot every month, used or
        not, so that two scenarios run with the same seed share their luck (common random
        numbers).
        """
        st, p, lin = self.sim.state, self.p, self.lin
        draws = self.rng.random(max(self.na, 1))
        st.kingpin_hits = []
        for ev in list(getattr(st, "kingpin_events", []) or []):
            gid, place = (ev, None) if isinstance(ev, str) else (ev[0], ev[1])
            if gid not in self.actor_ids:
                continue
            b = int(lin.lineage[self.actor_ids.index(gid)])
            i = lin.target(b, place, self.C, S)
            if i is None:
                continue
            S[i] *= 1.0 - p.kingpin_strength_loss
            self.frag[i] = 1.0
            self.pat_pen[i] = p.kingpin_patience_drop
            st.kingpin_hits.append((i, place))
        # (compiled: no feuding slot can split this month, without numpy's expm1)
        if not feud_may_split(self.frag, lin.active, draws, p.split_hazard):
            return
        feuds = np.flatnonzero((self.frag > 0.01) & lin.active)
        # each feud's split probability, all at once (a split changes only latent slots)
        odds = -np.expm1(-p.split_hazard * self.frag[feuds])
        for i, draw, prob in zip(feuds.tolist(), draws[feuds].tolist(), odds.tolist(), strict=True):
            if draw >= prob:
                continue
            f = lin.free_slot(int(lin.lineage[i]))
            if f is None:
                continue
            region = split_region(self.C[i] > 0.05, self.home[i], self.adj, p.split_share)
            if not len(region):
                continue
            # The faction takes its share of the strength and the distant holdings.
            take = p.split_share * S[i]
            S[f] = take
            S[i] -= take
            self.C[f, region] = self.C[i, region]
            self.C[i, region] = 0.0
            self.commit[f] = 0.0
            self.Rbar_transit[f] = p.split_share * self.Rbar_transit[i]
            self.Rbar_transit[i] -= self.Rbar_transit[f]
            self.effort[f] = self.effort[i]
            self.frag[f] = self.frag[i]
            self.pat_pen[f] = self.pat_pen[i]
            self.home[f] = False
            self.home[f, region] = True
            self.home_mult[f] = np.where(self.home[f], p.home_advantage, 1.0)
            lin.active[f] = True
            self._active_ver += 1  # the slots in play change (see _slots)
            self.sim.state.actor_home[f] = region.copy()

    # -- the month's slots and inputs -----------------------------------------------------
    def _slots(self) -> np.ndarray:
        """The slots in play (the actors and the factions splits have activated), with
        their constants, rebuilt only when a split has changed them (``_active_ver``)."""
        if self._slots_ver != self._active_ver:
            ai = np.flatnonzero(self.lin.active)
            self._ai = ai
            self._u_a = self.u[ai]
            self._log_u_a = np.log(np.maximum(self._u_a, 1e-300))
            self._jpress_a = self.p.justice_attrition * self.justice_home[ai]
            self._onehot_a = self.kind_onehot[:, ai]
            self._slots_ver = self._active_ver
        return self._ai

    def _inputs(self, st) -> tuple:  # noqa: ANN001
        """The month's inputs from the other modules (defaults when they are inactive):
        the price fees are set on, cocaine arriving at each place (kg), the effective
        presence of the state, the troops deployed (thousands) with whether any are, and
        whether crime prevention acts anywhere."""
        p, net, n = self.p, self.sim.net, self.n
        if self._eK_of is self.K:  # computed at the end of last month from this K
            eK = self._eK
        else:
            eK = np.exp(-self.K / p.corruption_ref_usd)
        presence = getattr(st, "presence", self.presence_default)
        pp = getattr(st, "place_price", None)
        link_out = getattr(st, "link_out", None)
        dp = getattr(st, "deployed_personnel", None)
        prevention = getattr(st, "prevention", None)
        if (
            self.fee_price is not None
            and _f64(pp, n)
            and _f64(link_out, net.n_links)
            and _f64(presence, n)
            and _f64(dp, n)
            and _f64(prevention, n)
        ):
            # (compiled: the code below in one call, bit for bit)
            pf = getattr(st, "path_flow", 0.0)
            use_pf = isinstance(pf, np.ndarray) and pf.ndim == 1 and pf.dtype == np.float64
            price, kg, self.flow_share, pres, troops, has_troops, has_prev = groups_inputs(
                pp,
                self.fallback_price,
                self.fee_price,
                p.fee_price_memory,
                net.link_to,
                link_out,
                pf if use_pf else self._no_flow,
                0.0 if use_pf else float(np.sum(pf)),
                use_pf,
                self.terr_f,
                self.flow_share,
                p.value_memory,
                presence,
                eK,
                p.presence_loss_max,
                dp,
                prevention,
            )
            self.fee_price = price
            return price, kg, pres, troops, has_troops, has_prev
        price = self._price_month()
        if link_out is not None:
            # each place's share of the month's flow (smoothed)
            pf = getattr(st, "path_flow", 0.0)
            total = (
                pairwise_sum(pf)  # np.sum, compiled
                if isinstance(pf, np.ndarray) and pf.ndim == 1 and pf.dtype == np.float64
                else float(np.sum(pf))
            )
            kg, self.flow_share = flow_at_places(
                net.link_to, link_out, n, self.terr_f, total, self.flow_share, p.value_memory
            )
        else:
            kg = np.zeros(n)
        pres = effective_presence(presence, eK, p.presence_loss_max)
        troops = np.zeros(n) if dp is None else np.asarray(dp, dtype=float) / 1000.0
        has_prev = prevention is not None and bool(np.asarray(prevention).any())
        return price, kg, pres, troops, bool(troops.any()), has_prev

    # -- the month ------------------------------------------------------------------------
    def step(self, t: int) -> None:
        st, p, net = self.sim.state, self.p, self.sim.net
        na, n = self.na, self.n
        S = st.group_strength
        eps = 1e-12

        # Inputs from the other modules (defaults when they are inactive).
        price, kg, pres, troops, has_troops, has_prev = self._inputs(st)
        st.presence_effective = pres

        # 1. Potentials by activity (USD a month at full exploitation by a sole holder).
        mig_at, mig_thru, fire_at, fire_thru = self.sec.step(
            pres,
            self.migrant_month[t],
            self.firearm_month[t],
            st.armed_strength,
            p.apprehension_per_place,
            p.firearm_seizure_per_place,
            p.firearm_group_weight,
        )
        Y = plaza_potentials(
            price,
            kg,
            self.pop,
            pres,
            mig_thru,
            fire_thru,
            p.fee_share,
            p.extortion_usd_per_capita,
            p.migrant_fee_usd,
            p.trafficking_usd_per_migrant,
            p.trafficking_usd_per_capita,
            p.firearm_markup_usd,
        )
        if self.Vbar is None:
            self.Vbar = Y.sum(axis=0)
        if na == 0:
            self._record(t, Y, np.zeros((0, 5)), np.zeros((0, n)), np.zeros(n), mig_at, fire_at, kg)
            st.link_enf_mult = np.ones(net.n_links)
            return

        # 2. Succession: the month's leader removals (and splits).
        self._removals(t, S)
        # From here on only the slots in play (the actors and the factions splits have
        # activated): latent slots hold nothing and would only add zeros.
        ai = self._slots()
        nai = len(ai)
        u = self._u_a

        # 3. Where strength is, and the contest for each place (compiled: the arithmetic of
        # plazas.locate and plazas.collusion, in the same order). A group feuding over its
        # succession defends less (feud_defence_loss) and loses routes (kingpin_route_loss):
        # factions do not hold each other's plazas.
        r = p.tullock_r
        Sa, Ca, commit, frag, act, feuding, pat, cap, s_loc, contender, armed, z, z_state = (
            plaza_gather_locate(
                ai,
                S,
                self.C,
                self.commit,
                self.frag,
                self.patience,
                self.pat_pen,
                self.cap,
                TRANSIT,
                p.kingpin_route_loss,
                self.Vbar,
                p.value_floor_usd,
                self.home_mult,
                p.feud_defence_loss,
                pres,
                troops,
                p.state_strength,
                p.troop_strength,
                r == 2.0,  # z ** 2.0 is z * z
            )
        )
        if r != 1.0 and r != 2.0:
            z = z**r
            z_state = z_state**r
        zg, n_cont, collude, contested, rivalry, bearing, totC = plaza_contest_rows(
            z, contender, pat, self._crit, Ca, p.contest_dissipation
        )

        # 4. Portfolio: potentials of each group, returns, optimal and actual efforts.
        # Returns: the activities other than transit pay at once, at a premium when short.
        # (Compiled between the logarithms and exponentials, which stay in numpy: the
        # arithmetic of portfolio.shadow_value, optimal_effort and revenue in the same
        # order.)
        Ya, c, cm, w = portfolio_inputs(
            bearing @ Y.T, cap, self.Rbar_transit, ai, u, Sa, p.need_premium, self.m0
        )
        lc = np.log(cm)
        ll, valid = shadow_log(lc, w, Sa)
        loglam = np.log(shadow_floor(np.exp(ll), valid))
        L, arg = portfolio_efforts_slots(
            w, lc, loglam, Sa, act, self.effort, ai, p.effort_adjust, c, Ya
        )  # (self.effort[ai] updated in place)
        rev, frac, capfrac = portfolio_revenue(Ya, np.expm1(arg), cap)

        # Plaza value: what a place yields per unit of control at its holders' current
        # exploitation (an unheld place at the average exploitation of each activity).
        # 5. Corruption: bribes where revenue is earned lower enforcement and presence.
        # (compiled: plaza_value, the same arithmetic in the same order; the matrix
        # products and the exponential stay in numpy)
        self.Vbar, self.Vbar_t, place_rev, spend, self.K, negK = plaza_value_neg(
            rev,
            Ya,
            Ca.T @ capfrac,
            totC,
            Y,
            capfrac @ Y,
            bearing,
            self.Vbar,
            self.Vbar_t,
            self.K,
            p.value_memory,
            p.corruption_share,
            p.corruption_memory,
            eps,
            p.corruption_ref_usd,
        )
        self._eK = np.exp(negK)  # (also next month's, from the same K)
        self._eK_of = self.K
        st.link_enf_mult = link_enforcement(self._eK, p.enf_mult_min, net.link_to)
        st.corruption_spend = spend

        # 6. Shares move toward the Tullock outcome against the other groups and the state;
        # colluding places keep their split (only the groups' joint share moves). In place
        # of commit (compiled, with plazas.contest_violence up to its exponential, for
        # step 7).
        C_new, cap_v, arg_v = shares_and_violence_parts(
            z,
            zg,
            z_state,
            Ca,
            totC,
            collude,
            contender,
            commit,
            p.contest_speed,
            p.exit_share,
            eps,
            self.Vbar,
            s_loc,
            u,
            p.contest_capacity,
            n_cont,
        )
        if t % 3 == 0:  # challengers decide each quarter
            # The entry pay-off weighs the defence in strength units, the units of the
            # commitment: the holders' Tullock weight zg is a sum of strength**r.
            zd = np.sqrt(zg) if r == 2.0 else zg if r == 1.0 else zg ** (1.0 / r)
            self._entries(ai, Sa, act, C_new, commit, zd, frac)

        # 7. Violence intensities: contests, succession feuds; predation revenue.
        # (compiled: the violence of the contests, the shares of all the slots and the
        # controllers, bit for bit the numpy code)
        st.contest_violence, self.C, st.controller = contest_outcome(
            cap_v,
            np.expm1(arg_v),
            collude,
            p.collusion_violence,
            self.terr_f,
            C_new,
            ai,
            na,
            contested,
        )
        st.control_share = self.C
        st.succession_violence = (frag @ s_loc) * self.terr_f
        st.contested = contested
        # Members at work in each predatory activity and place (by kind of actor, for the
        # records): a group's effort on the activity, where its revenue from it comes from.
        # Extortion is enforced by members who threaten, beat and kill victim by victim, so
        # its violence follows the members doing it, not the money. (a, k, places)
        pred3, lab = predation_split(bearing, capfrac, Y, L)
        onehot = self._onehot_a
        st.predation_usd = (onehot @ pred3.reshape(nai, -1)).reshape(len(KINDS), 4, n)
        st.predation_labour = (onehot @ lab.reshape(nai, -1)).reshape(len(KINDS), 4, n)
        st.armed_strength = armed

        # 8. Strength: recruits towards the size revenue sustains (prevention cuts them),
        # turnover, prosecution and troops.
        sp = getattr(st, "strength_pressure", None)
        use_sp = _f64(sp, na)
        if use_sp:
            jp = sp  # (its rows ai, in the kernel below)
        else:
            jp = sp[ai] if sp is not None and len(sp) == na else self._jpress_a
            jp = np.asarray(jp, dtype=float)
        # Operations target the organisation that holds a place (its leaders, its plazas),
        # in proportion to its control there: crackdowns weaken incumbents more than the
        # challengers (Dell 2015; Osorio 2015, mechanisms.md (c) 4). No troops, no losses.
        if has_troops:
            hit, ta = troop_hits(Ca, totC, troops, armed)
            troop_hv = hit @ ta
        else:
            troop_hv = Sa  # (not read)
        if has_prev:
            prevention = st.prevention
            # Recruits come from the places a group holds (its home when it holds none).
            w = np.where(C_new.sum(axis=1, keepdims=True) > 0, C_new, self.home[ai].astype(float))
            prev_a = (w @ prevention) / np.maximum(w.sum(axis=1), eps)
            rmult = 1.0 - p.prevention_effect * np.minimum(prev_a, 1.0)
        else:
            rmult = Sa  # (not read)
        # (compiled: the pressure of prosecution, troops and turnover, portfolio.size_at_upkeep
        # and the strength's update; then S[ai] = Sa, self.commit[ai] = commit, the smoothed
        # transit revenue and the feuds' decay, bit for bit)
        strength_month(
            Ya,
            self.m0,
            self._log_m0,
            self._log_u_a,
            Sa,
            act,
            jp,
            use_sp,
            ai,
            troop_hv,
            has_troops,
            p.troop_attrition,
            eps,
            p.turnover,
            rmult,
            has_prev,
            p.strength_rate,
            p.strength_shed_rate,
            S,
            self.commit,
            commit,
            self.Rbar_transit,
            rev,
            TRANSIT,
            p.revenue_memory,
            self.frag,
            self.pat_pen,
            self.decay,
        )

        self._set_fees(price)
        if not self.sim.spinning:  # spin-up months are not recorded (month 0 is written again)
            self._record(t, Y, rev, place_rev, spend, mig_at, fire_at, kg, L, ai)

    def _entries(self, ai, S, act, C_new, commit, zg, frac) -> None:  # noqa: ANN001
        """Challenges by groups within reach of places they do not hold.

        A group reaches the places within ``reach_hops`` land hops of those it holds
        (its ``reach_hops`` attribute in the actors table). Against the holders' strength
        D, committing s earns V s / (s + D) - r s a month (r: its upkeep per unit of
        strength, more when projected over more hops): see :func:`.plazas.entry_hazard`.
        Arrays are those of the slots in play ``ai``; ``C_new`` and ``commit`` change in
        place.
        """
        p = self.p
        n = self.n
        # One draw per (slot, place) every quarter, whatever happens below (common
        # random numbers): the draws of the latent slots are drawn and dropped.
        draw = self._quarter_draws(ai, n)
        if self.hmax < 1:
            return
        if self._hop_d is None:
            self._hop_d = hop_matrix(self.adj, self.hmax)
        # (compiled: the arithmetic of the numpy code, in the same order, in three
        # kernels around the hops' decay and the exponential, which stay in numpy)
        some, room, ca, cj, hops_m1, capture = entry_candidates(
            commit,
            p.max_commit,
            S,
            act,
            self.reach[ai],
            self._hop_d,
            C_new,
            self.terr,
            frac,
        )
        if not some:
            return
        u = self._u_a if ai is self._ai else self.u[ai]  # (the slots' upkeep, cached)
        r_eff = u[ca] / p.hop_decay**hops_m1
        # A group that moves cocaine itself values the margin on its own loads too.
        hazard, s_star = entry_hazard_parts(
            self.Vbar,
            self.Vbar_t,
            p.integration_value - 1.0,
            self.tc[ai],
            capture,
            ca,
            cj,
            zg,
            r_eff,
            p.entry_rate,
        )
        # A challenger entering several plazas at once shares out the strength it can
        # spare: its new commitments never exceed its room.
        entry_commit(
            draw,
            -np.expm1(-hazard),
            s_star,
            ca,
            cj,
            S,
            p.max_commit,
            room,
            commit,
            C_new,
            p.entry_share,
        )

    def _quarter_draws(self, ai: np.ndarray, n: int) -> np.ndarray:
        """``rng.random((na, n))[ai]``: the quarter's draws of the slots in play.

        When they are the first slots (no split yet), only their rows are drawn and the
        generator skips the latent slots' draws (PCG64's ``advance`` by one step per
        double: the same state after, so the stream is unchanged).
        """
        nai = len(ai)
        bg = self.rng.bit_generator
        if 0 < nai < self.na and ai[-1] == nai - 1 and isinstance(bg, np.random.PCG64):
            draw = self.rng.random((nai, n))
            bg.advance((self.na - nai) * n)
            return draw
        return self.rng.random((self.na, n))[ai]

    def _hop_rows(self, held: np.ndarray) -> np.ndarray:
        """Land hops from the places each row holds (as :func:`.plazas.hop_distances`).

        From the all-pairs hops (computed once): a row's hops are the minimum over the
        places it holds (compiled: kernels.hop_rows).
        """
        if self._hop_d is None:
            self._hop_d = hop_matrix(self.adj, self.hmax)
        return hop_rows(self._hop_d, np.ascontiguousarray(held))

    def _record(self, t, Y, rev, place_rev, spend, mig_at, fire_at, kg, L=None, ai=None) -> None:  # noqa: ANN001, E501
        """Write month ``t``'s records; ``rev``, ``L`` and ``place_rev`` are of the slots
        in play ``ai`` (latent slots record zeros)."""
        r, st = self._rec, self.sim.state
        na = self.na
        ni = len(self.iso)
        # (compiled: every record but the matrix products, bit for bit)
        total, owners, any_owner = groups_record_month(
            t,
            na,
            self._no_slots if ai is None else ai,
            rev,
            self._no_slots_f if L is None else L,
            st.group_strength,
            self.lin.active,
            st.controller if na else self._no_slots,
            place_rev if na else self._no_slots_f,
            self.p.corruption_share,
            self.Vbar,
            self.admin1,
            ni,
            kg,
            mig_at,
            self.sec.mig_first,
            self.mig_first_iso,
            fire_at,
            self.sec.fire_first,
            self.fire_first_iso,
            *self._rec_parts,
            st.contested,
            self.place_iso,
            r["contested_places"],
            self.tc,
        )
        r["corruption_usd"][t, na:] = spend @ self.agg_iso
        r["plaza_value_usd"][t, :ni] = self.Vbar @ self.agg_iso
        # Cocaine moved: local holders in proportion to control x transport capacity; the
        # rest by the groups that can own loads, in proportion to strength x transport
        # capacity (capital and connections: UNODC 2007). (compiled, above: the owners'
        # weights)
        by_kind = self.kind_tc @ (self.C @ kg) / 1000.0
        if any_owner:
            add_owned(by_kind, self.kind_onehot @ owners, total)
        r["cocaine_handled_share"][t] = by_kind
        r["_cocaine_handled_t"][t, 0] = total
