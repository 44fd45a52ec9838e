"""The intervention types. Each changes inputs; the mechanisms do the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .interventions import CLASSES, Intervention, intervention

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.sim import Sim


@intervention
@dataclass(eq=True)
class InterdictionSurge(Intervention):
    """Raise a country's (or the transit zone's) interdiction effort by a share.

    ``size`` is the relative increase (0.5 = +50% effort) on the targeted mode
    classes (``target.modes``: land, sea, air, container or link modes).
    """

    kind = "interdiction_surge"
    size_unit = "relative change of effort (0.5 = +50%)"
    description = "Raises interdiction effort of a country or the transit zone, by mode."

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        cls = [CLASSES.index(c) for c in self.classes()]
        for c in self.countries(sim):
            if c in sim.net.juris_ids:
                j = sim.net.juris_ids.index(c)
                st.enf_mult[j, cls] *= 1.0 + self.size


@intervention
@dataclass(eq=True)
class MilitaryDeployment(Intervention):
    """Deploy troops in places: fast, temporary effort on the land links into them.

    ``size`` is personnel (persons), spread evenly over the targeted places;
    1,000 personnel = 1 effort unit on each place's incoming land links. The
    violence module adds the confrontation it causes (mechanisms.md (e)).
    """

    kind = "military_deployment"
    size_unit = "personnel"
    description = "Troops deployed in places; effort on the land links into them."

    def init(self, sim: Sim) -> None:
        net = sim.net
        places = self.place_indices(sim)
        self._places = places
        land = net.link_mode == 0
        into = np.isin(net.link_to, places) & land
        self._links = np.flatnonzero(into)
        n_into = np.bincount(net.link_to[self._links], minlength=net.n_places)
        per_place = self.size / 1000.0 / max(len(places), 1)
        self._effort = per_place / np.maximum(n_into[net.link_to[self._links]], 1)

    def step(self, sim: Sim, t: int) -> None:
        sim.state.link_extra_effort[self._links] += self._effort
        if hasattr(sim.state, "deployed_personnel"):
            sim.state.deployed_personnel[self._places] += self.size / max(len(self._places), 1)
