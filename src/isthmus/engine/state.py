"""Step 7, the state: policies take effect; capacity, presence and corruption evolve.

The state of each country (in ``net.countries`` order) is read from the
``countries`` table and then evolves month by month with its own time
constants (DESIGN.md, F9): enforcement capacity by service (police,
military, navy, air, international support), corruption, justice capacity,
and state presence by place. Interventions (:mod:`isthmus.policy`) never set
an outcome: they move the *drives* of these stocks or add effort, and this
step integrates the stocks and sets the inputs of the coming month.

Effective enforcement effort by jurisdiction and mode class is capacity x
(1 - corruption) (mechanisms.md (e)) times the multipliers of the active
interventions: ``st.effort = base x enf_mult``. As corruption is a state
variable, anti-corruption makes the same capacity more effective.

Slow levers are two-stage lags (a pipeline, then the effect), so that their
build-up is S-shaped: half the effect after about 1.68 time constants.

- police reform: the police capacity gain G of a country moves towards the
  reform's target at the rate ``(1 - police_corruption_drag x corruption) /
  police_tau`` (corruption slows vetting, training and retention). Trained
  police stay when the reform ends.
- anti-corruption and justice capacity relax towards their targets with
  ``corruption_tau`` and ``justice_tau``; they relapse when the programme ends.
- crime prevention: ``st.prevention`` (per place, 0-1) is the lagged share by
  which recruitment and baseline violence are reduced (``prevention_tau``).
- US demand reduction: ``st.demand_multiplier`` shifts the demand curve of a
  market with ``demand_tau``.
- military deployment: fast and temporary (``st.deployed_personnel``, effort
  on the land links into the places; nothing remains when it ends).
- kingpin strategy: leader removals, ``st.kingpin_events`` (actor ids).

State-contract attributes set here (read by the other modules with getattr
defaults, from their first ``step``; they are set after the other modules'
``init``): ``effort``, ``enf_mult``, ``link_extra_effort``, ``presence``,
``corruption_c``, ``justice_c``, ``police_gain``, ``prevention``,
``demand_multiplier``, ``deployed_personnel``, ``kingpin_events``,
``justice_pressure`` (per place, 1/month) and ``strength_pressure`` (per actor
in ``scenario.actors`` order, 1/month: the share of a group's strength that
prosecution removes each month; the groups module subtracts it).

Examples
--------
>>> from isthmus import Sim
>>> sim = Sim("central-america", seed=0, policies=[{"type": "anti_corruption",
...     "start": "2001-01", "target": {"country": "GTM"}, "size": 0.5}])
>>> res = sim.run()
>>> g = sim.net.countries.index("GTM")
>>> bool(sim.state.corruption_c[g] < 0.55)
True
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..scenario import Problem, ScenarioError
from ..scenario.loader import table_records
from .kernels import lever_flags, prosecution_pressure, running_mean
from .params import Param
from .sim import Module, Sim, register

CLASSES = ("land", "sea", "air", "container")
SERVICES = ("police", "military", "navy", "air")
# Services acting on each class (why: see network.MODE_SERVICES).
CLASS_SERVICES = {
    "land": ("police", "military"),
    "sea": ("navy",),
    "air": ("air",),
    "container": ("police",),
}
MARKETS = ("usa", "europe")
# Schema defaults for countries missing from the table (see schema/countries.csv).
DEFAULT_JUSTICE = 0.3
DEFAULT_PRESENCE = 0.5


def _clip01(x: np.ndarray) -> np.ndarray:
    """``np.clip(x, 0, 1)`` without its Python wrapper (same values)."""
    return np.minimum(np.maximum(x, 0.0), 1.0)


def _num(row, key: str, default: float) -> float:  # noqa: ANN001 - a row (pandas or dict)
    v = row.get(key, default) if hasattr(row, "get") else default
    try:
        v = float(v)
    except (TypeError, ValueError):
        return default
    return default if not np.isfinite(v) else v


def country_rows(sim: Sim) -> dict[str, dict]:
    """The countries table as ``{id: row}`` (plain dicts: a pandas row lookup per country
    and attribute costs more than reading the whole table).

    Examples
    --------
    >>> from isthmus import Sim
    >>> country_rows(Sim("central-america"))["GTM"]["id"]
    'GTM'
    """
    return {str(r["id"]): r for r in table_records(sim.scenario.countries)}


def capacity_split(sim: Sim) -> tuple[np.ndarray, np.ndarray]:
    """Capacity before corruption (jurisdictions x classes), split into police and other.

    International support is lent to every service in proportion to its size,
    so it scales both parts by the same factor.
    """
    net = sim.net
    c = country_rows(sim)
    police = np.zeros((len(net.juris_ids), len(CLASSES)))
    other = np.zeros_like(police)
    for j, jid in enumerate(net.juris_ids):
        row = c.get(jid)
        if row is None:
            continue
        own = {s: _num(row, s, 0.0) for s in SERVICES}
        tot = sum(own.values())
        scale = 1.0 + (_num(row, "international_support", 0.0) / tot if tot > 0 else 0.0)
        for k, cls in enumerate(CLASSES):
            police[j, k] = scale * sum(own[s] for s in CLASS_SERVICES[cls] if s == "police")
            other[j, k] = scale * sum(own[s] for s in CLASS_SERVICES[cls] if s != "police")
    return police, other


def base_effort(sim: Sim) -> np.ndarray:
    """Effective effort (jurisdictions x classes) from the countries table, before policies.

    Examples
    --------
    >>> from isthmus import Sim
    >>> e = base_effort(Sim("central-america"))
    >>> bool(e.shape[1] == 4 and (e >= 0).all())
    True
    """
    police, other = capacity_split(sim)
    c = country_rows(sim)
    corr = np.array([_num(c[j], "corruption", 0.0) if j in c else 0.0 for j in sim.net.juris_ids])
    return (police + other) * (1.0 - corr)[:, None]


def validate_interventions(sim: Sim) -> None:
    """Raise :class:`ScenarioError` naming file and line for every unknown target."""
    problems: list[Problem] = []
    for iv in sim.interventions:
        file = getattr(iv, "_file", "policies")
        line = getattr(iv, "_line", None)
        problems.extend(iv.validate_targets(sim, file, line))
    if problems:
        raise ScenarioError(problems)


@register
class State(Module):
    name = "state"
    params: dict[str, Param] = {
        "police_tau": Param(
            18.0,
            "months",
            9.0,
            36.0,
            "assumption: recruiting, vetting and training police take years (a police academy "
            "course of about a year, then field training; Fruhling 2009 on Latin American police "
            "reforms, recalled); two stages of 18 months give half the effect after ~2.5 years "
            "where corruption is nil; sensitivity: docs/policies.md",
            "Time constant of each of the two stages of a police reform's build-up.",
        ),
        "police_corruption_drag": Param(
            1.0,
            "1",
            0.5,
            1.5,
            "assumption: corrupt commanders slow vetting and purges and new recruits are drawn "
            "in (Fruhling 2009; Dammert 2019 on Honduras' police purges, recalled): the rate "
            "falls in proportion to corruption; at corruption 0.55 a reform builds up 2.2x "
            "slower; sensitivity: docs/policies.md",
            "How much corruption slows police reform: rate x (1 - drag x corruption).",
        ),
        "corruption_tau": Param(
            36.0,
            "months",
            12.0,
            96.0,
            "assumption: anti-corruption agencies cut police corruption within 3-5 years "
            "(Hong Kong ICAC from 1974; Georgia's police reform 2004-06)",
            "Time constant of corruption moving towards its target.",
        ),
        "justice_tau": Param(
            24.0,
            "months",
            12.0,
            60.0,
            "assumption: new prosecution units and courts take 1-3 years to convict (CICIG, "
            "Guatemala, from 2007)",
            "Time constant of justice capacity moving towards its target.",
        ),
        "justice_attrition": Param(
            0.02,
            "1/month",
            0.0,
            0.08,
            "assumption: a fully capable justice system with full presence removes ~2% of a "
            "group's members a month (the groups module's value, groups.justice_attrition)",
            "Share of a group's strength removed each month at justice capacity 1 and presence 1.",
        ),
        "presence_tau": Param(
            48.0,
            "months",
            24.0,
            120.0,
            "assumption: posts, roads and courts in remote territory take years to build "
            "(a half-life of about three years); sensitivity: docs/policies.md",
            "Time constant of state presence moving towards its target.",
        ),
        "presence_police_elasticity": Param(
            0.5,
            "1",
            0.0,
            1.0,
            "assumption: presence rises less than in proportion to police capacity",
            "Elasticity of the presence target to (1 + police capacity gain).",
        ),
        "prevention_tau": Param(
            12.0,
            "months",
            6.0,
            24.0,
            "assumption: prevention programmes act through recruitment and take 1-3 years to "
            "show (Abt & Winship 2016, USAID review of violence prevention in Central America); "
            "two stages of 12 months give half the effect after ~20 months",
            "Time constant of each of the two stages of crime prevention's effect.",
        ),
        "demand_tau": Param(
            24.0,
            "months",
            12.0,
            60.0,
            "assumption: prevention and treatment shift demand over years (NRC 2001)",
            "Time constant of a demand-curve shift.",
        ),
        "flow_memory": Param(
            0.9,
            "1/month",
            0.5,
            0.97,
            "assumption: enforcers judge where the flow is from about a year of seizures",
            "Monthly discount of the average link flow that allocations respond to.",
        ),
    }

    def __init__(self, sim: Sim):
        super().__init__(sim)
        # Unknown countries, places, modes, groups or segments stop the run before it starts.
        validate_interventions(sim)

    # -- set-up -----------------------------------------------------------------------
    def init(self) -> None:
        sim, net, st = self.sim, self.sim.net, self.sim.state
        nC = len(net.countries)
        c = country_rows(sim)
        rows = [c.get(x) for x in net.countries]
        self.corr0 = np.array([_num(r, "corruption", 0.0) if r is not None else 0.0 for r in rows])
        self.justice0 = np.array(
            [_num(r, "justice_capacity", DEFAULT_JUSTICE) if r is not None else 0.0 for r in rows]
        )
        pres_c = np.array(
            [_num(r, "presence", DEFAULT_PRESENCE) if r is not None else 0.0 for r in rows]
        )
        pc = net.place_country_idx
        self.presence0 = np.where(pc >= 0, pres_c[np.maximum(pc, 0)], 0.0)
        # Jurisdiction -> country index (-1: a jurisdiction that is not a country row).
        self.jc = np.array(
            [net.countries.index(j) if j in net.countries else -1 for j in net.juris_ids],
            dtype=np.int64,
        )
        self.police_cap, self.other_cap = capacity_split(sim)
        # Stocks.
        self.police_pipe = np.zeros(nC)  # reform pipeline (recruited, in training)
        st.police_gain = np.zeros(nC)  # relative gain of police capacity in service
        st.corruption_c = self.corr0.copy()
        st.justice_c = self.justice0.copy()
        st.presence = self.presence0.copy()
        self.prev_pipe = np.zeros(net.n_places)
        self._police_on = self._prev_on = False  # skip the stocks no lever has moved
        st.prevention = np.zeros(net.n_places)
        st.demand_multiplier = {m: 1.0 for m in MARKETS}
        st.deployed_personnel = np.zeros(net.n_places)
        st.kingpin_events = []
        # Actor slots (the groups step's, with its latent factions) and their homes.
        self.actor_ids = list(
            getattr(st, "actor_ids", None) or [str(a) for a in sim.scenario.actors["id"]]
        )
        homes = getattr(st, "actor_home", None)
        if homes is None:
            homes = [
                np.array(
                    [
                        net.place_index[p.strip()]
                        for p in str(h or "").split(";")
                        if p.strip() in net.place_index
                    ],
                    dtype=np.int64,
                )
                for h in sim.scenario.actors["home_places"]
            ]
            st.actor_home = homes
        st.strength_pressure = np.zeros(len(self.actor_ids))
        st.justice_pressure = np.zeros(net.n_places)
        st.link_flow_avg = np.zeros(net.n_links)
        self._flow_w = 0.0
        for iv in sim.interventions:
            iv.init(sim)
        self.order = [iv for iv in sim.interventions if not iv.late] + [
            iv for iv in sim.interventions if iv.late
        ]
        rec = sim.rec
        jur = ["transit_zone" if j == "XTZ" else j for j in net.juris_ids]
        rec.declare("state_effort", jur, "effort units", agg="mean")
        rec.declare("corruption", list(net.countries), "0-1", agg="mean")
        rec.declare("justice_capacity", list(net.countries), "0-1", agg="mean")
        rec.declare("police_capacity_gain", list(net.countries), "0-1", agg="mean")
        rec.declare("state_presence", list(net.countries), "0-1", agg="mean")
        rec.declare("prevention", list(net.countries), "0-1", agg="mean")
        rec.declare("deployed_personnel", list(net.countries), "persons", agg="mean")
        self.n_place_c = np.bincount(pc[pc >= 0], minlength=nC).astype(float)
        # Constants of the monthly step (why: the step runs 192 times a run; nothing here
        # changes within a run).
        self._ok = np.flatnonzero(pc >= 0)
        self._pc_ok = pc[self._ok]
        self._n_rec = np.maximum(self.n_place_c, 1.0)
        self._ext_gain = np.zeros(nC + 1)  # [police_gain, 0]: jurisdictions without a country
        self._ext_corr = np.zeros(nC + 1)
        self._ext_jus = np.zeros(nC + 1)
        # Months in which each intervention is active (policies do not change in a run);
        # a lever with its own ``active`` rule is asked every month.
        self._windows = [
            (iv, *iv.months(sim)) if not getattr(iv, "custom_active", False) else (iv, None, None)
            for iv in self.order
        ]
        # The interventions due each month, in their order: those whose window holds the
        # month and those with their own rule (asked each month), listed once.
        self._due: dict[int, list[tuple[Any, bool]]] = {t: [] for t in range(sim.n_months)}
        for iv, t0, t1 in self._windows:
            n = sim.n_months
            months = range(n) if t0 is None else range(max(t0, 0), min(t1, n - 1) + 1)
            for t in months:
                self._due[t].append((iv, t0 is None))
        self._rec_cache: dict[str, tuple[object, np.ndarray]] = {}
        # Stocks at rest (at their neutral target with no lever on them) are not
        # integrated; effort and prosecution pressure are reused while their inputs are
        # the same objects.
        self._corr_target0 = _clip01(self.corr0 * 1.0)
        self._jus_target0 = _clip01(self.justice0 + 0.0)
        self._corr_rest = bool((st.corruption_c == self._corr_target0).all())
        self._jus_rest = bool((st.justice_c == self._jus_target0).all())
        self._effort_key: tuple | None = None
        self._press_key: tuple | None = None
        self._home_key: tuple | None = None  # (homes, their _home_index)
        self._no_ctrl = np.zeros(0, dtype=np.int64)
        self.prepare(0, integrate=False)

    # -- one month ----------------------------------------------------------------------
    def _reset_levers(self) -> None:
        """Neutral inputs; the active interventions then move them for the coming month."""
        net, st = self.sim.net, self.sim.state
        st.enf_mult = np.ones(self.police_cap.shape)
        st.link_extra_effort = np.zeros(net.n_links)
        st.link_troop_effort = np.zeros(net.n_links)  # deployed troops, at the land rate
        st.deployed_personnel = np.zeros(net.n_places)
        st.kingpin_events = []
        lv = getattr(st, "levers", None)
        if lv is None:
            nC = len(net.countries)
            st.levers = SimpleNamespace(
                police_target=np.zeros(nC),  # relative police capacity gain sought by reforms
                police_active=np.zeros(nC, dtype=bool),
                corruption_factor=np.ones(nC),  # multiplies the corruption target
                justice_add=np.zeros(nC),  # added to the justice capacity target
                prevention_target=np.zeros(net.n_places),  # 0-1 reduction sought
                demand_cut={m: 0.0 for m in MARKETS},  # relative demand-curve shift sought
            )
            return
        # The levers live one month: reset in place (no intervention keeps them).
        lv.police_target.fill(0.0)
        lv.police_active.fill(False)
        lv.corruption_factor.fill(1.0)
        lv.justice_add.fill(0.0)
        lv.prevention_target.fill(0.0)
        for m in MARKETS:
            lv.demand_cut[m] = 0.0

    def _integrate(self) -> None:
        """Advance the slow stocks by one month towards the targets set by the levers."""
        st, p, lv = self.sim.state, self.p, self.sim.state.levers
        corr = st.corruption_c
        pc = self.sim.net.place_country_idx  # -1 (no country) picks the appended 0 below
        # Which levers are set this month (compiled: the any/all of the four arrays at once).
        police_set, corr_neutral, justice_set, prevention_set = lever_flags(
            lv.police_active, lv.corruption_factor, lv.justice_add, lv.prevention_target
        )
        # Police reform: a two-stage lag slowed by corruption; trained police stay.
        if self._police_on or police_set:
            self._police_on = True
            rate = np.clip((1.0 - p.police_corruption_drag * corr) / p.police_tau, 0.0, 1.0)
            act = lv.police_active
            self.police_pipe[act] += rate[act] * (lv.police_target[act] - self.police_pipe[act])
            st.police_gain = st.police_gain + rate * (self.police_pipe - st.police_gain)
            # Presence follows police capacity, slowly.
            gain = np.append(st.police_gain, 0.0)[pc]
            target_p = np.minimum(
                self.presence0 * (1.0 + gain) ** p.presence_police_elasticity, 1.0
            )
            st.presence = st.presence + (target_p - st.presence) / p.presence_tau
        # Corruption and justice relax towards their targets (and relapse when programmes end).
        # A stock at its target with no lever on it stays as it is (x + 0 / tau == x), and
        # keeps its identity so that what depends on it only is not recomputed.
        if not (self._corr_rest and corr_neutral):
            target_c = _clip01(self.corr0 * lv.corruption_factor)
            st.corruption_c = corr + (target_c - corr) / p.corruption_tau
            self._corr_rest = bool((st.corruption_c == self._corr_target0).all())
        if not (self._jus_rest and not justice_set):
            target_j = _clip01(self.justice0 + lv.justice_add)
            st.justice_c = st.justice_c + (target_j - st.justice_c) / p.justice_tau
            self._jus_rest = bool((st.justice_c == self._jus_target0).all())
        # Crime prevention: a two-stage lag; the effect fades when programmes stop.
        if self._prev_on or prevention_set:
            self._prev_on = True
            a = 1.0 / p.prevention_tau
            self.prev_pipe += a * (lv.prevention_target - self.prev_pipe)
            st.prevention = np.clip(st.prevention + a * (self.prev_pipe - st.prevention), 0.0, 1.0)
        for m in MARKETS:
            tgt = max(1.0 - lv.demand_cut[m], 0.0)
            st.demand_multiplier[m] += (tgt - st.demand_multiplier[m]) / p.demand_tau

    def _effort(self) -> np.ndarray:
        """capacity x (1 - corruption), police capacity raised by reforms."""
        st, nC = self.sim.state, len(self.corr0)
        key = self._effort_key
        if key is not None and key[0] is st.police_gain and key[1] is st.corruption_c:
            return key[2]  # neither stock moved this month
        self._ext_gain[:nC] = st.police_gain
        self._ext_corr[:nC] = st.corruption_c
        gain = self._ext_gain[self.jc]
        corr = self._ext_corr[self.jc]
        cap = self.police_cap * (1.0 + gain)[:, None] + self.other_cap
        out = cap * (1.0 - corr)[:, None]
        self._effort_key = (st.police_gain, st.corruption_c, out)
        return out

    def _pressure(self) -> None:
        """Prosecution pressure on groups: justice capacity x presence, per place and actor.

        An actor's pressure is the mean over the places it controls (its home places
        when it controls none).
        """
        net, st = self.sim.net, self.sim.state
        na = len(self.actor_ids)
        nC = len(self.corr0)
        self._ext_jus[:nC] = st.justice_c
        if not na:
            jus = self._ext_jus[net.place_country_idx]
            st.justice_pressure = self.p.justice_attrition * jus * st.presence
            return
        homes = st.actor_home
        key = self._home_key
        # The homes change only when a group splits (a new list entry): the index arrays
        # of the previous month are reused while every entry is the same array object.
        if (
            key is None
            or len(key[0]) != len(homes)
            or any(a is not b for a, b in zip(key[0], homes, strict=True))
        ):
            key = self._home_key = (list(homes), self._home_index(homes))
        owner, places, lens = key[1]
        ctrl = getattr(st, "controller", None)
        # (compiled: the per-place pressure, _home_means and the means over the places
        # controlled, bit for bit)
        st.justice_pressure, st.strength_pressure = prosecution_pressure(
            self._ext_jus,
            net.place_country_idx,
            np.asarray(st.presence, dtype=float),
            float(self.p.justice_attrition),
            owner,
            places,
            lens,
            na,
            self._no_ctrl if ctrl is None else ctrl,
            ctrl is not None,
        )

    @staticmethod
    def _home_index(homes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What :meth:`_home_means` needs of the homes alone: each entry's actor, the
        places in one array, and the number of places of each actor."""
        lens = np.fromiter((len(h) for h in homes), dtype=np.int64, count=len(homes))
        if not lens.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), lens
        owner = np.repeat(np.arange(len(homes)), lens)
        return owner, np.concatenate(homes), lens

    @staticmethod
    def _home_means(
        homes: list[np.ndarray],
        x: np.ndarray,
        na: int,
        index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Mean of ``x`` over each actor's home places (0 for an actor without any).

        One ``bincount`` for all actors instead of a ``mean`` per actor (why: the step runs
        every month). numpy sums fewer than 8 values one after the other, as ``bincount``
        does, so the means are the same to the last bit; longer homes (none in the shipped
        scenario) keep ``mean``. ``index`` is :meth:`_home_index` of ``homes`` when the
        caller has it.

        Examples
        --------
        >>> State._home_means([np.array([0, 2]), np.array([], dtype=int)], np.arange(3.0), 2)
        array([1., 0.])
        """
        owner, places, lens = State._home_index(homes) if index is None else index
        out = np.zeros(na)
        if not lens.any():
            return out
        sums = np.bincount(owner, weights=x[places], minlength=na)
        has = lens > 0
        out[has] = sums[has] / lens[has]
        for a in np.flatnonzero(lens >= 8):
            out[a] = x[homes[a]].mean()
        return out

    def prepare(self, t: int, integrate: bool = True) -> None:
        """Set the inputs of month ``t``: levers from the active interventions, then stocks."""
        sim, st = self.sim, self.sim.state
        self._reset_levers()
        due = self._due.get(t)
        if due is None:  # a month outside the run: as listed in init
            due = self._due[t] = [
                (iv, t0 is None) for iv, t0, t1 in self._windows if t0 is None or t0 <= t <= t1
            ]
        for iv, ask in due:
            if not ask or iv.active(sim, t):
                iv.step(sim, t)
        if integrate:
            self._integrate()
        st.base_effort = self._effort()
        st.effort = st.base_effort * st.enf_mult
        self._pressure()

    def _by_country(self, key: str, x: np.ndarray, how: str) -> np.ndarray:
        """Sum (or mean) of a per-place array by country; reused while ``x`` is unchanged."""
        hit = self._rec_cache.get(key)
        if hit is not None and hit[0] is x:
            return hit[1]
        nC = len(self.corr0)
        out = np.bincount(self._pc_ok, weights=x[self._ok], minlength=nC)
        if how == "mean":
            out = out / self._n_rec
        # Stocks that no lever moves stay the same object (see _integrate); a
        # deployment writes a fresh array each month.
        self._rec_cache[key] = (x, out)
        return out

    def _record(self, t: int) -> None:
        net, st, rec = self.sim.net, self.sim.state, self.sim.rec
        rec["state_effort"][t] = st.effort.sum(axis=1) + np.bincount(
            net.link_juris, weights=st.link_extra_effort, minlength=len(net.juris_ids)
        )
        rec["corruption"][t] = st.corruption_c
        rec["justice_capacity"][t] = st.justice_c
        rec["police_capacity_gain"][t] = st.police_gain
        rec["state_presence"][t] = self._by_country("presence", st.presence, "mean")
        rec["prevention"][t] = self._by_country("prevention", st.prevention, "mean")
        dp = st.deployed_personnel
        if dp.any():
            rec["deployed_personnel"][t] = np.bincount(
                self._pc_ok, weights=dp[self._ok], minlength=len(self.corr0)
            )

    def step(self, t: int) -> None:
        st = self.sim.state
        # The month's inputs as they applied, then the inputs of the next month.
        if not self.sim.spinning:  # spin-up months are not recorded (month 0 is written again)
            self._record(t)
        inflow = getattr(st, "link_inflow", None)
        if inflow is not None:
            m = self.p.flow_memory
            self._flow_w = m * self._flow_w + 1.0
            # (compiled: link_flow_avg + (inflow - link_flow_avg) / w, bit for bit)
            st.link_flow_avg = running_mean(
                st.link_flow_avg, np.asarray(inflow, dtype=float), self._flow_w
            )
        if self.sim.spinning:  # the spin-up keeps the first month's conditions
            self.prepare(0)
        elif t + 1 < self.sim.n_months:
            self.prepare(t + 1)
