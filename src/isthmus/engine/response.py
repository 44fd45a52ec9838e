"""A read-only view of the traffickers' response to interdiction, for optimisers.

An optimiser that places effort on links (``isthmus.optimize``) needs two
things from the engine, and nothing else:

- the **seizure share** of every link if extra effort were added
  (the interdiction step's own :meth:`~isthmus.engine.interdiction.Interdiction.seizure_prob`);
- the **route choice** traffickers move towards once they have learned a given
  seizure risk (the routes step's own
  :meth:`~isthmus.engine.routes.Routes.target_shares`), with its derivative.

:class:`RouteResponse` gives both, evaluated either on the live state of a
:class:`~isthmus.engine.sim.Sim` or on a :class:`StateSnapshot` taken during
a run (the state of one month: effort, enforcers' allocation, corruption of
local officials, fees, prices, supply). It never changes the simulation: a
snapshot is a copy, and a what-if is computed without writing to the state.

The derivative (:meth:`RouteResponse.shares_vjp`) is the adjoint of the
routes step's nested logit. :meth:`RouteResponse.check_vjp` compares it with
finite differences of the engine's own shares, so that a change of the
route-choice model that the adjoint does not follow is caught (the optimiser
then falls back to finite differences).

Examples
--------
>>> import numpy as np
>>> from isthmus import Sim
>>> sim = Sim("central-america", seed=0); sim.init()
>>> resp = RouteResponse(sim)
>>> p = resp.seizure_prob(np.zeros(sim.net.n_links))
>>> s = resp.shares(p)
>>> bool(abs(s.sum() - len(sim.net.origins)) < 1e-9)  # shares sum to 1 per origin
True
>>> resp.check_vjp(p) < 1e-4
True
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # pragma: no cover
    from .sim import Sim


@dataclass
class StateSnapshot:
    """A copy of a run's shared state at the end of one month (the next month's inputs)."""

    t: int
    state: SimpleNamespace

    @classmethod
    def take(cls, sim: Sim) -> StateSnapshot:
        """Copy ``sim.state`` now (arrays copied; tables kept by reference, never written)."""
        out = SimpleNamespace()
        for k, v in vars(sim.state).items():
            if isinstance(v, np.ndarray):
                setattr(out, k, v.copy())
            elif isinstance(v, (dict, list, SimpleNamespace)) and k != "extra_tables":
                setattr(out, k, copy.deepcopy(v))
            else:
                setattr(out, k, v)
        return cls(int(sim.t), out)


class RouteResponse:
    """Seizure shares and route choice as functions of extra effort (read-only).

    Parameters
    ----------
    sim : Sim
        An initialised simulation (``sim.init()`` or a finished run). Its
        interdiction and routes modules are used as they are.
    """

    def __init__(self, sim: Sim):
        self.sim = sim
        self.net = sim.net
        self.inter = sim.module("interdiction")
        self.routes = sim.module("routes")
        if self.inter is None or self.routes is None:
            raise ValueError("the route response needs the routes and interdiction modules")
        self.p_max = float(sim.pars["interdiction"]["p_max"])
        self.p_base = float(sim.pars["interdiction"]["p_base"])
        self.theta = float(sim.pars["routes"]["theta"])
        net = self.net
        self.orig_pos = np.searchsorted(net.origins, net.path_origin)
        self.n_orig = len(net.origins)
        self._seg_m: sp.csr_matrix | None = None  # route -> nest, route -> origin (lazy)

    @contextmanager
    def at(self, snap: StateSnapshot | None) -> Iterator[None]:
        """Evaluate on a snapshot's state (restored afterwards); ``None``: the live state."""
        if snap is None:
            yield
            return
        live = self.sim.state
        self.sim.state = snap.state
        try:
            yield
        finally:
            self.sim.state = live

    # -- what the engine computes ---------------------------------------------------------
    def hazard_per_unit(self) -> np.ndarray:
        """Seizure hazard one effective effort unit adds on each link (k_mode x local
        enforcement multiplier; groups lower the latter where they corrupt officials)."""
        mult = getattr(self.sim.state, "link_enf_mult", None)
        return self.inter.k * (1.0 if mult is None else mult)

    def seizure_prob(self, extra: np.ndarray) -> np.ndarray:
        """Seizure share of every link with ``extra`` effective effort units added."""
        return self.inter.seizure_prob(extra)

    def shares(self, p_hat: np.ndarray) -> np.ndarray:
        """Route shares traffickers move towards once their learned risk is ``p_hat``."""
        return self.routes.target_shares(p_hat)

    def supply(self) -> np.ndarray:
        """Tons leaving the origin of each route this month."""
        s = np.asarray(getattr(self.sim.state, "supply_origin", np.ones(self.n_orig)), float)
        return s[self.orig_pos]

    # -- derivatives ----------------------------------------------------------------------
    def shares_vjp(self, p_hat: np.ndarray, shares: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Gradient of ``sum(y * shares(p_hat))`` with respect to ``p_hat`` (the adjoint of
        the routes step's three-level nested logit: markets on their inclusive value,
        corridors within a market on theirs, routes within a corridor).

        With ``s`` the shares, ``lc`` the corridor nesting parameter and ``lm`` the market
        one, the derivative of ``sum_r y_r s_r`` with respect to ``v_k`` is
        ``s_k (y_k - (1 - lc) a_g - lc (1 - lm) b_m - lm lc c_o)``, where ``a_g``, ``b_m``
        and ``c_o`` are the share-weighted means of ``y`` over ``k``'s corridor, market nest
        and origin (``c_o`` a sum: the origin's shares add to 1); and
        ``dv_k / dp_l = -theta (P_m / P_ref) S_k A_kl / (1 - p_l)``. Rows of 2-d arguments
        are independent problems (one per snapshot).
        """
        r = self.routes
        if self._seg_m is None:
            n_paths = self.net.n_paths
            ones = np.ones(n_paths)
            idx = np.arange(n_paths)
            self._seg_m = sp.csr_matrix((ones, (idx, r.seg)), (n_paths, r.n_seg))
            self._cor_m = sp.csr_matrix((ones, (idx, r.gseg)), (n_paths, r.n_gseg))
            self._orig_m = sp.csr_matrix((ones, (idx, self.orig_pos)), (n_paths, self.n_orig))
            self._AT = self.net.A.T.tocsr()
        pars = self.sim.pars["routes"]
        lc, lm = float(pars["corridor_nest"]), float(pars["nest"])
        st = self.sim.state
        price = np.asarray(st.price_dest, dtype=float)[r.market_of_path]
        scale = price / r.p_ref[r.market_of_path]
        one = np.ndim(p_hat) == 1
        P, S, Y = (np.atleast_2d(a) for a in (p_hat, shares, y))
        q = np.clip(P, 0.0, 0.999)
        surv = np.exp((self._AT.T @ np.log1p(-q).T).T)  # (K, routes)

        def mean_over(m: sp.csr_matrix, col: np.ndarray) -> np.ndarray:
            tot = (m.T @ S.T).T[:, col]
            num = (m.T @ (S * Y).T).T[:, col]
            return np.divide(num, tot, out=np.zeros_like(num), where=tot > 0)

        a_g = mean_over(self._cor_m, r.gseg)
        b_m = mean_over(self._seg_m, r.seg)
        c_o = (self._orig_m.T @ (S * Y).T).T[:, self.orig_pos]
        adj = S * (Y - (1.0 - lc) * a_g - lc * (1.0 - lm) * b_m - lm * lc * c_o)
        g = -(self._AT @ (adj * self.theta * scale * surv).T).T / (1.0 - q)
        g = np.where((P >= 0.0) & (P <= 0.999), g, 0.0)
        return g[0] if one else g

    def levels(self, p_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The preferred shares at the routes step's three levels (market within origin,
        corridor within market, route within corridor) once the learned risk is ``p_hat``:
        the routes step's own ``target_levels``. The step moves each level towards them at
        its own rate (``adaptation``, ``corridor_adaptation``)."""
        return self.routes.target_levels(p_hat)

    def combine(self, market: np.ndarray, corridor: np.ndarray, within: np.ndarray) -> np.ndarray:
        """Route shares from the three levels, as the routes step combines them."""
        r = self.routes
        return market[r.seg] * corridor[r.gseg] * within

    def levels_vjp(
        self,
        p_hat: np.ndarray,
        levels: tuple[np.ndarray, np.ndarray, np.ndarray],
        y_market: np.ndarray,
        y_corridor: np.ndarray,
        y_within: np.ndarray,
    ) -> np.ndarray:
        """Gradient of ``y_market . M + y_corridor . C + y_within . W`` with respect to
        ``p_hat``, where ``(M, C, W) = levels(p_hat)`` (one snapshot: 1-d arguments).

        The adjoint of each softmax: ``d(y . W)/dv_k = W_k (y_k - mean_g y)`` within route
        ``k``'s corridor ``g``; a corridor's utility is ``corridor_nest`` times its
        inclusive value, whose derivative in ``v_k`` is ``W_k``; a market's is ``nest``
        times the inclusive value of its corridors, whose derivative in a corridor's
        utility is its share ``C``. Then ``dv_k / dp_l`` as in :meth:`shares_vjp`.
        """
        r = self.routes
        pars = self.sim.pars["routes"]
        lc, lm = float(pars["corridor_nest"]), float(pars["nest"])
        M, C, W = levels
        qbar = np.bincount(r.seg_origin, weights=M * y_market, minlength=self.n_orig)
        dw = M * (y_market - qbar[r.seg_origin])  # per (origin, market) segment
        zbar = np.bincount(r.gseg_m, weights=C * y_corridor, minlength=r.n_seg)
        du = C * (y_corridor - zbar[r.gseg_m]) + lm * C * dw[r.gseg_m]  # per corridor
        ybar = np.bincount(r.gseg, weights=W * y_within, minlength=r.n_gseg)
        dv = W * (y_within - ybar[r.gseg]) + lc * W * du[r.gseg]  # per route
        if self._seg_m is None:
            self.shares_vjp(p_hat, self.shares(p_hat), np.zeros(self.net.n_paths))  # caches
        st = self.sim.state
        price = np.asarray(st.price_dest, dtype=float)[r.market_of_path]
        scale = price / r.p_ref[r.market_of_path]
        q = np.clip(p_hat, 0.0, 0.999)
        surv = np.exp(self.net.A @ np.log1p(-q))
        g = -(self._AT @ (dv * self.theta * scale * surv)) / (1.0 - q)
        return np.where((p_hat >= 0.0) & (p_hat <= 0.999), g, 0.0)

    def check_vjp(self, p_hat: np.ndarray, n_dir: int = 3, seed: int = 0) -> float:
        """Largest relative error of :meth:`shares_vjp` against central finite differences
        of the engine's shares along ``n_dir`` random directions (with random weights)."""
        rng = np.random.default_rng(seed)
        base = self.shares(p_hat)
        err = 0.0
        for _ in range(n_dir):
            y = rng.standard_normal(len(base))
            d = rng.standard_normal(len(p_hat)) * np.minimum(p_hat, 0.999 - p_hat).clip(0, None)
            h = 1e-6
            fd = (y @ self.shares(p_hat + h * d) - y @ self.shares(p_hat - h * d)) / (2 * h)
            an = self.shares_vjp(p_hat, base, y) @ d
            err = max(err, abs(fd - an) / max(abs(fd), abs(an), 1e-12))
        return float(err)
