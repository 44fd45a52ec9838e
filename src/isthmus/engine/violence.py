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
        # Places -> countries (the admin-1 columns of the records are a gather; a dense
        # places x regions matrix would be huge on large networks).
        self.agg_iso = np.zeros((n, len(iso)))
        self.agg_iso[np.flatnonzero(self.ok), self.place_iso[self.ok]] = 1.0
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
        # Constants of the monthly step. The mask of counted places is folded into the
        # per-cause factors (x * 1.0 == x, x * 0.0 == 0.0 for the finite, non-negative
        # inputs); the country sums are bincounts over the counted places, the admin-1
        # columns a gather (the 0/1 aggregation matrix only ever adds them in order).
        mf = self.mask.astype(float)
        self.k_contest_m = self.k_contest * mf
        self.k_state_m = self.k_state * mf
        self.mf = mf
        ni = len(iso)
        # Country bin of every (row, place) of a month's causes; uncounted places go to a
        # last, discarded bin.
        lab = np.where(self.ok, self.place_iso, ni)
        self._lab5 = (np.arange(5)[:, None] * (ni + 1) + lab[None, :]).ravel()
        self._n_iso = ni
        # Each month's homicides by cause and place (total, then CAUSES) and predation by
        # kind of actor: summed by region once a year and at the last month (_flush).
        nm = sim.n_months
        self._m_buf = np.zeros((nm, 5, n))
        self._m_pk = np.zeros((nm, len(KINDS), n))
        self._flushed = 0
        self._last_t = -1
        self._rows = [rec["homicides"]] + [rec[f"homicides_{c}"] for c in CAUSES]
        self._rate = rec["homicide_rate_per_100k"]
        self._by_kind = rec["homicides_predation_by_kind"]

    def step(self, t: int) -> None:
        st, p = self.sim.state, self.p
        if t == 0:  # (a run that starts again from its first month)
            self._flushed = 0
        self._last_t = t
        buf = self._m_buf[t]
        total, contest, predation, state, baseline = buf
        ci = getattr(st, "contest_intensity", None)
        if ci is not None:
            np.multiply(ci, self.k_contest_m, out=contest)
        pred_usd = getattr(st, "predation_usd", None)
        if pred_usd is not None:
            pred_kind = np.multiply(self.w_pred @ pred_usd, self.k_pred, out=self._m_pk[t])
            np.add.reduce(pred_kind, axis=0, out=predation)  # (kinds, places) -> places
            predation *= self.mf
        troops = getattr(st, "deployed_personnel", None)
        if troops is not None:
            troops = np.asarray(troops, dtype=float)
            if troops.any():
                armed = getattr(st, "armed_strength", self.zeros)
                np.multiply(self.k_state_m, troops, out=state)
                state *= -np.expm1(-armed * self.inv_ref)
        prev = getattr(st, "prevention", None)
        if prev is None or not prev.any():
            baseline[:] = self.base_month  # base x (1 - effect x 0) == base
        else:
            np.multiply(
                self.base_month, 1.0 - p.prevention_effect * np.minimum(prev, 1.0), out=baseline
            )
        np.add.reduce(buf[1:], axis=0, out=total)
        st.homicides = total  # (a row of this month's record, written once)
        if (t + 1) % 12 == 0 or t + 1 == self.sim.n_months:
            self._flush(t + 1)

    def finalize(self) -> None:
        self._flush(self._last_t + 1)

    def _flush(self, t1: int) -> None:
        """Sums by region (countries over their places, admin-1 places) of the months
        not yet summed, up to month ``t1`` (excluded): the same numbers as monthly sums."""
        t0 = self._flushed
        if t1 <= t0:
            return
        self._flushed = t1
        k, ni = t1 - t0, self._n_iso
        sl = slice(t0, t1)
        buf = self._m_buf[sl]
        lab = (np.arange(k)[:, None] * (5 * (ni + 1)) + self._lab5[None, :]).ravel()
        by_c = np.bincount(lab, weights=buf.ravel(), minlength=k * 5 * (ni + 1))
        by_c = by_c.reshape(k, 5, ni + 1)
        adm = buf[:, :, self.admin1]
        for j, r in enumerate(self._rows):
            r[sl, :ni] = by_c[:, j, :ni]
            r[sl, ni:] = adm[:, j]
        self._rate[sl] = self._rows[0][sl] * self.rate_scale
        for t in range(t0, t1):  # (the monthly matrix product: the same numbers)
            self._by_kind[t] = (self._m_pk[t] @ self.agg_iso).T.ravel()
