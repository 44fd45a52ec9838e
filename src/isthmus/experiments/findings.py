"""The seed's findings F1-F10 as pre-registered experiments with fixed criteria.

F1-F7, F9 and F10 are the lines of the findings protocol
(``shared/acceptance/findings-protocol``, FINDINGS-PROTOCOL.md): the same scenario
variants, the same indicators, windows and thresholds. F8 is the coordination
experiment of ``isthmus optimize``. Every variant changes inputs only (policies,
production); the mechanisms produce the outcomes, and each variant runs on the same
seeds as the default run (common random numbers).

A *line* holds when its mean over the seeds meets its threshold **and** at least 80%
of the seeds meet it on their own (4 of 5, as the protocol); a finding holds when all
its lines hold. Criteria are fixed: a line that fails is reported failing.

Examples
--------
>>> rep = run_findings(seeds=1, ids=["F6"], workers=1)
>>> rep.findings[0].id, [ln["id"] for ln in rep.findings[0].lines]
('F6', ['F6'])
"""

from __future__ import annotations

import copy
import statistics
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..engine.sim import Results, Sim
from ..scenario import Scenario, load_scenario, parse_month

CA7 = ["GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN"]
NT = ["MEX", "GTM", "HND", "SLV"]
# The protocol's Guatemala-Honduras border departments (F3a, F3b).
BORDER = ["GT-IZ", "GT-ZA", "GT-CQ", "HN-CR", "HN-SB", "HN-CP", "HN-OC"]
CONTEST3 = ["MX-MIC", "MX-GRO", "MX-TAM"]
COAST = ["HN-GD", "HN-CL", "HN-AT"]
GANGS = ("MS13:", "BARRIO18:")
CONTEST = ("homicides_contest", "homicides_succession")
SECONDARY = ("migrant_smuggling", "human_trafficking", "firearms")
SEED_SHARE = 0.8  # a line also needs this share of seeds on its own (4 of 5)


# ---------------------------------------------------------------------------
# the protocol's scenario variants (inputs only)


def _as_list(x: Any) -> list:
    return [] if x is None else [x] if isinstance(x, str) else list(x)


def mexican_groups(sc: Scenario) -> set[str]:
    """Groups based in Mexico: every home place is a Mexican state."""
    out = set()
    for r in sc.actors.itertuples(index=False):
        homes = [h.strip() for h in str(getattr(r, "home_places", "") or "").split(";") if h]
        if homes and all(h.startswith("MX-") for h in homes):
            out.add(str(r.id))
    return out


def is_mexican(p: dict, groups: set[str]) -> bool:
    """A policy of Mexico's: it targets Mexico, a Mexican place or segment, or a Mexican group."""
    t = p.get("target") or {}
    return (
        "MEX" in _as_list(t.get("country"))
        or any(str(x).startswith("MX-") for x in _as_list(t.get("places")))
        or any("MEX" in str(x) or "MX-" in str(x) for x in _as_list(t.get("segment")))
        or any(g in groups for g in _as_list(t.get("group")))
    )


def without_policies(sc: Scenario, pred: Callable[[dict], bool]) -> Scenario:
    """A copy of the scenario without the policies for which ``pred`` is true."""
    out = sc.copy()
    out.policies = [p for p in out.policies if not pred(p)]
    return out


def no2006(sc: Scenario) -> Scenario:
    """The scenario without Mexico's escalation from December 2006 on."""
    groups = mexican_groups(sc)
    return without_policies(
        sc, lambda p: is_mexican(p, groups) and str(p.get("start", "")) >= "2006-12"
    )


def abate(sc: Scenario, start: str = "2010-01", factor: float = 0.5) -> Scenario:
    """Andean production multiplied by ``factor`` from ``start`` (cocaine flows abate)."""
    out = sc.copy()
    s = out.tables["series"].copy()
    sel = (s["series"] == "production_t_per_year") & (s["date"].astype(str) >= start)
    if not sel.any():
        raise ValueError(f"no production_t_per_year rows from {start} on in series.csv")
    s.loc[sel, "value"] = s.loc[sel, "value"].astype(float) * factor
    out.tables["series"] = s
    return out


def with_supply_cut(sc: Scenario, start: str = "2010-01", factor: float = 0.5) -> Scenario:
    """A copy where Andean supply is multiplied by ``factor`` from ``start`` (an input change)."""
    out = sc.copy()
    y, m = parse_month(start)
    prev = f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"
    s = out.tables["series"]
    s = s[~((s["series"] == "supply_multiplier") & (s["region"] == "andes"))]
    src = "findings experiment: counterfactual supply cut"
    rows = pd.DataFrame(
        [
            {
                "_line": 0,
                "series": "supply_multiplier",
                "region": "andes",
                "date": prev,
                "value": 1.0,
                "unit": "1",
                "source": src,
            },
            {
                "_line": 0,
                "series": "supply_multiplier",
                "region": "andes",
                "date": start,
                "value": factor,
                "unit": "1",
                "source": src,
            },
        ]
    )
    out.tables["series"] = pd.concat([s, rows[s.columns]], ignore_index=True)
    return out


def _added(sc: Scenario, policy: dict) -> Scenario:
    out = sc.copy()
    out.policies = [*out.policies, policy]
    return out


VARIANTS: dict[str, Callable[[Scenario], Scenario]] = {
    "base": lambda sc: sc,
    "no2006": no2006,
    "abate": abate,
    "casurge": lambda sc: _added(
        sc,
        {
            "type": "interdiction_surge",
            "name": "protocol: Central American surge",
            "start": "2010-01",
            "target": {"country": list(CA7)},
            "size": 1.0,
            "source": "assumption: the findings protocol's displacement test",
        },
    ),
    "troops": lambda sc: _added(
        sc,
        {
            "type": "military_deployment",
            "name": "protocol: troops on the Honduran Caribbean coast",
            "start": "2008-01",
            "end": "2009-12",
            "target": {"places": list(COAST)},
            "size": 3000,
            "source": "assumption: the findings protocol's deployment test",
        },
    ),
    "prevent": lambda sc: _added(
        sc,
        {
            "type": "crime_prevention",
            "name": "protocol: prevention in El Salvador",
            "start": "2006-01",
            "target": {"country": "SLV"},
            "size": 0.5,
            "source": "assumption: the findings protocol's prevention test",
        },
    ),
}


class Lab:
    """Runs and caches the variants of one seed (the compiled network is shared)."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self.net = None
        self._cache: dict[str, Results] = {}
        self._tables: dict[str, dict] = {}

    def sim(
        self, key: str, seed: int, scenario: Scenario | None = None, policies: list | None = None
    ) -> Results:
        k = f"{key}|{seed}"
        if k not in self._cache:
            sim = Sim(scenario or self.sc, seed=seed, policies=policies, network=self.net)
            self.net = sim.net
            self._cache[k] = sim.run()
        return self._cache[k]

    def variant(self, name: str, seed: int) -> Results:
        return self.sim(name, seed, VARIANTS[name](self.sc))

    def base(self, seed: int) -> Results:
        return self.variant("base", seed)

    def table(self, name: str, seed: int) -> dict:
        """(indicator, region, year) -> value of a variant, as indicators_annual.csv holds it."""
        k = f"{name}|{seed}"
        if k not in self._tables:
            r = self.variant(name, seed)
            d: dict = {}
            for ind, s in r.series.items():
                if not getattr(s, "public", True):
                    continue
                years, vals = r._annual_values(s)
                for j, reg in enumerate(s.regions):
                    for i, y in enumerate(years):
                        v = float(vals[i, j])
                        if np.isfinite(v):
                            d[(ind, reg, int(y))] = v
            self._tables[k] = d
        return self._tables[k]


# ---------------------------------------------------------------------------
# the protocol's measures


def _tot(lab: Lab, v: str, s: int, ind: str, regions, years, match=None) -> float:  # noqa: ANN001
    d = lab.table(v, s)
    if match is not None:
        return sum(x for (i, reg, y), x in d.items() if i == ind and y in years and match(reg))
    return sum(d.get((ind, reg, y), 0.0) for reg in regions for y in years)


def _contest(lab: Lab, v: str, s: int, regions, years) -> float:  # noqa: ANN001
    return sum(_tot(lab, v, s, ind, regions, years) for ind in CONTEST)


def _mean_of(lab: Lab, v: str, s: int, ind: str, reg: str, years) -> float:  # noqa: ANN001
    d = lab.table(v, s)
    return statistics.mean(d.get((ind, reg, y), float("nan")) for y in years)


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf") if a > 0 else float("nan")


def _y(a: int, b: int) -> range:
    return range(a, b + 1)


def _nongang(act: str) -> Callable[[str], bool]:
    return lambda reg: reg.endswith(":" + act) and not reg.startswith(GANGS)


def _secondary(reg: str) -> bool:
    return any(reg.endswith(":" + a) for a in SECONDARY)


def _gang_extortion(reg: str) -> bool:
    return reg in ("MS13:extortion", "BARRIO18:extortion")


def _group_violence(lab: Lab, v: str, s: int) -> float:
    regs, yrs = ["MEX", "GTM", "HND"], _y(2012, 2015)
    return _contest(lab, v, s, regs, yrs) + _tot(lab, v, s, "homicides_predation", regs, yrs)


def _contest_part(lab: Lab, s: int) -> float:
    rise = _tot(lab, "base", s, "homicides", CONTEST3, [2006]) - _tot(
        lab, "base", s, "homicides", CONTEST3, [2003]
    )
    crise = _contest(lab, "base", s, CONTEST3, [2006]) - _contest(lab, "base", s, CONTEST3, [2003])
    return min(crise / rise, 1.0) if rise > 0 else 0.0


def _rest_of_mexico(lab: Lab, s: int, y: int) -> float:
    return _tot(lab, "base", s, "homicides", ["MEX"], [y]) - _tot(
        lab, "base", s, "homicides", CONTEST3, [y]
    )


# ---------------------------------------------------------------------------
# lines and findings


@dataclass
class Line:
    """One pre-registered comparison: a measure per seed and a fixed threshold."""

    id: str
    text: str
    measure: Callable[[Lab, int], float]
    op: str  # ">=", "<=" or "in"
    threshold: float | tuple[float, float]

    def test(self, x: float) -> bool:
        if not np.isfinite(x) and not np.isinf(x):
            return False
        if self.op == ">=":
            return x >= self.threshold
        if self.op == "<=":
            return x <= self.threshold
        if self.op == "<":
            return x < self.threshold
        lo, hi = self.threshold  # type: ignore[misc]
        return lo <= x <= hi

    @property
    def needs(self) -> str:
        if self.op == "in":
            return f"in [{self.threshold[0]}, {self.threshold[1]}]"  # type: ignore[index]
        return f"{self.op} {self.threshold}"


@dataclass
class Outcome:
    """The result of one finding's experiment for one seed: each line's measure."""

    lines: dict[str, float]
    detail: dict[str, float] = field(default_factory=dict)


@dataclass
class Finding:
    id: str
    finding: str
    experiment: str
    effect_label: str
    lines: list[Line]
    detail: Callable[[Lab, int], dict[str, float]] | None = None

    def run(self, lab: Lab, seed: int) -> Outcome:
        vals = {ln.id: float(ln.measure(lab, seed)) for ln in self.lines}
        return Outcome(vals, self.detail(lab, seed) if self.detail else {})


def _L(id: str, text: str, measure: Callable[[Lab, int], float], op: str, thr: Any) -> Line:
    return Line(id, text, measure, op, thr)


def _f8_detail(lab: Lab, seed: int) -> dict[str, float]:
    return _f8(lab, seed)


def _f8(lab: Lab, seed: int) -> dict[str, float]:
    """The coordination experiment's measures, computed once per lab and seed."""
    cache = lab.__dict__.setdefault("_f8", {})
    if seed not in cache:
        cache[seed] = f8_measures(lab, seed)
    return cache[seed]


# F8: the three-arm experiment of ``isthmus optimize`` (isthmus.optimize.plan): the same
# optimiser and the same 20-unit budget for a regional plan and for each country alone.
F8_COUNTRIES = ["GTM", "HND", "NIC", "CRI", "PAN", "BLZ", "SLV", "MEX"]
F8_BUDGET = 20.0
F8_WINDOW = ("2008-01", "2012-12")
F8_YEARS = range(2008, 2013)
_F8_PLANS: dict[str, dict[str, list[dict]]] = {}


def f8_policies(sc: Scenario) -> dict[str, list[dict]]:
    """The unilateral and coordinated allocations of F8 as ``link_effort`` policies.

    Planned once per scenario and process (on the optimiser's own training seeds, never
    on the seeds the finding is scored on) and cached.
    """
    from ..optimize.plan import OptimizeSpec, link_effort_policy, plan_allocations

    key = sc.hash()
    if key not in _F8_PLANS:
        spec = OptimizeSpec(
            sc,
            budget=F8_BUDGET,
            countries=F8_COUNTRIES,
            objective="us_delivered",
            start=F8_WINDOW[0],
            end=F8_WINDOW[1],
            workers=1,
        )
        plan = plan_allocations(spec)
        _F8_PLANS[key] = {
            arm: [
                link_effort_policy(
                    plan.network,
                    plan.units[arm],
                    *F8_WINDOW,
                    name=f"{arm} allocation of {F8_BUDGET:g} effort units (findings F8)",
                )
            ]
            for arm in ("unilateral", "coordinated")
        }
    return _F8_PLANS[key]


def f8_measures(lab: Lab, seed: int) -> dict[str, float]:
    """US deliveries and the flow pushed outside the participants, per arm (2008-12)."""
    from ..optimize.plan import market_countries

    def tot(r: Results, ind: str, regions) -> float:  # noqa: ANN001
        return float(sum(np.nansum([r.annual(ind, g, y) for y in F8_YEARS]) for g in regions))

    b = lab.base(seed)
    pols = f8_policies(lab.sc)
    u = lab.sim("f8-unilateral", seed, policies=pols["unilateral"])
    c = lab.sim("f8-coordinated", seed, policies=pols["coordinated"])
    du, dc = tot(u, "delivered_t", ["usa"]), tot(c, "delivered_t", ["usa"])
    markets = market_countries(lab.net)
    outside = [
        g
        for g in b.series["flow_t"].regions
        if len(g) == 3 and "-" not in g and g not in F8_COUNTRIES and g not in markets
    ]
    ob, ou, oc = (tot(r, "flow_t", outside) for r in (b, u, c))
    return {
        "us_delivered_status_quo_t": tot(b, "delivered_t", ["usa"]),
        "us_delivered_unilateral_t": du,
        "us_delivered_coordinated_t": dc,
        "coordinated_over_unilateral": _ratio(dc, du),
        "pushed_outside_unilateral_t": ou - ob,
        "pushed_outside_coordinated_t": oc - ob,
    }


ca = "central_america"
FINDINGS: list[Finding] = [
    Finding(
        "F1",
        "Flow through Central America grew after 2000 and again after 2006 because of Mexican "
        "enforcement",
        "default run (corridor shares 2000-2006) and the same seed without Mexico's escalation "
        "from December 2006",
        "Central American share of US-bound flow 2008-10, with minus without",
        [
            _L(
                "F1a",
                "Mexico-Central America corridor share of US-bound cocaine, 2006 (observed ~0.90)",
                lambda lab, s: (
                    _mean_of(lab, "base", s, "us_bound_share", ca, [2006])
                    + _mean_of(lab, "base", s, "us_bound_share", "mexico_direct", [2006])
                ),
                ">=",
                0.85,
            ),
            _L(
                "F1b",
                "rise of the CA share 2000 -> 2005 (observed 0.54 in 1999 -> 0.88)",
                lambda lab, s: (
                    _mean_of(lab, "base", s, "us_bound_share", ca, [2005])
                    - _mean_of(lab, "base", s, "us_bound_share", ca, [2000])
                ),
                ">=",
                0.10,
            ),
            _L(
                "F1c",
                "CA share 2008-10, with minus without Mexico's 2006 escalation",
                lambda lab, s: (
                    _mean_of(lab, "base", s, "us_bound_share", ca, _y(2008, 2010))
                    - _mean_of(lab, "no2006", s, "us_bound_share", ca, _y(2008, 2010))
                ),
                ">=",
                0.05,
            ),
        ],
    ),
    Finding(
        "F2",
        "Mexico's 2006 strategy cut US supply: purity down, prices up, demand down; violence "
        "not reduced",
        "default run vs the same seed without Mexico's escalation from December 2006",
        "US price per pure gram 2008-09, with / without",
        [
            _L(
                "F2a",
                "US price per pure gram 2008-09, with / without",
                lambda lab, s: _ratio(
                    _mean_of(lab, "base", s, "price_per_pure_gram_usd", "usa", _y(2008, 2009)),
                    _mean_of(lab, "no2006", s, "price_per_pure_gram_usd", "usa", _y(2008, 2009)),
                ),
                ">=",
                1.10,
            ),
            _L(
                "F2b",
                "US purity 2008-09, with / without",
                lambda lab, s: _ratio(
                    _mean_of(lab, "base", s, "purity", "usa", _y(2008, 2009)),
                    _mean_of(lab, "no2006", s, "purity", "usa", _y(2008, 2009)),
                ),
                "<=",
                0.95,
            ),
            _L(
                "F2c",
                "US past-month users 2009-10, with / without",
                lambda lab, s: _ratio(
                    _mean_of(lab, "base", s, "users_past_month", "usa", _y(2009, 2010)),
                    _mean_of(lab, "no2006", s, "users_past_month", "usa", _y(2009, 2010)),
                ),
                "<=",
                0.97,
            ),
            _L(
                "F2d",
                "contest (and succession) homicides in Mexico 2008-11, with / without",
                lambda lab, s: _ratio(
                    _contest(lab, "base", s, ["MEX"], _y(2008, 2011)),
                    _contest(lab, "no2006", s, ["MEX"], _y(2008, 2011)),
                ),
                ">=",
                1.25,
            ),
            _L(
                "F2e",
                "all homicides in MEX+GTM+HND 2008-11, with / without",
                lambda lab, s: _ratio(
                    _tot(lab, "base", s, "homicides", ["MEX", "GTM", "HND"], _y(2008, 2011)),
                    _tot(lab, "no2006", s, "homicides", ["MEX", "GTM", "HND"], _y(2008, 2011)),
                ),
                ">=",
                1.05,
            ),
        ],
    ),
    Finding(
        "F3",
        "New routes along the Guatemala-Honduras border and contested plazas; the Caribbean a "
        "standing threat",
        "with vs without Mexico's escalation from December 2006; a Central American surge "
        "(effort doubled from 2010) vs the default run",
        "flow through the Guatemala-Honduras border departments 2008-11, with / without",
        [
            _L(
                "F3a",
                "flow through the Guatemala-Honduras border departments 2008-11, with / without",
                lambda lab, s: _ratio(
                    _tot(lab, "base", s, "flow_t", BORDER, _y(2008, 2011)),
                    _tot(lab, "no2006", s, "flow_t", BORDER, _y(2008, 2011)),
                ),
                ">=",
                1.20,
            ),
            _L(
                "F3b",
                "contest homicides in those departments 2008-11, with / without",
                lambda lab, s: _ratio(
                    _contest(lab, "base", s, BORDER, _y(2008, 2011)),
                    _contest(lab, "no2006", s, BORDER, _y(2008, 2011)),
                ),
                ">=",
                1.20,
            ),
            _L(
                "F3c",
                "Caribbean share of US-bound 2011-13 after a Central American surge, minus without",
                lambda lab, s: (
                    _mean_of(lab, "casurge", s, "us_bound_share", "caribbean", _y(2011, 2013))
                    - _mean_of(lab, "base", s, "us_bound_share", "caribbean", _y(2011, 2013))
                ),
                ">=",
                0.03,
            ),
        ],
    ),
    Finding(
        "F4",
        "If cocaine flows abate, old families turn to extortion and violence may rise",
        "default run vs Andean production halved from 2010",
        "extortion revenue of non-gang groups 2011-15, halved / as is",
        [
            _L(
                "F4a",
                "extortion revenue of non-gang groups 2011-15, production halved / as is",
                lambda lab, s: _ratio(
                    _tot(
                        lab, "abate", s, "revenue_usd", None, _y(2011, 2015), _nongang("extortion")
                    ),
                    _tot(
                        lab, "base", s, "revenue_usd", None, _y(2011, 2015), _nongang("extortion")
                    ),
                ),
                ">=",
                1.05,
            ),
            _L(
                "F4b",
                "predation homicides MEX+GTM+HND+SLV 2011-15, production halved / as is",
                lambda lab, s: _ratio(
                    _tot(lab, "abate", s, "homicides_predation", NT, _y(2011, 2015)),
                    _tot(lab, "base", s, "homicides_predation", NT, _y(2011, 2015)),
                ),
                ">=",
                1.0,
            ),
        ],
    ),
    Finding(
        "F5",
        "Groups keep using violence until dislodged; the 2003-2006 contests in the record",
        "production halved from 2010 vs the default run; the default run's 2003-2006 homicides "
        "in Michoacan, Guerrero and Tamaulipas against INEGI",
        "group violence MEX+GTM+HND 2012-15, halved / as is",
        [
            _L(
                "F5",
                "group violence MEX+GTM+HND 2012-15, production halved / as is",
                lambda lab, s: _ratio(
                    _group_violence(lab, "abate", s), _group_violence(lab, "base", s)
                ),
                ">=",
                0.6,
            ),
            _L(
                "F5i",
                "in sample: homicides in Michoacan+Guerrero+Tamaulipas 2006 / 2003 (observed 1.61)",
                lambda lab, s: _ratio(
                    _tot(lab, "base", s, "homicides", CONTEST3, [2006]),
                    _tot(lab, "base", s, "homicides", CONTEST3, [2003]),
                ),
                ">=",
                1.3,
            ),
            _L(
                "F5j",
                "in sample: share of that 2003 -> 2006 rise made of contest homicides "
                "(0 if no rise)",
                _contest_part,
                ">=",
                0.5,
            ),
            _L(
                "F5k",
                "in sample: homicides in the rest of Mexico 2006 / 2003 (observed 0.96)",
                lambda lab, s: _ratio(_rest_of_mexico(lab, s, 2006), _rest_of_mexico(lab, s, 2003)),
                "in",
                (0.85, 1.10),
            ),
        ],
    ),
    Finding(
        "F6",
        "The maras play very little role in transnational cocaine trafficking",
        "the default run and the variants with and without the 2006 escalation, production "
        "halved and a Central American surge",
        "largest yearly share of cocaine handled by gangs, 2000-2015",
        [
            _L(
                "F6",
                "largest share of cocaine handled by gangs, any year, any variant",
                lambda lab, s: max(
                    lab.table(v, s).get(("cocaine_handled_share", "gang", y), 0.0)
                    for v in ("base", "no2006", "abate", "casurge")
                    for y in _y(2000, 2015)
                ),
                "<=",
                0.05,
            ),
        ],
    ),
    Finding(
        "F7",
        "Territorial groups and maras turn to migrant smuggling, trafficking and firearms if "
        "cocaine revenue falls",
        "default run vs Andean production halved from 2010",
        "migrant smuggling + trafficking + firearms revenue 2011-15, halved / as is",
        [
            _L(
                "F7",
                "migrant smuggling + trafficking + firearms revenue 2011-15, production "
                "halved / as is",
                lambda lab, s: _ratio(
                    _tot(lab, "abate", s, "revenue_usd", None, _y(2011, 2015), _secondary),
                    _tot(lab, "base", s, "revenue_usd", None, _y(2011, 2015), _secondary),
                ),
                ">=",
                1.05,
            ),
        ],
    ),
    Finding(
        "F8",
        "Transnational flows need coordinated strategies over the whole flow",
        "20 effort units, Central America and Mexico, 2008-12, one optimiser: each country "
        "against the flow through its territory vs one regional plan against US deliveries",
        "US-bound tons delivered 2008-12, coordinated / unilateral",
        [
            _L(
                "F8a",
                "US-bound tons delivered 2008-12, coordinated / unilateral",
                lambda lab, s: _f8(lab, s)["coordinated_over_unilateral"],
                "<=",
                0.97,
            ),
            _L(
                "F8b",
                "flow pushed outside the participants 2008-12, coordinated minus unilateral (t)",
                lambda lab, s: (
                    _f8(lab, s)["pushed_outside_coordinated_t"]
                    - _f8(lab, s)["pushed_outside_unilateral_t"]
                ),
                "<",
                0.0,
            ),
        ],
        detail=_f8_detail,
    ),
    Finding(
        "F9",
        "The military's effect is fast and temporary",
        "3,000 troops on the Honduran Caribbean coast 2008-09 vs the default run",
        "flow through the Honduran Caribbean coast 2008-09, with / without",
        [
            _L(
                "F9a",
                "flow through the Honduran Caribbean coast while troops are there, 2008-09, "
                "with / without",
                lambda lab, s: _ratio(
                    _tot(lab, "troops", s, "flow_t", COAST, _y(2008, 2009)),
                    _tot(lab, "base", s, "flow_t", COAST, _y(2008, 2009)),
                ),
                "<=",
                0.8,
            ),
            _L(
                "F9b",
                "the same flow two years after they leave, 2012-13, with / without (the "
                "effect is temporary)",
                lambda lab, s: _ratio(
                    _tot(lab, "troops", s, "flow_t", COAST, _y(2012, 2013)),
                    _tot(lab, "base", s, "flow_t", COAST, _y(2012, 2013)),
                ),
                ">=",
                0.9,
            ),
        ],
    ),
    Finding(
        "F10",
        "Cross-sectoral crime prevention lowers violence, through recruitment",
        "prevention in El Salvador from 2006 vs the default run",
        "homicides in El Salvador 2011-15, with / without prevention",
        [
            _L(
                "F10a",
                "homicides in El Salvador 2011-15 with prevention from 2006 / without",
                lambda lab, s: _ratio(
                    _tot(lab, "prevent", s, "homicides", ["SLV"], _y(2011, 2015)),
                    _tot(lab, "base", s, "homicides", ["SLV"], _y(2011, 2015)),
                ),
                "<=",
                0.95,
            ),
            _L(
                "F10b",
                "gangs' extortion revenue 2011-15 with prevention / without (the effect "
                "passes through recruitment)",
                lambda lab, s: _ratio(
                    _tot(lab, "prevent", s, "revenue_usd", None, _y(2011, 2015), _gang_extortion),
                    _tot(lab, "base", s, "revenue_usd", None, _y(2011, 2015), _gang_extortion),
                ),
                "<=",
                0.95,
            ),
        ],
    ),
]


# ---------------------------------------------------------------------------
# running


@dataclass
class FindingResult:
    id: str
    description: str
    experiment: str
    effect_label: str
    effect: float
    interval: list[float]
    share_of_seeds: float
    holds: bool
    seeds: int
    detail: dict[str, float]
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FindingsReport:
    scenario: str
    seeds: int
    findings: list[FindingResult]

    @property
    def all_hold(self) -> bool:
        return all(f.holds for f in self.findings)

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [ln for f in self.findings for ln in f.lines]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seeds": self.seeds,
            "rule": f"a line holds when its mean over seeds meets its threshold and at least "
            f"{SEED_SHARE:.0%} of the seeds meet it; a finding holds when all its lines hold",
            "findings": [asdict(f) for f in self.findings],
        }


def _one_seed(args: tuple[Scenario, int, list[str]]) -> dict[str, Outcome]:
    sc, seed, ids = args
    lab = Lab(sc)
    return {f.id: f.run(lab, seed) for f in FINDINGS if f.id in ids}


def seeds_needed(n: int) -> int:
    """Seeds that must meet a line on their own: 80% of them, rounded up (4 of 5).

    Examples
    --------
    >>> [seeds_needed(n) for n in (1, 2, 5, 20)]
    [1, 2, 4, 16]
    """
    return int(np.ceil(SEED_SHARE * n - 1e-9))


def _summarise(f: Finding, oc: list[Outcome], seeds: int) -> FindingResult:
    lines = []
    per_seed_ok = np.ones(len(oc), dtype=bool)
    for ln in f.lines:
        vals = np.array([o.lines[ln.id] for o in oc], dtype=float)
        ok = np.array([ln.test(x) for x in vals])
        per_seed_ok &= ok
        m = float(np.mean(vals)) if len(vals) else float("nan")
        fin = vals[np.isfinite(vals)]
        lo, hi = np.quantile(fin, [0.05, 0.95]) if len(fin) else (np.nan, np.nan)
        held = bool(ln.test(m) and ok.sum() >= seeds_needed(len(vals)))
        lines.append(
            {
                "id": ln.id,
                "text": ln.text,
                "needs": ln.needs,
                "mean": m,
                "interval": [float(lo), float(hi)],
                "seeds_meeting": int(ok.sum()),
                "holds": held,
            }
        )
    detail = {k: float(np.nanmean([o.detail.get(k, np.nan) for o in oc])) for k in oc[0].detail}
    first = lines[0]
    return FindingResult(
        id=f.id,
        description=f.finding,
        experiment=f.experiment,
        effect_label=f.effect_label,
        effect=first["mean"],
        interval=first["interval"],
        share_of_seeds=float(per_seed_ok.mean()) if len(oc) else 0.0,
        holds=all(x["holds"] for x in lines),
        seeds=seeds,
        detail=detail,
        lines=lines,
    )


def run_findings(
    scenario: Scenario | str = "central-america",
    seeds: int = 5,
    ids: list[str] | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> FindingsReport:
    """Run the findings' experiments on seeds ``0 .. seeds-1`` (common random numbers)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    ids = ids or [f.id for f in FINDINGS]
    unknown = set(ids) - {f.id for f in FINDINGS}
    if unknown:
        raise ValueError(f"unknown findings: {sorted(unknown)}")
    tasks = [(sc, s, ids) for s in range(seeds)]
    results: list[dict[str, Outcome]] = []
    if workers > 1 and seeds > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for k, r in enumerate(ex.map(_one_seed, tasks), 1):
                results.append(r)
                if progress:
                    progress(k, seeds)
    else:
        for k, t in enumerate(tasks, 1):
            results.append(_one_seed(t))
            if progress:
                progress(k, seeds)
    out = [_summarise(f, [r[f.id] for r in results], seeds) for f in FINDINGS if f.id in ids]
    return FindingsReport(scenario=sc.name, seeds=seeds, findings=copy.deepcopy(out))
