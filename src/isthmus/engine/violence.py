"""Step 6, violence: homicides per place and month, by cause.

Homicides at a place are a *fixed effect* plus what the mechanisms of the groups and
state steps produce (DESIGN.md, F5):

- **contest**: the strength engaged in plaza contests (``st.contest_violence``, from
  the Tullock contest of the groups' local strengths for the plaza's value:
  :mod:`.plazas`) times homicides per unit engaged;
- **succession**: the strength of groups feuding after their leader's removal
  (``st.succession_violence``: :mod:`.succession`) times homicides per unit;
- **predation**: extortion needs periodic *visible* violence, victim by victim
  (InSight Crime 2011, mechanisms.md (d)), done by the members who extort: homicides
  per strength unit at work (``st.predation_labour``: each group's effort on each
  predatory activity, where its revenue from it comes from; extortion counts fully,
  and with lower weights migrant smuggling, trafficking in persons and firearms). A
  group that loses members (prevention, prosecution) kills less; one that moves its
  members from transit to extortion kills more;
- **state**: clashes where troops meet armed groups: homicides per 1,000 troops per
  unit of group strength present (``st.deployed_personnel`` x ``st.armed_strength``);
- **baseline**: the fixed effect, a rate per 100,000 residents (the scenario table
  ``baseline_violence.csv``: per Mexican state, per country elsewhere; an admin-1 row
  overrides its country). The fixed effects and the coefficients of contest,
  succession and predation are estimated *jointly* on 2000-2006 data
  (:mod:`isthmus.experiments.violence_fit`): the coefficients from within-place
  changes, so that a fixed effect cannot absorb what the mechanisms explain.

Nothing here depends on an actor's kind; homicides by kind of actor are a record only.
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
from ..scenario.loader import table_records
from .groups import KINDS
from .kernels import violence_month
from .params import Param
from .sim import Module, register

CAUSES = ("contest", "succession", "predation", "state", "baseline")


@register
class Violence(Module):
    name = "violence"
    params = {
        "contest_homicides_per_unit": Param(
            10.0,
            "homicides per month per strength unit engaged",
            0.0,
            200.0,
            "estimated with the fixed effects on 2000-2006 data (isthmus calibrate --violence; "
            "docs/groups-and-violence.md); prior check: Dell (2015), mechanisms.md (c)",
            "Homicides a month per unit of group strength engaged in plaza contests.",
        ),
        "succession_homicides_per_unit": Param(
            10.0,
            "homicides per month per strength unit feuding",
            0.0,
            200.0,
            "estimated with the fixed effects on 2000-2006 data (the 2002-2003 removals); prior "
            "check: Lindo & Padilla-Romo 2018 (+80% in the municipality of capture), Calderon "
            "et al. 2015 (+36.5% in 6 months), mechanisms.md (c)",
            "Homicides a month per unit of group strength feuding after its leader's removal.",
        ),
        "predation_homicides_per_unit": Param(
            1.0,
            "homicides per month per strength unit at predation",
            0.0,
            200.0,
            "estimated with the fixed effects on 2000-2006 data (national series, Honduran "
            "departments in 2006); extortion is enforced by members who threaten and kill "
            "victim by victim (InSight Crime 2011, mechanisms.md (d))",
            "Homicides a month per unit of group strength at extortion (and, with their "
            "weights, at the other predatory activities).",
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
            "assumption: trafficking in persons is coercive but kills less often than extortion",
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
        "state_homicides_per_clash": Param(
            1.9,
            "homicides per month per 1,000 personnel per strength unit present",
            0.0,
            10.0,
            "derived (a prior, not estimable before 2007, reported apart): Espinosa & Rubin "
            "(2015) ~+11 per 100,000 in the first year of military operations (mechanisms.md "
            "(e)); for Michoacan (4,260 troops, ~4 million people, ~1.5 strength units of "
            "groups present) ~37 a month, a third taken as direct clashes (assumption)",
            "Deaths in clashes a month per 1,000 personnel deployed per unit of group strength "
            "present.",
        ),
        "baseline_default_per_100k": Param(
            10.0,
            "per 100,000 per year",
            0.0,
            60.0,
            "assumption: a generic rate for countries without a baseline_violence.csv row",
            "Fixed effect of places whose country has no row in baseline_violence.csv.",
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
            rows = table_records(table)
            for r in rows:  # country rows first, then admin-1 rows override them
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
        self.mf = self.mask.astype(float)
        self.pop = np.where(self.mask, pop, 0.0)
        self.place_iso = np.array(
            [iso.index(c) if m else -1 for c, m in zip(net.place_country, self.mask, strict=True)]
        )
        ok = self.place_iso >= 0
        self.agg_iso = np.zeros((n, len(iso)))
        self.agg_iso[np.flatnonzero(ok), self.place_iso[ok]] = 1.0
        self.base_rate = base_rate
        self.base_month = base_rate * self.pop / 1e5 / 12.0
        self.admin1 = np.flatnonzero(self.mask & (net.place_level == "admin1"))
        regions = iso + [net.place_ids[i] for i in self.admin1]
        rec = sim.rec
        self._tot = rec.declare("homicides", regions, "count")
        self._rate = rec.declare("homicide_rate_per_100k", regions, "per 100,000", agg="mean")
        self._cause = {c: rec.declare(f"homicides_{c}", regions, "count") for c in CAUSES}
        self._cause_recs = tuple(self._cause[c] for c in CAUSES)
        self._by_kind = rec.declare(
            "homicides_predation_by_kind", [f"{c}:{k}" for c in iso for k in KINDS], "count"
        )
        popr = np.concatenate([self.pop @ self.agg_iso, self.pop[self.admin1]])
        self.rate_scale = np.divide(12.0 * 1e5, popr, out=np.zeros_like(popr), where=popr > 0)
        p = self.p
        self.w_pred = np.array(
            [
                1.0,
                p.migrant_violence_weight,
                p.trafficking_violence_weight,
                p.firearms_violence_weight,
            ]
        )
        self.zeros = np.zeros(n)
        # The mechanisms' intensities per place and month (not public): what the joint
        # fit of the fixed effects and coefficients regresses homicides on.
        places = list(net.place_ids)
        self._x = {
            k: rec.declare(f"_x_{k}", places, "intensity", public=False)
            for k in ("contest", "succession", "predation", "state")
        }

    def _pred_by_kind(self, pred: np.ndarray | None) -> np.ndarray:
        """Members at predation by kind of actor and place: w . pred over activities."""
        if pred is None:
            return np.zeros((len(KINDS), len(self.zeros)))
        # tensordot's own product, without its set-up
        return np.dot(
            self.w_pred[None, :], pred.transpose(1, 0, 2).reshape(len(self.w_pred), -1)
        ).reshape(pred.shape[0], pred.shape[2])

    def intensities(self) -> dict[str, np.ndarray]:
        """This month's mechanism intensities per place (the regressors of the fit).

        ``contest`` and ``succession``: strength units engaged; ``predation``:
        strength units at predation (extortion-equivalent); ``state``: 1,000 personnel x
        strength units.
        """
        st = self.sim.state
        out = {
            "contest": np.asarray(getattr(st, "contest_violence", self.zeros)),
            "succession": np.asarray(getattr(st, "succession_violence", self.zeros)),
        }
        out["predation_by_kind"] = self._pred_by_kind(getattr(st, "predation_labour", None))
        out["predation"] = out["predation_by_kind"].sum(axis=0)
        troops = getattr(st, "deployed_personnel", None)
        armed = np.asarray(getattr(st, "armed_strength", self.zeros))
        out["state"] = (
            np.asarray(troops, dtype=float) / 1000.0 * armed if troops is not None else self.zeros
        )
        return out

    def step(self, t: int) -> None:
        if self.sim.spinning:  # only records (month 0 is written again after the spin-up)
            return
        p = self.p
        st = self.sim.state
        pred = getattr(st, "predation_labour", None)
        troops = getattr(st, "deployed_personnel", None)
        # (compiled: the intensities and homicides by cause of :meth:`intensities` and the
        # numpy code it replaced, bit for bit; the sums by country, matrix products, stay
        # in numpy)
        by_cause, total, pk = violence_month(
            t,
            np.asarray(getattr(st, "contest_violence", self.zeros), dtype=float),
            np.asarray(getattr(st, "succession_violence", self.zeros), dtype=float),
            self._pred_by_kind(pred),
            self.zeros if troops is None else np.asarray(troops, dtype=float),
            np.asarray(getattr(st, "armed_strength", self.zeros), dtype=float),
            troops is not None,
            self.mf,
            np.array(
                [
                    p.contest_homicides_per_unit,
                    p.succession_homicides_per_unit,
                    p.predation_homicides_per_unit,
                    p.state_homicides_per_clash,
                ]
            ),
            self.base_month,
            self.admin1,
            self._x["contest"],
            self._x["succession"],
            self._x["predation"],
            self._x["state"],
            self._cause_recs,
            self._tot,
            self.agg_iso.shape[1],
        )
        self.sim.state.homicides = total
        n_iso = self.agg_iso.shape[1]
        regional = by_cause @ self.agg_iso
        for k, row in enumerate(self._cause_recs):
            row[t, :n_iso] = regional[k]
        tot = self._tot[t]
        tot[:n_iso] = total @ self.agg_iso
        self._rate[t] = tot * self.rate_scale
        self._by_kind[t] = (pk @ self.agg_iso).T.ravel()
