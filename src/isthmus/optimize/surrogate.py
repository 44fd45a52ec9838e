"""The leader-follower (Stackelberg) problem: effort on links, traffickers re-route.

The state (leader) places extra effort ``x`` (effort units, before corruption) on
links. The traffickers (follower) answer with the route choice of the engine's
routes step once they have learned the new seizure risks: their equilibrium
response. For a route-flow objective (:mod:`isthmus.optimize.objectives`), the
leader's problem is

    min_x  J(x) = mean over snapshots k of  J_k(p_k(x), shares_k(p_k(x)))
    s.t.   x >= 0,  sum(x) <= budget,  x = 0 off the candidate links,

where a *snapshot* is the model's state in one month of the planning window
(effort and the enforcers' allocation, corruption of local officials, fees,
prices, supply), taken from a run of the full model. Averaging over months and
seeds makes the allocation robust to how the system moves during the window.

:class:`Surrogate` evaluates J and its exact gradient: through the seizure
shares (the interdiction step's saturating hazard), through survival along the
routes (a segmented cumulative sum in travel order), and through the logit
(the adjoint :meth:`isthmus.engine.response.RouteResponse.shares_vjp`).

Examples
--------
>>> import numpy as np
>>> from isthmus import Sim
>>> from isthmus.engine.response import StateSnapshot
>>> sim = Sim("central-america", seed=0); sim.init(); sim.run()  # doctest: +ELLIPSIS
<isthmus.engine.sim.Results object at ...>
>>> snap = StateSnapshot.take(sim)
>>> cand = np.flatnonzero(np.isin(sim.net.link_juris, [sim.net.juris_ids.index("GTM")]))
>>> sur = Surrogate(sim, [snap], "us_delivered", cand)
>>> j0, g = sur.value_and_grad(np.zeros(len(cand)))
>>> i = int(np.argmin(g))  # the Guatemalan link where effort cuts US deliveries most
>>> x = np.zeros(len(cand)); x[i] = 0.1
>>> j1, _ = sur.value_and_grad(x)
>>> bool(g[i] < 0 and j1 < j0)
True
>>> x[i] = 1e-6  # the gradient is exact: it matches a finite difference
>>> bool(abs((sur.value_and_grad(x)[0] - j0) / 1e-6 - g[i]) < 1e-4 * abs(g[i]))
True

Effort spread evenly over all the candidate links need not cut deliveries: the
traffickers' re-routing can take the flow to routes that are seized less downstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..engine.response import RouteResponse, StateSnapshot
from .objectives import homicides_per_ton, weights

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.sim import Sim


def corruption_factor(sim: Sim, state=None) -> np.ndarray:  # noqa: ANN001
    """(1 - corruption) of each link's jurisdiction: effort units -> effective effort."""
    net = sim.net
    st = state if state is not None else sim.state
    corr_c = getattr(st, "corruption_c", None)
    if corr_c is None:
        return np.ones(net.n_links)
    jc = np.array([net.countries.index(j) if j in net.countries else -1 for j in net.juris_ids])
    cj = np.where(jc >= 0, np.asarray(corr_c)[np.maximum(jc, 0)], 0.0)
    return 1.0 - cj[net.link_juris]


class _Paths:
    """Travel-order bookkeeping of the choice set (constants of the network)."""

    def __init__(self, sim: Sim):
        net = sim.net
        A = net.A
        self.nnz_link = net.nnz_link
        self.nnz_path = net.nnz_path
        start = A.indptr[:-1]
        self.has_prev = start > 0
        self.prev = np.maximum(start - 1, 0)
        self.ends = A.indptr[1:] - 1
        self.n_links = net.n_links
        # Sum over the entries of each link: (K, nnz) @ (nnz, links).
        n = len(self.nnz_link)
        self.to_link = sp.csr_matrix(
            (np.ones(n), (np.arange(n), self.nnz_link)), shape=(n, self.n_links)
        )

    def _seg_start(self, cs: np.ndarray) -> np.ndarray:
        return np.where(self.has_prev, cs[:, self.prev], 0.0)

    def terms(
        self, p: np.ndarray, a: np.ndarray, b: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-ton objective of each route, and its derivative in each link's seizure share
        (per ton of the route) as one value per nnz entry; one row per snapshot."""
        nl, npth = self.nnz_link, self.nnz_path
        lg = np.log1p(-p)[:, nl]
        cs = np.cumsum(lg, axis=1)
        cs0 = self._seg_start(cs)
        P = np.exp(cs - lg - cs0[:, npth])  # share reaching the link
        surv = np.exp(cs[:, self.ends] - cs0)  # share reaching the end
        pl = p[:, nl]
        us = u * surv
        if not (a.any() or b.any()):  # only deliveries count (e.g. us_delivered)
            return us, -us[:, npth] / (1.0 - pl)
        bl = b[:, nl]
        term = (a[:, nl] + bl * pl) * P
        ct = np.cumsum(term, axis=1)
        ct0 = self._seg_start(ct)
        through = ct - ct0[:, npth]
        total = through[:, self.ends]
        after = total[:, npth] - through + us[:, npth]
        return total + us, bl * P - after / (1.0 - pl)


class Surrogate:
    """The leader's objective J(x) and its gradient over a set of snapshots.

    Parameters
    ----------
    sim : Sim
        An initialised simulation of the scenario; its routes and interdiction
        modules evaluate the follower's response (the state is swapped for each
        snapshot and restored).
    snapshots : list of StateSnapshot
        Months of the planning window (from one or more runs).
    objective : str
        An objective of :mod:`isthmus.optimize.objectives`.
    candidates : array of int
        Links that may receive effort; ``x`` is indexed like it.
    country : str, optional
        The country of a national objective.
    base_extra : list of arrays, optional
        Effective effort already on each link in each snapshot that is *not* being
        decided here (other countries' allocations); default: what the snapshot holds.
    h_place : array, optional
        Homicides per ton by place for the ``homicides`` objective (default: from the
        snapshots).
    effort_start : int, optional
        Month index (of ``sim``'s run) from which the effort is in place. Given, the
        follower answers with the routes step's own inertia (:class:`_Adaptive`): at a
        snapshot of month ``t``, the traffickers have had ``t - effort_start`` months to
        learn the new risks and to re-route. ``None``: they have fully adjusted (the
        equilibrium of the route choice), whatever the month.
    """

    def __init__(
        self,
        sim: Sim,
        snapshots: Sequence[StateSnapshot],
        objective: str,
        candidates: np.ndarray,
        country: str | None = None,
        base_extra: Sequence[np.ndarray] | None = None,
        h_place: np.ndarray | None = None,
        effort_start: int | None = None,
    ):
        if not len(snapshots):
            raise ValueError("the surrogate needs at least one snapshot")
        self.sim = sim
        self.resp = RouteResponse(sim)
        self.paths = _Paths(sim)
        self.snaps = list(snapshots)
        self.cand = np.asarray(candidates, dtype=np.int64)
        self.objective = objective
        if objective == "homicides" and h_place is None:
            h_place = homicides_per_ton(sim, self.snaps)
        n = sim.net.n_links
        self.w = [weights(objective, sim, s.state, country, h_place) for s in self.snaps]
        self.cf = [corruption_factor(sim, s.state) for s in self.snaps]
        self.base = [
            np.asarray(b, dtype=float)
            if b is not None
            else np.asarray(s.state.link_extra_effort, dtype=float)
            for s, b in zip(
                self.snaps,
                base_extra if base_extra is not None else [None] * len(self.snaps),
                strict=True,
            )
        ]
        # The interdiction step's what-if adds to the extra effort the snapshot holds, which
        # ``base`` replaces (a later round's snapshot holds the previous plan): the shift.
        self._shift = [
            b - np.asarray(getattr(s.state, "link_extra_effort", 0.0), dtype=float)
            for s, b in zip(self.snaps, self.base, strict=True)
        ]
        self.p_max = self.resp.p_max
        self.evaluations = 0
        # Per snapshot: hazard per effective effort unit (k x local multiplier) times
        # (1 - corruption), tons leaving each route's origin, and the objective's weights.
        hc, F = [], []
        for s, cf in zip(self.snaps, self.cf, strict=True):
            with self.resp.at(s):
                hc.append(self.resp.hazard_per_unit() * cf)
                F.append(self.resp.supply())
        self.HC, self.F = np.array(hc), np.array(F)
        self.A = np.array([w.a for w in self.w])
        self.B = np.array([w.b for w in self.w])
        self.U = np.array([w.u for w in self.w])
        self.use_vjp = True
        self.effort_start = effort_start
        self.adaptive = (
            [_Adaptive(self.resp, s, effort_start) for s in self.snaps]
            if effort_start is not None
            else None
        )
        del n

    def full(self, x: np.ndarray) -> np.ndarray:
        """``x`` (on the candidates) as effort units on every link."""
        out = np.zeros(self.sim.net.n_links)
        out[self.cand] = x
        return out

    def value_and_grad(self, x: np.ndarray, grad: bool = True) -> tuple[float, np.ndarray]:
        """J(x) (mean over snapshots, in the objective's unit) and dJ/dx on the candidates."""
        self.evaluations += 1
        X = self.full(np.maximum(x, 0.0))
        K = len(self.snaps)
        p = np.empty((K, self.sim.net.n_links))
        sh = np.empty((K, self.sim.net.n_paths))
        for k, s in enumerate(self.snaps):
            with self.resp.at(s):
                p[k] = self.resp.seizure_prob(self._shift[k] + self.cf[k] * X)
                sh[k] = self._shares(k, p[k])
        g_r, dg = self.paths.terms(p, self.A, self.B, self.U)
        f = self.F * sh
        tot = float(np.sum(f * g_r)) / K
        if not grad:
            return tot, np.zeros(0)
        dp = (self.paths.to_link.T @ (f[:, self.paths.nnz_path] * dg).T).T
        y = self.F * g_r
        for k, s in enumerate(self.snaps):
            # each snapshot's own state: the adjoint's price scale is that month's prices
            with self.resp.at(s):
                if not self.use_vjp:
                    dp[k] += self._shares_fd(k, p[k], y[k])
                elif self.adaptive is not None:
                    dp[k] += self.adaptive[k].vjp(p[k], y[k])
                else:
                    dp[k] += self.resp.shares_vjp(p[k], sh[k], y[k])
        g_all = np.sum(dp * (self.p_max - p) * self.HC, axis=0)
        return tot, g_all[self.cand] / K

    def value(self, x: np.ndarray) -> float:
        return self.value_and_grad(x, grad=False)[0]

    def _shares(self, k: int, p: np.ndarray) -> np.ndarray:
        """Route shares of snapshot ``k`` (its state live) when the true seizure shares are
        ``p``: the route choice's equilibrium, or the adaptive follower's."""
        if self.adaptive is not None:
            return self.adaptive[k].shares(p)
        return self.resp.shares(p)

    def _shares_fd(self, k: int, p: np.ndarray, y: np.ndarray, h: float = 1e-6) -> np.ndarray:
        """Finite-difference fallback of the shares' adjoint, on the candidate links."""
        out = np.zeros(len(p))
        for li in self.cand:
            q = p.copy()
            q[li] += h
            up = y @ self._shares(k, q)
            q[li] -= 2 * h
            out[li] = (up - y @ self._shares(k, q)) / (2 * h)
        return out

    def check_gradient(self, x: np.ndarray, tol: float = 1e-4) -> float:
        """Check the logit adjoint against finite differences of the engine's own shares;
        switch to finite differences (slower, always consistent) if it does not match.
        Returns the relative error found."""
        s = self.snaps[0]
        with self.resp.at(s):
            p = self.resp.seizure_prob(self._shift[0] + self.cf[0] * self.full(x))
            err = self.resp.check_vjp(p)
            if self.adaptive is not None:
                err = max(err, self.adaptive[0].check_vjp(p))
        if not err < tol:
            self.use_vjp = False
        return err


class _Adaptive:
    """The follower's response at one snapshot, with the routes step's own inertia.

    In the model, traffickers do not jump to the route choice that a new risk calls
    for. They learn the risk from what they see seized, with discounted memory
    (``routes.memory``) against a prior on the posture they can see (``prior_t`` tons
    at the true risk); and each level of the nested choice moves only part of the way
    towards its preferred shares each month (routes within a corridor and markets at
    ``adaptation``, corridors, which need contacts and officials in a new country, at
    ``corridor_adaptation``: a half-life of about two years). After ``j`` months of
    effort, to first order in the change of the plan:

        p_hat(x) = p_hat0 + beta_l (p(x) - p0),   beta_l = w_l + (1 - w_l)(1 - memory^j),
                   w_l = prior_t / (prior_t + tons observed on link l)
        L(x)     = L0 + (1 - (1 - rate_L)^j) (L*(p_hat(x)) - L*(p_hat0))   for each level L

    where ``p0``, ``p_hat0`` and ``L0`` are the snapshot's own (so the plan of the run
    the snapshot comes from gives the month's actual route shares), and ``L*`` the
    routes step's preferred shares (``RouteResponse.levels``). Shares are clipped at 0.
    """

    def __init__(self, resp: RouteResponse, snap: StateSnapshot, start: int):
        self.resp = resp
        st = snap.state
        rp = resp.sim.pars["routes"]
        j = max(int(snap.t) - int(start), 0)
        self.j = j
        with resp.at(snap):
            self.p0 = resp.seizure_prob(np.zeros(resp.net.n_links))  # the run's own effort
            self.ph0 = np.asarray(st.p_hat, dtype=float).copy()
            self.ref = resp.levels(self.ph0)
        prior = float(rp["prior_t"])
        obs = np.asarray(getattr(st, "obs_passed", np.zeros_like(self.ph0)), dtype=float)
        w = prior / (prior + np.maximum(obs, 0.0))
        self.beta = w + (1.0 - w) * (1.0 - float(rp["memory"]) ** j)
        a = 1.0 - (1.0 - float(rp["adaptation"])) ** j
        b = 1.0 - (1.0 - float(rp["corridor_adaptation"])) ** j
        self.rate = (a, b, a)  # market, corridor, within
        self.now = tuple(
            np.asarray(getattr(st, k), dtype=float).copy()
            for k in ("market_share", "corridor_share", "within_share")
        )
        self._last: tuple | None = None

    def _levels(self, p: np.ndarray) -> tuple:
        ph = self.ph0 + self.beta * (p - self.p0)
        star = self.resp.levels(ph)
        raw = [
            n + r * (s - s0)
            for n, r, s, s0 in zip(self.now, self.rate, star, self.ref, strict=True)
        ]
        return ph, star, [np.maximum(z, 0.0) for z in raw], [z > 0 for z in raw]

    def shares(self, p: np.ndarray) -> np.ndarray:
        """Route shares in the snapshot's month when the true seizure shares are ``p``
        (the snapshot's state must be live: ``resp.at(snap)``)."""
        ph, star, lv, pos = self._levels(p)
        self._last = (p.copy(), ph, star, lv, pos)
        return self.resp.combine(*lv)

    def vjp(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Gradient of ``y . shares(p)`` with respect to ``p`` (state live)."""
        if self._last is None or not np.array_equal(self._last[0], p):
            self.shares(p)
        _, ph, star, (M, C, W), (pm, pc, pw) = self._last  # type: ignore[misc]
        r = self.resp.routes
        a_m, a_c, a_w = self.rate
        yw = a_w * pw * y * M[r.seg] * C[r.gseg]
        yc = a_c * pc * np.bincount(r.gseg, weights=y * M[r.seg] * W, minlength=r.n_gseg)
        ym = a_m * pm * np.bincount(r.seg, weights=y * C[r.gseg] * W, minlength=r.n_seg)
        return self.beta * self.resp.levels_vjp(ph, star, ym, yc, yw)

    def check_vjp(self, p: np.ndarray, n_dir: int = 3, seed: int = 0) -> float:
        """Largest relative error of :meth:`vjp` against central finite differences."""
        rng = np.random.default_rng(seed)
        err = 0.0
        for _ in range(n_dir):
            y = rng.standard_normal(len(self.resp.net.path_market))
            d = rng.standard_normal(len(p)) * np.minimum(p, 0.999 - p).clip(0, None)
            h = 1e-6
            fd = (y @ self.shares(p + h * d) - y @ self.shares(p - h * d)) / (2 * h)
            an = self.vjp(p, y) @ d
            err = max(err, abs(fd - an) / max(abs(fd), abs(an), 1e-12))
        return float(err)
