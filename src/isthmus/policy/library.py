"""The intervention types. Each changes inputs; the mechanisms do the rest.

Every type is a small dataclass with ``start``, ``end``, ``target``, ``size``
(in the unit given by ``size_unit``) and a ``step`` hook that the state step
calls for each month it is active; extra fields are listed in each docstring.
``docs/policies.md`` documents them with their units and sources.

========================== ================================ =====================================
type                       target                           size
========================== ================================ =====================================
interdiction_surge         country, modes, places, segment  relative change of effort (0.5 = +50%)
military_deployment        places or country                personnel
police_reform              country                          relative police capacity gain
anti_corruption            country                          relative cut of corruption (0-1)
justice_capacity           country                          + conviction share (0-1)
kingpin_strategy           group                            leader removals per group
international_cooperation  country (participants)           intelligence gain (relative hazard)
crime_prevention           places or country                reduction share (0-1) at full effect
us_demand_reduction        (none)                           relative demand-curve shift (0-1)
unilateral_allocation      country                          budget, effort units
coordinated_allocation     country                          budget, effort units
link_effort                (``links``: from, to, mode)      multiplier of the listed effort units
========================== ================================ =====================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..scenario.yamlio import LINE_KEY
from .allocation import (
    coordinated_allocation,
    link_corruption_factor,
    link_effectiveness,
    marginal_seizure_share,
    unilateral_allocation,
)
from .interventions import CLASSES, Intervention, intervention

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.levers import SimView as Sim


@intervention
@dataclass(eq=True)
class InterdictionSurge(Intervention):
    """Raise a country's (or the transit zone's) interdiction effort by a share.

    ``size`` is the relative increase (0.5 = +50% effort) on the targeted mode
    classes (``target.modes``: land, sea, air, container or link modes). With
    ``target.places`` or ``target.segment`` (``"HND>GTM"``: links from Honduras
    into Guatemala; place ids work too) it raises the effort on those links
    only, by the same share of the routine effort they get.
    """

    kind = "interdiction_surge"
    size_unit = "relative change of effort (0.5 = +50%)"
    description = "Raises interdiction effort of a country or the transit zone, by mode or segment."
    size_bounds = (-1.0, None)
    required_targets = ()

    def init(self, sim: Sim) -> None:
        self._links = None
        if self.target.get("places") or self.target.get("segment"):
            self._links = np.flatnonzero(self.link_mask(sim))
        # Targets resolved once (the step runs every month of the surge): a multiplier
        # matrix when no jurisdiction is repeated (x * 1.0 == x elsewhere).
        self._cls = [CLASSES.index(c) for c in self.classes()]
        self._juris = [int(j) for j in self.juris_indices(sim)]
        self._mult = None
        if len(set(self._juris)) == len(self._juris):
            self._mult = np.ones((len(sim.net.juris_ids), len(CLASSES)))
            for j in self._juris:
                self._mult[j, self._cls] = 1.0 + self.size

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        if self._links is not None:
            routine = getattr(st, "link_effort", None)  # the interdiction step's, per link
            if routine is None:
                return
            st.link_extra_effort[self._links] += self.size * routine[self._links]
            return
        if not hasattr(self, "_cls"):  # stepped without init
            self.init(sim)
        if self._mult is not None and st.enf_mult.shape == self._mult.shape:
            st.enf_mult *= self._mult
            return
        for j in self._juris:
            st.enf_mult[j, self._cls] *= 1.0 + self.size


@intervention
@dataclass(eq=True)
class MilitaryDeployment(Intervention):
    """Deploy troops in places: fast, temporary effort on the links into them.

    ``size`` is personnel (persons), spread evenly over the targeted places
    (``target.places`` and/or every place of ``target.country``); 1,000
    personnel = 1 effort unit on each place's incoming links (roads, landing beaches and
    airstrips), at the land seizure rate per unit. The troops
    are in ``st.deployed_personnel`` while the deployment lasts, and the
    violence module adds the confrontation they cause (about +11 homicides per
    100,000 in the first year of the Mexican joint operations: Espinosa &
    Rubin 2015, mechanisms.md (e)). Nothing remains when it ends.
    """

    kind = "military_deployment"
    size_unit = "personnel"
    description = "Troops deployed in places; effort on the links into them."

    def validate_targets(self, sim: Sim, file: str, line: int | None) -> list:
        probs = super().validate_targets(sim, file, line)
        if not self.target.get("places") and not self.target.get("country"):
            from ..scenario import Problem

            probs.append(
                Problem(
                    file,
                    self.field_line("target", line),
                    "target",
                    "'military_deployment' needs places or a country",
                )
            )
        return probs

    def init(self, sim: Sim) -> None:
        net = sim.net
        places = self.place_indices(sim)
        self._places = places
        # Troops hold roads, beaches and airstrips: every link into the places, by any mode
        # (the engine applies the land seizure rate per effort unit to deployed troops).
        into = np.isin(net.link_to, places)
        self._links = np.flatnonzero(into)
        n_into = np.bincount(net.link_to[self._links], minlength=net.n_places)
        per_place = self.size / 1000.0 / max(len(places), 1)
        self._effort = per_place / np.maximum(n_into[net.link_to[self._links]], 1)
        # Dense increments (links and places are unique; x + 0.0 == x elsewhere).
        self._effort_dense = np.zeros(net.n_links)
        self._effort_dense[self._links] = self._effort
        self._troops_dense = np.zeros(net.n_places)
        self._troops_dense[places] = self.size / max(len(places), 1)

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        if hasattr(st, "link_troop_effort"):
            st.link_troop_effort += self._effort_dense
        else:  # a run without the state step's reset: plain extra effort
            st.link_extra_effort += self._effort_dense
        if hasattr(st, "deployed_personnel"):
            st.deployed_personnel += self._troops_dense


@intervention
@dataclass(eq=True)
class PoliceReform(Intervention):
    """Build police capacity: slow, and slower where corruption is high.

    ``size`` is the relative gain of police capacity sought (0.5 = +50%). The
    gain builds up through a two-stage lag of time constant ``state.police_tau``
    slowed by corruption (``state.police_corruption_drag``): half the effect
    after about 2.5 years where corruption is nil, 5.6 years at corruption 0.55.
    Trained police stay in service when the reform ends. ``oversight`` (0-1)
    is civilian oversight: it cuts the corruption target by that share while
    the reform lasts (mechanisms.md (e): model oversight as lowering corruption).
    """

    kind = "police_reform"
    size_unit = "relative police capacity gain (0.5 = +50%)"
    description = (
        "Slow build-up of police capacity, eroded by corruption; optional civilian oversight."
    )
    required_targets = ("country",)
    oversight: float = 0.0

    def init(self, sim: Sim) -> None:
        self._c = self.country_indices(sim)

    def step(self, sim: Sim, t: int) -> None:
        lv = sim.state.levers
        lv.police_target[self._c] += self.size
        lv.police_active[self._c] = True
        lv.corruption_factor[self._c] *= 1.0 - min(max(self.oversight, 0.0), 1.0)


@intervention
@dataclass(eq=True)
class AntiCorruption(Intervention):
    """Cut corruption: the same enforcement capacity becomes more effective.

    ``size`` (0-1) is the relative cut of the corruption target (0.3 = -30%).
    Corruption moves towards it with ``state.corruption_tau`` (36 months) and
    relapses when the programme ends. Effective effort = capacity x (1 -
    corruption) (mechanisms.md (e)), and police reform is faster where
    corruption is lower.
    """

    kind = "anti_corruption"
    size_unit = "relative cut of corruption (0-1)"
    description = "Lowers corruption with a lag; raises the effectiveness of the same enforcement."
    size_bounds = (0.0, 1.0)
    required_targets = ("country",)

    def init(self, sim: Sim) -> None:
        self._c = self.country_indices(sim)

    def step(self, sim: Sim, t: int) -> None:
        sim.state.levers.corruption_factor[self._c] *= 1.0 - self.size


@intervention
@dataclass(eq=True)
class JusticeCapacity(Intervention):
    """Raise criminal justice capacity (prosecutors, courts, international support).

    ``size`` (0-1) is the rise in the share of arrested traffickers convicted
    and held (0.2 = +20 points), reached with ``state.justice_tau``. Justice
    capacity x state presence is the prosecution pressure on the groups that
    hold a place: ``st.strength_pressure`` (per actor, 1/month) is the share of
    their strength removed each month, which the groups module subtracts; a
    group weakened below its rivals loses its places (dislodgement).
    """

    kind = "justice_capacity"
    size_unit = "rise of the conviction share (0-1)"
    description = (
        "More convictions: prosecution pressure lowers group strength and dislodges groups."
    )
    size_bounds = (0.0, 1.0)
    required_targets = ("country",)

    def init(self, sim: Sim) -> None:
        self._c = self.country_indices(sim)

    def step(self, sim: Sim, t: int) -> None:
        sim.state.levers.justice_add[self._c] += self.size


@intervention
@dataclass(eq=True)
class KingpinStrategy(Intervention):
    """Remove the leaders of groups (capture, killing or extradition).

    ``size`` is the number of leader removals per targeted group
    (``target.group``: actor ids), spread evenly from ``start`` to ``end`` (the
    first at ``start``). ``target.places`` names where the removal happened: it
    strikes the member of the group's lineage (the group or a faction split from
    it) that holds the most of that place. Each removal puts ``(actor id, place)``
    in ``st.kingpin_events`` for that month; what follows (arrests, a succession
    feud, perhaps a split, rivals moving in) is the groups module's mechanism.
    """

    kind = "kingpin_strategy"
    size_unit = "leader removals per group"
    description = "Leader removals: the groups module turns them into feuds, splits and contests."
    size_bounds = (1.0, None)
    required_targets = ("group",)

    def init(self, sim: Sim) -> None:
        t0, t1 = self.months(sim)
        n = max(int(round(self.size)), 1)
        span = t1 - t0 + 1
        self._months = {t0 + int(np.floor(k * span / n)) for k in range(n)}
        places = self.place_indices(sim) if self.target.get("places") else []
        self._place = int(places[0]) if len(places) else None

    def step(self, sim: Sim, t: int) -> None:
        if t in self._months:
            sim.state.kingpin_events.extend((g, self._place) for g in self.groups())


@intervention
@dataclass(eq=True)
class InternationalCooperation(Intervention):
    """Intelligence sharing and joint allocation among participating states.

    ``size`` is the intelligence gain: the seizure hazard per unit of effort
    rises by that share in the participants' jurisdictions (0.3 = +30%), as
    intelligence cues tell patrols where and when to look (most JIATF-South
    interdictions follow intelligence cues: assumption on the size).
    ``pooled_share`` (0-1) of the participants' effective effort is moved
    into a joint pool that the coordinated allocation spends over all their
    links against the flow to the US (the UN Convention against Transnational
    Organized Crime's joint investigations, art. 19). ``reoptimize_months``
    sets how often the pool is re-allocated.
    """

    kind = "international_cooperation"
    size_unit = "relative gain of seizure hazard per effort unit (0.3 = +30%)"
    description = (
        "Intelligence sharing (more effective effort) and joint allocation of a pooled share."
    )
    required_targets = ("country",)
    pooled_share: float = 0.0
    reoptimize_months: int = 12

    def init(self, sim: Sim) -> None:
        self._j = self.juris_indices(sim)
        self._cand = self.link_mask(sim)
        self._pattern: np.ndarray | None = None
        self._last = -(10**9)

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        share = min(max(self.pooled_share, 0.0), 1.0)
        pooled = share * float(st.effort[self._j].sum())
        st.enf_mult[self._j, :] *= (1.0 + self.size) * (1.0 - share)
        if pooled <= 0:
            return
        # The pooled effort is already effective (after corruption), and better informed.
        eff = link_effectiveness(sim, corrupt=False) * (1.0 + self.size)
        if self._pattern is None or t - self._last >= max(self.reoptimize_months, 1):
            alloc = coordinated_allocation(sim, 1.0, self._cand, eff=eff)
            self._pattern, self._last = alloc, t
        st.link_extra_effort += pooled * self._pattern * (1.0 + self.size)


@intervention
@dataclass(eq=True)
class CrimePrevention(Intervention):
    """Multi-agency crime prevention: fewer young people join the groups, with a lag.

    ``size`` (0-1) is the share by which recruitment into groups falls at full effect
    in the targeted places (``target.places`` and/or every place of
    ``target.country``). The effect ``st.prevention`` builds up through a two-stage
    lag (``state.prevention_tau``: half after about 20 months) and fades the same way
    when the programme stops. Violence falls only as the groups shrink: their
    predation and contests need members. It changes no enforcement input, so cocaine
    flows do not respond to it directly (F10).
    """

    kind = "crime_prevention"
    size_unit = "reduction share at full effect (0-1)"
    description = "Lowers recruitment into groups with a lag (st.prevention)."
    size_bounds = (0.0, 1.0)

    def validate_targets(self, sim: Sim, file: str, line: int | None) -> list:
        probs = super().validate_targets(sim, file, line)
        if not self.target.get("places") and not self.target.get("country"):
            from ..scenario import Problem

            probs.append(
                Problem(
                    file,
                    self.field_line("target", line),
                    "target",
                    "'crime_prevention' needs places or a country",
                )
            )
        return probs

    def init(self, sim: Sim) -> None:
        self._places = self.place_indices(sim)

    def step(self, sim: Sim, t: int) -> None:
        lv = sim.state.levers
        lv.prevention_target[self._places] = 1.0 - (1.0 - lv.prevention_target[self._places]) * (
            1.0 - self.size
        )


@intervention
@dataclass(eq=True)
class USDemandReduction(Intervention):
    """Prevention and treatment in the United States: shift the US demand curve down.

    ``size`` (0-1) is the relative shift sought (0.1 = 10% less cocaine
    demanded at every price). ``st.demand_multiplier["usa"]`` moves towards
    ``1 - size`` with ``state.demand_tau`` (24 months) and back when the
    programme ends; the markets module multiplies demand by it. Demand
    elasticity around -0.5 (NRC 2001, mechanisms.md (b)) sets how prices respond.
    """

    kind = "us_demand_reduction"
    size_unit = "relative shift of the demand curve (0-1)"
    description = "Shifts the US demand curve (st.demand_multiplier['usa'])."
    size_bounds = (0.0, 1.0)

    def step(self, sim: Sim, t: int) -> None:
        cut = sim.state.levers.demand_cut
        cut["usa"] = 1.0 - (1.0 - cut["usa"]) * (1.0 - self.size)


@intervention
@dataclass(eq=True)
class UnilateralAllocation(Intervention):
    """Each targeted country spends its own budget against the flow on its own territory.

    ``size`` is the total budget in effort units (1 unit = 1,000 personnel-
    equivalents), split among the countries (``split``: ``flow`` = in
    proportion to the flow each saw over the year before ``start``, ``equal``,
    or ``capacity`` = in proportion to its own enforcement capacity). Each
    month a country spreads its budget over the links of its jurisdiction in
    proportion to the flow it saw on them last month. Capacity is subject to
    the country's corruption like any other effort.
    """

    kind = "unilateral_allocation"
    size_unit = "effort units (budget)"
    description = "Each country spends its own budget against its own flow (F8)."
    required_targets = ("country",)
    choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "split": ("flow", "equal", "capacity"),
        "rule": ("seizures", "flow"),
    }
    split: str = "flow"
    rule: str = "seizures"
    late = True

    def init(self, sim: Sim) -> None:
        self._j = self.juris_indices(sim)
        self._budgets: dict[int, float] | None = None
        self.last_allocation = np.zeros(sim.net.n_links)

    def budgets(self, sim: Sim) -> dict[int, float]:
        """Budget of each jurisdiction (effort units), fixed at the first active month."""
        net, st = sim.net, sim.state
        if self.split == "equal":
            w = np.ones(len(self._j))
        elif self.split == "capacity":
            w = np.asarray(getattr(st, "base_effort", st.effort)[self._j].sum(axis=1), dtype=float)
        else:
            f = getattr(st, "link_flow_avg", getattr(st, "link_inflow", np.zeros(net.n_links)))
            w = np.bincount(net.link_juris, weights=f, minlength=len(net.juris_ids))[self._j]
        if w.sum() <= 0:
            w = np.ones(len(self._j))
        w = w / w.sum()
        return {int(j): float(self.size * x) for j, x in zip(self._j, w, strict=True)}

    def step(self, sim: Sim, t: int) -> None:
        if self._budgets is None:
            self._budgets = self.budgets(sim)
        w = marginal_seizure_share(sim) if self.rule == "seizures" else None
        e = unilateral_allocation(sim, self._budgets, weight=w)
        self.last_allocation = e
        sim.state.link_extra_effort += e * link_corruption_factor(sim)


@intervention
@dataclass(eq=True)
class CoordinatedAllocation(Intervention):
    """One regional budget goes to the links that most cut the tons delivered to the US.

    ``size`` is the total budget in effort units, spent over the links of the
    targeted countries' jurisdictions. Every ``reoptimize_months`` (default: every
    month, as fast as the unilateral enforcers react to the flow they see) the greedy
    heuristic of :func:`isthmus.policy.allocation.coordinated_allocation`
    splits it into ``steps`` chunks and gives each chunk to the link with the
    largest reduction of US-delivered tons per unit, allowing for the
    traffickers' re-routing (their route-choice model evaluated under the new
    risks). ``objective`` is ``usa`` (tons delivered to the US, the default) or
    ``total`` (tons delivered to every market: DESIGN.md's "one regional
    allocation against the total flow"). Capacity is subject to each country's
    corruption.
    """

    kind = "coordinated_allocation"
    size_unit = "effort units (budget)"
    description = (
        "One regional budget against the whole flow to the US, allowing for re-routing (F8)."
    )
    required_targets = ("country",)
    choices: ClassVar[dict[str, tuple[str, ...]]] = {"objective": ("usa", "total")}
    reoptimize_months: int = 1
    steps: int = 12
    objective: str = "usa"
    late = True

    def init(self, sim: Sim) -> None:
        self._cand = self.link_mask(sim)
        self._last = -(10**9)
        self.last_allocation = np.zeros(sim.net.n_links)

    def step(self, sim: Sim, t: int) -> None:
        if t - self._last >= max(self.reoptimize_months, 1):
            markets = ("usa",) if self.objective == "usa" else ("usa", "europe")
            self.last_allocation = coordinated_allocation(
                sim, self.size, self._cand, steps=max(self.steps, 1), markets=markets
            )
            self._last = t
        sim.state.link_extra_effort += self.last_allocation * link_corruption_factor(sim)


@intervention
@dataclass(eq=True)
class LinkEffort(Intervention):
    """A fixed extra effort on named links: an allocation written out link by link.

    ``links`` is a list of ``{from, to, mode, effort_units}`` (effort units, 1 unit =
    1,000 personnel-equivalents as in the ``countries`` table), each naming a link of
    ``links.csv``; ``size`` scales them all (1 = as listed). Each active month the
    effort is added to those links, subject to the corruption of each link's
    jurisdiction like any other capacity (effective effort = units x (1 -
    corruption)). It is what ``isthmus optimize`` writes, so an optimised allocation
    can be edited, re-run and compared as a policy file:

    .. code-block:: yaml

        - type: link_effort
          start: 2008-01
          end: 2012-12
          links:
            - {from: GT-IZ, to: MX-CHP, mode: land, effort_units: 1.5}
    """

    kind = "link_effort"
    size_unit = "multiplier of the listed effort units (1 = as listed)"
    description = "Fixed extra effort units on named links (an optimised allocation)."
    size: float = 1.0
    links: list = field(default_factory=list)
    late = True
    lever: ClassVar[bool] = False  # not a dashboard slider: it lists links

    LINK_KEYS: ClassVar[tuple[str, ...]] = ("from", "to", "mode", "effort_units")

    def __post_init__(self) -> None:
        # Entries read from YAML carry their line number: keep the plain mapping only.
        if isinstance(self.links, list):
            self.links = [
                {a: b for a, b in e.items() if a != LINE_KEY} if isinstance(e, dict) else e
                for e in self.links
            ]

    def _entries(self) -> list[tuple[int, dict | None, str | None]]:
        """(position, entry, problem) for each listed link (problem None when well formed)."""
        out = []
        for k, e in enumerate(self.links if isinstance(self.links, list) else [self.links]):
            if not isinstance(e, dict):
                out.append(
                    (k, None, f"entry {k + 1} must be a mapping of {', '.join(self.LINK_KEYS)}")
                )
                continue
            e = {a: b for a, b in e.items() if a != LINE_KEY}
            missing = [a for a in self.LINK_KEYS if a not in e]
            extra = sorted(set(e) - set(self.LINK_KEYS))
            num = e.get("effort_units")
            ok_num = (
                not isinstance(num, bool)
                and isinstance(num, (int, float))
                and np.isfinite(num)
                and num >= 0
            )
            if missing or extra:
                out.append(
                    (
                        k,
                        None,
                        f"entry {k + 1}: needs {', '.join(self.LINK_KEYS)}"
                        + (f"; unknown {', '.join(extra)}" if extra else ""),
                    )
                )
            elif not ok_num:
                out.append((k, None, f"entry {k + 1}: effort_units '{num}' is not a number >= 0"))
            else:
                out.append((k, e, None))
        return out

    def validate_targets(self, sim: Sim, file: str, line: int | None) -> list:
        from ..scenario import Problem

        probs = super().validate_targets(sim, file, line)
        index = _link_index(sim)
        for _k, e, msg in self._entries():
            if msg is not None:
                probs.append(Problem(file, line, "links", msg))
            elif (str(e["from"]), str(e["to"]), str(e["mode"])) not in index:
                probs.append(
                    Problem(
                        file,
                        line,
                        "links",
                        f"no link {e['from']} -> {e['to']} ({e['mode']}) in links.csv",
                    )
                )
        return probs

    def init(self, sim: Sim) -> None:
        index = _link_index(sim)
        units = np.zeros(sim.net.n_links)
        for _k, e, msg in self._entries():
            key = None if msg else (str(e["from"]), str(e["to"]), str(e["mode"]))
            if key in index:
                units[index[key]] += float(e["effort_units"])
        self._units = units * self.size
        self.last_applied = np.zeros(sim.net.n_links)

    def step(self, sim: Sim, t: int) -> None:
        if not hasattr(self, "_units"):  # stepped without init
            self.init(sim)
        self.last_applied = self._units * link_corruption_factor(sim)
        sim.state.link_extra_effort += self.last_applied

    def effort_units(self, sim: Sim) -> np.ndarray:
        """Effort units (before corruption) on every link of ``sim``'s network."""
        if not hasattr(self, "_units"):
            self.init(sim)
        return self._units.copy()


def _link_index(sim: Sim) -> dict[tuple[str, str, str], int]:
    """(from, to, mode) -> link index of a compiled network (cached on the network)."""
    from ..engine.network import MODES

    net = sim.net
    cached = getattr(net, "_link_key_index", None)
    if cached is None:
        ids = net.place_ids
        cached = {
            (ids[a], ids[b], MODES[m]): i
            for i, (a, b, m) in enumerate(
                zip(
                    net.link_from.tolist(),
                    net.link_to.tolist(),
                    net.link_mode.tolist(),
                    strict=True,
                )
            )
        }
        net._link_key_index = cached
    return cached
