"""Unilateral versus coordinated allocation of an enforcement budget (F8).

Both spend a budget of *effort units* (1 unit = 1,000 full-time personnel-
equivalents, as in the ``countries`` table) as extra effort on links. A unit of
capacity on a link of jurisdiction j adds ``k_mode x (1 - corruption_j)`` to
the link's seizure hazard (interdiction step), so where the budget goes
matters as much as its size.

- **Unilateral**: each country spends its own share of the budget against the
  flow it sees on its own territory, in proportion to that flow (the links of
  its jurisdiction, last month's inflow). Nobody accounts for what is pushed
  across the border.
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

    Uses the engine's own modules as black boxes so that it stays consistent
    with them: the interdiction step's seizure probability under a trial
    ``link_extra_effort``, and the routes step's target shares (the route mix
    traffickers move towards) once they have learned the new risks.
    """

    def __init__(self, sim: Sim, eff: np.ndarray, markets: tuple[str, ...] = ("usa",)):
        self.sim = sim
        self.net = sim.net
        self.eff = eff
        self.inter = sim.module("interdiction")
        self.routes = sim.module("routes")
        st = sim.state
        self.base_extra = st.link_extra_effort.copy()
        self.pmax = float(sim.pars["interdiction"]["p_max"])
        self.theta = float(sim.pars["routes"]["theta"])
        net = self.net
        self.orig_pos = np.searchsorted(net.origins, net.path_origin)
        # Routes whose delivered tons count (the US market, or every market).
        self.us = np.isin(net.path_market, [MARKETS.index(m) for m in markets]).astype(float)
        supply = getattr(st, "supply_origin", None)
        if supply is None or np.sum(supply) <= 0:
            supply = np.ones(len(net.origins))
        self.supply = np.asarray(supply, dtype=float)[self.orig_pos]

    def p_of(self, extra: np.ndarray) -> np.ndarray:
        """Seizure probability of every link with ``extra`` capacity units added."""
        st = self.sim.state
        saved = st.link_extra_effort
        st.link_extra_effort = self.base_extra + extra * self.eff
        try:
            return self.inter.seizure_prob()
        finally:
            st.link_extra_effort = saved

    def shares(self, p: np.ndarray) -> np.ndarray:
        """Route shares traffickers move towards when their learned risk equals ``p``."""
        st = self.sim.state
        saved = st.p_hat
        st.p_hat = p
        try:
            return self.routes.target_shares()
        finally:
            st.p_hat = saved

    def delivered(self, extra: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """US-delivered tons per month, with the probabilities and shares behind it."""
        p = self.p_of(extra)
        sh = self.shares(p)
        surv = np.exp(self.net.A @ np.log1p(-np.clip(p, 0.0, 0.999)))
        return float(np.sum(self.supply * sh * surv * self.us)), p, sh

    def gradient(self, extra: np.ndarray, p: np.ndarray, sh: np.ndarray) -> np.ndarray:
        """Linearised d(US-delivered tons)/d(capacity) per link, route response included.

        With survival S_r, flows f_r and a logit of scale theta on S_r within
        each origin: dD/de_l = -w_l [A'(f S u) + theta A'(f S^2 u) - theta A'(s S DU_o)],
        w_l = dp_l/de_l / (1 - p_l), u = 1 on US routes, DU_o = US tons of origin o.
        """
        net = self.net
        A = net.A
        surv = np.exp(A @ np.log1p(-np.clip(p, 0.0, 0.999)))
        f = self.supply * sh
        fsu = f * surv * self.us
        du = np.bincount(self.orig_pos, weights=fsu, minlength=len(net.origins))
        inner = (
            A.T @ fsu
            + self.theta * (A.T @ (fsu * surv))
            - self.theta * (A.T @ (sh * surv * du[self.orig_pos]))
        )
        dp = self.eff * np.maximum(self.pmax - p, 0.0)
        return -dp / np.maximum(1.0 - p, 1e-6) * inner


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
