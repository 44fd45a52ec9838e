"""Step 1, supply: tons of cocaine leave the source places each month.

Monthly supply = Andean potential production (series ``production_t_per_year``,
region ``andes``) / 12 x the share that is exported x any supply multiplier
(series ``supply_multiplier``, used by counterfactuals) x a small lognormal
noise (harvest and shipping lumpiness). Several origins split it by the series
``supply_share`` (equal shares if absent).
"""

from __future__ import annotations

import numpy as np

from ..scenario import Problem, ScenarioError
from .params import Param
from .series import monthly_series
from .sim import Module, register


@register
class Supply(Module):
    name = "supply"
    params = {
        "export_share": Param(
            0.95,
            "0-1",
            0.85,
            1.0,
            "assumption: ~5% of potential production is consumed or seized inside the Andean "
            "countries before export (UNODC WDR 2008 puts Andean seizures at a few % of output)",
            "Share of potential production that leaves the source places.",
        ),
        "noise_cv": Param(
            0.05,
            "1",
            0.0,
            0.15,
            "assumption: month-to-month lumpiness of harvests and shipments",
            "Coefficient of variation of monthly supply.",
        ),
    }

    def init(self) -> None:
        sim, net = self.sim, self.sim.net
        prod = monthly_series(sim.scenario, "production_t_per_year", "andes")
        if prod is None:
            raise ScenarioError(
                [
                    Problem(
                        "series.csv",
                        None,
                        "series",
                        "no 'production_t_per_year' series for region 'andes'",
                    )
                ]
            )
        mult = monthly_series(sim.scenario, "supply_multiplier", "andes", default=1.0)
        self.base = prod / 12.0 * self.p.export_share * mult
        origins = [net.place_ids[i] for i in net.origins]
        shares = np.array(
            [monthly_series(sim.scenario, "supply_share", o, default=1.0) for o in origins]
        )  # (n_origins, T)
        self.shares = shares / shares.sum(axis=0, keepdims=True)
        sources = [net.place_ids[i] for i in np.flatnonzero(net.place_level == "source")]
        self.source_places = np.array(
            [net.place_index[s] for s in sources if net.place_index[s] not in set(net.origins)],
            dtype=np.int64,
        )
        regions = ["andes"] + [net.place_ids[i] for i in self.source_places]
        sim.rec.declare("supply_t", regions, "t")
        sim.state.supply_origin = np.zeros(len(origins))
        sim.state.supply_total = 0.0

    def step(self, t: int) -> None:
        sd = self.p.noise_cv
        noise = self.rng.lognormal(-0.5 * sd * sd, sd) if sd > 0 else 1.0
        total = self.base[t] * noise
        self.sim.state.supply_total = total
        self.sim.state.supply_origin = total * self.shares[:, t]
        self.sim.rec["supply_t"][t, 0] = total
