"""Step 6, violence: homicides per place and month, by cause.

Four causes (DESIGN.md, F5), each from a mechanism of the groups or state steps:

- **contest**: the Tullock rent dissipation of the plaza contests
  (``st.contest_intensity``, USD/month of contested value actually fought
  over; mechanisms.md (c)) times homicides per million USD;
- **predation**: extortion needs periodic *visible* violence, so it yields
  more violence per dollar than trafficking (InSight Crime 2011, mechanisms.md
  (d)): homicides per million USD of predatory revenue (``st.predation_usd``,
  by kind of actor: extortion, and with lower weights migrant smuggling and
  kidnapping, human trafficking and firearms);
- **state confrontation**: clashes where troops are deployed
  (``st.deployed_personnel``) among armed groups (``st.armed_strength``);
  Espinosa & Rubin (2015) measured about +11 homicides per 100,000 in the first
  year of military operations, of which this direct part is a third, the rest
  coming through the contests that the weakening of incumbents invites
  (mechanisms.md (c) 4 and (e));
- **baseline**: a per-country rate from the scenario table
  ``baseline_violence.csv`` (an admin-1 row overrides its country),
  calibrated on 2000-2006 only as the observed rate minus the model's own group
  violence (``scripts/build_actors.py --calibrate``), lowered by crime
  prevention (``st.prevention``, already lagged by the state step).

Rates are per 100,000 residents a year, by country (ISO3) and admin-1 place.

Examples
--------
>>> from isthmus import Sim
>>> r = Sim("central-america", seed=0).run()
>>> r.annual("homicides", "SLV", 2003) > r.annual("homicides_predation", "SLV", 2003) >= 0
True
"""

from __future__ import annotations

import numpy as np

from ..scenario import Problem, ScenarioError
from .groups import KINDS
from .params import Param
from .sim import Module, register

CAUSES = ("contest", "predation", "state", "baseline")


@register
class Violence(Module):
    name = "violence"
    params = {
        "contest_homicides_per_musd": Param(
            12.0,
            "homicides per million USD",
            5.0,
            100.0,
            "calibrated on 2000-2006 only (scripts/build_actors.py): drug-related killings were "
            "~15-20% of Mexico's ~10,000 homicides a year in 2005-2006 (press 'ejecutados' "
            "counts, recalled, unverified); the state pattern of Mexico's 2000-2006 rates "
            "(INEGI, mexico-homicides-state-month-2000-2006.csv)",
            "Homicides per million USD of plaza value fought over in a month.",
        ),
        "predation_homicides_per_musd": Param(
            25.0,
            "homicides per million USD",
            10.0,
            200.0,
            "calibrated on 2000-2006 only: gangs a large share of El Salvador's homicides "
            "(UNODC 2012 TOCTA: El Salvador carries a small flow yet one of the highest murder "
            "rates; mechanisms.md (c)); extortion yields more violence per dollar than "
            "trafficking (InSight Crime 2011, mechanisms.md (d))",
            "Homicides per million USD of extortion revenue.",
        ),
        "gang_predation_multiplier": Param(
            3.0,
            "1",
            1.0,
            8.0,
            "calibrated on 2000-2006 only: gangs extort many small victims (bus drivers, "
            "shopkeepers; the 'renta') and enforce it by killing, so a dollar of gang extortion "
            "costs more lives than a dollar of a cartel's business 'piso' (InSight Crime 2011; "
            "UNODC 2012 TOCTA on El Salvador's violence with a small cocaine flow)",
            "Violence per USD of gang predation, relative to other groups'.",
        ),
        "migrant_violence_weight": Param(
            0.5,
            "1",
            0.0,
            1.0,
            "assumption: kidnapping and massacres of migrants (CNDH 2009, 2011) are violent but "
            "most smuggling is not",
            "Violence per USD of migrant-smuggling revenue, relative to extortion.",
        ),
        "trafficking_violence_weight": Param(
            0.3,
            "1",
            0.0,
            1.0,
            "assumption",
            "Violence per USD of human-trafficking revenue, relative to extortion.",
        ),
        "firearms_violence_weight": Param(
            0.1,
            "1",
            0.0,
            1.0,
            "assumption: the firearms trade itself is mostly quiet; its effect on violence is "
            "through the contests it arms",
            "Violence per USD of firearms-trafficking revenue, relative to extortion.",
        ),
        "state_homicides_per_1000": Param(
            3.0,
            "homicides per 1,000 personnel per month",
            0.0,
            10.0,
            "derived: Espinosa & Rubin (2015) ~+11 per 100,000 in the first year of operations "
            "(mechanisms.md (e)); for Michoacan (4,260 troops, ~4 million people) that is ~37 a "
            "month, about a third taken as direct clashes",
            "Direct state-group confrontation deaths per 1,000 personnel deployed among armed groups.",
        ),
        "armed_ref_strength": Param(
            0.5,
            "strength units",
            0.1,
            3.0,
            "assumption: troops clash where groups keep at least a mid-sized family's gunmen",
            "Local group strength at which confrontation reaches 63% of its maximum.",
        ),
        "prevention_effect": Param(
            0.3,
            "0-1",
            0.0,
            0.6,
            "assumption: multi-agency prevention programmes lower baseline violence by up to a "
            "third (F10; effect lagged by the state step)",
            "Share of the baseline removed at full prevention.",
        ),
        "baseline_default_per_100k": Param(
            10.0,
            "per 100,000 per year",
            0.0,
            60.0,
            "assumption: a generic rate for countries without a baseline_violence.csv row",
            "Baseline homicide rate of places whose country has no row in baseline_violence.csv.",
        ),
    }

    def init(self) -> None:
        sim, net = self.sim, self.sim.net
        n = net.n_places
        terr = np.isin(net.place_level, ["admin1", "country"]) & ~np.isin(
            net.place_group, ["maritime", "usa", "europe", "south_america", "west_africa"]
        )
        base_rate = np.full(n, self.p.baseline_default_per_100k)
        table = sim.scenario.tables.get("baseline_violence")
        countries_with_rows: set[str] = set()
        probs: list[Problem] = []
        if table is not None and len(table):
            known_c = set(net.place_country[terr].tolist())
            # Country rows first, then admin-1 rows override them.
            rows = table.to_dict("records")
            for r in rows:
                reg = str(r["region"])
                if reg in net.place_index:
                    continue
                if reg not in known_c:
                    probs.append(
                        Problem(
                            "baseline_violence.csv",
                            int(r["_line"]),
                            "region",
                            f"unknown region '{reg}' (an ISO3 code of a country with places, "
                            "or a place id)",
                        )
                    )
                    continue
                base_rate[net.place_country == reg] = float(r["rate_per_100k"])
                countries_with_rows.add(reg)
            for r in rows:
                reg = str(r["region"])
                if reg in net.place_index:
                    base_rate[net.place_index[reg]] = float(r["rate_per_100k"])
                    countries_with_rows.add(str(net.place_country[net.place_index[reg]]))
        if probs:
            raise ScenarioError(probs)
        pop = np.where(terr, net.population, 0.0)
        iso = sorted(
            c
            for c in set(net.place_country[pop > 0].tolist())
            if not countries_with_rows or c in countries_with_rows
        )
        self.iso = iso
        self.mask = np.isin(net.place_country, iso) & (pop > 0)
        self.pop = np.where(self.mask, pop, 0.0)
        self.place_iso = np.array(
            [iso.index(c) if m else -1 for c, m in zip(net.place_country, self.mask, strict=True)]
        )
        self.ok = self.place_iso >= 0
        self.pop_c = np.bincount(
            self.place_iso[self.ok], weights=self.pop[self.ok], minlength=len(iso)
        )
        self.base_month = base_rate * self.pop / 1e5 / 12.0
        self.admin1 = np.flatnonzero(self.mask & (net.place_level == "admin1"))
        regions = iso + [net.place_ids[i] for i in self.admin1]
        rec = sim.rec
        rec.declare("homicides", regions, "count")
        rec.declare("homicide_rate_per_100k", regions, "per 100,000", agg="mean")
        for c in CAUSES:
            rec.declare(f"homicides_{c}", regions, "count")
        rec.declare(
            "homicides_predation_by_kind", [f"{c}:{k}" for c in iso for k in KINDS], "count"
        )
        self.zeros = np.zeros(n)
        self.zeros3 = np.zeros((len(KINDS), n))
        self.agg = np.zeros((n, len(regions)))
        self.agg[np.flatnonzero(self.ok), self.place_iso[self.ok]] = 1.0
        self.agg[self.admin1, len(iso) + np.arange(len(self.admin1))] = 1.0
        self.agg_iso = self.agg[:, : len(iso)].copy()
        popr = np.concatenate([self.pop_c, self.pop[self.admin1]])
        self.rate_scale = np.divide(12.0 * 1e5, popr, out=np.zeros_like(popr), where=popr > 0)
        self.k_contest = self.p.contest_homicides_per_musd / 1e6
        self.k_state = self.p.state_homicides_per_1000 / 1000.0
        self.inv_ref = 1.0 / self.p.armed_ref_strength
        self.w_pred = np.array(
            [
                1.0,
                self.p.migrant_violence_weight,
                self.p.trafficking_violence_weight,
                self.p.firearms_violence_weight,
            ]
        )
        # Homicides per USD of predation, by kind of actor (gangs: street extortion).
        k = np.full(len(KINDS), self.p.predation_homicides_per_musd / 1e6)
        k[KINDS.index("gang")] *= self.p.gang_predation_multiplier
        self.k_pred = k[:, None]

    def step(self, t: int) -> None:
        st, p, rec = self.sim.state, self.p, self.sim.rec
        zeros = self.zeros
        m = self.mask
        contest = getattr(st, "contest_intensity", zeros) * self.k_contest
        pred_usd = getattr(st, "predation_usd", None)
        if pred_usd is None:
            pred_kind = self.zeros3
        else:
            pred_kind = (self.w_pred @ pred_usd) * self.k_pred  # (kinds, places)
        troops = getattr(st, "deployed_personnel", None)
        if troops is None:
            state = zeros
        else:
            armed = getattr(st, "armed_strength", zeros)
            state = (
                self.k_state * np.asarray(troops, dtype=float) * -np.expm1(-armed * self.inv_ref)
            )
        prev = getattr(st, "prevention", None)
        baseline = (
            self.base_month
            if prev is None
            else self.base_month * (1.0 - p.prevention_effect * np.minimum(prev, 1.0))
        )
        predation = pred_kind.sum(axis=0)
        causes = np.stack([contest, predation, state, baseline]) * m
        total = causes.sum(axis=0)
        st.homicides = total
        out = np.vstack([total, causes]) @ self.agg  # (5, regions)
        rec["homicides"][t] = out[0]
        for k, c in enumerate(CAUSES):
            rec[f"homicides_{c}"][t] = out[k + 1]
        rec["homicide_rate_per_100k"][t] = out[0] * self.rate_scale
        rec["homicides_predation_by_kind"][t] = (pred_kind @ self.agg_iso).T.ravel()
