"""Compiled kernels of the monthly hot loops (numba), over route entries and small groups.

Why: a month of the default network is a few dozen passes over ~15,000 route entries
(links in travel order, route after route) and many small arrays; as numpy calls each
pass is a separate cumulative sum, ``repeat``, ``take`` or sparse product, and the time
goes to the calls and the temporaries. Each kernel here fuses such a chain into one
loop over the entries.

Every kernel does the arithmetic of the numpy code it replaces, in the same order, so
the results are the same to the last bit:

- a *segmented cumulative sum* is, as before, one running sum over all entries from
  which each route's running sum before its first entry is subtracted (not a sum
  restarted at each route, which rounds differently);
- a *bin sum* adds each bin's values one after the other in index order from 0, as
  ``np.bincount`` and the CSR products of :func:`.network.bin_sum_matrix` do;
- exponentials and logarithms stay in numpy (its SIMD ``exp`` and ``log`` differ from
  the C library's in the last bit): the kernels only gather, add, multiply and divide.

numba is imported here, and this module only by the engine's step modules, so that
``import isthmus`` and the command line's ``--help`` do not pay for it. Kernels are
cached on disk (``cache=True``): a new process loads them instead of compiling.

Examples
--------
>>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
>>> seg_cumsum(x, np.arange(5), np.array([2, 3])).tolist()
[1.0, 3.0, 3.0, 7.0, 12.0]
"""

from __future__ import annotations

import numpy as np
from numba import njit

_JIT = {"cache": True, "nogil": True}


@njit(**_JIT)
def seg_cumsum(x: np.ndarray, idx: np.ndarray, path_len: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum of ``x[idx]`` within each route (entries contiguous).

    Bit for bit ``cs[1:] - np.repeat(cs[starts], path_len)`` with ``cs = [0,
    cumsum(x[idx])]`` and ``starts`` each route's first entry.
    """
    out = np.empty(len(idx))
    s = 0.0
    e = 0
    for p in range(len(path_len)):
        base = s
        for _ in range(path_len[p]):
            v = x[idx[e]]
            s = v if e == 0 else s + v  # np.cumsum starts from the first value, not 0 + it
            out[e] = s - base
            e += 1
    return out


@njit(**_JIT)
def cost_chain_sums(
    a_link: np.ndarray,
    idx: np.ndarray,
    path_len: np.ndarray,
    exp_cum: np.ndarray,
    p0: float,
) -> np.ndarray:
    """``p0 + seg_cumsum(a_link[idx] / exp_cum)``: the price chain's inner sums.

    Bit for bit the numpy ``z = a.take(idx); z /= exp_cum; z = segcumsum(z); z += p0``.
    """
    out = np.empty(len(idx))
    s = 0.0
    e = 0
    for p in range(len(path_len)):
        base = s
        for _ in range(path_len[p]):
            v = a_link[idx[e]] / exp_cum[e]
            s = v if e == 0 else s + v
            out[e] = (s - base) + p0
            e += 1
    return out


@njit(**_JIT)
def survival_exponents(
    lg_link: np.ndarray, idx: np.ndarray, path_len: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Log survival to each entry (before its own loss) and to each route's end.

    With ``lg = lg_link[idx]`` and ``cs`` its running sum over all entries, bit for bit
    ``(cs - lg) - start_cs`` per entry and ``cs[end] - start_cs`` per route,
    ``start_cs`` being the running sum before the route's first entry.
    """
    n_p = len(path_len)
    inflow = np.empty(len(idx))
    whole = np.empty(n_p)
    s = 0.0
    e = 0
    for p in range(n_p):
        base = s
        for _ in range(path_len[p]):
            v = lg_link[idx[e]]
            s = v if e == 0 else s + v
            inflow[e] = (s - v) - base
            e += 1
        whole[p] = s - base
    return inflow, whole


@njit(**_JIT)
def scale_and_bin(
    x: np.ndarray, path_w: np.ndarray, path_len: np.ndarray, bins: np.ndarray, n_bins: int
) -> np.ndarray:
    """``x *= np.repeat(path_w, path_len)`` in place, and the bin sums of the result.

    The sums are bit for bit ``np.bincount(bins, weights=x, minlength=n_bins)``.
    """
    out = np.zeros(n_bins)
    e = 0
    for p in range(len(path_len)):
        w = path_w[p]
        for _ in range(path_len[p]):
            v = x[e] * w
            x[e] = v
            out[bins[e]] += v
            e += 1
    return out


@njit(**_JIT)
def spread_bin(
    path_w: np.ndarray, path_len: np.ndarray, bins: np.ndarray, n_bins: int
) -> np.ndarray:
    """Bin sums of each route's value over its entries.

    Bit for bit ``np.bincount(bins, weights=np.repeat(path_w, path_len), minlength=n_bins)``
    (and the product ``A.T @ path_w`` of a 0/1 route-link matrix with sorted rows).
    """
    out = np.zeros(n_bins)
    e = 0
    for p in range(len(path_len)):
        w = path_w[p]
        for _ in range(path_len[p]):
            out[bins[e]] += w
            e += 1
    return out


@njit(**_JIT)
def weighted_bin_mean_parts(
    path_w: np.ndarray, path_len: np.ndarray, values: np.ndarray, bins: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Denominator and numerator of a route-weighted mean of per-entry values per bin.

    Bit for bit, with ``w = np.repeat(path_w, path_len)``: ``np.bincount(bins, w)`` and
    ``np.bincount(bins, w * values)``.
    """
    den = np.zeros(n_bins)
    num = np.zeros(n_bins)
    e = 0
    for p in range(len(path_len)):
        w = path_w[p]
        for _ in range(path_len[p]):
            b = bins[e]
            den[b] += w
            num[b] += w * values[e]
            e += 1
    return den, num


@njit(**_JIT)
def tilt_exponent(
    log_price: np.ndarray, log_p0: float, path_f: np.ndarray, path_len: np.ndarray
) -> np.ndarray:
    """``(log_price - log_p0) * np.repeat(path_f, path_len) + log_price``, bit for bit."""
    out = np.empty(len(log_price))
    e = 0
    for p in range(len(path_len)):
        f = path_f[p]
        for _ in range(path_len[p]):
            lp = log_price[e]
            out[e] = (lp - log_p0) * f + lp
            e += 1
    return out


@njit(**_JIT)
def path_sums3(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, idx: np.ndarray, path_len: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums of ``x[idx]``, ``y[idx]`` and ``z[idx]`` over each route's entries (in storage
    order, from 0), in one pass over the entries.

    Bit for bit ``A @ x``, ``A @ y`` and ``A @ z`` for the 0/1 route-link CSR matrix
    ``A`` whose column indices are ``idx``.
    """
    n_p = len(path_len)
    ox = np.empty(n_p)
    oy = np.empty(n_p)
    oz = np.empty(n_p)
    e = 0
    for p in range(n_p):
        sx = 0.0
        sy = 0.0
        sz = 0.0
        for _ in range(path_len[p]):
            k = idx[e]
            sx += x[k]
            sy += y[k]
            sz += z[k]
            e += 1
        ox[p] = sx
        oy[p] = sy
        oz[p] = sz
    return ox, oy, oz


@njit(**_JIT)
def shadow_log(lc: np.ndarray, w: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log shadow value of each group's strength, and whether it has one.

    The arithmetic of :func:`.portfolio.shadow_value` row by row (a stable sort by
    falling ``lc``, running sums in that order, the first consistent number of worked
    activities), without its final exponential.
    """
    na, k = lc.shape
    ll_out = np.empty(na)
    valid = np.zeros(na, dtype=np.bool_)
    order = np.empty(k, dtype=np.int64)
    ll = np.empty(k)
    cw = np.empty(k)
    for a in range(na):
        # stable insertion sort of the activities by falling return
        for i in range(k):
            order[i] = i
        for i in range(1, k):
            j = order[i]
            key = -lc[a, j]
            m = i - 1
            while m >= 0 and -lc[a, order[m]] > key:
                order[m + 1] = order[m]
                m -= 1
            order[m + 1] = j
        s_w = 0.0
        s_wl = 0.0
        wsum = 0.0
        for i in range(k):
            wi = w[a, order[i]]
            v = wi * lc[a, order[i]]
            s_w = wi if i == 0 else s_w + wi  # cumsum starts from the first value
            s_wl = v if i == 0 else s_wl + v
            cw[i] = s_w
            ll[i] = (s_wl - S[a]) / max(s_w, 1e-300)
            wi_plain = w[a, i]
            wsum = wi_plain if i == 0 else wsum + wi_plain
        first = -1
        for i in range(k):
            ok = cw[i] > 0 and (i == k - 1 or ll[i] >= lc[a, order[i + 1]])
            if ok:
                first = i
                break
        ll_out[a] = ll[first if first >= 0 else 0]
        valid[a] = wsum > 0 and S[a] > 0 and first >= 0
    return ll_out, valid


# ---------------------------------------------------------------------------
# Plaza contests (groups step): (slots in play x places) arrays.
#
# numpy's reductions are replicated exactly: a sum over the rows of a C-ordered matrix
# (``axis=0``) adds the rows one after the other; a sum along a contiguous row
# (``axis=1``, or of a 1-d array) is numpy's pairwise summation (:func:`pairwise_sum`).
# ``np.maximum`` and ``np.minimum`` propagate NaN (:func:`_max`, :func:`_min`).


@njit(**_JIT)
def _max(a: float, b: float) -> float:
    """``np.maximum`` of two floats (NaN wins)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


@njit(**_JIT)
def _min(a: float, b: float) -> float:
    """``np.minimum`` of two floats (NaN wins)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


@njit(**_JIT)
def _pairwise_block(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 128`` (one block)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    m = n - (n % 8)
    while i < m:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(**_JIT)
def _pairwise(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise sum of ``a[lo:lo + n]``: blocks of up to 128 values, halved
    (at a multiple of 8) above; the halves are added left + right. Without recursion
    (numba does not cache recursive functions): a stack of the pending halves."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    los = np.empty(128, dtype=np.int64)
    ns = np.empty(128, dtype=np.int64)
    stage = np.zeros(128, dtype=np.int64)
    vals = np.empty(128)
    top = 0
    nv = 0
    los[0] = lo
    ns[0] = n
    while top >= 0:
        lo_t = los[top]
        n_t = ns[top]
        if n_t <= 128:
            vals[nv] = _pairwise_block(a, lo_t, n_t)
            nv += 1
            top -= 1
            continue
        n2 = n_t // 2
        n2 -= n2 % 8
        if stage[top] == 0:  # the left half first
            stage[top] = 1
            top += 1
            los[top] = lo_t
            ns[top] = n2
            stage[top] = 0
        elif stage[top] == 1:  # then the right half
            stage[top] = 2
            top += 1
            los[top] = lo_t + n2
            ns[top] = n_t - n2
            stage[top] = 0
        else:  # both done: left + right
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
            top -= 1
    return vals[0]


@njit(**_JIT)
def pairwise_sum(a: np.ndarray) -> float:
    """Sum of a contiguous 1-d array, bit for bit ``np.sum`` (numpy's pairwise summation:
    blocks of up to 128 values in eight running sums, halved recursively above)."""
    return _pairwise(a, 0, len(a))


@njit(**_JIT)
def plaza_value(
    rev: np.ndarray,
    Ya: np.ndarray,
    M: np.ndarray,
    totC: np.ndarray,
    Y: np.ndarray,
    PY: np.ndarray,
    bearing: np.ndarray,
    Vbar: np.ndarray,
    Vbar_t: np.ndarray,
    K: np.ndarray,
    value_memory: float,
    corruption_share: float,
    corruption_memory: float,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Plaza values, revenue by place and bribes: bit for bit the groups step's

    ``phi_all = rev.sum(0) / max(Ya.sum(0), eps)``, ``phi = where(totC > 0, M /
    max(totC, eps), phi_all)`` (``M = C.T @ capfrac``), ``V = (phi * Y.T).sum(1)``, the
    smoothed ``Vbar`` and ``Vbar_t``, ``place_rev = PY * bearing`` (``PY = capfrac @
    Y``), ``spend = corruption_share * place_rev.sum(0)`` and ``K = corruption_memory
    * K + spend``.

    Returns ``Vbar, Vbar_t, place_rev, spend, K`` (new arrays).
    """
    na, nk = rev.shape
    n = len(totC)
    phi_all = np.empty(nk)
    for k in range(nk):
        r = 0.0
        y = 0.0
        for a in range(na):
            r = rev[a, k] if a == 0 else r + rev[a, k]
            y = Ya[a, k] if a == 0 else y + Ya[a, k]
        phi_all[k] = r / _max(y, eps)
    om = 1.0 - value_memory
    Vb = np.empty(n)
    Vt = np.empty(n)
    for j in range(n):
        d = _max(totC[j], eps)
        held = totC[j] > 0
        v = 0.0
        phi0 = 0.0
        for k in range(nk):
            ph = M[j, k] / d if held else phi_all[k]
            if k == 0:
                phi0 = ph
            v += ph * Y[k, j]
        Vb[j] = value_memory * Vbar[j] + om * v
        Vt[j] = value_memory * Vbar_t[j] + om * phi0 * Y[0, j]
    place_rev = np.empty((na, n))
    spend = np.zeros(n)
    for a in range(na):
        for j in range(n):
            x = PY[a, j] * bearing[a, j]
            place_rev[a, j] = x
            spend[j] = x if a == 0 else spend[j] + x
    Kn = np.empty(n)
    for j in range(n):
        s = corruption_share * spend[j]
        spend[j] = s
        Kn[j] = corruption_memory * K[j] + s
    return Vb, Vt, place_rev, spend, Kn


# ---------------------------------------------------------------------------
# Interdiction: patrol entries (link, jurisdiction) and links.


@njit(**_JIT)
def patrol_hazard(
    effort: np.ndarray,
    cell_group: np.ndarray,
    alloc: np.ndarray,
    e_cell: np.ndarray,
    e_expo: np.ndarray,
    e_link: np.ndarray,
    e_own: np.ndarray,
    own_entry: np.ndarray,
    k: np.ndarray,
    mult: np.ndarray,
    link_extra: np.ndarray,
    k_land: float,
    troop: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each patrol entry's effort, each link's routine effort and hazard, bit for bit
    :meth:`.interdiction.Interdiction.seizure_prob` before its exponential:

    ``e_entry = (effort[cell_group] * alloc)[e_cell] * e_expo``, ``link_effort =
    bincount(e_link, e_entry)``, ``own = bincount(e_link, e_entry * e_own)``, ``h = k *
    (link_effort - own + mult * (own + link_extra)) + k_land * mult * troop`` and
    ``mult_entry = where(own_entry, mult[e_link], 1)``.
    """
    n = len(k)
    ne = len(e_link)
    e_entry = np.empty(ne)
    link_effort = np.zeros(n)
    own = np.zeros(n)
    mult_entry = np.empty(ne)
    for i in range(ne):
        c = e_cell[i]
        v = effort[cell_group[c]] * alloc[c] * e_expo[i]
        e_entry[i] = v
        b = e_link[i]
        link_effort[b] += v
        own[b] += v * e_own[i]
        mult_entry[i] = mult[b] if own_entry[i] else 1.0
    h = np.empty(n)
    for j in range(n):
        x = k[j] * (link_effort[j] - own[j] + mult[j] * (own[j] + link_extra[j]))
        h[j] = x + k_land * mult[j] * troop[j]
    return e_entry, link_effort, h, mult_entry


@njit(**_JIT)
def seizure_attribution(
    k_entry: np.ndarray,
    e_entry: np.ndarray,
    mult_entry: np.ndarray,
    e_link: np.ndarray,
    e_juris: np.ndarray,
    e_cell: np.ndarray,
    k: np.ndarray,
    mult: np.ndarray,
    link_extra: np.ndarray,
    k_land: float,
    troop: np.ndarray,
    link_inflow: np.ndarray,
    r: np.ndarray,
    link_juris: np.ndarray,
    n_juris: int,
    cell_group: np.ndarray,
    n_groups: int,
    uniform: np.ndarray,
    alloc: np.ndarray,
    spread: float,
    realloc: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The month's seizures by link, patrol and jurisdiction, and the enforcers' new
    allocation: bit for bit the numpy code of :meth:`.interdiction.Interdiction.step`
    from ``link_seized = link_inflow * r`` to ``alloc`` (bin sums in index order from 0,
    as ``np.bincount``).

    Returns ``link_seized, link_out, entry_seized, link_seized_rem, juris_seized, alloc``.
    """
    n = len(k)
    ne = len(e_link)
    link_seized = np.empty(n)
    link_out = np.empty(n)
    for j in range(n):
        s = link_inflow[j] * r[j]
        link_seized[j] = s
        link_out[j] = link_inflow[j] - s
    he = np.empty(ne)
    tot = np.zeros(n)
    for i in range(ne):
        v = k_entry[i] * e_entry[i] * mult_entry[i]
        he[i] = v
        tot[e_link[i]] += v
    for j in range(n):
        tot[j] = tot[j] + mult[j] * (k[j] * link_extra[j] + k_land * troop[j])
    entry_seized = np.empty(ne)
    binned = np.zeros(n)
    jz_e = np.zeros(n_juris)
    nc = len(cell_group)
    c_in = np.zeros(nc)
    for i in range(ne):
        b = e_link[i]
        own = he[i] / _max(tot[b], 1e-300)
        es = own * link_seized[b]
        entry_seized[i] = es
        binned[b] += es
        jz_e[e_juris[i]] += es
        c_in[e_cell[i]] += link_inflow[b]
    rem = np.empty(n)
    jz_l = np.zeros(n_juris)
    for j in range(n):
        x = _max(link_seized[j] - binned[j], 0.0)
        rem[j] = x
        jz_l[link_juris[j]] += x
    juris = np.empty(n_juris)
    for q in range(n_juris):
        juris[q] = jz_e[q] + jz_l[q]
    g_in = np.zeros(n_groups)
    for c in range(nc):
        g_in[cell_group[c]] += c_in[c]
    new_alloc = np.empty(nc)
    a_sp = 1.0 - spread
    a_re = 1.0 - realloc
    for c in range(nc):
        g = g_in[cell_group[c]]
        seen = c_in[c] / g if g > 0 else uniform[c]
        target = a_sp * seen + spread * uniform[c]
        new_alloc[c] = a_re * alloc[c] + realloc * target
    return link_seized, link_out, entry_seized, rem, juris, new_alloc


# ---------------------------------------------------------------------------
# The activity portfolio (groups step): (slots in play x activities) arrays. The
# logarithms and exponentials between these kernels stay in numpy.


@njit(**_JIT)
def portfolio_returns(
    Ya: np.ndarray, Rbar: np.ndarray, u: np.ndarray, S: np.ndarray, premium: float, m0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns of each activity and the weights of :func:`.portfolio.shadow_value`, bit for
    bit ``short = clip(1 - Rbar / (u * S + 1), 0, 1)``, ``c = outer(1 + premium * short,
    m0)`` with ``c[:, 0] = m0[0]``, ``cm = maximum(c, 1e-300)`` and ``w = where(Ya > 0,
    Ya / cm, 0)``."""
    na, nk = Ya.shape
    c = np.empty((na, nk))
    cm = np.empty((na, nk))
    w = np.empty((na, nk))
    for a in range(na):
        short = _min(_max(1.0 - Rbar[a] / (u[a] * S[a] + 1.0), 0.0), 1.0)
        f = 1.0 + premium * short
        for k in range(nk):
            ck = m0[0] if k == 0 else f * m0[k]
            c[a, k] = ck
            m = _max(ck, 1e-300)
            cm[a, k] = m
            w[a, k] = Ya[a, k] / m if Ya[a, k] > 0 else 0.0
    return c, cm, w


@njit(**_JIT)
def shadow_floor(e: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``maximum(where(valid, e, inf), 1e-300)``: the shadow value (``e = exp(ll)`` of
    :func:`shadow_log`) as :func:`.portfolio.optimal_effort` takes its logarithm."""
    out = np.empty(len(e))
    for a in range(len(e)):
        out[a] = _max(e[a] if valid[a] else np.inf, 1e-300)
    return out


@njit(**_JIT)
def portfolio_efforts(
    w: np.ndarray,
    lc: np.ndarray,
    loglam: np.ndarray,
    S: np.ndarray,
    act: np.ndarray,
    effort: np.ndarray,
    adjust: float,
    c: np.ndarray,
    Ya: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Efforts of the month, bit for bit :func:`.portfolio.optimal_effort` (``lc =
    log(maximum(c, 1e-300))``, ``loglam = log(maximum(lam, 1e-300))``), the groups step's
    ``e_opt = L_opt / S`` (0 where ``act`` is false), ``effort += adjust * (e_opt -
    effort)``, ``L = effort * S`` and the exponent of :func:`.portfolio.revenue`, ``-L *
    c / maximum(Ya, 1e-300)``.

    Returns ``effort`` (a new array), ``L`` and the exponent.
    """
    na, nk = w.shape
    eff = np.empty((na, nk))
    L = np.empty((na, nk))
    arg = np.empty((na, nk))
    for a in range(na):
        for k in range(nk):
            gain = lc[a, k] - loglam[a]
            lo = w[a, k] * _max(gain, 0.0) if w[a, k] > 0 else 0.0
            eo = lo / S[a] if act[a] else 0.0
            e = effort[a, k] + adjust * (eo - effort[a, k])
            eff[a, k] = e
            x = e * S[a]
            L[a, k] = x
            arg[a, k] = -x * c[a, k] / _max(Ya[a, k], 1e-300)
    return eff, L, arg


@njit(**_JIT)
def portfolio_revenue(
    Ya: np.ndarray, em: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bit for bit :func:`.portfolio.revenue` from ``em = expm1(exponent)``, the share of
    the potential taken ``frac = rev / Ya`` (0 where ``Ya`` is not positive) and ``cap *
    frac``."""
    na, nk = Ya.shape
    rev = np.empty((na, nk))
    frac = np.empty((na, nk))
    capfrac = np.empty((na, nk))
    for a in range(na):
        for k in range(nk):
            y = Ya[a, k]
            r = y * -em[a, k] if y > 0 else 0.0
            rev[a, k] = r
            f = r / y if y > 0 else 0.0
            frac[a, k] = f
            capfrac[a, k] = cap[a, k] * f
    return rev, frac, capfrac


@njit(**_JIT)
def strength_update(
    Ya: np.ndarray,
    m0: np.ndarray,
    log_m0: np.ndarray,
    log_u: np.ndarray,
    S: np.ndarray,
    act: np.ndarray,
    pressure: np.ndarray,
    recruit_mult: np.ndarray,
    use_mult: bool,
    rate: float,
    turnover: float,
    shed_rate: float,
) -> np.ndarray:
    """Strength after the month's recruits, shedding and attrition, bit for bit the groups
    step: ``s_opt = size_at_upkeep(Ya, m0, u)`` (:func:`.portfolio.optimal_effort` at the
    upkeep, summed over activities from 0), ``gap = s_opt - S``, ``recruit = rate *
    max(gap, 0) + turnover * S`` (times ``recruit_mult`` if ``use_mult``), ``shed =
    shed_rate * max(-gap, 0)``, ``attr = min(pressure, 0.5) * S`` and ``max(S +
    where(act, recruit - shed - attr, 0), 0)``. ``log_m0`` and ``log_u`` are numpy's
    ``log(maximum(., 1e-300))`` of ``m0`` and the upkeep."""
    na, nk = Ya.shape
    out = np.empty(na)
    for a in range(na):
        s = 0.0
        for k in range(nk):
            w = Ya[a, k] / _max(m0[k], 1e-300) if Ya[a, k] > 0 else 0.0
            gain = log_m0[k] - log_u[a]
            s += w * _max(gain, 0.0) if w > 0 else 0.0
        gap = s - S[a]
        recruit = rate * _max(gap, 0.0) + turnover * S[a]
        if use_mult:
            recruit = recruit * recruit_mult[a]
        shed = shed_rate * _max(-gap, 0.0)
        attr = _min(pressure[a], 0.5) * S[a]
        d = recruit - shed - attr if act[a] else 0.0
        out[a] = _max(S[a] + d, 0.0)
    return out


# ---------------------------------------------------------------------------
# The groups step's inputs (places).


@njit(**_JIT)
def fee_price_step(pp: np.ndarray, fallback: np.ndarray, fee_price: np.ndarray, memory: float):
    """Bit for bit ``memory * fee_price + (1 - memory) * where(isfinite(pp) & (pp > 0), pp,
    fallback)`` (the sticky price piso fees are set on)."""
    n = len(pp)
    out = np.empty(n)
    om = 1.0 - memory
    for j in range(n):
        x = pp[j]
        now = x if (np.isfinite(x) and x > 0) else fallback[j]
        out[j] = memory * fee_price[j] + om * now
    return out


@njit(**_JIT)
def flow_at_places(
    link_to: np.ndarray,
    link_out: np.ndarray,
    n: int,
    terr_f: np.ndarray,
    total: float,
    flow_share: np.ndarray,
    memory: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Cocaine arriving at each place (kg) and each place's smoothed share of the flow,
    bit for bit ``kg = bincount(link_to, link_out, n) * 1000 * terr_f`` and ``memory *
    flow_share + (1 - memory) * (kg / 1000 / total if total > 0 else 0)``."""
    t = np.zeros(n)
    for i in range(len(link_to)):
        t[link_to[i]] += link_out[i]
    kg = np.empty(n)
    fs = np.empty(n)
    om = 1.0 - memory
    for j in range(n):
        k = t[j] * 1000.0 * terr_f[j]
        kg[j] = k
        now = k / 1000.0 / total if total > 0 else 0.0
        fs[j] = memory * flow_share[j] + om * now
    return kg, fs


@njit(**_JIT)
def effective_presence(presence: np.ndarray, eK: np.ndarray, loss_max: float) -> np.ndarray:
    """Bit for bit ``presence * (1 - loss_max * (1 - eK))``."""
    out = np.empty(len(eK))
    for j in range(len(eK)):
        out[j] = presence[j] * (1.0 - loss_max * (1.0 - eK[j]))
    return out


@njit(**_JIT)
def plaza_potentials(
    price: np.ndarray,
    kg: np.ndarray,
    pop: np.ndarray,
    pres: np.ndarray,
    mig_thru: np.ndarray,
    fire_thru: np.ndarray,
    fee_share: float,
    extortion: float,
    migrant_fee: float,
    trafficking_migrant: float,
    trafficking_capita: float,
    firearm_markup: float,
) -> np.ndarray:
    """The potentials of the five activities at each place (USD a month), bit for bit the
    groups step's ``Y`` (with ``absent = pop * (1 - pres)``)."""
    n = len(price)
    Y = np.empty((5, n))
    for j in range(n):
        absent = pop[j] * (1.0 - pres[j])
        Y[0, j] = fee_share * price[j] * kg[j]
        Y[1, j] = extortion * absent
        Y[2, j] = migrant_fee * mig_thru[j]
        Y[3, j] = trafficking_migrant * mig_thru[j] + trafficking_capita * absent
        Y[4, j] = firearm_markup * fire_thru[j]
    return Y


@njit(**_JIT)
def hop_rows(hop_d: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Hops from the places each row of ``held`` holds: the minimum of their rows of the
    all-pairs hops ``hop_d`` (``inf`` for a row holding nothing), as
    ``hop_d[row].min(axis=0)``."""
    nr, n = held.shape
    out = np.full((nr, n), np.inf)
    for i in range(nr):
        for q in range(n):
            if held[i, q]:
                for j in range(n):
                    h = hop_d[q, j]
                    if h < out[i, j]:
                        out[i, j] = h
    return out


@njit(**_JIT)
def realised_rate_parts(
    exp_in: np.ndarray, shipment_t: float, p_true: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``pt = maximum(p_true, 1e-12)`` and the argument of the variance's ``log1p``,
    ``(1 - pt) / (pt * maximum(exp_in / shipment_t, 1))``, bit for bit."""
    n = len(p_true)
    pt = np.empty(n)
    q = np.empty(n)
    for j in range(n):
        ns = _max(exp_in[j] / shipment_t, 1.0)
        x = _max(p_true[j], 1e-12)
        pt[j] = x
        q[j] = (1.0 - x) / (x * ns)
    return pt, q


@njit(**_JIT)
def lognormal_exponent(s2: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``sqrt(s2) * z - 0.5 * s2``, bit for bit (the square root is exact in both)."""
    out = np.empty(len(s2))
    for j in range(len(s2)):
        out[j] = np.sqrt(s2[j]) * z[j] - 0.5 * s2[j]
    return out


@njit(**_JIT)
def clipped_rate(pt: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``r = clip(pt * e, 0, 0.999)`` and ``-r``, bit for bit."""
    n = len(pt)
    r = np.empty(n)
    neg = np.empty(n)
    for j in range(n):
        x = _min(_max(pt[j] * e[j], 0.0), 0.999)
        r[j] = x
        neg[j] = -x
    return r, neg


@njit(**_JIT)
def learned_risk(
    obs_seized: np.ndarray,
    obs_passed: np.ndarray,
    link_seized: np.ndarray,
    link_inflow: np.ndarray,
    p_true: np.ndarray,
    memory: float,
    prior: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The traffickers' discounted Beta-Bernoulli update, bit for bit ``obs_seized =
    memory * obs_seized + link_seized``, the same for ``obs_passed`` and ``p_hat =
    (obs_seized + prior * p_true) / (obs_passed + prior)``."""
    n = len(p_true)
    os_ = np.empty(n)
    op = np.empty(n)
    ph = np.empty(n)
    for j in range(n):
        a = memory * obs_seized[j] + link_seized[j]
        b = memory * obs_passed[j] + link_inflow[j]
        os_[j] = a
        op[j] = b
        ph[j] = (a + prior * p_true[j]) / (b + prior)
    return os_, op, ph


# ---------------------------------------------------------------------------
# Route choice (routes step): nested logit over fixed segments.


@njit(**_JIT)
def segment_max_shift(
    v: np.ndarray, order: np.ndarray, starts: np.ndarray, seg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's maximum and ``v - mx[seg]``, bit for bit
    ``np.maximum.reduceat(v[order], starts)`` (``order`` groups the segments, each one
    used) and the subtraction."""
    ns = len(starts)
    mx = np.empty(ns)
    m_tot = len(order)
    for i in range(ns):
        lo = starts[i]
        hi = starts[i + 1] if i + 1 < ns else m_tot
        m = v[order[lo]]
        for k in range(lo + 1, hi):
            m = _max(m, v[order[k]])
        mx[i] = m
    d = np.empty(len(v))
    for k in range(len(v)):
        d[k] = v[k] - mx[seg[k]]
    return mx, d


@njit(**_JIT)
def segment_normalise(e: np.ndarray, seg: np.ndarray, n_seg: int) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's sum (``np.bincount(seg, e)``, in index order from 0) and ``e /
    tot[seg]``, bit for bit."""
    tot = np.zeros(n_seg)
    for k in range(len(e)):
        tot[seg[k]] += e[k]
    sm = np.empty(len(e))
    for k in range(len(e)):
        sm[k] = e[k] / tot[seg[k]]
    return sm, tot


# ---------------------------------------------------------------------------
# Markets step: per-route sums by market and the market model's arithmetic between
# numpy's powers (arrays of a few markets; powers stay in numpy, which special-cases
# some exponents).


@njit(**_JIT)
def market_arrivals(
    delivered: np.ndarray, loss: float, stock: np.ndarray, s0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``d = max(delivered, 0)``, ``lost = loss d``, ``avail = stock + d - lost`` and the
    stock ratio ``max(avail, 1e-12) / s0``, as the numpy code computes them."""
    n = len(delivered)
    d = np.empty(n)
    lost = np.empty(n)
    avail = np.empty(n)
    ratio = np.empty(n)
    for i in range(n):
        d[i] = _max(delivered[i], 0.0)
        lost[i] = loss * d[i]
        avail[i] = stock[i] + d[i] - lost[i]
        ratio[i] = _max(avail[i], 1e-12) / s0[i]
    return d, lost, avail, ratio


@njit(**_JIT)
def market_wholesale(
    m0: np.ndarray,
    cost: np.ndarray,
    rent: np.ndarray,
    cap: np.ndarray,
    mr: np.ndarray,
    p_ref: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``pw = min(m0 cost rent, cap)``, ``p_star = max(mr pw / 1000, 1e-9)`` and
    ``p_star / p_ref``, as the numpy code computes them."""
    n = len(m0)
    pw = np.empty(n)
    p_star = np.empty(n)
    q = np.empty(n)
    for i in range(n):
        pw[i] = _min(m0[i] * cost[i] * rent[i], cap[i])
        p_star[i] = _max(mr[i] * pw[i] / 1000.0, 1e-9)
        q[i] = p_star[i] / p_ref
    return pw, p_star, q


@njit(**_JIT)
def market_dilution(
    raw: np.ndarray,
    a_raw: float,
    normal: np.ndarray,
    p_star: np.ndarray,
    pi_max: float,
    purity: np.ndarray,
    a_pi: float,
    p_ref: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sticky raw-gram price, purity towards raw price / target, the price per pure gram
    and its ratio to ``p_ref``, as the numpy code computes them (``np.clip`` is
    ``min(max(x, lo), hi)``)."""
    n = len(raw)
    raw2 = np.empty(n)
    pur = np.empty(n)
    p_pure = np.empty(n)
    r = np.empty(n)
    for i in range(n):
        raw2[i] = raw[i] + a_raw * (normal[i] - raw[i])
        target = _min(raw2[i] / p_star[i], pi_max)
        pur[i] = _min(_max(purity[i] + a_pi * (target - purity[i]), 1e-3), pi_max)
        p_pure[i] = raw2[i] / pur[i]
        r[i] = p_pure[i] / p_ref
    return raw2, pur, p_pure, r


@njit(**_JIT)
def market_demand(
    dm_in: np.ndarray,
    c100: np.ndarray,
    r_eps: np.ndarray,
    avail: np.ndarray,
    u100: np.ndarray,
    r_part: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Demand, consumption (at most 95% of what is available), stocks left and users,
    as the numpy code computes them."""
    n = len(c100)
    demand = np.empty(n)
    consumed = np.empty(n)
    stock = np.empty(n)
    users = np.empty(n)
    for i in range(n):
        dm = _max(dm_in[i], 0.0)
        demand[i] = dm * c100[i] * r_eps[i]
        consumed[i] = _min(demand[i], 0.95 * avail[i])
        stock[i] = avail[i] - consumed[i]
        u = dm * u100[i] * r_part[i]
        users[i] = u * (consumed[i] / demand[i] if demand[i] > 0 else 1.0)
    return demand, consumed, stock, users


@njit(**_JIT)
def scarcity_tilt(
    log_price: np.ndarray,
    log_last: np.ndarray,
    log_p0: float,
    tilt_market: np.ndarray,
    path_market: np.ndarray,
    path_len: np.ndarray,
) -> np.ndarray:
    """Bit for bit :func:`tilt_exponent` with ``path_f = tilt_market[path_market] /
    max(log_last - log_p0, 1e-9)``."""
    path_f = np.empty(len(path_len))
    for p in range(len(path_len)):
        path_f[p] = tilt_market[path_market[p]] / _max(log_last[p] - log_p0, 1e-9)
    return tilt_exponent(log_price, log_p0, path_f, path_len)


@njit(**_JIT)
def _finish_place_prices(
    den: np.ndarray,
    num: np.ndarray,
    n_places: int,
    origins: np.ndarray,
    p0: float,
    off_route: np.ndarray,
    cidx: np.ndarray,
    c_count: np.ndarray,
) -> np.ndarray:
    """Place prices from the route-weighted bin sums: ``num / den`` where ``den > 0``
    (else 0), ``p0`` at the origins, and at the places off every route the mean of their
    country's on-route prices summed in place order (``p0`` for a country with none)."""
    price = np.zeros(n_places)
    for j in range(n_places):
        if den[j] > 0:
            price[j] = num[j] / den[j]
    for j in origins:
        price[j] = p0
    n_c = len(c_count)
    cn = np.zeros(n_c)
    for j in range(n_places):
        if not off_route[j]:
            cn[cidx[j]] += price[j]
    for j in range(n_places):
        if off_route[j]:
            c = cidx[j]
            price[j] = cn[c] / c_count[c] if c_count[c] > 0 else p0
    return price


@njit(**_JIT)
def place_prices_kernel(
    path_flow: np.ndarray,
    path_len: np.ndarray,
    entry_price: np.ndarray,
    e_place: np.ndarray,
    n_places: int,
    origins: np.ndarray,
    p0: float,
    off_route: np.ndarray,
    cidx: np.ndarray,
    c_count: np.ndarray,
) -> np.ndarray:
    """Flow-weighted price at each place; places on no route take their country's mean.

    Bit for bit the markets step's numpy code: :func:`weighted_bin_mean_parts` of
    ``path_flow + 1e-9``, ``num / den`` where ``den > 0`` (else 0), ``p0`` at the
    origins, and at the places off every route (``off_route``, a boolean mask) the mean
    of their country's (``cidx``) on-route prices summed in place order (``p0`` for a
    country with none, ``c_count`` its number of on-route places).
    """
    den, num = weighted_bin_mean_parts(path_flow + 1e-9, path_len, entry_price, e_place, n_places)
    return _finish_place_prices(den, num, n_places, origins, p0, off_route, cidx, c_count)


@njit(**_JIT)
def _clip(x: float, lo: float, hi: float) -> float:
    """``np.clip`` of a float: NaN stays, and a tie keeps the value (``-0.0`` stays
    ``-0.0`` against a bound of ``0.0``), as numpy's clip does."""
    if x != x:
        return x
    v = x if x >= lo else lo
    return v if v <= hi else hi


@njit(**_JIT)
def neg_clipped(p: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``-np.clip(p, lo, hi)``, bit for bit."""
    out = np.empty(len(p))
    for i in range(len(p)):
        out[i] = -_clip(p[i], lo, hi)
    return out


@njit(**_JIT)
def link_markup_parts(
    effort: np.ndarray,
    extra: np.ndarray,
    troops: np.ndarray,
    enf_mult: np.ndarray,
    arrest_scale: np.ndarray,
    log_base: np.ndarray,
    log1p_neg_p: np.ndarray,
    link_cost: np.ndarray,
    fee: np.ndarray,
    link_to: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrest-risk log markup, log markup and additive cost of each link.

    Bit for bit ``a = arrest_scale * ((effort + extra + troops) * enf_mult)``,
    ``log_m = log_base + a - log1p_neg_p`` and ``add = link_cost + max(fee, 0)[link_to]``.
    """
    n = len(effort)
    arrest = np.empty(n)
    log_m = np.empty(n)
    add = np.empty(n)
    for i in range(n):
        arrest[i] = arrest_scale[i] * ((effort[i] + extra[i] + troops[i]) * enf_mult[i])
        log_m[i] = log_base[i] + arrest[i] - log1p_neg_p[i]
        add[i] = link_cost[i] + _max(fee[link_to[i]], 0.0)
    return arrest, log_m, add


@njit(**_JIT)
def place_arrivals(
    link_to: np.ndarray,
    link_from: np.ndarray,
    link_out: np.ndarray,
    link_in: np.ndarray,
    n_places: int,
    origins: np.ndarray,
    place_price: np.ndarray,
    kg_per_t: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Tons arriving at each place (what leaves the origins counts there) and its value.

    Bit for bit ``arrivals = np.bincount(link_to, link_out)``, ``arrivals[origins] +=
    np.bincount(link_from, link_in)[origins]`` and ``arrivals * kg_per_t * place_price``.
    """
    arrivals = np.zeros(n_places)
    left = np.zeros(n_places)
    for i in range(len(link_to)):
        arrivals[link_to[i]] += link_out[i]
    for i in range(len(link_from)):
        left[link_from[i]] += link_in[i]
    for j in origins:
        arrivals[j] = arrivals[j] + left[j]
    revenue = np.empty(n_places)
    for j in range(n_places):
        revenue[j] = arrivals[j] * kg_per_t * place_price[j]
    return arrivals, revenue


@njit(**_JIT)
def chain_region_prices(
    arrivals: np.ndarray,
    place_price: np.ndarray,
    cat: np.ndarray,
    seg: np.ndarray,
    n_in: np.ndarray,
) -> np.ndarray:
    """Each price-chain region's price weighted by the tons arriving; the plain mean
    when none arrive; 0 for a region without places.

    Bit for bit the bincounts over ``seg`` of ``w = arrivals[cat]``, ``w * pr`` and ``pr =
    place_price[cat]``, then ``num / den`` where ``den > 0``, else ``mean`` where the
    region has places (``mean = sum(pr) / max(n_in, 1)``), else 0.
    """
    nr = len(n_in)
    den = np.zeros(nr)
    num = np.zeros(nr)
    tot = np.zeros(nr)
    for i in range(len(cat)):
        r = seg[i]
        w = arrivals[cat[i]]
        pr = place_price[cat[i]]
        den[r] += w
        num[r] += w * pr
        tot[r] += pr
    out = np.empty(nr)
    for r in range(nr):
        if den[r] > 0:
            out[r] = num[r] / den[r]
        elif n_in[r] > 0:
            out[r] = tot[r] / _max(n_in[r], 1.0)
        else:
            out[r] = 0.0
    return out


@njit(**_JIT)
def seized_value_by_jurisdiction(
    pat_juris: np.ndarray,
    entry: np.ndarray,
    pat_link: np.ndarray,
    link_juris: np.ndarray,
    seized_rem: np.ndarray,
    price_at_from: np.ndarray,
    kg_per_t: float,
    n_j: int,
) -> np.ndarray:
    """Value of the month's seizures by the jurisdiction that made them, and their total.

    Bit for bit, with ``price_from = kg_per_t * price_at_from``:
    ``np.bincount(pat_juris, entry * price_from[pat_link]) + np.bincount(link_juris,
    seized_rem * price_from)`` (``n_j`` bins) followed by its numpy sum.
    """
    a = np.zeros(n_j)
    b = np.zeros(n_j)
    for i in range(len(pat_juris)):
        a[pat_juris[i]] += entry[i] * (kg_per_t * price_at_from[pat_link[i]])
    for i in range(len(link_juris)):
        b[link_juris[i]] += seized_rem[i] * (kg_per_t * price_at_from[i])
    out = np.empty(n_j + 1)
    for j in range(n_j):
        out[j] = a[j] + b[j]
    out[n_j] = pairwise_sum(out[:n_j])
    return out


@njit(**_JIT)
def segment_sums_pairwise(x: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """``[x[s:s + k].sum() for s, k in zip(starts, lens)]``, bit for bit: each segment
    summed as numpy sums a contiguous slice (pairwise, :func:`pairwise_sum`)."""
    out = np.empty(len(starts))
    for i in range(len(starts)):
        out[i] = _pairwise(x, starts[i], lens[i])
    return out


@njit(**_JIT)
def _bin_into(out: np.ndarray, bins: np.ndarray, w: np.ndarray) -> None:
    """``out[:] = np.bincount(bins, weights=w, minlength=len(out))`` (each bin's values
    added one after the other from 0, in index order; see :func:`bin_runs_gather`)."""
    for k in range(len(out)):
        out[k] = 0.0
    n = len(bins)
    if n == 0:
        return
    cur = bins[0]
    s = 0.0
    for i in range(n):
        b = bins[i]
        if b != cur:
            out[cur] = s
            cur = b
            s = out[b]
        s += w[i]
    out[cur] = s


@njit(**_JIT)
def record_flows(
    t: int,
    n_places: int,
    link_to: np.ndarray,
    link_out: np.ndarray,
    link_seized: np.ndarray,
    admin1: np.ndarray,
    cross: np.ndarray,
    cross_c: np.ndarray,
    path_flow: np.ndarray,
    us_paths: np.ndarray,
    lf_ok: np.ndarray,
    lf_col: np.ndarray,
    vec_ok: np.ndarray,
    vec_col: np.ndarray,
    nlf: int,
    mx_links: np.ndarray,
    mx_cat: np.ndarray,
    sz: np.ndarray,
    jg_ok: np.ndarray,
    jg_col: np.ndarray,
    path_market: np.ndarray,
    path_delivered: np.ndarray,
    flow_t: np.ndarray,
    us_bound_t: np.ndarray,
    us_share: np.ndarray,
    mx_t: np.ndarray,
    mx_share: np.ndarray,
    seized_t: np.ndarray,
    sz_share: np.ndarray,
    between_t: np.ndarray,
    delivered_t: np.ndarray,
    ein: np.ndarray,
    exit_market: np.ndarray,
    exit_at: np.ndarray,
    departed_t: np.ndarray,
    link_from: np.ndarray,
    link_inflow: np.ndarray,
    source_out: np.ndarray,
    supply_t: np.ndarray,
) -> tuple[float, float, float]:
    """Month ``t``'s flow records of the record step, bit for bit its numpy code: the
    arrivals and border crossings (``flow_t``), US-bound tons by landfall and vector,
    entries into Mexico, seizures by jurisdiction and group, deliveries. ``np.bincount``
    is a bin sum in index order, ``.sum()`` numpy's pairwise sum. Returns the month's
    supplied tons (``path_flow.sum()``), the seized tons (``link_seized.sum()``) and the
    deliveries' total. ``departed_t`` is written when ``ein`` (the entries' inflow) is
    not empty, ``supply_t`` (from its column 1) when ``source_out`` is not."""
    arrivals = np.zeros(n_places)
    for i in range(len(link_to)):
        arrivals[link_to[i]] += link_out[i]
    row = flow_t[t]
    nc = flow_t.shape[1] - len(admin1)
    cflow = np.zeros(nc)
    for i in range(len(cross)):
        cflow[cross_c[i]] += link_out[cross[i]]
    for k in range(nc):
        row[k] = cflow[k]
    for k in range(len(admin1)):
        row[nc + k] = arrivals[admin1[k]]
    n = len(path_flow)
    us = np.empty(n)
    for i in range(n):
        us[i] = path_flow[i] * (1.0 if us_paths[i] else 0.0)
    us_bound_t[t, 0] = pairwise_sum(us)
    ub = us_share[t]
    nub = len(ub)
    nb = nlf
    for i in range(len(lf_col)):
        if lf_col[i] + 1 > nb:
            nb = lf_col[i] + 1
    lfb = np.zeros(nb)
    bin_runs_gather(lfb, lf_col, lf_ok, us)
    for k in range(nlf):
        ub[k] = lfb[k]
    vb = np.zeros(nub - 1)
    bin_runs_gather(vb, vec_col, vec_ok, us)
    for k in range(nlf, nub - 1):
        ub[k] = vb[k]
    ub[nub - 1] = ub[0] + ub[2]
    mx = np.empty(len(mx_links))
    for i in range(len(mx_links)):
        mx[i] = link_out[mx_links[i]]
    mx_t[t, 0] = pairwise_sum(mx)
    _bin_into(mx_share[t], mx_cat, mx)
    nj = len(sz)
    srow = seized_t[t]
    for k in range(nj):
        srow[k] = sz[k]
    srow[nj] = pairwise_sum(sz)
    between = np.empty(len(jg_ok))
    for i in range(len(jg_ok)):
        between[i] = sz[jg_ok[i]]
    _bin_into(sz_share[t], jg_col, between)
    between_t[t, 0] = pairwise_sum(between)
    drow = delivered_t[t]
    _bin_into(drow, path_market, path_delivered)
    if len(ein):
        x = np.empty(len(exit_at))
        for i in range(len(exit_at)):
            x[i] = ein[exit_at[i]]
        _bin_into(departed_t[t], exit_market, x)
    if len(source_out):
        out_of = np.zeros(n_places)
        for i in range(len(link_from)):
            out_of[link_from[i]] += link_inflow[i]
        srow = supply_t[t]
        for k in range(len(source_out)):
            srow[1 + k] = out_of[source_out[k]]
    return pairwise_sum(path_flow), pairwise_sum(link_seized), pairwise_sum(drow)


@njit(**_JIT)
def violence_month(
    t: int,
    contest: np.ndarray,
    succession: np.ndarray,
    pred_by_kind: np.ndarray,
    troops: np.ndarray,
    armed: np.ndarray,
    has_troops: bool,
    mf: np.ndarray,
    coef: np.ndarray,
    base_month: np.ndarray,
    admin1: np.ndarray,
    x_contest: np.ndarray,
    x_succession: np.ndarray,
    x_predation: np.ndarray,
    x_state: np.ndarray,
    by_cause_rec: tuple,
    tot_rec: np.ndarray,
    n_iso: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The violence step's element-wise arithmetic, bit for bit its numpy code.

    ``predation = pred_by_kind.sum(axis=0)`` (the rows added in turn),
    ``state = troops / 1000.0 * armed`` (zeros without troops), the month's intensities
    written into the ``x_*`` records, then ``by_cause[k] = coef[k] * x * mf`` (row 4 the
    baseline) and ``total = by_cause.sum(axis=0)``; each cause's admin-1 columns
    (``by_cause_rec[k][t, n_iso:]``) and the total's (``tot_rec[t, n_iso:]``). Returns
    ``by_cause``, ``total`` and ``pk = coef[2] * pred_by_kind * mf``; the sums by country
    (matrix products) stay in numpy.
    """
    n = len(mf)
    nk = pred_by_kind.shape[0]
    predation = np.empty(n)
    state = np.zeros(n)
    for j in range(n):
        s = pred_by_kind[0, j]
        for k in range(1, nk):
            s += pred_by_kind[k, j]
        predation[j] = s
        if has_troops:
            state[j] = troops[j] / 1000.0 * armed[j]
    for j in range(n):
        x_contest[t, j] = contest[j]
        x_succession[t, j] = succession[j]
        x_predation[t, j] = predation[j]
        x_state[t, j] = state[j]
    by_cause = np.empty((5, n))
    total = np.empty(n)
    for j in range(n):
        b0 = coef[0] * contest[j] * mf[j]
        b1 = coef[1] * succession[j] * mf[j]
        b2 = coef[2] * predation[j] * mf[j]
        b3 = coef[3] * state[j] * mf[j]
        b4 = base_month[j]
        by_cause[0, j] = b0
        by_cause[1, j] = b1
        by_cause[2, j] = b2
        by_cause[3, j] = b3
        by_cause[4, j] = b4
        total[j] = (((b0 + b1) + b2) + b3) + b4
    for k in range(5):
        rec_k = by_cause_rec[k]
        for i in range(len(admin1)):
            rec_k[t, n_iso + i] = by_cause[k, admin1[i]]
    for i in range(len(admin1)):
        tot_rec[t, n_iso + i] = total[admin1[i]]
    pk = np.empty((nk, n))
    for k in range(nk):
        for j in range(n):
            pk[k, j] = coef[2] * pred_by_kind[k, j] * mf[j]
    return by_cause, total, pk


@njit(**_JIT)
def prosecution_pressure(
    jus_ext: np.ndarray,
    place_country: np.ndarray,
    presence: np.ndarray,
    attrition: float,
    owner: np.ndarray,
    places: np.ndarray,
    lens: np.ndarray,
    na: int,
    ctrl: np.ndarray,
    has_ctrl: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The state step's prosecution pressure, bit for bit its numpy code.

    ``jp = attrition * jus_ext[place_country] * presence`` per place (index -1: the
    appended 0), then per actor the mean of ``jp`` over its home places (``owner``,
    ``places``, ``lens``: :meth:`.state.State._home_index`; a bin sum divided by the
    count, numpy's pairwise mean for 8 places or more), replaced by the mean over the
    places it controls where it controls any (``ctrl``: the controller of each place,
    -1 for none). Returns ``jp`` and the actors' pressure (``na`` of them).
    """
    n = len(presence)
    jp = np.empty(n)
    for j in range(n):
        jp[j] = attrition * jus_ext[place_country[j]] * presence[j]
    out = np.zeros(na)
    any_home = False
    for a in range(len(lens)):
        if lens[a] != 0:
            any_home = True
    if any_home:
        sums = np.zeros(na)
        for i in range(len(owner)):
            sums[owner[i]] += jp[places[i]]
        start = 0
        for a in range(len(lens)):
            if lens[a] > 0:
                out[a] = sums[a] / lens[a]
            if lens[a] >= 8:
                x = np.empty(lens[a])
                for i in range(lens[a]):
                    x[i] = jp[places[start + i]]
                out[a] = pairwise_sum(x) / lens[a]
            start += lens[a]
    if has_ctrl:
        cnt = np.zeros(na + 1, dtype=np.int64)
        csum = np.zeros(na + 1)
        for j in range(len(ctrl)):
            cnt[ctrl[j] + 1] += 1
            csum[ctrl[j] + 1] += jp[j]
        for a in range(na):
            if cnt[a + 1] > 0:
                out[a] = csum[a + 1] / _max_int(cnt[a + 1], 1)
    return jp, out


@njit(**_JIT)
def _max_int(a: int, b: int) -> int:
    return a if a >= b else b


@njit(**_JIT)
def entry_candidates(
    commit: np.ndarray,
    max_commit: float,
    S: np.ndarray,
    act: np.ndarray,
    reach: np.ndarray,
    hop_d: np.ndarray,
    C_new: np.ndarray,
    terr: np.ndarray,
    frac: np.ndarray,
) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The challengers' candidate places of the groups' quarterly entries, bit for bit
    the numpy code of ``Groups._entries`` up to the hops' decay (a power: numpy's).

    ``room = max(1 - max_commit - commit.sum(axis=1), 0)``; the able slots; the hops
    from the places each slot holds (:func:`hop_rows` of ``C_new >= 0.1``); candidates
    (unheld, within reach, territorial), in row-major order; the mean capture share of
    each slot (``frac.sum(axis=1) / (frac > 0).sum(axis=1)``, 0 without any). Returns
    ``(any, room, ca, cj, hops - 1, capture)``; ``any`` is False when no slot is able or
    no place a candidate (the other arrays are then not to be used).
    """
    nai, n = C_new.shape
    room = np.empty(nai)
    able = np.zeros(nai, dtype=np.bool_)
    c0 = 1.0 - max_commit
    some = False
    for a in range(nai):
        room[a] = _max(c0 - pairwise_sum(commit[a]), 0.0)
        able[a] = act[a] and S[a] > 0 and room[a] > 0 and reach[a] >= 1
        some = some or able[a]
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0)
    if not some:
        return False, room, empty_i, empty_i, empty_f, empty_f
    held = np.empty((nai, n), dtype=np.bool_)
    for a in range(nai):
        for j in range(n):
            held[a, j] = C_new[a, j] >= 0.1
    hops = hop_rows(hop_d, held)
    m = 0
    for a in range(nai):
        if able[a]:
            for j in range(n):
                h = hops[a, j]
                if C_new[a, j] == 0 and h >= 1 and h <= reach[a] and terr[j]:
                    m += 1
    if m == 0:
        return False, room, empty_i, empty_i, empty_f, empty_f
    ca = np.empty(m, dtype=np.int64)
    cj = np.empty(m, dtype=np.int64)
    hm1 = np.empty(m)
    k = 0
    for a in range(nai):
        if able[a]:
            for j in range(n):
                h = hops[a, j]
                if C_new[a, j] == 0 and h >= 1 and h <= reach[a] and terr[j]:
                    ca[k] = a
                    cj[k] = j
                    hm1[k] = h - 1
                    k += 1
    capture = np.zeros(nai)
    for a in range(nai):
        npos = 0
        for k in range(frac.shape[1]):
            if frac[a, k] > 0:
                npos += 1
        if npos > 0:
            capture[a] = pairwise_sum(frac[a]) / npos
    return True, room, ca, cj, hm1, capture


@njit(**_JIT)
def entry_hazard_parts(
    Vbar: np.ndarray,
    Vbar_t: np.ndarray,
    extra_coef: float,
    tc: np.ndarray,
    capture: np.ndarray,
    ca: np.ndarray,
    cj: np.ndarray,
    zg: np.ndarray,
    r_eff: np.ndarray,
    rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The candidates' value ``Vc = (Vbar + extra_coef * tc * Vbar_t) * capture`` and
    :func:`.plazas.entry_hazard` of it up to its exponential: returns the hazard (the
    probability is ``-expm1(-hazard)``) and the commitment ``s*``, bit for bit."""
    m = len(ca)
    hazard = np.empty(m)
    s_star = np.empty(m)
    r3 = 3.0 * rate
    for k in range(m):
        a = ca[k]
        j = cj[k]
        vc = (Vbar[j] + (extra_coef * tc[a]) * Vbar_t[j]) * capture[a]
        D = _max(zg[j], 1e-6)
        x = vc / _max(r_eff[k] * D, 1e-300)
        hazard[k] = r3 * _max(np.sqrt(x) - 1.0, 0.0)
        s_star[k] = _max(np.sqrt(vc * D / _max(r_eff[k], 1e-300)) - D, 0.0)
    return hazard, s_star


@njit(**_JIT)
def entry_commit(
    draw: np.ndarray,
    prob: np.ndarray,
    s_star: np.ndarray,
    ca: np.ndarray,
    cj: np.ndarray,
    S: np.ndarray,
    max_commit: float,
    room: np.ndarray,
    commit: np.ndarray,
    C_new: np.ndarray,
    entry_share: float,
) -> None:
    """The entries of the quarter (``draw < prob``), in place, bit for bit the numpy
    code: each entrant's share of its strength ``min(s* / max(S, 1e-12), max_commit)``,
    scaled down to its room, into ``commit``; ``entry_share`` into ``C_new``; then each
    place's shares over 1 scaled to 1 (``C_new.sum(axis=0)``: the rows added in turn)."""
    nai, n = C_new.shape
    m = len(ca)
    enter = np.empty(m, dtype=np.bool_)
    some = False
    for k in range(m):
        enter[k] = draw[ca[k], cj[k]] < prob[k]
        some = some or enter[k]
    if not some:
        return
    f = np.empty(m)
    tot_f = np.zeros(nai)
    for k in range(m):
        if enter[k]:
            f[k] = _min(s_star[k] / _max(S[ca[k]], 1e-12), max_commit)
            tot_f[ca[k]] += f[k]
    scale = np.ones(nai)
    for a in range(nai):
        if tot_f[a] > room[a]:
            scale[a] = room[a] / tot_f[a]
    for k in range(m):
        if enter[k]:
            commit[ca[k], cj[k]] = f[k] * scale[ca[k]]
            C_new[ca[k], cj[k]] = entry_share
    for j in range(n):
        tot = C_new[0, j]
        for a in range(1, nai):
            tot += C_new[a, j]
        if tot > 1.0:
            for a in range(nai):
                C_new[a, j] = C_new[a, j] / tot


@njit(**_JIT)
def secondary_inputs(
    presence: np.ndarray,
    apprehension: float,
    seizure: float,
    mig_w: np.ndarray,
    migrants: float,
    pop_fire: np.ndarray,
    armed: np.ndarray,
    fire_dest: np.ndarray,
    group_weight: float,
    firearms: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The secondary flows' monthly inputs, bit for bit the numpy code: the migrant
    paths' weights ``mig_w * migrants``; the firearm paths' ``fw * (firearms / fw.sum())``
    (``fw`` itself when the sum is not positive) with ``fw = pop_fire + group_weight *
    armed[fire_dest]``; and ``-min(rate * presence, 0.999)`` per place for migrants
    (``apprehension``) and firearms (``seizure``), whose ``log1p`` is numpy's."""
    pm = np.empty(len(mig_w))
    for i in range(len(mig_w)):
        pm[i] = mig_w[i] * migrants
    fw = np.empty(len(fire_dest))
    for i in range(len(fire_dest)):
        fw[i] = pop_fire[i] + group_weight * armed[fire_dest[i]]
    tot = pairwise_sum(fw)
    if tot > 0:
        f = firearms / tot
        for i in range(len(fw)):
            fw[i] = fw[i] * f
    n = len(presence)
    neg_m = np.empty(n)
    neg_f = np.empty(n)
    for j in range(n):
        neg_m[j] = -_min(apprehension * presence[j], 0.999)
        neg_f[j] = -_min(seizure * presence[j], 0.999)
    return pm, fw, neg_m, neg_f


@njit(**_JIT)
def contest_outcome(
    cap_v: np.ndarray,
    em: np.ndarray,
    collude: np.ndarray,
    collusion_violence: float,
    terr_f: np.ndarray,
    C_new: np.ndarray,
    ai: np.ndarray,
    na: int,
    contested: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The groups step's contest violence and control after the month's contests, bit
    for bit its numpy code: ``cv = cap_v * -em`` where ``cap_v > 0`` (else 0), times
    ``collusion_violence`` where the holders collude, times ``terr_f``; the shares of
    all ``na`` slots (``C_new`` in the rows ``ai``, zeros elsewhere); each place's
    controller, the slot with the largest share (the first of equals, as ``argmax``)
    when it holds half or more and the place is not contested, else -1 (-1 everywhere
    without any slot in play, where numpy's ``argmax`` would fail)."""
    nai, n = C_new.shape
    cv = np.empty(n)
    for j in range(n):
        c = cap_v[j] * -em[j] if cap_v[j] > 0 else 0.0
        if collude[j]:
            c = collusion_violence * c
        cv[j] = c * terr_f[j]
    C = np.zeros((na, n))
    for i in range(nai):
        for j in range(n):
            C[ai[i], j] = C_new[i, j]
    ctrl = np.full(n, -1, dtype=np.int64)
    if nai == 0:
        return cv, C, ctrl
    for j in range(n):
        best = C_new[0, j]
        bi = 0
        if best == best:
            for a in range(1, nai):
                v = C_new[a, j]
                if v != v:  # NaN: the maximum, and argmax's answer
                    best = v
                    bi = a
                    break
                if v > best:
                    best = v
                    bi = a
        ctrl[j] = ai[bi] if (best >= 0.5 and not contested[j]) else -1
    return cv, C, ctrl


# ---------------------------------------------------------------------------
# Groups step: fused glue. The small numpy operations between the groups step's kernels
# (gathers of the slots in play, scatters back, the inputs of the month) in fewer
# calls: the kernels above composed, with the same arithmetic in the same order.
# Divisions follow numpy's error model (x / 0 is inf or nan, as in the numpy code these
# kernels replace, instead of Python's ZeroDivisionError and its check on every division).

_JIT_G = {**_JIT, "error_model": "numpy"}


@njit(**_JIT_G)
def _psum(a: np.ndarray, lo: int, n: int) -> float:
    """:func:`_pairwise` (numpy's pairwise sum of ``a[lo:lo + n]``), without its stack
    arrays when one halving leaves two blocks of up to 128 values (``n`` up to 256 and
    more: every vector over the places of the default network)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    n2 = n // 2
    n2 -= n2 % 8
    if n2 <= 128 and n - n2 <= 128:
        return _pairwise_block(a, lo, n2) + _pairwise_block(a, lo + n2, n - n2)
    return _pairwise(a, lo, n)


@njit(**_JIT_G)
def feud_may_split(frag: np.ndarray, active: np.ndarray, draws: np.ndarray, hazard: float) -> bool:
    """Whether a feuding slot (``frag > 0.01``, active) may split this month.

    False only when every feuding slot's draw is at or above its hazard ``x = hazard *
    frag`` (times 1 + 1e-9): the split probability ``-expm1(-x)`` is below ``x``, so
    none splits and numpy's ``expm1`` need not run; True sends the month to the exact
    test.
    """
    for i in range(len(frag)):
        if frag[i] > 0.01 and active[i]:
            x = hazard * frag[i]
            if not draws[i] >= x * (1.0 + 1e-9) + 1e-300:
                return True
    return False


@njit(**_JIT_G)
def groups_inputs(
    pp: np.ndarray,
    fallback: np.ndarray,
    fee_price: np.ndarray,
    price_memory: float,
    link_to: np.ndarray,
    link_out: np.ndarray,
    path_flow: np.ndarray,
    total: float,
    use_path_flow: bool,
    terr_f: np.ndarray,
    flow_share: np.ndarray,
    value_memory: float,
    presence: np.ndarray,
    eK: np.ndarray,
    loss_max: float,
    deployed: np.ndarray,
    prevention: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool, bool]:
    """The groups step's inputs of the month, bit for bit :func:`fee_price_step`, the
    flow's total (:func:`pairwise_sum` of ``path_flow`` when ``use_path_flow``, else
    ``total``), :func:`flow_at_places`, :func:`effective_presence`, the troops
    ``deployed / 1000`` with ``troops.any()``, and ``prevention.any()``.

    Returns ``fee_price, kg, flow_share, presence_effective, troops, has_troops,
    has_prevention``.
    """
    price = fee_price_step(pp, fallback, fee_price, price_memory)
    tot = pairwise_sum(path_flow) if use_path_flow else total
    kg, fs = flow_at_places(link_to, link_out, len(terr_f), terr_f, tot, flow_share, value_memory)
    pres = effective_presence(presence, eK, loss_max)
    troops = np.empty(len(deployed))
    has = False
    for j in range(len(deployed)):
        x = deployed[j] / 1000.0
        troops[j] = x
        if x != 0.0:
            has = True
    has_prev = False
    for j in range(len(prevention)):
        if prevention[j] != 0.0:
            has_prev = True
            break
    return price, kg, fs, pres, troops, has, has_prev


@njit(**_JIT_G)
def plaza_gather_locate(
    ai: np.ndarray,
    S: np.ndarray,
    C: np.ndarray,
    commit_all: np.ndarray,
    frag_all: np.ndarray,
    patience: np.ndarray,
    pat_pen: np.ndarray,
    cap_all: np.ndarray,
    transit: int,
    route_loss: float,
    value: np.ndarray,
    floor: float,
    home_mult: np.ndarray,
    feud_loss: float,
    pres: np.ndarray,
    troops: np.ndarray,
    state_strength: float,
    troop_strength: float,
    square: bool,
):  # noqa: ANN201
    """The slots in play ``ai`` and where their strength is, bit for bit the groups
    step's ``Sa = S[ai]``, ``Ca = C[ai]``, ``commit = commit_all[ai]``, ``frag =
    frag_all[ai]``, ``act = Sa > 0``, ``feuding = frag.any()``, ``pat = patience[ai] -
    pat_pen[ai]``, ``cap = cap_all[ai]`` with ``cap[:, transit] *= 1 - route_loss *
    frag`` when feuding, the local strength and contenders of :func:`.plazas.locate`
    with ``contender &= act[:, None]``, ``armed = s_loc.sum(axis=0)``, the contest
    weights of the groups ``z = s_loc * home_mult[ai] * (1.0 - feud_loss * frag)[:,
    None]`` and of the state ``z_state = state_strength * pres + troop_strength *
    troops``, both squared (``x * x``, what numpy's ``x ** 2.0`` computes) when
    ``square``.

    Returns ``Sa, Ca, commit, frag, act, feuding, pat, cap, s_loc, contender, armed, z,
    z_state`` (new arrays).
    """
    nai = len(ai)
    n = C.shape[1]
    nk = cap_all.shape[1]
    Sa = np.empty(nai)
    Ca = np.empty((nai, n))
    commit = np.empty((nai, n))
    frag = np.empty(nai)
    act = np.empty(nai, dtype=np.bool_)
    pat = np.empty(nai)
    cap = np.empty((nai, nk))
    feuding = False
    for i in range(nai):
        a = ai[i]
        s = S[a]
        Sa[i] = s
        act[i] = s > 0
        f = frag_all[a]
        frag[i] = f
        if f != 0.0:
            feuding = True
        pat[i] = patience[a] - pat_pen[a]
        for j in range(n):
            Ca[i, j] = C[a, j]
            commit[i, j] = commit_all[a, j]
        for k in range(nk):
            cap[i, k] = cap_all[a, k]
    if feuding:
        for i in range(nai):
            cap[i, transit] = cap[i, transit] * (1.0 - route_loss * frag[i])
    # .plazas.locate (numpy's sums with _psum), the weights squared in the same pass
    s_loc = np.empty((nai, n))
    contender = np.empty((nai, n), dtype=np.bool_)
    z = np.empty((nai, n))
    armed = np.zeros(n)
    vf = np.empty(n)
    for j in range(n):
        vf[j] = value[j] + floor
    hv = np.empty(n)
    for a in range(nai):
        for j in range(n):
            hv[j] = (1.0 if Ca[a, j] > 0 else 0.0) * vf[j]
        tot = _psum(hv, 0, n)
        spread = (1.0 - _psum(commit[a], 0, n)) * Sa[a] / _max(tot, 1e-12)
        fd = 1.0 - feud_loss * frag[a]
        r = ai[a]
        for j in range(n):
            x = _max(Sa[a] * commit[a, j] + spread * hv[j], 0.0)
            s_loc[a, j] = x
            contender[a, j] = (Ca[a, j] > 0 or commit[a, j] > 0) and act[a]
            armed[j] = x if a == 0 else armed[j] + x
            zz = x * home_mult[r, j] * fd
            z[a, j] = zz * zz if square else zz
    z_state = np.empty(n)
    for j in range(n):
        v = state_strength * pres[j] + troop_strength * troops[j]
        z_state[j] = v * v if square else v
    return Sa, Ca, commit, frag, act, feuding, pat, cap, s_loc, contender, armed, z, z_state


@njit(**_JIT_G)
def portfolio_inputs(
    P: np.ndarray,
    cap: np.ndarray,
    Rbar_all: np.ndarray,
    ai: np.ndarray,
    u: np.ndarray,
    S: np.ndarray,
    premium: float,
    m0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The groups' potentials ``Ya = P * cap`` (``P = bearing @ Y.T``) and
    :func:`portfolio_returns` with ``Rbar = Rbar_all[ai]``, bit for bit.

    Returns ``Ya, c, cm, w``.
    """
    na, nk = P.shape
    Ya = np.empty((na, nk))
    for a in range(na):
        for k in range(nk):
            Ya[a, k] = P[a, k] * cap[a, k]
    Rbar = np.empty(len(ai))
    for i in range(len(ai)):
        Rbar[i] = Rbar_all[ai[i]]
    c, cm, w = portfolio_returns(Ya, Rbar, u, S, premium, m0)
    return Ya, c, cm, w


@njit(**_JIT_G)
def portfolio_efforts_slots(
    w: np.ndarray,
    lc: np.ndarray,
    loglam: np.ndarray,
    S: np.ndarray,
    act: np.ndarray,
    effort_all: np.ndarray,
    ai: np.ndarray,
    adjust: float,
    c: np.ndarray,
    Ya: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`portfolio_efforts` of the slots in play ``ai`` (``effort_all[ai]``), whose
    new efforts are written back into ``effort_all`` (``effort_all[ai] = effort``).

    Returns ``L`` and the exponent of the revenue.
    """
    nai = len(ai)
    nk = effort_all.shape[1]
    eff0 = np.empty((nai, nk))
    for i in range(nai):
        for k in range(nk):
            eff0[i, k] = effort_all[ai[i], k]
    eff, L, arg = portfolio_efforts(w, lc, loglam, S, act, eff0, adjust, c, Ya)
    for i in range(nai):
        for k in range(nk):
            effort_all[ai[i], k] = eff[i, k]
    return L, arg


@njit(**_JIT_G)
def plaza_value_neg(
    rev: np.ndarray,
    Ya: np.ndarray,
    M: np.ndarray,
    totC: np.ndarray,
    Y: np.ndarray,
    PY: np.ndarray,
    bearing: np.ndarray,
    Vbar: np.ndarray,
    Vbar_t: np.ndarray,
    K: np.ndarray,
    value_memory: float,
    corruption_share: float,
    corruption_memory: float,
    eps: float,
    corruption_ref: float,
):  # noqa: ANN201
    """:func:`plaza_value`, and the exponent ``-K / corruption_ref`` of the new stock of
    bribes ``K`` (bit for bit numpy's ``-K / corruption_ref``).

    Returns ``Vbar, Vbar_t, place_rev, spend, K, -K / corruption_ref``.
    """
    Vb, Vt, place_rev, spend, Kn = plaza_value(
        rev,
        Ya,
        M,
        totC,
        Y,
        PY,
        bearing,
        Vbar,
        Vbar_t,
        K,
        value_memory,
        corruption_share,
        corruption_memory,
        eps,
    )
    nk = np.empty(len(Kn))
    for j in range(len(Kn)):
        nk[j] = -Kn[j] / corruption_ref
    return Vb, Vt, place_rev, spend, Kn, nk


@njit(**_JIT_G)
def link_enforcement(eK: np.ndarray, mult_min: float, link_to: np.ndarray) -> np.ndarray:
    """Bit for bit ``(mult_min + (1 - mult_min) * eK)[link_to]``: the enforcement
    multiplier of each link from the bribes at the place it enters."""
    om = 1.0 - mult_min
    out = np.empty(len(link_to))
    for i in range(len(link_to)):
        out[i] = mult_min + om * eK[link_to[i]]
    return out


@njit(**_JIT_G)
def shares_and_violence_parts(
    z: np.ndarray,
    zg: np.ndarray,
    z_state: np.ndarray,
    C: np.ndarray,
    totC: np.ndarray,
    collude: np.ndarray,
    contender: np.ndarray,
    commit: np.ndarray,
    speed: float,
    exit_share: float,
    eps: float,
    value: np.ndarray,
    s_loc: np.ndarray,
    upkeep: np.ndarray,
    capacity: float,
    n_cont: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Control shares after the month's contest (``commit`` changes in place), and the
    contest violence before its exponential, bit for bit the numpy code of the groups
    step (each place's sums over the slots add the slots in order, as numpy's).

    Shares: ``target = z / max(zg + z_state, eps)``, ``C_new = C + speed * (target -
    C)``, at colluding places ``C * (1 + speed * (target.sum(0) - totC) / max(totC,
    eps))``, then ``keep = (C_new >= exit_share) & contender``, ``C_new *= keep`` and
    ``commit *= keep & (keep.sum(0) > 1)``. Violence: :func:`.plazas.contest_violence`
    up to its exponential, the bound ``cap = capacity * tot`` and the exponent ``-raw /
    max(cap, 1e-300)``; the violence is ``where(cap > 0, cap * -expm1(exponent), 0)``.

    Returns ``C_new, cap, exponent``.
    """
    na, n = C.shape
    # the control shares
    d = np.empty(n)
    for j in range(n):
        d[j] = _max(zg[j] + z_state[j], eps)
    target = np.empty((na, n))
    ts = np.zeros(n)
    for a in range(na):
        for j in range(n):
            t = z[a, j] / d[j]
            target[a, j] = t
            ts[j] = t if a == 0 else ts[j] + t
    joint = np.zeros(n)
    for j in range(n):
        if collude[j]:
            joint[j] = 1.0 + speed * (ts[j] - totC[j]) / _max(totC[j], eps)
    C_new = np.empty((na, n))
    keep = np.empty((na, n), dtype=np.bool_)
    nk = np.zeros(n, dtype=np.int64)
    for a in range(na):
        for j in range(n):
            c = C[a, j]
            cn = c * joint[j] if collude[j] else c + speed * (target[a, j] - c)
            kp = cn >= exit_share and contender[a, j]
            keep[a, j] = kp
            C_new[a, j] = cn * (1.0 if kp else 0.0)
            if kp:
                nk[j] += 1
    for a in range(na):
        for j in range(n):
            commit[a, j] = commit[a, j] * (1.0 if keep[a, j] and nk[j] > 1 else 0.0)
    # contest violence before its exponential
    tot = np.zeros(n)
    ss = np.zeros(n)
    us = np.zeros(n)
    for a in range(na):
        for j in range(n):
            on = contender[a, j]
            x = s_loc[a, j] * (1.0 if on else 0.0)
            uc = upkeep[a] * (1.0 if on else 0.0)
            tot[j] = x if a == 0 else tot[j] + x
            ss[j] = x * x if a == 0 else ss[j] + x * x
            us[j] = uc if a == 0 else us[j] + uc
    cap = np.empty(n)
    arg = np.empty(n)
    for j in range(n):
        k = n_cont[j]
        hhi = ss[j] / _max(tot[j] * tot[j], 1e-300)
        n1 = float(max(k, 1))
        mean_s = tot[j] / n1
        u_mean = us[j] / n1
        raw = value[j] / _max(u_mean, 1e-300) * (1.0 - hhi) * mean_s
        if k < 2:
            raw = 0.0
        c = capacity * tot[j]
        cap[j] = c
        arg[j] = -raw / _max(c, 1e-300)
    return C_new, cap, arg


@njit(**_JIT_G)
def plaza_contest_rows(
    z: np.ndarray,
    contender: np.ndarray,
    patience: np.ndarray,
    crit: np.ndarray,
    C: np.ndarray,
    dissipation: float,
):  # noqa: ANN201
    """The contest at each place, bit for bit the groups step's ``zg = z.sum(axis=0)``,
    contender counts, :func:`.plazas.collusion` with thresholds ``crit[n]``, the
    rivalry ``1 - sum z^2 / zg^2`` where two or more contend, the control bearing
    revenue ``C * (1 - dissipation * rivalry * contested)`` and ``totC = C.sum(axis=0)``;
    its arithmetic row by row (each place's sums over the slots add the slots in order,
    as numpy's).

    Returns ``zg, n_cont, collude, contested, rivalry, bearing, totC``.
    """
    na, n = C.shape
    zg = np.zeros(n)
    zz = np.zeros(n)
    totC = np.zeros(n)
    n_cont = np.zeros(n, dtype=np.int64)
    pat = np.full(n, np.inf)
    for a in range(na):
        pa_a = patience[a]
        for j in range(n):
            v = z[a, j]
            zg[j] = v if a == 0 else zg[j] + v
            zz[j] = v * v if a == 0 else zz[j] + v * v
            c = C[a, j]
            totC[j] = c if a == 0 else totC[j] + c
            on = contender[a, j]
            pa = pa_a if on else 1.0
            pat[j] = pa if a == 0 else _min(pat[j], pa)
            if on:
                n_cont[j] += 1
    collude = np.zeros(n, dtype=np.bool_)
    contested = np.zeros(n, dtype=np.bool_)
    rivalry = np.zeros(n)
    for j in range(n):
        k = n_cont[j]
        multi = k >= 2
        col = multi and pat[j] >= crit[k]
        collude[j] = col
        contested[j] = multi and not col
        rivalry[j] = 1.0 - zz[j] / _max(zg[j] * zg[j], 1e-12) if multi else 0.0
    bearing = np.empty((na, n))
    for a in range(na):
        for j in range(n):
            dd = dissipation * rivalry[j] * (1.0 if contested[j] else 0.0)
            bearing[a, j] = C[a, j] * (1.0 - dd)
    return zg, n_cont, collude, contested, rivalry, bearing, totC


@njit(**_JIT_G)
def troop_hits(
    Ca: np.ndarray, totC: np.ndarray, troops: np.ndarray, armed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bit for bit ``divide(Ca, totC, out=zeros_like(Ca), where=totC > 0)`` (each slot's
    share of the control of each place) and ``troops * armed``."""
    nai, n = Ca.shape
    hit = np.zeros((nai, n))
    for a in range(nai):
        for j in range(n):
            if totC[j] > 0:
                hit[a, j] = Ca[a, j] / totC[j]
    ta = np.empty(n)
    for j in range(n):
        ta[j] = troops[j] * armed[j]
    return hit, ta


@njit(**_JIT_G)
def groups_scatter(
    ai: np.ndarray,
    S: np.ndarray,
    Sa: np.ndarray,
    commit_all: np.ndarray,
    commit: np.ndarray,
    Rbar_all: np.ndarray,
    rev: np.ndarray,
    transit: int,
    revenue_memory: float,
    frag: np.ndarray,
    pat_pen: np.ndarray,
    decay: float,
) -> None:
    """The end of the groups' month, in place and bit for bit: ``S[ai] = Sa``,
    ``commit_all[ai] = commit``, ``Rbar_all[ai] = revenue_memory * Rbar_all[ai] + (1 -
    revenue_memory) * rev[:, transit]``, ``frag *= decay`` and ``pat_pen *= decay``."""
    om = 1.0 - revenue_memory
    n = commit_all.shape[1]
    for i in range(len(ai)):
        a = ai[i]
        S[a] = Sa[i]
        for j in range(n):
            commit_all[a, j] = commit[i, j]
        Rbar_all[a] = revenue_memory * Rbar_all[a] + om * rev[i, transit]
    for a in range(len(frag)):
        frag[a] = frag[a] * decay
        pat_pen[a] = pat_pen[a] * decay


@njit(**_JIT_G)
def piso_fees(
    flow_share: np.ndarray,
    share_cap: float,
    fee_share: float,
    price: np.ndarray,
    tcC: np.ndarray,
    terr_f: np.ndarray,
) -> np.ndarray:
    """Bit for bit ``(fee_share * price / (1 - minimum(flow_share, share_cap))) * tcC *
    terr_f`` (``tcC = tc @ C``): the piso fee of each place."""
    n = len(price)
    out = np.empty(n)
    for j in range(n):
        s = _min(flow_share[j], share_cap)
        out[j] = (fee_share * price[j] / (1.0 - s)) * tcC[j] * terr_f[j]
    return out


@njit(**_JIT_G)
def _survival_into(
    lg: np.ndarray, idx: np.ndarray, path_len: np.ndarray, out: np.ndarray, off: int
) -> None:
    """The entries' log survival of :func:`survival_exponents`, into ``out[off:]``."""
    s = 0.0
    e = 0
    for p in range(len(path_len)):
        base = s
        for _ in range(path_len[p]):
            v = lg[idx[e]]
            s = v if e == 0 else s + v
            out[off + e] = (s - v) - base
            e += 1


@njit(**_JIT_G)
def _scale_bin_into(
    x: np.ndarray,
    off: int,
    path_w: np.ndarray,
    path_len: np.ndarray,
    bins: np.ndarray,
    out: np.ndarray,
) -> None:
    """:func:`scale_and_bin` of ``x[off:]`` into ``out`` (zeros)."""
    e = 0
    for p in range(len(path_len)):
        w = path_w[p]
        for _ in range(path_len[p]):
            v = x[off + e] * w
            x[off + e] = v
            out[bins[e]] += v
            e += 1


@njit(**_JIT_G)
def secondary_month_inputs(
    presence: np.ndarray,
    apprehension: float,
    seizure: float,
    mig_w: np.ndarray,
    migrants: float,
    pop_fire: np.ndarray,
    armed: np.ndarray,
    fire_dest: np.ndarray,
    group_weight: float,
    firearms: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`secondary_inputs` with both losses in one array: returns the migrant and
    firearm paths' weights and ``-min(rate * presence, 0.999)`` per place, migrants in
    row 0 and firearms in row 1 (whose ``log1p`` is numpy's)."""
    pm, fw, neg_m, neg_f = secondary_inputs(
        presence,
        apprehension,
        seizure,
        mig_w,
        migrants,
        pop_fire,
        armed,
        fire_dest,
        group_weight,
        firearms,
    )
    n = len(presence)
    neg = np.empty((2, n))
    for j in range(n):
        neg[0, j] = neg_m[j]
        neg[1, j] = neg_f[j]
    return pm, fw, neg


@njit(**_JIT_G)
def secondary_exponents(
    lg: np.ndarray,
    m_place: np.ndarray,
    m_lens: np.ndarray,
    f_place: np.ndarray,
    f_lens: np.ndarray,
) -> np.ndarray:
    """:func:`survival_exponents`' entry exponents of the migrant paths (losses
    ``lg[0]``) then of the firearm paths (``lg[1]``), in one array."""
    nm = len(m_place)
    out = np.empty(nm + len(f_place))
    _survival_into(lg[0], m_place, m_lens, out, 0)
    _survival_into(lg[1], f_place, f_lens, out, nm)
    return out


@njit(**_JIT_G)
def secondary_bins(
    at: np.ndarray,
    pm: np.ndarray,
    m_lens: np.ndarray,
    m_place: np.ndarray,
    pf: np.ndarray,
    f_lens: np.ndarray,
    f_place: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`scale_and_bin` of the migrant entries (``at[:len(m_place)]``, weights
    ``pm``) and of the firearm entries (the rest, ``pf``), in place; returns the flow
    through each place of each."""
    mig = np.zeros(n)
    fire = np.zeros(n)
    _scale_bin_into(at, 0, pm, m_lens, m_place, mig)
    _scale_bin_into(at, len(m_place), pf, f_lens, f_place, fire)
    return mig, fire


@njit(**_JIT_G)
def groups_record_counts(
    contested: np.ndarray,
    place_iso: np.ndarray,
    r_contested: np.ndarray,
    t: int,
    tc: np.ndarray,
    strength: np.ndarray,
) -> tuple[np.ndarray, bool]:
    """Contested places by country into ``r_contested[t]`` (exact counts, as numpy's
    ``contested @ agg_iso`` of a 0/1 matrix), and the load owners' weights of the
    cocaine records: bit for bit ``owners / owners.sum()`` with ``owners = tc *
    strength``, and whether that sum is positive."""
    ni = r_contested.shape[1]
    cnt = np.zeros(ni)
    for j in range(len(contested)):
        if contested[j] and place_iso[j] >= 0:
            cnt[place_iso[j]] += 1.0
    for c in range(ni):
        r_contested[t, c] = cnt[c]
    owners = np.empty(len(tc))
    for a in range(len(tc)):
        owners[a] = tc[a] * strength[a]
    s = pairwise_sum(owners)
    if s > 0:
        for a in range(len(owners)):
            owners[a] = owners[a] / s
    return owners, s > 0


@njit(**_JIT_G)
def add_owned(by_kind: np.ndarray, owned: np.ndarray, total: float) -> None:
    """In place, bit for bit ``by_kind += owned * max(total - by_kind.sum(), 0.0)``
    (Python's ``max``: NaN stays)."""
    m = total - pairwise_sum(by_kind)
    if 0.0 > m:
        m = 0.0
    for k in range(len(by_kind)):
        by_kind[k] = by_kind[k] + owned[k] * m


@njit(**_JIT_G)
def predation_split(
    bearing: np.ndarray, capfrac: np.ndarray, Y: np.ndarray, L: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Predation revenue and labour by group, predatory activity and place, bit for bit
    the groups step's ``pred3 = bearing[:, None, :] * capfrac[:, 1:, None] * Y[None, 1:,
    :]`` and ``lab = L[:, 1:, None] * (pred3 / pred3.sum(axis=2))`` (0 where the sum is
    not positive; numpy's sums with :func:`_psum`)."""
    na, n = bearing.shape
    nk = Y.shape[0] - 1
    pred3 = np.empty((na, nk, n))
    lab = np.empty((na, nk, n))
    for a in range(na):
        b = bearing[a]
        for k in range(nk):
            cf = capfrac[a, k + 1]
            y = Y[k + 1]
            pk = pred3[a, k]
            for j in range(n):
                pk[j] = b[j] * cf * y[j]
            tot = _psum(pk, 0, n)
            lk = L[a, k + 1]
            lb = lab[a, k]
            if tot > 0:
                for j in range(n):
                    lb[j] = lk * (pk[j] / tot)
            else:
                for j in range(n):
                    lb[j] = lk * 0.0
    return pred3, lab


@njit(**_JIT_G)
def strength_month(
    Ya: np.ndarray,
    m0: np.ndarray,
    log_m0: np.ndarray,
    log_u: np.ndarray,
    Sa: np.ndarray,
    act: np.ndarray,
    jp: np.ndarray,
    use_sp: bool,
    ai: np.ndarray,
    troop_hv: np.ndarray,
    use_troops: bool,
    troop_attrition: float,
    eps: float,
    turnover: float,
    rmult: np.ndarray,
    use_mult: bool,
    rate: float,
    shed_rate: float,
    S: np.ndarray,
    commit_all: np.ndarray,
    commit: np.ndarray,
    Rbar_all: np.ndarray,
    rev: np.ndarray,
    transit: int,
    revenue_memory: float,
    frag: np.ndarray,
    pat_pen: np.ndarray,
    decay: float,
) -> None:
    """The groups' strength at the end of the month and the scatter back into all the
    slots, bit for bit the groups step: the pressure ``jpress + troop_loss + turnover``
    (``jpress = jp[ai]`` when ``use_sp``, else ``jp``; ``troop_loss = troop_attrition *
    troop_hv / maximum(Sa, eps)`` when ``use_troops``, ``troop_hv = hit @ (troops *
    armed)``), :func:`strength_update` (``rmult`` when ``use_mult``), then
    :func:`groups_scatter` of the new strength."""
    nai = len(ai)
    pressure = np.empty(nai)
    for i in range(nai):
        jv = jp[ai[i]] if use_sp else jp[i]
        if use_troops:
            tl = troop_attrition * troop_hv[i] / _max(Sa[i], eps)
            pressure[i] = jv + tl + turnover
        else:
            pressure[i] = jv + turnover
    Sn = strength_update(
        Ya,
        m0,
        log_m0,
        log_u,
        Sa,
        act,
        pressure,
        rmult if use_mult else Sa,
        use_mult,
        rate,
        turnover,
        shed_rate,
    )
    groups_scatter(
        ai, S, Sn, commit_all, commit, Rbar_all, rev, transit, revenue_memory, frag, pat_pen, decay
    )


@njit(**_JIT_G)
def groups_record_month(
    t: int,
    na: int,
    ai: np.ndarray,
    rev: np.ndarray,
    L: np.ndarray,
    strength: np.ndarray,
    active: np.ndarray,
    controller: np.ndarray,
    place_rev: np.ndarray,
    corruption_share: float,
    Vbar: np.ndarray,
    admin1: np.ndarray,
    ni: int,
    kg: np.ndarray,
    mig_at: np.ndarray,
    mig_first: np.ndarray,
    mig_first_iso: np.ndarray,
    fire_at: np.ndarray,
    fire_first: np.ndarray,
    fire_first_iso: np.ndarray,
    r_revenue: np.ndarray,
    r_effort: np.ndarray,
    r_strength: np.ndarray,
    r_active: np.ndarray,
    r_places: np.ndarray,
    r_corruption: np.ndarray,
    r_value: np.ndarray,
    r_migrants: np.ndarray,
    r_firearms: np.ndarray,
    contested: np.ndarray,
    place_iso: np.ndarray,
    r_contested: np.ndarray,
    tc: np.ndarray,
) -> tuple[float, np.ndarray, bool]:
    """The groups' records of month ``t`` other than the matrix products, bit for bit
    the numpy code of ``Groups._record`` (its sums with :func:`_psum`): revenue and
    effort shares of the slots in play ``ai`` (latent slots 0; ``L / L.sum(axis=1)``, 1
    where the sum is not positive), strength, activity, places controlled, the slots'
    corruption, the admin-1 plaza values, migrants and firearms by country of first
    stop (the slots' records are written when ``na`` > 0); then
    :func:`groups_record_counts`. Returns the month's tons (``kg.sum() / 1000``) and the
    load owners' weights with whether their sum is positive."""
    if na > 0:
        nk = rev.shape[1]
        rr = r_revenue[t]
        re = r_effort[t]
        for c in range(len(rr)):
            rr[c] = 0.0
            re[c] = 0.0
        nl = L.shape[1]
        for i in range(len(ai)):
            a = ai[i]
            for k in range(nk):
                rr[a * nk + k] = rev[i, k]
            ls = _psum(L[i], 0, L.shape[1])
            d = ls if ls > 0 else 1.0
            for k in range(nl):
                re[a * nl + k] = L[i, k] / d
        for a in range(na):
            r_strength[t, a] = strength[a]
            r_active[t, a] = 1.0 if active[a] else 0.0
        cnt = np.zeros(na + 1, dtype=np.int64)
        for j in range(len(controller)):
            cnt[controller[j] + 1] += 1
        for a in range(na):
            r_places[t, a] = cnt[a + 1]
            r_corruption[t, a] = 0.0
        for i in range(len(ai)):
            r_corruption[t, ai[i]] = corruption_share * _psum(place_rev[i], 0, place_rev.shape[1])
    for i in range(len(admin1)):
        r_value[t, ni + i] = Vbar[admin1[i]]
    mig = np.zeros(ni)
    for i in range(len(mig_first)):
        mig[mig_first_iso[i]] += mig_at[mig_first[i]]
    fire = np.zeros(ni)
    for i in range(len(fire_first)):
        fire[fire_first_iso[i]] += fire_at[fire_first[i]]
    for c in range(ni):
        r_migrants[t, c] = mig[c]
        r_firearms[t, c] = fire[c]
    owners, positive = groups_record_counts(contested, place_iso, r_contested, t, tc, strength)
    return _psum(kg, 0, len(kg)) / 1000.0, owners, positive


@njit(**_JIT_G)
def hop_counts(adj: np.ndarray, hmax: int) -> np.ndarray:
    """Land hops between every pair of places (``inf`` beyond ``hmax``): a breadth-first
    search from each place over the undirected adjacency ``adj > 0`` (either direction).
    Whole numbers, the same as a shortest-path search, without BLAS (whose threads cost
    more than the search on a busy machine)."""
    n = adj.shape[0]
    deg = np.zeros(n, dtype=np.int64)
    for i in range(n):
        for j in range(n):
            if i != j and (adj[i, j] > 0 or adj[j, i] > 0):
                deg[i] += 1
    start = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        start[i + 1] = start[i] + deg[i]
    nb = np.empty(start[n], dtype=np.int64)
    k = 0
    for i in range(n):
        for j in range(n):
            if i != j and (adj[i, j] > 0 or adj[j, i] > 0):
                nb[k] = j
                k += 1
    d = np.full((n, n), np.inf)
    queue = np.empty(n, dtype=np.int64)
    for s in range(n):
        d[s, s] = 0.0
        head = 0
        tail = 1
        queue[0] = s
        while head < tail:
            u = queue[head]
            head += 1
            du = d[s, u]
            if du >= hmax:
                continue
            for e in range(start[u], start[u + 1]):
                v = nb[e]
                if d[s, v] == np.inf:
                    d[s, v] = du + 1.0
                    queue[tail] = v
                    tail += 1
    return d


# ===========================================================================
# Flow side: the glue of the markets, interdiction and routes steps (fused runs of
# small numpy operations, each in the order of the numpy code it replaces).


@njit(**_JIT)
def saturating_share(e: np.ndarray, p_base: float, dp: float) -> np.ndarray:
    """``p_base + dp * (1.0 - e)``, bit for bit (``e = exp(-hazard)``: the seizure share)."""
    out = np.empty(len(e))
    for i in range(len(e)):
        out[i] = p_base + dp * (1.0 - e[i])
    return out


@njit(**_JIT)
def chain_log_last(lz: np.ndarray, cum: np.ndarray, last: np.ndarray) -> np.ndarray:
    """``(lz + cum)[last]``, bit for bit: the log price at each route's last entry."""
    out = np.empty(len(last))
    for i in range(len(last)):
        k = last[i]
        out[i] = lz[k] + cum[k]
    return out


@njit(**_JIT)
def scarcity_tilt_flat(
    lz: np.ndarray,
    cum: np.ndarray,
    log_last: np.ndarray,
    log_p0: float,
    tilt_market: np.ndarray,
    path_market: np.ndarray,
    e_path: np.ndarray,
) -> np.ndarray:
    """Bit for bit :func:`scarcity_tilt` of ``log_price = lz + cum`` (``e_path``: the
    route of each entry), in one flat loop over the entries (quicker than a loop per
    route: the routes are short)."""
    n_p = len(log_last)
    f = np.empty(n_p)
    for p in range(n_p):
        f[p] = tilt_market[path_market[p]] / _max(log_last[p] - log_p0, 1e-9)
    out = np.empty(len(lz))
    for i in range(len(lz)):
        lp = lz[i] + cum[i]
        out[i] = (lp - log_p0) * f[e_path[i]] + lp
    return out


@njit(**_JIT)
def link_load(seen: np.ndarray, capacity: np.ndarray, cap_pos: np.ndarray) -> np.ndarray:
    """``np.divide(seen, capacity, out=np.zeros(n), where=cap_pos)``, bit for bit."""
    out = np.zeros(len(seen))
    for i in range(len(seen)):
        if cap_pos[i]:
            out[i] = seen[i] / capacity[i]
    return out


@njit(**_JIT)
def route_link_terms(
    load_pow: np.ndarray,
    link_cost: np.ndarray,
    alpha: float,
    fee_place: np.ndarray,
    link_to: np.ndarray,
    risk_cost: np.ndarray,
    has_risk: bool,
    p_hat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The routes step's per-link terms, bit for bit its numpy code: ``transport =
    link_cost * (1.0 + alpha * load_pow)``, ``charges = fee_place[link_to] + risk_cost``
    (``+ 0.0`` without ``has_risk``, as numpy adds the scalar default) and
    ``-np.clip(p_hat, 0.0, 0.999)`` (for numpy's ``log1p``)."""
    n = len(link_cost)
    transport = np.empty(n)
    charges = np.empty(n)
    neg_p = np.empty(n)
    for i in range(n):
        transport[i] = link_cost[i] * (1.0 + alpha * load_pow[i])
        charges[i] = fee_place[link_to[i]] + (risk_cost[i] if has_risk else 0.0)
    for i in range(len(p_hat)):
        neg_p[i] = -_clip(p_hat[i], 0.0, 0.999)
    return transport, charges, neg_p


@njit(**_JIT)
def lincomb(wx: float, x: np.ndarray, wy: float, y: np.ndarray) -> np.ndarray:
    """``wx * x + wy * y``, bit for bit (a smoothed value, or a share moving towards its
    target: ``lincomb(1.0 - a, x, a, target)``)."""
    out = np.empty(len(x))
    for i in range(len(x)):
        out[i] = wx * x[i] + wy * y[i]
    return out


@njit(**_JIT)
def route_flows(
    market_share: np.ndarray,
    seg: np.ndarray,
    corridor_share: np.ndarray,
    gseg: np.ndarray,
    within_share: np.ndarray,
    supply_origin: np.ndarray,
    orig_pos: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Route shares ``market_share[seg] * corridor_share[gseg] * within_share`` and flows
    ``supply_origin[orig_pos] * route_share``, bit for bit."""
    n = len(within_share)
    share = np.empty(n)
    flow = np.empty(n)
    for i in range(n):
        s = market_share[seg[i]] * corridor_share[gseg[i]] * within_share[i]
        share[i] = s
        flow[i] = supply_origin[orig_pos[i]] * s
    return share, flow


@njit(**_JIT)
def landed_cost(num: np.ndarray, wsum: np.ndarray, price: np.ndarray, m0: np.ndarray) -> np.ndarray:
    """``np.divide(num, wsum, out=price / m0, where=wsum > 0)``, bit for bit: each
    market's route-weighted landed cost (no route: the price without the markup)."""
    out = np.empty(len(num))
    for i in range(len(num)):
        out[i] = num[i] / wsum[i] if wsum[i] > 0 else price[i] / m0[i]
    return out


@njit(**_JIT)
def market_outputs(
    pw: np.ndarray,
    m0: np.ndarray,
    landed: np.ndarray,
    d: np.ndarray,
    lost: np.ndarray,
    consumed: np.ndarray,
    purity: np.ndarray,
    p_pure: np.ndarray,
    g_per_t: float,
    stock: np.ndarray,
    s_prev: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The market step's derived outputs, bit for bit its numpy expressions: scarcity
    ``pw / max(m0 landed, 1e-9)``, ``consumed / purity``, the value ``consumed g_per_t
    p_pure``, copies of purity and stock, ``stock - s_prev`` and the ledger residual
    ``d - consumed - lost - (stock - s_prev)``."""
    n = len(pw)
    scarcity = np.empty(n)
    raw = np.empty(n)
    value = np.empty(n)
    pur = np.empty(n)
    stk = np.empty(n)
    change = np.empty(n)
    resid = np.empty(n)
    for i in range(n):
        scarcity[i] = pw[i] / _max(m0[i] * landed[i], 1e-9)
        raw[i] = consumed[i] / purity[i]
        value[i] = consumed[i] * g_per_t * p_pure[i]
        pur[i] = purity[i]
        stk[i] = stock[i]
        change[i] = stock[i] - s_prev[i]
        resid[i] = d[i] - consumed[i] - lost[i] - change[i]
    return scarcity, raw, value, pur, stk, change, resid


@njit(**_JIT)
def running_mean(avg: np.ndarray, x: np.ndarray, w: float) -> np.ndarray:
    """``avg + (x - avg) / w``, bit for bit (a discounted running mean)."""
    out = np.empty(len(avg))
    for i in range(len(avg)):
        out[i] = avg[i] + (x[i] - avg[i]) / w
    return out


# The market step's month matrix: one row per quantity (markets in columns), filled by
# the four kernels below between numpy's powers, so that no array is returned.
MK_D, MK_LOST, MK_AVAIL, MK_RATIO, MK_LANDED = 0, 1, 2, 3, 4
MK_PW, MK_PSTAR, MK_Q = 5, 6, 7
MK_RAW, MK_PUR, MK_PPURE, MK_R = 8, 9, 10, 11
MK_DEMAND, MK_CONS, MK_STOCK, MK_USERS = 12, 13, 14, 15
MK_SCAR, MK_CRAW, MK_VALUE, MK_PURC, MK_STOCKC, MK_CHANGE, MK_RESID = 16, 17, 18, 19, 20, 21, 22
MK_ROWS = 23


@njit(**_JIT)
def _rows_into(M: np.ndarray, row: int, x: np.ndarray) -> None:
    for i in range(len(x)):
        M[row, i] = x[i]


@njit(**_JIT)
def market_month_arrivals(
    M: np.ndarray,
    delivered: np.ndarray,
    loss: float,
    stock: np.ndarray,
    s0: np.ndarray,
    landed: np.ndarray,
) -> None:
    """:func:`market_arrivals` into the rows ``MK_D`` to ``MK_RATIO``, and the landed
    cost the importers price off, ``max(landed, 1e-9)``, into ``MK_LANDED``."""
    d, lost, avail, ratio = market_arrivals(delivered, loss, stock, s0)
    _rows_into(M, MK_D, d)
    _rows_into(M, MK_LOST, lost)
    _rows_into(M, MK_AVAIL, avail)
    _rows_into(M, MK_RATIO, ratio)
    for i in range(len(landed)):
        M[MK_LANDED, i] = _max(landed[i], 1e-9)


@njit(**_JIT)
def market_month_wholesale(
    M: np.ndarray,
    pw_ref_chi: np.ndarray,
    landed_chi: np.ndarray,
    rent: np.ndarray,
    m0: np.ndarray,
    cap: np.ndarray,
    mr: np.ndarray,
    p_ref: float,
) -> None:
    """:func:`market_wholesale` of the cost base ``pw_ref_chi * landed_chi`` into the
    rows ``MK_PW``, ``MK_PSTAR`` and ``MK_Q``."""
    n = len(m0)
    cost = np.empty(n)
    for i in range(n):
        cost[i] = pw_ref_chi[i] * landed_chi[i]
    pw, p_star, q = market_wholesale(m0, cost, rent, cap, mr, p_ref)
    _rows_into(M, MK_PW, pw)
    _rows_into(M, MK_PSTAR, p_star)
    _rows_into(M, MK_Q, q)


@njit(**_JIT)
def market_month_dilution(
    M: np.ndarray,
    raw: np.ndarray,
    a_raw: float,
    pi100_pref: np.ndarray,
    q_nu: np.ndarray,
    pi_max: float,
    purity: np.ndarray,
    a_pi: float,
    p_ref: float,
) -> None:
    """:func:`market_dilution` at the normal raw price ``pi100_pref * q_nu`` into the
    rows ``MK_RAW`` to ``MK_R``."""
    n = len(raw)
    normal = np.empty(n)
    for i in range(n):
        normal[i] = pi100_pref[i] * q_nu[i]
    raw2, pur, p_pure, r = market_dilution(
        raw, a_raw, normal, M[MK_PSTAR], pi_max, purity, a_pi, p_ref
    )
    _rows_into(M, MK_RAW, raw2)
    _rows_into(M, MK_PUR, pur)
    _rows_into(M, MK_PPURE, p_pure)
    _rows_into(M, MK_R, r)


@njit(**_JIT)
def market_month_demand(
    M: np.ndarray,
    dm_in: np.ndarray,
    c100: np.ndarray,
    r_eps: np.ndarray,
    u100: np.ndarray,
    r_part: np.ndarray,
    m0: np.ndarray,
    landed: np.ndarray,
    g_per_t: float,
    s_prev: np.ndarray,
) -> None:
    """:func:`market_demand` into the rows ``MK_DEMAND`` to ``MK_USERS``, then
    :func:`market_outputs` into ``MK_SCAR`` to ``MK_RESID``."""
    demand, consumed, stock, users = market_demand(dm_in, c100, r_eps, M[MK_AVAIL], u100, r_part)
    _rows_into(M, MK_DEMAND, demand)
    _rows_into(M, MK_CONS, consumed)
    _rows_into(M, MK_STOCK, stock)
    _rows_into(M, MK_USERS, users)
    scarcity, raw, value, pur, stk, change, resid = market_outputs(
        M[MK_PW],
        m0,
        landed,
        M[MK_D],
        M[MK_LOST],
        consumed,
        M[MK_PUR],
        M[MK_PPURE],
        g_per_t,
        stock,
        s_prev,
    )
    _rows_into(M, MK_SCAR, scarcity)
    _rows_into(M, MK_CRAW, raw)
    _rows_into(M, MK_VALUE, value)
    _rows_into(M, MK_PURC, pur)
    _rows_into(M, MK_STOCKC, stk)
    _rows_into(M, MK_CHANGE, change)
    _rows_into(M, MK_RESID, resid)


# Flat loops over the route entries: the same running sums as the kernels with a loop per
# route (:func:`seg_cumsum`, :func:`cost_chain_sums`, :func:`survival_exponents`,
# :func:`path_sums3`, :func:`scale_and_bin`), the route boundaries read from flags
# (``e_start``: an entry that begins a route; ``e_end``: one that ends it). Quicker: the
# routes are short, and a loop per route pays a mispredicted exit at each. They need
# every route to have at least one entry (the callers check it once).


@njit(**_JIT)
def seg_cumsum_flat(x: np.ndarray, idx: np.ndarray, e_start: np.ndarray) -> np.ndarray:
    """Bit for bit :func:`seg_cumsum` (routes of one entry or more)."""
    n = len(idx)
    out = np.empty(n)
    s = 0.0
    base = 0.0
    for e in range(n):
        if e_start[e]:
            base = s
        v = x[idx[e]]
        s = v if e == 0 else s + v
        out[e] = s - base
    return out


@njit(**_JIT)
def survival_exponents_flat(
    lg_link: np.ndarray, idx: np.ndarray, e_start: np.ndarray, e_end: np.ndarray, n_p: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bit for bit :func:`survival_exponents` (``n_p`` routes of one entry or more)."""
    n = len(idx)
    inflow = np.empty(n)
    whole = np.empty(n_p)
    s = 0.0
    base = 0.0
    p = 0
    for e in range(n):
        if e_start[e]:
            base = s
        v = lg_link[idx[e]]
        s = v if e == 0 else s + v
        inflow[e] = (s - v) - base
        if e_end[e]:
            whole[p] = s - base
            p += 1
    return inflow, whole


@njit(**_JIT)
def path_sums3_flat(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, idx: np.ndarray, e_end: np.ndarray, n_p: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bit for bit :func:`path_sums3` (``n_p`` routes of one entry or more)."""
    ox = np.empty(n_p)
    oy = np.empty(n_p)
    oz = np.empty(n_p)
    sx = 0.0
    sy = 0.0
    sz = 0.0
    p = 0
    for e in range(len(idx)):
        k = idx[e]
        sx += x[k]
        sy += y[k]
        sz += z[k]
        if e_end[e]:
            ox[p] = sx
            oy[p] = sy
            oz[p] = sz
            sx = 0.0
            sy = 0.0
            sz = 0.0
            p += 1
    return ox, oy, oz


@njit(**_JIT)
def scale_and_bin_flat(
    x: np.ndarray, path_w: np.ndarray, e_path: np.ndarray, bins: np.ndarray, n_bins: int
) -> np.ndarray:
    """Bit for bit :func:`scale_and_bin` (``e_path``: the route of each entry)."""
    out = np.zeros(n_bins)
    for e in range(len(bins)):
        v = x[e] * path_w[e_path[e]]
        x[e] = v
        out[bins[e]] += v
    return out


def route_entry_flags(path_len: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(e_start, e_end)`` of the flat kernels for routes of ``path_len`` entries (in
    storage order), or ``None`` when a route has none (then the loops per route run).

    Examples
    --------
    >>> [f.astype(int).tolist() for f in route_entry_flags(np.array([2, 1]))]
    [[1, 0, 1], [0, 1, 1]]
    """
    path_len = np.asarray(path_len, dtype=np.int64)
    if not len(path_len) or (path_len <= 0).any():
        return None
    n = int(path_len.sum())
    ends = np.cumsum(path_len)
    e_start = np.zeros(n, dtype=np.bool_)
    e_end = np.zeros(n, dtype=np.bool_)
    e_start[ends - path_len] = True
    e_end[ends - 1] = True
    return e_start, e_end


@njit(**_JIT)
def lever_flags(
    police_active: np.ndarray,
    corruption_factor: np.ndarray,
    justice_add: np.ndarray,
    prevention_target: np.ndarray,
) -> tuple[bool, bool, bool, bool]:
    """``police_active.any()``, ``(corruption_factor == 1.0).all()``, ``justice_add.any()``
    and ``prevention_target.any()`` (a value is set when it is not 0; NaN is set, as numpy's
    ``any`` counts it)."""
    police = False
    for i in range(len(police_active)):
        if police_active[i]:
            police = True
            break
    neutral = True
    for i in range(len(corruption_factor)):
        if not corruption_factor[i] == 1.0:
            neutral = False
            break
    justice = False
    for i in range(len(justice_add)):
        if justice_add[i] != 0.0:
            justice = True
            break
    prevention = False
    for i in range(len(prevention_target)):
        if prevention_target[i] != 0.0:
            prevention = True
            break
    return police, neutral, justice, prevention


@njit(**_JIT)
def cost_chain_sums_flat(
    add: np.ndarray,
    exp_log_m: np.ndarray,
    idx: np.ndarray,
    exp_cum: np.ndarray,
    p0: float,
    e_start: np.ndarray,
) -> np.ndarray:
    """Bit for bit :func:`cost_chain_sums` of ``a_link = add * exp_log_m`` (routes of one
    entry or more), the product formed per entry (the same product of the same two
    numbers)."""
    n = len(idx)
    out = np.empty(n)
    s = 0.0
    base = 0.0
    for e in range(n):
        if e_start[e]:
            base = s
        k = idx[e]
        v = (add[k] * exp_log_m[k]) / exp_cum[e]
        s = v if e == 0 else s + v
        out[e] = (s - base) + p0
    return out


@njit(**_JIT)
def landed_by_market(
    path_market: np.ndarray,
    path_delivered: np.ndarray,
    path_flow: np.ndarray,
    p_end: np.ndarray,
    k: int,
    price: np.ndarray,
    m0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Tons delivered to each market and its landed cost: :func:`market_sums_runs` then
    :func:`landed_cost`, bit for bit."""
    delivered, wsum, num = market_sums_runs(path_market, path_delivered, path_flow, p_end, k)
    return delivered, landed_cost(num, wsum, price, m0)


@njit(**_JIT)
def place_prices_flat(
    path_flow: np.ndarray,
    e_path: np.ndarray,
    entry_price: np.ndarray,
    last: np.ndarray,
    m0_path: np.ndarray,
    e_place: np.ndarray,
    n_places: int,
    origins: np.ndarray,
    p0: float,
    off_route: np.ndarray,
    cidx: np.ndarray,
    c_count: np.ndarray,
) -> np.ndarray:
    """``entry_price[last] *= m0_path`` in place (the market entry points sell at the
    importers' price), then bit for bit :func:`place_prices_kernel`, its route-weighted
    bin sums in one flat loop over the entries (``e_path``: the route of each entry)."""
    for i in range(len(last)):
        k = last[i]
        entry_price[k] = entry_price[k] * m0_path[i]
    w = np.empty(len(path_flow))
    for p in range(len(path_flow)):
        w[p] = path_flow[p] + 1e-9
    den = np.zeros(n_places)
    num = np.zeros(n_places)
    for e in range(len(e_place)):
        b = e_place[e]
        we = w[e_path[e]]
        den[b] += we
        num[b] += we * entry_price[e]
    return _finish_place_prices(den, num, n_places, origins, p0, off_route, cidx, c_count)


@njit(**_JIT)
def link_prices_and_arrivals(
    place_price: np.ndarray,
    link_from: np.ndarray,
    link_to: np.ndarray,
    link_cost: np.ndarray,
    em1_arrest: np.ndarray,
    link_out: np.ndarray,
    link_in: np.ndarray,
    n_places: int,
    origins: np.ndarray,
    kg_per_t: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The price at each link's start, the arrest-risk cost ``em1_arrest * (price_at_from
    + link_cost)`` (``em1_arrest = expm1(arrest log markup)``), and
    :func:`place_arrivals`, bit for bit."""
    n = len(link_from)
    price_at_from = np.empty(n)
    risk = np.empty(n)
    for i in range(n):
        pf = place_price[link_from[i]]
        price_at_from[i] = pf
        risk[i] = em1_arrest[i] * (pf + link_cost[i])
    arrivals, revenue = place_arrivals(
        link_to, link_from, link_out, link_in, n_places, origins, place_price, kg_per_t
    )
    return price_at_from, risk, arrivals, revenue


@njit(**_JIT)
def nest_max_shift(
    mx: np.ndarray,
    log_tot: np.ndarray,
    scale: float,
    asc: np.ndarray,
    has_asc: bool,
    order: np.ndarray,
    starts: np.ndarray,
    seg: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The next level of a nested logit: the utility ``asc + scale * (mx + log_tot)`` of
    each nest from its inclusive value (``scale * (mx + log_tot)`` without ``has_asc``),
    then :func:`segment_max_shift` of it, bit for bit."""
    n = len(mx)
    u = np.empty(n)
    for i in range(n):
        x = scale * (mx[i] + log_tot[i])
        u[i] = asc[i] + x if has_asc else x
    return segment_max_shift(u, order, starts, seg)


@njit(**_JIT)
def route_utility_m(
    es: np.ndarray,
    c_rel: np.ndarray,
    f_rel: np.ndarray,
    price_dest: np.ndarray,
    market_of_path: np.ndarray,
    p_ref_m: np.ndarray,
    theta: float,
    ps_term: np.ndarray,
) -> np.ndarray:
    """Route utilities, bit for bit the routes step's ``price =
    price_dest[market_of_path]``, ``p_ref = p_ref_m[market_of_path]``, ``c_rel /=
    p_ref``, ``f_rel /= price``, ``scale = price / p_ref`` and ``v = theta * scale * (es
    - c_rel - f_rel) + ps_term`` (``es = exp(log survival)``): the scale is one division
    per market, not per route."""
    nm = len(price_dest)
    scale = np.empty(nm)
    for m in range(nm):
        scale[m] = price_dest[m] / p_ref_m[m]
    n = len(es)
    v = np.empty(n)
    for i in range(n):
        m = market_of_path[i]
        c = c_rel[i] / p_ref_m[m]
        f = f_rel[i] / price_dest[m]
        v[i] = theta * scale[m] * (es[i] - c - f) + ps_term[i]
    return v


@njit(**_JIT)
def bin_runs_gather(out: np.ndarray, bins: np.ndarray, idx: np.ndarray, x: np.ndarray) -> None:
    """``out[bins[i]] += x[idx[i]]`` for each ``i`` in turn (``np.add.at``, and
    ``np.bincount`` into a zeroed ``out``), bit for bit: each bin's values are added one
    after the other in index order. A run of equal bins is summed in a register and
    stored once (a sum through memory waits on its own store at each step)."""
    n = len(bins)
    if n == 0:
        return
    cur = bins[0]
    s = out[cur]
    for i in range(n):
        b = bins[i]
        if b != cur:
            out[cur] = s
            cur = b
            s = out[b]
        s += x[idx[i]]
    out[cur] = s


@njit(**_JIT)
def market_sums_runs(
    path_market: np.ndarray,
    path_delivered: np.ndarray,
    path_flow: np.ndarray,
    p_end: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tons delivered, route weights and weighted landed cost, summed by market.

    Bit for bit, with ``w = path_delivered + 1e-9 * (path_flow + 1e-9)``:
    ``np.bincount(path_market, path_delivered)``, ``np.bincount(path_market, w)`` and
    ``np.bincount(path_market, w * p_end)`` (``minlength=k``); a run of routes to the
    same market is summed in registers (see :func:`bin_runs_gather`)."""
    delivered = np.zeros(k)
    wsum = np.zeros(k)
    num = np.zeros(k)
    n = len(path_market)
    if n == 0:
        return delivered, wsum, num
    cur = path_market[0]
    a = 0.0
    b = 0.0
    c = 0.0
    for i in range(n):
        m = path_market[i]
        if m != cur:
            delivered[cur] = a
            wsum[cur] = b
            num[cur] = c
            cur = m
            a = delivered[m]
            b = wsum[m]
            c = num[m]
        d = path_delivered[i]
        w = d + 1e-9 * (path_flow[i] + 1e-9)
        a += d
        b += w
        c += w * p_end[i]
    delivered[cur] = a
    wsum[cur] = b
    num[cur] = c
    return delivered, wsum, num
