"""Step 7, the state: policies take effect for the next month.

Effective enforcement effort by jurisdiction and mode class is capacity x
(1 - corruption) (mechanisms.md (e)), from the ``countries`` table, times the
multipliers and plus the fixed deployments of the interventions active in the
coming month. The slower dynamics of capacity, presence and corruption belong
to the state issue and extend this module.
"""

from __future__ import annotations

import numpy as np

from .params import Param
from .sim import Module, Sim, register

CLASSES = ("land", "sea", "air", "container")
# Services acting on each class (why: see network.MODE_SERVICES).
CLASS_SERVICES = {
    "land": ("police", "military"),
    "sea": ("navy",),
    "air": ("air",),
    "container": ("police",),
}


def base_effort(sim: Sim) -> np.ndarray:
    """Effective effort (jurisdictions x classes) from the countries table, before policies.

    Examples
    --------
    >>> from isthmus import Sim
    >>> e = base_effort(Sim("central-america"))
    >>> e.shape[1] == 4 and (e >= 0).all()
    True
    """
    net = sim.net
    c = sim.scenario.countries.set_index("id")
    out = np.zeros((len(net.juris_ids), len(CLASSES)))
    for j, jid in enumerate(net.juris_ids):
        if jid not in c.index:
            continue
        row = c.loc[jid]
        own = {s: float(row[s]) for s in ("police", "military", "navy", "air")}
        tot = sum(own.values())
        support = float(row.get("international_support", 0.0) or 0.0)
        for k, cls in enumerate(CLASSES):
            cap = sum(own[s] for s in CLASS_SERVICES[cls])
            if tot > 0:
                cap += support * cap / tot
            out[j, k] = cap * (1.0 - float(row["corruption"]))
    return out


@register
class State(Module):
    name = "state"
    params: dict[str, Param] = {}

    def init(self) -> None:
        sim, _st = self.sim, self.sim.state
        self.base = base_effort(sim)
        for iv in sim.interventions:
            iv.init(sim)
        self.prepare(0)

    def prepare(self, t: int) -> None:
        """Set the enforcement inputs of month ``t`` from the active interventions."""
        sim, st = self.sim, self.sim.state
        st.enf_mult = np.ones_like(self.base)
        st.link_extra_effort = np.zeros(sim.net.n_links)
        for iv in sim.interventions:
            if iv.active(sim, t):
                iv.step(sim, t)
        st.effort = self.base * st.enf_mult

    def step(self, t: int) -> None:
        if t + 1 < self.sim.n_months:
            self.prepare(t + 1)
