"""The activity portfolio of crime groups, and their strength (F4, F7, F10).

A group's violent capital ``S`` (strength units; 1 = the gunmen of a mid-sized crime
family) is spread over five activities: transit fees on cocaine, extortion, migrant
smuggling, human trafficking and firearms (mechanisms.md (d)). Activity ``k`` of group
``a`` yields ``Y_ak (1 - exp(-L_ak c_ak / Y_ak))`` USD a month for effort ``L_ak``: the
potential ``Y_ak`` of the places it holds (what a sole holder would take at full
exploitation) and a marginal return ``c_ak`` (USD a month per strength unit) when the
activity is untapped. Equal marginal returns and ``sum_k L_ak = S_a`` give the optimal
efforts in closed form (:func:`shadow_value`). When transit revenue falls short of
upkeep, the group is in need and the other activities, which pay at once, get a
premium: effort moves to them. Groups move their effort towards the optimum over
months (``effort_adjust``), not at once.

Strength follows what the group can pay for: recruits flow in towards the size at
which the marginal revenue of strength equals its upkeep per unit (a cheap gang
member pays off where a professional gunman does not), members leave at a turnover
rate, prosecution and troops remove more, and crime prevention in the places a group
recruits from cuts its recruits (F10).

Examples
--------
>>> Ya = np.array([[3.0, 1.0, 0.0, 0.0, 1.0]]); c = np.array([[2.0, 1.0, 1.0, 1.0, 2.0]])
>>> lam = shadow_value(Ya, c, np.array([1.0]))
>>> L = optimal_effort(Ya, c, lam)
>>> round(float(L.sum()), 9)
1.0
"""

from __future__ import annotations

import numpy as np

from .kernels import shadow_log

ACTIVITIES = ("transit", "extortion", "migrant_smuggling", "human_trafficking", "firearms")
TRANSIT = 0


def shadow_value(Ya: np.ndarray, c: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Marginal value of strength, lambda, of each group.

    With ``w_k = Y_k / c_k`` the optimal efforts are ``L_k = w_k ln(c_k / lambda)^+``
    and their sum must equal ``S``. Sorting the activities by ``c`` (highest first),
    lambda lies between the ``j``-th and ``(j+1)``-th return for the number ``j`` of
    worked activities, and ``ln lambda = (sum_{k<=j} w_k ln c_k - S) / sum_{k<=j} w_k``:
    the exact solution, for every group at once.

    Returns ``inf`` for a group with no strength or nothing to exploit.
    """
    eps = 1e-300
    cm = np.maximum(c, eps)
    w = np.where(Ya > 0, Ya / cm, 0.0)
    # The sort, the running sums and the choice of j compiled (shadow_log), row by row;
    # logarithm and exponential in numpy.
    lc = np.ascontiguousarray(np.broadcast_to(np.log(cm), w.shape))
    ll, valid = shadow_log(lc, w, np.ascontiguousarray(S, dtype=float))
    return np.where(valid, np.exp(ll), np.inf)


def optimal_effort(Ya: np.ndarray, c: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Efforts (strength units) at the shadow value ``lam``: ``(Y/c) ln(c/lam)^+``."""
    w = np.where(Ya > 0, Ya / np.maximum(c, 1e-300), 0.0)
    # In logs: a group with far more strength than its potentials has a shadow value that
    # underflows to 0 (c / 0 = inf); idle activities (w = 0) must stay at 0, not 0 x inf.
    gain = np.log(np.maximum(c, 1e-300)) - np.log(np.maximum(lam, 1e-300))[:, None]
    return np.where(w > 0, w * np.maximum(gain, 0.0), 0.0)


def revenue(Ya: np.ndarray, c: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Revenue (USD a month) of efforts ``L``: ``Y (1 - exp(-L c / Y))``."""
    return np.where(Ya > 0, Ya * -np.expm1(-L * c / np.maximum(Ya, 1e-300)), 0.0)


def size_at_upkeep(Ya: np.ndarray, c: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The strength at which the marginal revenue of strength equals its upkeep ``u``.

    ``c`` may be one row of returns shared by every group (it broadcasts).
    """
    return optimal_effort(Ya, c, u).sum(axis=1)
