"""The optimiser against exhaustive search, on networks small enough to enumerate.

:func:`exhaustive_gap` builds the leader-follower problem of one planner on a
small network (``K`` candidate links, a budget), enumerates every allocation of
the budget in ``grid`` equal chunks over the candidates (and a slack: the
budget need not all be spent), polishes the best grid point with the same
local method, and compares with :func:`isthmus.optimize.solver.best_response`.
The gap is the share of the best attainable improvement the optimiser misses:

    gap = (J(optimiser) - J(best)) / (J(no effort) - J(best)),

J(best) being the best of the grid, its polished version and the optimiser. A
gap of 0 means the optimiser found the best allocation exhaustive search
found; docs/policies.md reports the gaps measured by ``tests/test_optimize.py``.

Examples
--------
>>> g = exhaustive_gap(seed=1, n_candidates=3, grid=6)
>>> 0.0 <= g.gap <= 1.0 and g.points == 84
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..engine.response import StateSnapshot
from ..engine.sim import Sim
from ..scenario.synthetic import synthetic_scenario
from .solver import best_response, spg
from .surrogate import Surrogate


@dataclass
class GapResult:
    """One comparison of the optimiser with exhaustive search."""

    network_seed: int
    objective: str
    n_candidates: int
    budget: float
    points: int  # allocations enumerated
    j_zero: float  # objective with no effort
    j_optimiser: float
    j_exhaustive: float  # best grid point, polished
    gap: float


def compositions(total: int, parts: int) -> np.ndarray:
    """Every way to write ``total`` as an ordered sum of ``parts`` non-negative integers.

    Examples
    --------
    >>> compositions(2, 2).tolist()
    [[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]]
    """
    rows = []
    for bars in itertools.combinations(range(total + parts - 1), parts - 1):
        b = (-1, *bars, total + parts - 1)
        rows.append([b[i + 1] - b[i] - 1 for i in range(parts)])
    return np.array(rows, dtype=float)


def small_problem(
    seed: int, n_candidates: int, objective: str = "us_delivered"
) -> tuple[Surrogate, np.ndarray]:
    """A synthetic network, a snapshot of its run, and its ``n_candidates`` busiest links
    (the ones a planner would consider), as a leader-follower problem."""
    sc = synthetic_scenario(
        n_places=24, n_links=80, seed=seed, n_countries=4, start="2000-01", end="2001-12"
    )
    sim = Sim(sc, seed=seed)
    sim.run()
    snap = StateSnapshot.take(sim)
    net = sim.net
    own = np.array([len(j) == 3 and j.startswith("C") for j in net.juris_ids])[net.link_juris]
    flow = np.where(own, snap.state.link_inflow, -1.0)
    cand = np.argsort(-flow, kind="stable")[:n_candidates]
    country = None
    if objective in ("own_flow", "own_seizures"):
        # The country most traffic enters, planning over its own busiest links.
        from .objectives import crossing_links

        names = sorted({j for j in net.juris_ids if len(j) == 3 and j.startswith("C")})
        into = [float(snap.state.link_out[crossing_links(sim, c)].sum()) for c in names]
        country = names[int(np.argmax(into))]
        mine = net.link_juris == net.juris_ids.index(country)
        flow = np.where(mine, snap.state.link_inflow, -1.0)
        cand = np.argsort(-flow, kind="stable")[:n_candidates]
    sur = Surrogate(sim, [snap], objective, cand, country=country)
    return sur, cand


def exhaustive_gap(
    seed: int = 0,
    n_candidates: int = 5,
    grid: int = 10,
    budget: float = 2.0,
    objective: str = "us_delivered",
) -> GapResult:
    """Optimality gap of :func:`best_response` against exhaustive search on a small network."""
    sur, cand = small_problem(seed, n_candidates, objective)
    k = len(cand)
    fun = sur.value_and_grad
    x_opt, j_opt = best_response(fun, k, budget)
    pts = compositions(grid, k + 1)[:, :k] * (budget / grid)
    vals = np.array([sur.value(x) for x in pts])
    x_grid = pts[int(np.argmin(vals))]
    _, j_pol, _ = spg(fun, x_grid, budget)
    j_best = min(float(vals.min()), j_pol, j_opt)
    j0 = sur.value(np.zeros(k))
    span = j0 - j_best
    gap = max(j_opt - j_best, 0.0) / span if span > 1e-12 else 0.0
    return GapResult(seed, objective, k, budget, len(pts), j0, j_opt, min(j_pol, vals.min()), gap)
