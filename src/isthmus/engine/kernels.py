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
def path_sums(x: np.ndarray, idx: np.ndarray, path_len: np.ndarray) -> np.ndarray:
    """Sum of ``x[idx]`` over each route's entries (in storage order, from 0).

    Bit for bit ``A @ x`` for the 0/1 route-link CSR matrix ``A`` whose column indices
    are ``idx``.
    """
    n_p = len(path_len)
    out = np.empty(n_p)
    e = 0
    for p in range(n_p):
        s = 0.0
        for _ in range(path_len[p]):
            s += x[idx[e]]
            e += 1
        out[p] = s
    return out


@njit(**_JIT)
def path_sums3(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, idx: np.ndarray, path_len: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`path_sums` of three per-link arrays in one pass over the entries."""
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
def plaza_locate(
    S: np.ndarray,
    commit: np.ndarray,
    C: np.ndarray,
    value: np.ndarray,
    floor: float,
    act: np.ndarray,
    home_mult: np.ndarray,
    rows: np.ndarray,
    frag: np.ndarray,
    feud_loss: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local strength, contenders, armed strength and contest weights of the slots in play.

    Bit for bit :func:`.plazas.locate` (``s_loc`` and contenders), then in the groups step
    ``contender &= act[:, None]``, ``armed = s_loc.sum(axis=0)`` and
    ``z = s_loc * home_mult[rows] * (1.0 - feud_loss * frag)[:, None]``.
    """
    na, n = C.shape
    s_loc = np.empty((na, n))
    contender = np.empty((na, n), dtype=np.bool_)
    z = np.empty((na, n))
    armed = np.zeros(n)
    vf = np.empty(n)
    for j in range(n):
        vf[j] = value[j] + floor
    hv = np.empty(n)
    for a in range(na):
        for j in range(n):
            hv[j] = (1.0 if C[a, j] > 0 else 0.0) * vf[j]
        tot = pairwise_sum(hv)
        spread = (1.0 - pairwise_sum(commit[a])) * S[a] / _max(tot, 1e-12)
        fd = 1.0 - feud_loss * frag[a]
        r = rows[a]
        for j in range(n):
            s = _max(S[a] * commit[a, j] + spread * hv[j], 0.0)
            s_loc[a, j] = s
            contender[a, j] = (C[a, j] > 0 or commit[a, j] > 0) and act[a]
            armed[j] = s if a == 0 else armed[j] + s
            z[a, j] = s * home_mult[r, j] * fd
    return s_loc, contender, armed, z


@njit(**_JIT)
def plaza_contest(
    z: np.ndarray,
    contender: np.ndarray,
    patience: np.ndarray,
    crit: np.ndarray,
    C: np.ndarray,
    dissipation: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The contest at each place: bit for bit the groups step's ``zg = z.sum(axis=0)``,
    contender counts, :func:`.plazas.collusion` with thresholds ``crit[n]``, the
    rivalry ``1 - sum z^2 / zg^2`` where two or more contend, the control bearing
    revenue ``C * (1 - dissipation * rivalry * contested)`` and ``totC = C.sum(axis=0)``.

    Returns ``zg, n_cont, collude, contested, rivalry, bearing, totC``.
    """
    na, n = C.shape
    zg = np.zeros(n)
    zz = np.zeros(n)
    totC = np.zeros(n)
    n_cont = np.zeros(n, dtype=np.int64)
    collude = np.zeros(n, dtype=np.bool_)
    contested = np.zeros(n, dtype=np.bool_)
    rivalry = np.zeros(n)
    bearing = np.empty((na, n))
    for j in range(n):
        s = 0.0
        q = 0.0
        tc = 0.0
        k = 0
        pat = np.inf
        for a in range(na):
            v = z[a, j]
            s = v if a == 0 else s + v
            q = v * v if a == 0 else q + v * v
            c = C[a, j]
            tc = c if a == 0 else tc + c
            pa = patience[a] if contender[a, j] else 1.0
            pat = pa if a == 0 else _min(pat, pa)
            if contender[a, j]:
                k += 1
        zg[j] = s
        zz[j] = q
        totC[j] = tc
        n_cont[j] = k
        multi = k >= 2
        col = multi and pat >= crit[k]
        collude[j] = col
        contested[j] = multi and not col
        rivalry[j] = 1.0 - q / _max(s * s, 1e-12) if multi else 0.0
    for a in range(na):
        for j in range(n):
            d = dissipation * rivalry[j] * (1.0 if contested[j] else 0.0)
            bearing[a, j] = C[a, j] * (1.0 - d)
    return zg, n_cont, collude, contested, rivalry, bearing, totC


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


@njit(**_JIT)
def plaza_shares(
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
) -> np.ndarray:
    """Control shares after the month's contest; ``commit`` changes in place.

    Bit for bit the groups step's ``target = z / max(zg + z_state, eps)``, ``C_new = C +
    speed * (target - C)``, at colluding places ``C * (1 + speed * (target.sum(0) -
    totC) / max(totC, eps))``, then ``keep = (C_new >= exit_share) & contender``,
    ``C_new *= keep`` and ``commit *= keep & (keep.sum(0) > 1)``.
    """
    na, n = C.shape
    C_new = np.empty((na, n))
    target = np.empty(na)
    keep = np.empty(na, dtype=np.bool_)
    for j in range(n):
        d = _max(zg[j] + z_state[j], eps)
        ts = 0.0
        for a in range(na):
            t = z[a, j] / d
            target[a] = t
            ts = t if a == 0 else ts + t
        joint = 0.0
        if collude[j]:
            joint = 1.0 + speed * (ts - totC[j]) / _max(totC[j], eps)
        nk = 0
        for a in range(na):
            c = C[a, j]
            cn = c * joint if collude[j] else c + speed * (target[a] - c)
            kp = cn >= exit_share and contender[a, j]
            keep[a] = kp
            C_new[a, j] = cn * (1.0 if kp else 0.0)
            if kp:
                nk += 1
        for a in range(na):
            commit[a, j] = commit[a, j] * (1.0 if keep[a] and nk > 1 else 0.0)
    return C_new


@njit(**_JIT)
def contest_violence_parts(
    value: np.ndarray,
    s_loc: np.ndarray,
    contender: np.ndarray,
    upkeep: np.ndarray,
    capacity: float,
    n_cont: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`.plazas.contest_violence` before its exponential: the bound ``cap =
    capacity * tot`` and the exponent ``-raw / max(cap, 1e-300)``, bit for bit; the
    violence is ``where(cap > 0, cap * -expm1(exponent), 0)``."""
    na, n = s_loc.shape
    cap = np.empty(n)
    arg = np.empty(n)
    for j in range(n):
        tot = 0.0
        ss = 0.0
        us = 0.0
        for a in range(na):
            s = s_loc[a, j] * (1.0 if contender[a, j] else 0.0)
            uc = upkeep[a] * (1.0 if contender[a, j] else 0.0)
            tot = s if a == 0 else tot + s
            ss = s * s if a == 0 else ss + s * s
            us = uc if a == 0 else us + uc
        k = n_cont[j]
        hhi = ss / _max(tot * tot, 1e-300)
        n1 = float(max(k, 1))
        mean_s = tot / n1
        u_mean = us / n1
        raw = value[j] / _max(u_mean, 1e-300) * (1.0 - hhi) * mean_s
        if k < 2:
            raw = 0.0
        c = capacity * tot
        cap[j] = c
        arg[j] = -raw / _max(c, 1e-300)
    return cap, arg


@njit(**_JIT)
def predation_parts(
    bearing: np.ndarray, capfrac: np.ndarray, Y: np.ndarray, L: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Predation revenue and labour by group, predatory activity and place, bit for bit
    the groups step's ``pred3 = bearing[:, None, :] * capfrac[:, 1:, None] * Y[None, 1:,
    :]`` and ``lab = L[:, 1:, None] * (pred3 / pred3.sum(axis=2))`` (0 where the sum is
    not positive)."""
    na, n = bearing.shape
    nk = Y.shape[0] - 1
    pred3 = np.empty((na, nk, n))
    lab = np.empty((na, nk, n))
    for a in range(na):
        for k in range(nk):
            cf = capfrac[a, k + 1]
            for j in range(n):
                pred3[a, k, j] = bearing[a, j] * cf * Y[k + 1, j]
            tot = pairwise_sum(pred3[a, k])
            lk = L[a, k + 1]
            for j in range(n):
                lab[a, k, j] = lk * (pred3[a, k, j] / tot if tot > 0 else 0.0)
    return pred3, lab


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


@njit(**_JIT)
def route_utility(
    es: np.ndarray,
    c_rel: np.ndarray,
    f_rel: np.ndarray,
    price_dest: np.ndarray,
    market_of_path: np.ndarray,
    p_ref: np.ndarray,
    theta: float,
    ps_term: np.ndarray,
) -> np.ndarray:
    """Bit for bit the routes step's ``price = price_dest[market_of_path]``, ``c_rel /=
    p_ref``, ``f_rel /= price``, ``scale = price / p_ref`` and ``v = theta * scale * (es
    - c_rel - f_rel) + ps_term`` (``es = exp(log survival)``)."""
    n = len(es)
    v = np.empty(n)
    for i in range(n):
        price = price_dest[market_of_path[i]]
        c = c_rel[i] / p_ref[i]
        f = f_rel[i] / price
        scale = price / p_ref[i]
        v[i] = theta * scale * (es[i] - c - f) + ps_term[i]
    return v


# ---------------------------------------------------------------------------
# Markets step: per-route sums by market and the market model's arithmetic between
# numpy's powers (arrays of a few markets; powers stay in numpy, which special-cases
# some exponents).


@njit(**_JIT)
def market_route_sums(
    path_market: np.ndarray,
    path_delivered: np.ndarray,
    path_flow: np.ndarray,
    p_end: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tons delivered, route weights and weighted landed cost, summed by market.

    Bit for bit, with ``w = path_delivered + 1e-9 * (path_flow + 1e-9)``:
    ``np.bincount(path_market, path_delivered)``, ``np.bincount(path_market, w)`` and
    ``np.bincount(path_market, w * p_end)`` (``minlength=k``).
    """
    delivered = np.zeros(k)
    wsum = np.zeros(k)
    num = np.zeros(k)
    for i in range(len(path_market)):
        m = path_market[i]
        d = path_delivered[i]
        w = d + 1e-9 * (path_flow[i] + 1e-9)
        delivered[m] += d
        wsum[m] += w
        num[m] += w * p_end[i]
    return delivered, wsum, num


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
    out = np.empty(len(log_price))
    e = 0
    for p in range(len(path_len)):
        f = tilt_market[path_market[p]] / _max(log_last[p] - log_p0, 1e-9)
        for _ in range(path_len[p]):
            lp = log_price[e]
            out[e] = (lp - log_p0) * f + lp
            e += 1
    return out


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
    den = np.zeros(n_places)
    num = np.zeros(n_places)
    e = 0
    for p in range(len(path_len)):
        w = path_flow[p] + 1e-9
        for _ in range(path_len[p]):
            b = e_place[e]
            den[b] += w
            num[b] += w * entry_price[e]
            e += 1
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
