"""Allocating a budget over links: spectral projected gradient with several starts.

The leader's problem (:mod:`isthmus.optimize.surrogate`) is smooth but not
convex: effort saturates on a link (the seizure share tends to ``p_max``) and
traffickers move away from where it is put. :func:`best_response` minimises it
over the budget set ``{x >= 0, sum(x) <= budget}`` with the non-monotone
spectral projected gradient method (Birgin, Martinez & Raydan 2000) from a few
starting points (the previous allocation, an even spread, the links with the
steepest descent), and keeps the best. The same function serves every
decision-maker (a country alone, or the region), so only what is optimised
differs between the arms of the experiment.

Examples
--------
>>> import numpy as np
>>> c = np.array([3.0, 1.0, 2.0])
>>> f = lambda x: (float(np.sum(c * np.exp(-x))), -c * np.exp(-x))
>>> x, fx = best_response(f, 3, budget=2.0)
>>> bool(abs(x.sum() - 2.0) < 1e-6 and x[0] > x[2] > x[1] - 1e-9)
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Fun = Callable[[np.ndarray], tuple[float, np.ndarray]]


def project_budget(y: np.ndarray, budget: float) -> np.ndarray:
    """Euclidean projection of ``y`` on ``{x >= 0, sum(x) <= budget}``.

    Examples
    --------
    >>> project_budget(np.array([2.0, 1.0, -1.0]), 2.0).tolist()
    [1.5, 0.5, 0.0]
    """
    x = np.maximum(y, 0.0)
    if x.sum() <= budget:
        return x
    if budget <= 0:
        return np.zeros_like(x)
    u = np.sort(y)[::-1]
    css = np.cumsum(u) - budget
    k = np.arange(1, len(u) + 1)
    pos = np.flatnonzero(u - css / k > 0)
    rho = pos[-1] if len(pos) else 0  # (the first always qualifies, but for rounding)
    tau = css[rho] / (rho + 1)
    return np.maximum(y - tau, 0.0)


def spg(
    fun: Fun,
    x0: np.ndarray,
    budget: float,
    max_iter: int = 150,
    tol: float = 1e-5,
    memory: int = 8,
) -> tuple[np.ndarray, float, int]:
    """Non-monotone spectral projected gradient on the budget set.

    Returns the allocation, its objective and the number of iterations. Stops
    when the projected-gradient step moves less than ``tol x budget``.
    """
    x = project_budget(np.asarray(x0, dtype=float), budget)
    f, g = fun(x)
    hist = [f]
    d0 = project_budget(x - g, budget) - x
    lam = 1.0 / max(np.abs(d0).max() / max(budget, 1e-12), 1e-12) if np.any(d0) else 1.0
    lam = min(lam, 1e6)
    it = 0
    while it < max_iter:
        it += 1
        if np.abs(project_budget(x - g, budget) - x).max() <= tol * max(budget, 1e-12):
            break
        d = project_budget(x - lam * g, budget) - x
        gd = float(g @ d)
        if gd >= 0:
            break
        fref = max(hist[-memory:])
        a = 1.0
        while True:
            xn = x + a * d
            fn, gn = fun(xn)
            if fn <= fref + 1e-4 * a * gd or a < 1e-6:
                break
            # safeguarded quadratic interpolation
            at = -0.5 * gd * a * a / max(fn - f - a * gd, 1e-300)
            a = at if 0.1 * a <= at <= 0.5 * a else 0.5 * a
        if fn > f and a < 1e-6:
            break
        s, y = xn - x, gn - g
        sy = float(s @ y)
        lam = float(np.clip(s @ s / sy, 1e-10, 1e10)) if sy > 0 else 1e4 * max(lam, 1.0)
        x, f, g = xn, fn, gn
        hist.append(f)
    return x, f, it


def starts(g0: np.ndarray, budget: float, warm: np.ndarray | None) -> list[np.ndarray]:
    """Starting allocations. Cold: an even spread, every vertex (the whole budget on one
    link) when there are at most 12 links, and the budget split over the 1, 3 and 10
    links whose effort most lowers the objective at zero effort. Warm (a previous
    allocation is given, itself the best of such starts): it and an even spread."""
    n = len(g0)
    out = [np.full(n, budget / max(n, 1))]
    if warm is not None and np.any(warm):
        return [np.asarray(warm, dtype=float), *out]
    if n <= 12:  # small problems: every vertex too (the objective is not convex)
        for i in range(n):
            x = np.zeros(n)
            x[i] = budget
            out.append(x)
    order = np.argsort(g0, kind="stable")
    for k in (1, 3, 10):
        top = order[: min(k, n)]
        top = top[g0[top] < 0]
        if len(top):
            x = np.zeros(n)
            x[top] = budget / len(top)
            out.append(x)
    return out


def best_response(
    fun: Fun,
    n: int,
    budget: float,
    warm: np.ndarray | None = None,
    max_iter: int = 150,
    tol: float = 1e-5,
) -> tuple[np.ndarray, float]:
    """Minimise ``fun`` over ``{x >= 0, sum(x) <= budget}`` (``n`` variables) from several
    starts; returns the best allocation and its objective."""
    if n == 0 or budget <= 0:
        return np.zeros(n), fun(np.zeros(n))[0]
    f0, g0 = fun(np.zeros(n))
    best_x, best_f = np.zeros(n), f0
    for x0 in starts(g0, budget, warm):
        x, f, _ = spg(fun, x0, budget, max_iter=max_iter, tol=tol)
        if f < best_f - 1e-12 * max(abs(best_f), 1.0):
            best_x, best_f = x, f
    return best_x, best_f
