"""Unilateral versus coordinated allocation of an enforcement budget (F8).

Both spend a budget of *effort units* (1 unit = 1,000 full-time personnel-
equivalents, as in the ``countries`` table) as extra effort on links. A unit of
capacity on a link of jurisdiction j adds ``k_mode x (1 - corruption_j)`` to
the link's seizure hazard (interdiction step), so where the budget goes
matters as much as its size.

- **Unilateral**: each country spends its own share of the budget against the
  flow it sees, in proportion to that flow (the links it patrols, ``net.pat_link``:
  its roads, coasts and waters, including the voyages and coastal hops that leave
  its coast for a neighbour's; last month's inflow). Nobody accounts for what is
  pushed across the border.
- **Coordinated**: one regional budget (the same total) goes to the links that
  most reduce the tons *delivered to the United States*, allowing for the
  traffickers' response. A greedy heuristic: the budget is split into chunks;
  for each chunk, a linearised route-choice response (the logit derivative)
  ranks the candidate links by marginal reduction of US-delivered tons per
  unit, and the best few are then evaluated exactly with the route-choice
  model itself (the routes module's target shares under the new seizure
  risks: the traffickers' equilibrium response), and the chunk goes to the
  best. An exact bilevel optimiser (Israeli & Wood 2002; mechanisms.md (a))
  may replace it later.

Examples
--------
>>> from isthmus import Sim
>>> pol = {"type": "coordinated_allocation", "start": "2008-01", "end": "2008-12",
...        "target": {"country": ["GTM", "HND"]}, "size": 5.0}
>>> sim = Sim("central-america", seed=0, policies=[pol])
>>> res = sim.run()
>>> round(float(sim.interventions[-1].last_allocation.sum()), 6)
5.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..engine.network import MARKETS
from ..engine.response import RouteResponse as EngineResponse

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.levers import SimView as Sim


def link_corruption_factor(sim: Sim) -> np.ndarray:
    """(1 - corruption) of each link's jurisdiction: capacity -> effective effort."""
    net = sim.net
    corr_c = getattr(sim.state, "corruption_c", None)
    if corr_c is None:
        return np.ones(net.n_links)
    jc = np.array([net.countries.index(j) if j in net.countries else -1 for j in net.juris_ids])
    cj = np.where(jc >= 0, np.asarray(corr_c)[np.maximum(jc, 0)], 0.0)
    return 1.0 - cj[net.link_juris]


def marginal_seizure_share(sim: Sim) -> np.ndarray:
    """Seizure share one more capacity unit adds on each link at the current risk:
    dp/de = k x mult x (1 - corruption) x (p_max - p)."""
    st = sim.state
    pmax = float(sim.pars["interdiction"]["p_max"])
    p = getattr(st, "p_true", np.zeros(sim.net.n_links))
    return link_effectiveness(sim) * np.maximum(pmax - p, 0.0)


def link_effectiveness(sim: Sim, corrupt: bool = True) -> np.ndarray:
    """Seizure hazard added per unit of capacity on each link.

    k_mode x the local enforcement multiplier (groups lower it where they
    corrupt officials) x (1 - corruption) of the jurisdiction (unless
    ``corrupt`` is False, for effort that is already effective).
    """
    net, st = sim.net, sim.state
    k = getattr(sim.module("interdiction"), "k", None)
    if k is None:  # interdiction inactive: nothing to allocate against
        return np.zeros(net.n_links)
    mult = getattr(st, "link_enf_mult", np.ones(net.n_links))
    return k * mult * (link_corruption_factor(sim) if corrupt else 1.0)


def unilateral_allocation(
    sim: Sim,
    budgets: dict[int, float],
    flow: np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Capacity per link when each jurisdiction spends its budget against its own flow.

    Parameters
    ----------
    sim : Sim
        The running simulation.
    budgets : dict
        Jurisdiction index (into ``net.juris_ids``) -> budget in effort units.
    flow : array, optional
        Flow each link carries as the country sees it (default: last month's inflow).
    weight : array, optional
        Per-link weight of the flow (e.g. the seizure share a unit of effort adds there,
        so that effort goes where it seizes most of the flow seen).

    Returns
    -------
    numpy.ndarray
        Effort units per link (before corruption), summing to the total budget.

    Examples
    --------
    >>> from isthmus import Sim
    >>> sim = Sim("central-america"); sim.init()
    >>> j = sim.net.juris_ids.index("GTM")
    >>> e = unilateral_allocation(sim, {j: 2.0})
    >>> round(float(e.sum()), 6), bool((e[~sim.net.patrolled_by("GTM")] == 0).all())
    (2.0, True)
    """
    net = sim.net
    if flow is None:
        flow = getattr(sim.state, "link_inflow", np.zeros(net.n_links))
    if weight is not None:
        flow = flow * weight
    out = np.zeros(net.n_links)
    for j, b in budgets.items():  # one entry per country: a short loop
        own = np.zeros(net.n_links, dtype=bool)  # the links the jurisdiction patrols
        own[net.pat_link[net.pat_juris == j]] = True
        if not own.any() or b <= 0:
            continue
        f = np.where(own, flow, 0.0)
        tot = f.sum()
        out += b * (f / tot if tot > 0 else own / own.sum())
    return out


class RouteResponse:
    """Tons delivered to the US in the traffickers' equilibrium response to extra effort.

    Built on the engine's read-only view (:class:`isthmus.engine.response.RouteResponse`)
    so that it stays consistent with the modules: the interdiction step's seizure
    probability with trial extra effort, the routes step's target shares (the route
    mix traffickers move towards once they have learned the new risks: the three-level
    nested logit, costs scaled by price) and that logit's adjoint for the gradient.
    Nothing in the simulation's state is written.

    Parameters
    ----------
    sim : Sim
        The running simulation (routes and interdiction modules active).
    eff : array
        Seizure hazard one capacity unit adds on each link (:func:`link_effectiveness`).
    markets : tuple of str
        Markets whose delivered tons count.
    """

    def __init__(self, sim: Sim, eff: np.ndarray, markets: tuple[str, ...] = ("usa",)):
        self.sim = sim
        self.net = sim.net
        self.eff = np.asarray(eff, dtype=float)
        self.resp = EngineResponse(sim)
        self.pmax = self.resp.p_max
        net = self.net
        self.orig_pos = self.resp.orig_pos
        # Routes whose delivered tons count (the US market, or every market).
        self.us = np.isin(net.path_market, [MARKETS.index(m) for m in markets]).astype(float)
        supply = getattr(sim.state, "supply_origin", None)
        if supply is None or np.sum(supply) <= 0:
            supply = np.ones(len(net.origins))
        self.supply = np.asarray(supply, dtype=float)[self.orig_pos]

    def p_of(self, extra: np.ndarray) -> np.ndarray:
        """Seizure probability of every link with ``extra`` capacity units added.

        A capacity unit adds ``eff`` to a link's hazard (as the policies apply it and as
        :meth:`gradient` assumes); the interdiction step's what-if takes effective effort
        units, to which it applies ``k`` and the local multiplier itself.
        """
        hpu = self.resp.hazard_per_unit()
        units = np.divide(extra * self.eff, hpu, out=np.zeros(self.net.n_links), where=hpu > 0)
        return self.resp.seizure_prob(units)

    def shares(self, p: np.ndarray) -> np.ndarray:
        """Route shares traffickers move towards when their learned risk equals ``p``."""
        return self.resp.shares(p)

    def delivered(self, extra: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """US-delivered tons per month, with the probabilities and shares behind it."""
        p = self.p_of(extra)
        sh = self.shares(p)
        surv = np.exp(self.net.A @ np.log1p(-np.clip(p, 0.0, 0.999)))
        return float(np.sum(self.supply * sh * surv * self.us)), p, sh

    def gradient(self, extra: np.ndarray, p: np.ndarray, sh: np.ndarray) -> np.ndarray:
        """Linearised d(US-delivered tons)/d(capacity) per link, route response included.

        ``D = sum_r F_r s_r(p) S_r(p) u_r`` (``F`` the origin's supply, ``S`` survival,
        ``u`` = 1 on counted routes), so ``dD/dp_l = [d(sum_r y_r s_r)/dp_l]_{y = F S u}
        - A'(F s S u)_l / (1 - p_l)``, the first term the routes step's adjoint; and
        ``dp_l/de_l = eff_l (p_max - p_l)``.
        """
        A = self.net.A
        q = np.clip(p, 0.0, 0.999)
        surv = np.exp(A @ np.log1p(-q))
        y = self.supply * surv * self.us
        d_p = self.resp.shares_vjp(p, sh, y) - (A.T @ (y * sh)) / (1.0 - q)
        return self.eff * np.maximum(self.pmax - p, 0.0) * d_p


def coordinated_allocation(
    sim: Sim,
    budget: float,
    candidates: np.ndarray,
    steps: int = 24,
    n_eval: int = 6,
    eff: np.ndarray | None = None,
    markets: tuple[str, ...] = ("usa",),
) -> np.ndarray:
    """Capacity per link that most reduces US-delivered tons (greedy, response included).

    Parameters
    ----------
    sim : Sim
        The running simulation (its routes and interdiction modules are used).
    budget : float
        Total effort units to allocate.
    candidates : array of bool
        Links that may receive effort (e.g. those of the participating countries).
    steps : int
        Number of chunks the budget is split into.
    n_eval : int
        Candidates, ranked by the linearised response, evaluated exactly per chunk.
    eff : array, optional
        Hazard per capacity unit on each link (default :func:`link_effectiveness`).
    markets : tuple of str
        Markets whose delivered tons are minimised (default the US; ``("usa", "europe")``
        for the total flow).

    Returns
    -------
    numpy.ndarray
        Effort units per link, summing to ``budget``.
    """
    net = sim.net
    out = np.zeros(net.n_links)
    if budget <= 0:
        return out
    if eff is None:
        eff = link_effectiveness(sim)
    cand = np.flatnonzero(candidates & (eff > 0))
    if len(cand) == 0 or sim.module("routes") is None or sim.module("interdiction") is None:
        # Nothing to evaluate against: spread the budget over the candidates.
        c = np.flatnonzero(candidates)
        if len(c):
            out[c] = budget / len(c)
        return out
    model = RouteResponse(sim, eff, markets)
    chunk = budget / steps
    d_now, p, sh = model.delivered(out)
    for _ in range(steps):
        g = model.gradient(out, p, sh)[cand]
        top = cand[np.argsort(g)[:n_eval]]
        best, best_d, best_ps = top[0], np.inf, (p, sh)
        for li in top:  # a handful of exact evaluations per chunk
            trial = out.copy()
            trial[li] += chunk
            d, p2, sh2 = model.delivered(trial)
            if d < best_d:
                best, best_d, best_ps = li, d, (p2, sh2)
        out[best] += chunk
        p, sh = best_ps
    return out
