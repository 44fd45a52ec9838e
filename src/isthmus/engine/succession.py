"""Succession: what a leader's removal does to a group (F2, F5).

The state's removals of leaders (``kingpin_strategy`` interventions: capture,
killing, extradition) are *inputs*; what follows is mechanism:

- the group loses strength in the arrests around the removal, and feuds: its
  factions fight over the succession (a fragmentation level that decays with a
  half-life; Lindo & Padilla-Romo 2018 and Calderon et al. 2015 as checks), which
  makes it less patient (mechanisms.md (c) 3) and loses it routes while it lasts;
- while the feud lasts the group may split: a lieutenant's faction takes part of the
  strength and the holdings farthest from the group's home, and becomes a rival that
  fights the parent for them. The monthly chance of a split grows with the feud
  (``split_hazard`` x fragmentation); which factions exist, and when, is never
  scheduled.

Factions live in *slots*: each actor of the scenario has ``max_factions`` latent
actors (ids ``PARENT-F1``, ``PARENT-F2``, ...) with its attributes and no strength,
which a split activates. A removal aimed at a group strikes its *lineage*: the group
or the faction of it that holds the most of the place where the removal happened.

Examples
--------
>>> lin = Lineages(["A", "B"], max_factions=1)
>>> lin.ids
['A', 'B', 'A-F1', 'B-F1']
>>> lin.members(0).tolist()
[0, 2]
"""

from __future__ import annotations

import numpy as np


class Lineages:
    """Actor slots: the scenario's actors, then their latent factions."""

    def __init__(self, base_ids: list[str], max_factions: int):
        self.n_base = len(base_ids)
        self.max_factions = int(max_factions)
        self.ids = list(base_ids) + [
            f"{a}-F{k + 1}" for k in range(self.max_factions) for a in base_ids
        ]
        n = len(self.ids)
        self.lineage = (
            np.array([i % self.n_base for i in range(n)], dtype=np.int64)
            if n
            else (np.zeros(0, dtype=np.int64))
        )
        self.is_faction = np.arange(n) >= self.n_base
        self.active = ~self.is_faction  # factions appear only when a split activates them

    def members(self, base: int) -> np.ndarray:
        """Slots of a lineage (the actor and its factions)."""
        return np.flatnonzero(self.lineage == base)

    def free_slot(self, base: int) -> int | None:
        """A latent faction slot of the lineage, or ``None`` when all are taken."""
        for i in self.members(base):
            if self.is_faction[i] and not self.active[i]:
                return int(i)
        return None

    def target(self, base: int, place: int | None, C: np.ndarray, S: np.ndarray) -> int | None:
        """The slot a removal aimed at lineage ``base`` at ``place`` strikes.

        The member holding the largest share of the place; else the strongest active
        member; ``None`` when the lineage has no strength left.
        """
        m = self.members(base)
        m = m[self.active[m] & (S[m] > 0)]
        if not len(m):
            return None
        if place is not None and C[m, place].max() > 0.02:
            return int(m[np.argmax(C[m, place])])
        return int(m[np.argmax(S[m])])


def split_region(held: np.ndarray, home: np.ndarray, adj: np.ndarray, share: float) -> np.ndarray:
    """Places a splitting faction takes: the parent's holdings farthest from its home.

    Lieutenants who run distant plazas have their own gunmen and officials and are the
    first to go their own way (assumption). The faction takes about ``share`` of the
    parent's holdings, those farthest in land hops from its home places (ties: the
    holdings later in the table), at least one; the parent keeps at least one.
    """
    hp = np.flatnonzero(held)
    if len(hp) < 2:
        return np.zeros(0, dtype=np.int64)
    n = len(held)
    src = home.astype(float) if home.any() else held.astype(float)
    hops = np.where(src > 0, 0.0, np.inf)
    frontier = src
    for h in range(1, n):
        frontier = np.minimum(frontier @ adj, 1.0)
        newly = (frontier > 0) & np.isinf(hops)
        if not newly.any():
            break
        hops[newly] = float(h)
    far = hp[np.argsort(-np.where(np.isfinite(hops[hp]), hops[hp], 1e9), kind="stable")]
    k = int(np.clip(round(share * len(hp)), 1, len(hp) - 1))
    return np.sort(far[:k])
