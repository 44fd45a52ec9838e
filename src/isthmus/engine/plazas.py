"""Plazas: who holds a place, who challenges it, and how hard they fight (F3, F5).

A *plaza* is a place whose control yields revenue: piso fees on the cocaine entering
it, extortion, migrants and firearms passing (:mod:`.portfolio`). Groups hold
*control shares* of places. Each month:

- **Where strength is.** A challenger's committed strength sits at its targets; the
  rest of a group's strength is spread over its holdings in proportion to their value.
- **The contest.** Holders, challengers and the state share a place by a Tullock
  contest success function of their local strength (the state weighs in with its
  presence and troops); shares move towards it with inertia. A few patient groups
  collude (a grim trigger: Castillo 2013), more or impatient ones fight.
- **Entry.** A group within reach of a place it does not hold challenges when the
  place's value beats what the strength it would commit earns elsewhere, against the
  strength of the groups holding it (Dell 2015: a crackdown or a leader's removal
  weakens the incumbent and opens its plazas to rivals). The state's weight does not
  deter a rival: troops fight whoever holds the place.
- **Contest violence.** In a Tullock contest between groups of strengths ``s_i`` for a
  prize ``V`` the violence spent is ``(V / u) (1 - HHI) s_mean``: it grows with the
  prize (in the upkeep-months ``u`` it buys), with the balance of power (``1 - HHI``
  of the contenders' strengths) and with the contenders' size and number; and it is
  bounded by the gunmen present. It is zero where one group holds a place alone.

Examples
--------
Two groups (rows) at two places (columns): equal rivals contest the first place, the
second is held by one group alone and sees no contest.

>>> s = np.array([[1.0, 0.0], [1.0, 2.0]]); cont = s > 0
>>> contest_violence(np.array([3e6, 3e6]), s, cont, np.array([1e6, 1e6]), 1.0).round(3).tolist()
[1.055, 0.0]
"""

from __future__ import annotations

import numpy as np


def locate(
    S: np.ndarray, commit: np.ndarray, C: np.ndarray, value: np.ndarray, floor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Local strength of each group at each place, and who contends there.

    Committed strength sits at the targets; the rest is spread over the group's
    holdings in proportion to their value (plus ``floor``, so home places stay
    defended), not to its share, which would make every contest winner-take-all.
    """
    held = C > 0
    hv = held * (value + floor)
    tot = hv.sum(axis=1)
    spread = (1.0 - commit.sum(axis=1)) * S / np.maximum(tot, 1e-12)
    s_loc = S[:, None] * commit + spread[:, None] * hv
    np.maximum(s_loc, 0.0, out=s_loc)
    return s_loc, held | (commit > 0)


def contest_violence_parts(
    value: np.ndarray,
    s_loc: np.ndarray,
    contender: np.ndarray,
    upkeep: np.ndarray,
    capacity: float,
    n: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`contest_violence` before its exponential: the bound ``F`` (``capacity`` x
    the strength present) and the exponent ``-raw / F``."""
    s = s_loc * contender
    tot = s.sum(axis=0)
    if n is None:
        n = contender.sum(axis=0)
    hhi = (s * s).sum(axis=0) / np.maximum(tot * tot, 1e-300)
    n1 = np.maximum(n, 1)
    mean_s = tot / n1
    u_mean = (upkeep[:, None] * contender).sum(axis=0) / n1
    raw = value / np.maximum(u_mean, 1e-300) * (1.0 - hhi) * mean_s
    raw = np.where(n >= 2, raw, 0.0)
    cap = capacity * tot
    return cap, -raw / np.maximum(cap, 1e-300)


def contest_violence(
    value: np.ndarray,
    s_loc: np.ndarray,
    contender: np.ndarray,
    upkeep: np.ndarray,
    capacity: float,
    n: np.ndarray | None = None,
) -> np.ndarray:
    """Strength engaged in plaza contests at each place (strength units).

    ``(V / u_mean) (1 - HHI) s_mean``, with ``HHI`` the Herfindahl index of the
    contenders' local strengths, ``s_mean`` their mean and ``u_mean`` their mean upkeep
    per strength unit; bounded smoothly by ``capacity`` x the strength present:
    ``F (1 - exp(-raw / F))``. The Tullock equilibrium of ``n`` equal contenders spends
    ``V (n - 1) / n`` (mechanisms.md (c) 2); unequal ones spend less. ``n``, the number
    of contenders at each place, is counted from ``contender`` unless given.
    """
    cap, arg = contest_violence_parts(value, s_loc, contender, upkeep, capacity, n)
    return np.where(cap > 0, cap * -np.expm1(arg), 0.0)


def collusion_threshold(n: np.ndarray, deviation_months: float) -> np.ndarray:
    """Lowest monthly discount factor at which ``n`` contenders collude:
    ``(n / (n + 1)) ** (1 / T)`` (mechanisms.md (c) 3).

    Examples
    --------
    >>> collusion_threshold(np.array([2]), 1.0).round(3).tolist()
    [0.667]
    """
    return (n / (n + 1.0)) ** (1.0 / deviation_months)


def collusion(
    contender: np.ndarray,
    patience: np.ndarray,
    deviation_months: float,
    n: np.ndarray | None = None,
    thresholds: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Places where the contenders collude, and where they fight.

    Grim-trigger collusion holds iff every contender's monthly discount factor is at
    least ``(n / (n + 1)) ** (1 / T)``, ``T`` the months a deviator would hold the
    whole plaza before retaliation (mechanisms.md (c) 3). ``n`` (contenders per place)
    and ``thresholds`` (:func:`collusion_threshold` of 0, 1, 2, ... contenders) may be
    given by a caller that has them already.
    """
    if n is None:
        n = contender.sum(axis=0)
    if thresholds is not None and len(thresholds) > len(contender):
        crit = thresholds[n]
    else:
        crit = collusion_threshold(n, deviation_months)
    pat = np.where(contender, patience[:, None], 1.0).min(axis=0)
    multi = n >= 2
    collude = multi & (pat >= crit)
    return collude, multi & ~collude


def entry_hazard(
    value: np.ndarray, defence: np.ndarray, cost: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Quarterly hazard of a challenge, and the strength a challenger would commit.

    Committing ``s`` against a defence ``D`` earns ``V s / (s + D) - r s`` a month
    (``r``: what a unit of strength costs the challenger). The best commitment is
    ``s* = sqrt(V D / r) - D``, worth it iff ``V > r D``; the hazard grows with the
    return on it, ``sqrt(V / (r D)) - 1``.
    """
    D = np.maximum(defence, 1e-6)
    x = value / np.maximum(cost * D, 1e-300)
    hazard = 3.0 * rate * np.maximum(np.sqrt(x) - 1.0, 0.0)
    s_star = np.maximum(np.sqrt(value * D / np.maximum(cost, 1e-300)) - D, 0.0)
    return -np.expm1(-hazard), s_star


def hop_distances(adj: np.ndarray, sources: np.ndarray, hmax: int) -> np.ndarray:
    """Land hops from the nearest source place (``inf`` beyond ``hmax``), per row.

    ``adj`` is the symmetric 0/1 land adjacency (places x places), ``sources`` a
    (rows x places) 0/1 matrix of held places.
    """
    hops = np.where(sources > 0, 0.0, np.inf)
    frontier = sources.astype(float)
    for h in range(1, hmax + 1):
        frontier = np.minimum(frontier @ adj, 1.0)
        hops = np.where((frontier > 0) & np.isinf(hops), float(h), hops)
    return hops


def hop_matrix(adj: np.ndarray, hmax: int) -> np.ndarray:
    """Land hops between every pair of places (``inf`` beyond ``hmax``), computed once.

    Row ``i`` is :func:`hop_distances` of the single source ``i``; the hops from a set
    of places are the minimum of their rows (the same whole numbers, without the
    repeated matrix products).

    Examples
    --------
    >>> adj = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    >>> hop_matrix(adj, 1).tolist()
    [[0.0, 1.0, inf], [1.0, 0.0, 1.0], [inf, 1.0, 0.0]]
    """
    from .kernels import hop_counts  # (numba: imported on first use)

    return hop_counts(np.asarray(adj, dtype=float), int(hmax))
