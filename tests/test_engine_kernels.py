"""The compiled kernels of the groups, interdiction and routes steps give the numbers of
the numpy code they replace, to the last bit.

Each reference below is the numpy code as the step ran it before the kernel (the
arithmetic in the same order); inputs mix zeros, ties, tiny and huge values so that
the branches (no holder, a single contender, collusion, empty rows) are all taken. A
run is chaotic: one differing bit can change a plaza's fate, so equality is exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from isthmus.engine import kernels as K
from isthmus.engine.plazas import (
    collusion,
    collusion_threshold,
    contest_violence,
    contest_violence_parts,
    locate,
)
from isthmus.engine.portfolio import optimal_effort, revenue, shadow_value, size_at_upkeep
from isthmus.engine.routes import _logsum, segment_softmax


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equality (NaN equal to NaN, the sign of zero counted)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a.view(np.uint64), b.astype(a.dtype).view(np.uint64))
    return np.array_equal(a, b)


def _wide(rng: np.random.Generator, shape, zeros: float = 0.3) -> np.ndarray:  # noqa: ANN001
    """Positive values over many orders of magnitude, a share of them exactly zero."""
    x = rng.random(shape) * 10.0 ** rng.uniform(-6, 7, shape)
    x[rng.random(shape) < zeros] = 0.0
    return x


@pytest.mark.parametrize("n", [0, 1, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129, 153, 300, 1257, 5000])
def test_pairwise_sum_is_numpys_sum(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(5):
        x = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
        assert _same(K.pairwise_sum(x), np.sum(x))
        m = rng.standard_normal((3, n))
        assert all(_same(K.pairwise_sum(m[i]), m.sum(axis=1)[i]) for i in range(3))


def _plaza_inputs(rng: np.random.Generator, na: int, n: int) -> dict:
    C = _wide(rng, (na, n), 0.6)
    C /= np.maximum(C.sum(axis=0), 1.0)
    commit = _wide(rng, (na, n), 0.9) * 1e-7
    S = _wide(rng, na, 0.2)
    return {
        "S": S,
        "commit": commit,
        "C": C,
        "value": _wide(rng, n),
        "act": S > 0,
        "home_mult": np.where(rng.random((na + 3, n)) < 0.1, 1.5, 1.0),
        "rows": np.sort(rng.choice(na + 3, na, replace=False)),
        "frag": np.where(rng.random(na) < 0.3, rng.random(na), 0.0),
        "patience": rng.uniform(0.8, 1.0, na),
    }


# The numpy code of the groups step that the fused kernels replace (its arithmetic in
# the step's order): the references the kernels are checked against.
A = np.ndarray


def _ref_locate(
    S: A, commit: A, C: A, value: A, floor: float, act: A, home_mult: A, frag: A, feud: float
) -> tuple[A, A, A, A]:
    """The locate stage: ``s_loc, contender, armed, z`` (``home_mult`` of the slots' rows)."""
    s_loc, contender = locate(S, commit, C, value, floor)
    contender &= act[:, None]
    z = s_loc * home_mult * (1.0 - feud * frag)[:, None]
    return s_loc, contender, s_loc.sum(axis=0), z


def _ref_contest(
    z: A, contender: A, patience: A, crit: A, C: A, diss: float, eps: float = 1e-12
) -> tuple[A, A, A, A, A, A, A]:
    """The contest stage: ``zg, n_cont, collude, contested, rivalry, bearing, totC`` (with
    no slot in play nobody colludes nor contests)."""
    zg = z.sum(axis=0)
    n_cont = contender.sum(axis=0)
    if len(z):
        collude, contested = collusion(contender, patience, 6.0, n_cont, crit)
    else:
        collude = contested = np.zeros(z.shape[1], dtype=bool)
    multi = n_cont >= 2
    rivalry = 1.0 - (z * z).sum(axis=0) / np.maximum(zg * zg, eps)
    rivalry = np.where(multi, rivalry, 0.0)
    bearing = C * (1.0 - diss * rivalry * contested)
    return zg, n_cont, collude, contested, rivalry, bearing, C.sum(axis=0)


def _ref_shares(
    z: A,
    zg: A,
    z_state: A,
    C: A,
    totC: A,
    collude: A,
    contender: A,
    commit: A,
    speed: float,
    exit_share: float,
    eps: float,
) -> tuple[A, A]:
    """The control shares after the contest, and the commitments kept."""
    target = z / np.maximum(zg + z_state, eps)
    C_new = C + speed * (target - C)
    joint = 1.0 + speed * (target.sum(axis=0) - totC) / np.maximum(totC, eps)
    C_new = np.where(collude, C * joint, C_new)
    keep = (C_new >= exit_share) & contender
    C_new *= keep
    return C_new, commit * (keep & (keep.sum(axis=0) > 1))


def _ref_predation(bearing: A, capfrac: A, Y: A, L: A) -> tuple[A, A]:
    """Predation revenue and labour by slot, predatory activity and place."""
    pred3 = bearing[:, None, :] * capfrac[:, 1:, None] * Y[None, 1:, :]
    tot_k = pred3.sum(axis=2, keepdims=True)
    lab = L[:, 1:, None] * np.divide(pred3, tot_k, out=np.zeros_like(pred3), where=tot_k > 0)
    return pred3, lab


@pytest.mark.parametrize("na,n", [(1, 7), (4, 9), (13, 153), (30, 400)])
def test_plaza_kernels_match_the_numpy_step(na: int, n: int) -> None:
    rng = np.random.default_rng(na * 1000 + n)
    d = _plaza_inputs(rng, na, n)
    S, commit, C, act, frag = d["S"], d["commit"], d["C"], d["act"], d["frag"]
    rows = d["rows"]
    floor, feud, diss, eps = 2e4, 0.4, 0.3, 1e-12
    # the numpy step
    s_loc, contender, armed, z = _ref_locate(
        S, commit, C, d["value"], floor, act, d["home_mult"][rows], frag, feud
    )
    crit = collusion_threshold(np.arange(na + 4), 6.0)
    ref = _ref_contest(z, contender, d["patience"], crit, C, diss, eps)
    zg, n_cont, collude, contested, rivalry, bearing, totC = ref
    multi = n_cont >= 2
    # the kernels: the slots in play are the rows ``rows`` of arrays over all the slots
    m = na + 3
    S_all, fr_all, C_all, cm_all = np.zeros(m), np.zeros(m), np.zeros((m, n)), np.zeros((m, n))
    S_all[rows], fr_all[rows], C_all[rows], cm_all[rows] = S, frag, C, commit
    no = np.zeros(m)
    out = K.plaza_gather_locate(
        rows, S_all, C_all, cm_all, fr_all, no, no, np.zeros((m, 5)), 0, 0.0, d["value"],
        floor, d["home_mult"], feud, np.zeros(n), np.zeros(n), 0.0, 0.0, False,
    )  # fmt: skip
    ks, kc, ka, kz = out[8:12]
    assert _same(ks, s_loc) and _same(kc, contender) and _same(ka, armed) and _same(kz, z)
    out = K.plaza_contest_rows(z, contender, d["patience"], crit, C, diss)
    assert all(_same(a, b) for a, b in zip(out, ref, strict=True))

    # plaza values, revenue by place and bribes
    Y = _wide(rng, (5, n))
    capfrac = rng.random((na, 5))
    rev = _wide(rng, (na, 5))
    Ya = _wide(rng, (na, 5))
    Vbar, Vbar_t, Kc = _wide(rng, n), _wide(rng, n), _wide(rng, n)
    a, cs, cm = 0.9, 0.1, 0.8
    phi_all = rev.sum(axis=0) / np.maximum(Ya.sum(axis=0), eps)
    held = totC > 0
    M = C.T @ capfrac
    phi = np.where(held[:, None], M / np.maximum(totC, eps)[:, None], phi_all)
    V = (phi * Y.T).sum(axis=1)
    PY = capfrac @ Y
    place_rev = PY * bearing
    spend = cs * place_rev.sum(axis=0)
    ref = (
        a * Vbar + (1.0 - a) * V,
        a * Vbar_t + (1.0 - a) * phi[:, 0] * Y[0],
        place_rev,
        spend,
        cm * Kc + spend,
    )
    out = K.plaza_value(rev, Ya, M, totC, Y, PY, bearing, Vbar, Vbar_t, Kc, a, cs, cm, eps)
    assert all(_same(x, y) for x, y in zip(out, ref, strict=True))

    # control shares after the contest (collusion forced at some places), then the
    # contest violence (up to numpy's expm1)
    collude2 = collude | (rng.random(n) < 0.2) & multi
    z_state = _wide(rng, n)
    speed, exit_share = 0.3, 0.02
    C_new, cm_ref = _ref_shares(
        z, zg, z_state, C, totC, collude2, contender, commit, speed, exit_share, eps
    )
    u = _wide(rng, na, 0.0) + 1.0
    cap_ref, arg_ref = contest_violence_parts(Vbar, s_loc, contender, u, 2.5, n_cont)
    cm_k = commit.copy()
    C_k, cap, arg = K.shares_and_violence_parts(
        z, zg, z_state, C, totC, collude2, contender, cm_k, speed, exit_share, eps, Vbar,
        s_loc, u, 2.5, n_cont,
    )  # fmt: skip
    assert _same(C_k, C_new) and _same(cm_k, cm_ref)
    assert _same(cap, cap_ref) and _same(arg, arg_ref)
    cv = np.where(cap > 0, cap * -np.expm1(arg), 0.0)
    assert _same(cv, contest_violence(Vbar, s_loc, contender, u, 2.5, n_cont))
    # predation
    L = _wide(rng, (na, 5))
    p3, lb = K.predation_split(bearing, capfrac, Y, L)
    pred3, lab = _ref_predation(bearing, capfrac, Y, L)
    assert _same(p3, pred3) and _same(lb, lab)


@pytest.mark.parametrize("na", [1, 3, 13, 40])
def test_portfolio_kernels_match_portfolio_functions(na: int) -> None:
    rng = np.random.default_rng(na)
    Ya = _wide(rng, (na, 5), 0.25)
    Rbar, S = _wide(rng, na), _wide(rng, na, 0.2)
    S[0] = 0.0
    u = _wide(rng, na, 0.0) + 1.0
    m0 = np.array([9e4, 3e4, 3e4, 3e4, 9e4])
    effort = rng.random((na, 5))
    act = S > 0
    cap = rng.random((na, 5))
    premium, adjust = 1.5, 0.3
    # numpy, as the groups step ran it
    short = np.clip(1.0 - Rbar / (u * S + 1.0), 0.0, 1.0)
    c = np.multiply.outer(1.0 + premium * short, m0)
    c[:, 0] = m0[0]
    lam = shadow_value(Ya, c, S)
    L_opt = optimal_effort(Ya, c, lam)
    e_opt = np.divide(L_opt, S[:, None], out=np.zeros_like(L_opt), where=act[:, None])
    eff_ref = effort + adjust * (e_opt - effort)
    L_ref = eff_ref * S[:, None]
    rev_ref = revenue(Ya, c, L_ref)
    frac_ref = np.divide(rev_ref, Ya, out=np.zeros_like(rev_ref), where=Ya > 0)
    # the kernels, numpy's log, exp and expm1 between them
    kc, cm, w = K.portfolio_returns(Ya, Rbar, u, S, premium, m0)
    assert _same(kc, c)
    lc = np.log(cm)
    ll, valid = K.shadow_log(lc, w, S)
    loglam = np.log(K.shadow_floor(np.exp(ll), valid))
    eff, L, arg = K.portfolio_efforts(w, lc, loglam, S, act, effort, adjust, c, Ya)
    assert _same(eff, eff_ref) and _same(L, L_ref)
    rev, frac, capfrac = K.portfolio_revenue(Ya, np.expm1(arg), cap)
    assert _same(rev, rev_ref) and _same(frac, frac_ref) and _same(capfrac, cap * frac_ref)
    # the strength's update, with and without prevention's cut of recruits
    pressure = rng.random(na) * 0.8
    rate, turnover, shed_rate = 0.05, 0.02, 0.1
    log_m0 = np.log(np.maximum(m0[None, :], 1e-300))[0]
    for mult in (None, rng.random(na)):
        gap = size_at_upkeep(Ya, m0[None, :], u) - S
        recruit = rate * np.maximum(gap, 0.0) + turnover * S
        if mult is not None:
            recruit *= mult
        shed = shed_rate * np.maximum(-gap, 0.0)
        attr = np.minimum(pressure, 0.5) * S
        ref = np.maximum(S + np.where(act, recruit - shed - attr, 0.0), 0.0)
        out = K.strength_update(
            Ya, m0, log_m0, np.log(np.maximum(u, 1e-300)), S, act, pressure,
            S if mult is None else mult, mult is not None, rate, turnover, shed_rate,
        )  # fmt: skip
        assert _same(out, ref)


def test_group_input_kernels_match_numpy() -> None:
    rng = np.random.default_rng(7)
    n, nl = 153, 884
    pp = _wide(rng, n)
    pp[:5] = [np.nan, np.inf, -1.0, 0.0, -np.inf]
    fallback, fee = _wide(rng, n, 0.0), _wide(rng, n)
    now = np.where(np.isfinite(pp) & (pp > 0), pp, fallback)
    assert _same(K.fee_price_step(pp, fallback, fee, 0.7), 0.7 * fee + (1.0 - 0.7) * now)
    link_to = rng.integers(0, n, nl)
    link_out, terr_f, share = _wide(rng, nl), (rng.random(n) < 0.8) * 1.0, rng.random(n)
    for total in (0.0, 37.5):
        kg = np.bincount(link_to, weights=link_out, minlength=n) * 1000.0 * terr_f
        now = kg / 1000.0 / total if total > 0 else np.zeros(n)
        out = K.flow_at_places(link_to, link_out, n, terr_f, total, share, 0.9)
        assert _same(out[0], kg) and _same(out[1], 0.9 * share + (1.0 - 0.9) * now)
    presence, eK = rng.random(n), np.exp(-_wide(rng, n))
    pres = presence * (1.0 - 0.6 * (1.0 - eK))
    assert _same(K.effective_presence(presence, eK, 0.6), pres)
    price, kg, pop, mig, fire = (_wide(rng, n) for _ in range(5))
    absent = pop * (1.0 - pres)
    Y = np.empty((5, n))
    Y[0] = 0.1 * price * kg
    Y[1] = 2.0 * absent
    Y[2] = 300.0 * mig
    Y[3] = 50.0 * mig + 0.5 * absent
    Y[4] = 400.0 * fire
    assert _same(
        K.plaza_potentials(price, kg, pop, pres, mig, fire, 0.1, 2.0, 300.0, 50.0, 0.5, 400.0), Y
    )


def test_hop_rows_is_the_minimum_over_held_places() -> None:
    rng = np.random.default_rng(8)
    d = rng.integers(0, 5, (40, 40)).astype(float)
    d[rng.random((40, 40)) < 0.3] = np.inf
    held = rng.random((9, 40)) < 0.1
    held[0] = False
    ref = np.array([d[r].min(axis=0) if r.any() else np.full(40, np.inf) for r in held])
    assert _same(K.hop_rows(d, held), ref)


def test_interdiction_kernels_match_the_numpy_step() -> None:
    rng = np.random.default_rng(9)
    nl, ne, nc, nJ, ng = 300, 700, 120, 6, 24
    e_link = np.sort(rng.integers(0, nl, ne))
    e_cell = rng.integers(0, nc, ne)
    e_juris = rng.integers(0, nJ, ne)
    cell_group = rng.integers(0, ng, nc)
    effort = _wide(rng, ng, 0.1)
    alloc, e_expo = rng.random(nc), rng.random(ne) + 0.5
    e_own = (rng.random(ne) < 0.5).astype(float)
    own_entry = e_own > 0
    k = rng.random(nl) * 1e-3
    mult, extra = rng.uniform(0.3, 1.0, nl), _wide(rng, nl, 0.8)
    k_land = 2e-3
    for troop in (np.zeros(nl), _wide(rng, nl, 0.9)):
        # patrol_hazard against routine_effort and seizure_prob
        cell_effort = effort[cell_group] * alloc
        e_entry = cell_effort[e_cell] * e_expo
        link_effort = np.bincount(e_link, weights=e_entry, minlength=nl)
        own = np.bincount(e_link, weights=e_entry * e_own, minlength=nl)
        h = k * (link_effort - own + mult * (own + extra))
        h += k_land * mult * troop
        mult_entry = np.where(own_entry, mult[e_link], 1.0)
        out = K.patrol_hazard(
            effort, cell_group, alloc, e_cell, e_expo, e_link, e_own, own_entry, k, mult,
            extra, k_land, troop,
        )  # fmt: skip
        assert all(
            _same(a, b) for a, b in zip(out, (e_entry, link_effort, h, mult_entry), strict=True)
        )
        # seizure_attribution against the step's numpy
        k_entry = rng.random(ne) * 1e-3
        link_inflow, r = _wide(rng, nl), rng.random(nl) * 0.5
        link_juris = rng.integers(0, nJ, nl)
        uniform = 1.0 / np.maximum(np.bincount(cell_group, minlength=ng)[cell_group], 1.0)
        link_seized = link_inflow * r
        he = k_entry * e_entry * mult_entry
        tot = np.bincount(e_link, weights=he, minlength=nl)
        tot += mult * (k * extra + k_land * troop)
        own_s = he / np.maximum(tot, 1e-300)[e_link]
        entry_seized = own_s * link_seized[e_link]
        rem = np.maximum(link_seized - np.bincount(e_link, weights=entry_seized, minlength=nl), 0.0)
        juris = np.bincount(e_juris, weights=entry_seized, minlength=nJ) + np.bincount(
            link_juris, weights=rem, minlength=nJ
        )
        c_in = np.bincount(e_cell, weights=link_inflow[e_link], minlength=nc)
        g_in = np.bincount(cell_group, weights=c_in, minlength=ng)[cell_group]
        seen = np.divide(c_in, g_in, out=uniform.copy(), where=g_in > 0)
        target = (1.0 - 0.3) * seen + 0.3 * uniform
        new_alloc = (1.0 - 0.5) * alloc + 0.5 * target
        ref = (link_seized, link_inflow - link_seized, entry_seized, rem, juris, new_alloc)
        out = K.seizure_attribution(
            k_entry, e_entry, mult_entry, e_link, e_juris, e_cell, k, mult, extra, k_land,
            troop, link_inflow, r, link_juris, nJ, cell_group, ng, uniform, alloc, 0.3, 0.5,
        )  # fmt: skip
        assert all(_same(a, b) for a, b in zip(out, ref, strict=True))
    # the realised rate and the learned risk
    exp_in, p_true, z = _wide(rng, nl), rng.random(nl) * 0.4, rng.standard_normal(nl)
    p_true[:3] = [0.0, 1e-15, 0.9]
    n_ship = np.maximum(exp_in / 0.8, 1.0)
    pt = np.maximum(p_true, 1e-12)
    s2 = np.log1p((1.0 - pt) / (pt * n_ship))
    r = np.clip(pt * np.exp(np.sqrt(s2) * z - 0.5 * s2), 0.0, 0.999)
    kpt, q = K.realised_rate_parts(exp_in, 0.8, p_true)
    ks2 = np.log1p(q)
    kr, neg = K.clipped_rate(kpt, np.exp(K.lognormal_exponent(ks2, z)))
    assert _same(kpt, pt) and _same(ks2, s2) and _same(kr, r) and _same(neg, -r)
    os_, op = _wide(rng, nl), _wide(rng, nl)
    seized, inflow = _wide(rng, nl), _wide(rng, nl)
    a = 0.9 * os_ + seized
    b = 0.9 * op + inflow
    ref = (a, b, (a + 2.0 * p_true) / (b + 2.0))
    out = K.learned_risk(os_, op, seized, inflow, p_true, 0.9, 2.0)
    assert all(_same(x, y) for x, y in zip(out, ref, strict=True))


def test_route_kernels_match_the_numpy_step() -> None:
    rng = np.random.default_rng(10)
    for n_seg in (1, 3, 40):
        seg = rng.permutation(np.arange(500) % n_seg)
        v = rng.normal(0.0, 30.0, 500)
        v[:4] = v[4]  # ties
        order = np.argsort(seg, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(seg[order]) != 0])
        mx, d = K.segment_max_shift(v, order, starts, seg)
        sm, tot = K.segment_normalise(np.exp(d), seg, n_seg)
        assert _same(sm, segment_softmax(v, seg, n_seg))
        assert _same(mx + np.log(tot), _logsum(v, seg, n_seg))
    n_p = 400
    market = rng.integers(0, 3, n_p)
    price_dest, p_ref_m = _wide(rng, 3, 0.0) + 1.0, _wide(rng, 3, 0.0) + 1.0
    es, c_rel, f_rel = rng.random(n_p), _wide(rng, n_p), _wide(rng, n_p)
    ps = rng.normal(0.0, 1.0, n_p)
    price, p_ref = price_dest[market], p_ref_m[market]
    v = 7.0 * (price / p_ref) * (es - c_rel / p_ref - f_rel / price) + ps
    assert _same(K.route_utility_m(es, c_rel, f_rel, price_dest, market, p_ref_m, 7.0, ps), v)


def test_segment_sums_pairwise_are_numpys_slice_sums() -> None:
    # compile_network's route costs: each route's slice of one gather, summed by numpy
    rng = np.random.default_rng(11)
    lens = rng.integers(1, 300, 200)
    lens[:20] = np.arange(1, 21)
    ends = np.cumsum(lens)
    x = rng.standard_normal(int(ends[-1])) * 10.0 ** rng.integers(-6, 6, int(ends[-1]))
    want = np.array([x[b - k : b].sum() for k, b in zip(lens, ends, strict=True)])
    assert _same(K.segment_sums_pairwise(x, ends - lens, lens), want)


def _record_reference(
    t,
    n_places,
    link_to,
    link_out,
    link_seized,
    admin1,
    cross,
    cross_c,
    f,
    us_paths,
    lf_ok,
    lf_col,
    vec_ok,
    vec_col,
    nlf,
    mx_links,
    mx_cat,
    sz,
    jg_ok,
    jg_col,
    path_market,
    path_delivered,
    rec,
    ein,
    exit_market,
    exit_at,
    link_from,
    link_inflow,
    source_out,
):  # noqa: ANN001
    """The record step's numpy code before :func:`kernels.record_flows`."""
    arrivals = np.bincount(link_to, weights=link_out, minlength=n_places)
    cflow = np.bincount(
        cross_c, weights=link_out[cross], minlength=rec["flow_t"].shape[1] - len(admin1)
    )
    row = rec["flow_t"][t]
    row[: len(cflow)] = cflow
    row[len(cflow) :] = arrivals[admin1]
    us = f * us_paths
    rec["_us_bound_t"][t, 0] = us.sum()
    ub = rec["us_bound_share"][t]
    ub[:nlf] = np.bincount(lf_col, weights=us[lf_ok], minlength=nlf)[:nlf]
    ub[nlf:-1] = np.bincount(vec_col, weights=us[vec_ok], minlength=len(ub) - 1)[nlf:]
    ub[-1] = ub[0] + ub[2]
    mx = link_out[mx_links]
    rec["_entering_mexico_t"][t, 0] = mx.sum()
    em = rec["entering_mexico_share"]
    em[t] = np.bincount(mx_cat, weights=mx, minlength=em.shape[1])
    rec["seized_t"][t, :-1] = sz
    rec["seized_t"][t, -1] = sz.sum()
    between = sz[jg_ok]
    rec["seizure_share"][t] = np.bincount(jg_col, weights=between, minlength=4)
    rec["_seized_between_t"][t, 0] = between.sum()
    delivered = np.bincount(path_market, weights=path_delivered, minlength=2)
    rec["delivered_t"][t] = delivered
    rec["departed_t"][t] = np.bincount(exit_market, weights=ein[exit_at], minlength=2)
    out_of = np.bincount(link_from, weights=link_inflow, minlength=n_places)
    rec["supply_t"][t, 1:] = out_of[source_out]
    return f.sum(), link_seized.sum(), delivered.sum()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_record_flows_is_the_numpy_record_step(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_places, nl, npaths, nj, T, t = 60, 400, 900, 9, 5, 3
    link_to = rng.integers(0, n_places, nl)
    link_from = rng.integers(0, n_places, nl)
    admin1 = np.sort(rng.choice(n_places, 20, replace=False))
    cross = np.flatnonzero(rng.random(nl) < 0.3)
    cross_c = rng.integers(0, 7, len(cross))
    lf = np.where(rng.random(npaths) < 0.8, rng.integers(0, 4, npaths), -1)
    vec = np.where(rng.random(npaths) < 0.9, rng.integers(4, 9, npaths), -1)
    mx_links = np.flatnonzero(rng.random(nl) < 0.1)
    jg = np.where(rng.random(nj) < 0.7, rng.integers(0, 4, nj), -1)
    exit_at = rng.integers(0, 3000, npaths - 50)
    source_out = np.array([3, 17, 41])
    args = dict(
        t=t,
        n_places=n_places,
        link_to=link_to,
        link_out=_wide(rng, nl),
        link_seized=_wide(rng, nl),
        admin1=admin1,
        cross=cross,
        cross_c=cross_c,
        f=_wide(rng, npaths),
        us_paths=rng.random(npaths) < 0.7,
        lf_ok=np.flatnonzero(lf >= 0),
        lf_col=lf[lf >= 0],
        vec_ok=np.flatnonzero(vec >= 0),
        vec_col=vec[vec >= 0],
        nlf=4,
        mx_links=mx_links,
        mx_cat=rng.integers(0, 5, len(mx_links)),
        sz=_wide(rng, nj),
        jg_ok=np.flatnonzero(jg >= 0),
        jg_col=jg[jg >= 0],
        path_market=rng.integers(0, 2, npaths),
        path_delivered=_wide(rng, npaths),
        ein=_wide(rng, 3000),
        exit_market=rng.integers(0, 2, len(exit_at)),
        exit_at=exit_at,
        link_from=link_from,
        link_inflow=_wide(rng, nl),
        source_out=source_out,
    )
    shapes = {
        "flow_t": 7 + len(admin1),
        "_us_bound_t": 1,
        "us_bound_share": 10,
        "_entering_mexico_t": 1,
        "entering_mexico_share": 5,
        "seized_t": nj + 1,
        "seizure_share": 4,
        "_seized_between_t": 1,
        "delivered_t": 2,
        "departed_t": 2,
        "supply_t": 1 + len(source_out),
    }
    want = {k: np.full((T, m), -1.0) for k, m in shapes.items()}
    got = {k: v.copy() for k, v in want.items()}
    totals = _record_reference(rec=want, **args)
    a = args
    out = K.record_flows(
        t,
        n_places,
        link_to,
        a["link_out"],
        a["link_seized"],
        admin1,
        cross,
        cross_c,
        a["f"],
        a["us_paths"],
        a["lf_ok"],
        a["lf_col"],
        a["vec_ok"],
        a["vec_col"],
        4,
        mx_links,
        a["mx_cat"],
        a["sz"],
        a["jg_ok"],
        a["jg_col"],
        a["path_market"],
        a["path_delivered"],
        got["flow_t"],
        got["_us_bound_t"],
        got["us_bound_share"],
        got["_entering_mexico_t"],
        got["entering_mexico_share"],
        got["seized_t"],
        got["seizure_share"],
        got["_seized_between_t"],
        got["delivered_t"],
        a["ein"],
        a["exit_market"],
        exit_at,
        got["departed_t"],
        link_from,
        a["link_inflow"],
        source_out,
        got["supply_t"],
    )
    assert all(_same(g, w) for g, w in zip(out, totals, strict=True))
    for k in shapes:
        assert _same(got[k], want[k]), k


@pytest.mark.parametrize("troops", [False, True])
def test_violence_month_is_the_numpy_violence_step(troops: bool) -> None:
    rng = np.random.default_rng(5 + troops)
    n, nk, n_iso, T, t = 153, 4, 9, 4, 2
    contest, succession, armed = _wide(rng, n), _wide(rng, n), _wide(rng, n)
    pbk = _wide(rng, (nk, n), 0.5)
    dep = _wide(rng, n, 0.8) if troops else None
    mf = (rng.random(n) < 0.8).astype(float)
    coef = _wide(rng, 4, 0.0)
    base = _wide(rng, n)
    admin1 = np.sort(rng.choice(n, 40, replace=False))
    # the numpy code of the step before the kernel
    predation = pbk.sum(axis=0)
    state = dep / 1000.0 * armed if troops else np.zeros(n)
    by_cause = np.empty((5, n))
    by_cause[0] = coef[0] * contest * mf
    by_cause[1] = coef[1] * succession * mf
    by_cause[2] = coef[2] * predation * mf
    by_cause[3] = coef[3] * state * mf
    by_cause[4] = base
    total = by_cause.sum(axis=0)
    pk = coef[2] * pbk * mf
    x = [np.full((T, n), -1.0) for _ in range(4)]
    recs = tuple(np.full((T, n_iso + len(admin1)), -1.0) for _ in range(5))
    tot = np.full((T, n_iso + len(admin1)), -1.0)
    got = K.violence_month(
        t,
        contest,
        succession,
        pbk,
        np.zeros(n) if dep is None else dep,
        armed,
        troops,
        mf,
        coef,
        base,
        admin1,
        *x,
        recs,
        tot,
        n_iso,
    )
    assert all(_same(g, w) for g, w in zip(got, (by_cause, total, pk), strict=True))
    for xi, want in zip(x, (contest, succession, predation, state), strict=True):
        assert _same(xi[t], want) and (xi[:t] == -1).all()
    for k in range(5):
        assert _same(recs[k][t, n_iso:], by_cause[k, admin1]) and (recs[k][t, :n_iso] == -1).all()
    assert _same(tot[t, n_iso:], total[admin1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prosecution_pressure_is_the_numpy_state_code(seed: int) -> None:
    from isthmus.engine.state import State

    rng = np.random.default_rng(seed)
    n, nC, na = 153, 12, 13
    jus_ext = np.append(_wide(rng, nC, 0.1), 0.0)
    pc = rng.integers(-1, nC, n)
    presence = _wide(rng, n, 0.1)
    # homes of 0 to 12 places (8 or more: numpy's pairwise mean)
    homes = [np.sort(rng.choice(n, int(k), replace=False)) for k in rng.integers(0, 13, na)]
    ctrl = np.where(rng.random(n) < 0.4, rng.integers(0, na, n), -1)
    a = 0.37
    jp = a * jus_ext[pc] * presence  # the numpy code before the kernel
    want = State._home_means(homes, jp, na)
    lab = ctrl + 1
    cnt = np.bincount(lab, minlength=na + 1)[1:]
    sums = np.bincount(lab, weights=jp, minlength=na + 1)[1:]
    want_c = np.where(cnt > 0, sums / np.maximum(cnt, 1), want)
    owner, places, lens = State._home_index(homes)
    got_jp, got = K.prosecution_pressure(
        jus_ext, pc, presence, a, owner, places, lens, na, np.zeros(0, dtype=np.int64), False
    )
    assert _same(got_jp, jp) and _same(got, want)
    _, got_c = K.prosecution_pressure(jus_ext, pc, presence, a, owner, places, lens, na, ctrl, True)
    assert _same(got_c, want_c)


def _entries_reference(
    draw, commit, C_new, S, act, reach, hop_d, terr, frac, u, Vbar, Vbar_t, tc, zg, pr
):  # noqa: ANN001
    """Groups._entries' numpy code (after the draws) before the entry kernels."""
    from isthmus.engine.plazas import entry_hazard

    nai, n = C_new.shape
    room = np.maximum(1.0 - pr["max_commit"] - commit.sum(axis=1), 0.0)
    able = act & (S > 0) & (room > 0) & (reach >= 1)
    if not able.any():
        return False
    hops = K.hop_rows(hop_d, np.ascontiguousarray(C_new >= 0.1))
    cand = (C_new == 0) & (hops >= 1) & (hops <= reach[:, None])
    cand &= terr[None, :] & able[:, None]
    if not cand.any():
        return False
    ci = np.flatnonzero(cand)
    ca, cj = np.divmod(ci, n)
    npos = (frac > 0).sum(axis=1)
    capture = np.divide(frac.sum(axis=1), npos, out=np.zeros(nai), where=npos > 0)
    r_eff = u[ca] / pr["hop_decay"] ** (hops.ravel()[ci] - 1)
    extra = (pr["integration_value"] - 1.0) * tc
    Vc = (Vbar[cj] + extra[ca] * Vbar_t[cj]) * capture[ca]
    prob, s_star = entry_hazard(Vc, zg[cj], r_eff, pr["entry_rate"])
    enter = draw.ravel()[ci] < prob
    if not enter.any():
        return True
    ea, ej = ca[enter], cj[enter]
    f = np.minimum(s_star[enter] / np.maximum(S[ea], 1e-12), pr["max_commit"])
    tot_f = np.bincount(ea, weights=f, minlength=nai)
    scale = np.divide(room, tot_f, out=np.ones(nai), where=tot_f > room)
    commit[ea, ej] = f * scale[ea]
    C_new[ea, ej] = pr["entry_share"]
    tot = C_new.sum(axis=0)
    over = tot > 1.0
    C_new[:, over] /= tot[over]
    return True


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow on the extreme inputs
@pytest.mark.parametrize("seed", range(6))
def test_entry_kernels_are_the_numpy_entries(seed: int) -> None:
    from isthmus.engine.plazas import hop_matrix

    rng = np.random.default_rng(seed)
    nai, n = 11, 60
    adj = (rng.random((n, n)) < 0.06).astype(float)
    adj = np.maximum(adj, adj.T)
    np.fill_diagonal(adj, 0.0)
    hop_d = hop_matrix(adj, 3)
    C_new = _wide(rng, (nai, n), 0.7)
    C_new /= np.maximum(C_new.sum(axis=0), 1.0) * rng.uniform(0.6, 1.0, n)
    commit = _wide(rng, (nai, n), 0.9) * 1e-7
    commit[0, :5] = 0.2  # a slot without room
    S = _wide(rng, nai, 0.2)
    act = S > 0
    reach = rng.integers(0, 4, nai)
    terr = rng.random(n) < 0.85
    frac = _wide(rng, (nai, 5), 0.3)
    u, Vbar, Vbar_t, tc, zg = (_wide(rng, k, 0.1) for k in (nai, n, n, nai, n))
    draw = rng.random((nai, n)) ** 6  # many entries
    pr = {
        "max_commit": 0.3,
        "hop_decay": 0.7,
        "integration_value": 1.8,
        "entry_rate": 0.9,
        "entry_share": 0.15,
    }
    C0, C_ref, commit_ref = C_new.copy(), C_new.copy(), commit.copy()
    any_ref = _entries_reference(
        draw, commit_ref, C_ref, S, act, reach, hop_d, terr, frac, u, Vbar, Vbar_t, tc, zg, pr
    )
    some, room, ca, cj, hm1, capture = K.entry_candidates(
        commit, pr["max_commit"], S, act, reach, hop_d, C_new, terr, frac
    )
    assert some == any_ref
    if some:
        r_eff = u[ca] / pr["hop_decay"] ** hm1
        hazard, s_star = K.entry_hazard_parts(
            Vbar,
            Vbar_t,
            pr["integration_value"] - 1.0,
            tc,
            capture,
            ca,
            cj,
            zg,
            r_eff,
            pr["entry_rate"],
        )
        K.entry_commit(
            draw,
            -np.expm1(-hazard),
            s_star,
            ca,
            cj,
            S,
            pr["max_commit"],
            room,
            commit,
            C_new,
            pr["entry_share"],
        )
    assert _same(C_new, C_ref) and _same(commit, commit_ref)
    assert some and not np.array_equal(C_new, C0)  # challengers entered somewhere


def _ref_record(
    t: int,
    na: int,
    ai: A,
    rev: A,
    L: A,
    S: A,
    active: A,
    ctrl: A,
    place_rev: A,
    share: float,
    Vbar: A,
    admin1: A,
    ni: int,
    kg: A,
    mig_at: A,
    mig_first: A,
    mig_iso: A,
    fire_at: A,
    fire_first: A,
    fire_iso: A,
    r: list[A],
) -> float:
    """The numpy code of ``Groups._record`` other than its matrix products, into the
    records ``r`` (revenue, effort shares, strength, active, places controlled,
    corruption, plaza values, migrants, firearms; the slots' only when ``na`` > 0);
    returns the month's tons."""
    if na > 0:
        row = r[0][t].reshape(na, -1)
        row.fill(0.0)
        row[ai] = rev
        Ls = L.sum(axis=1, keepdims=True)
        row = r[1][t].reshape(na, -1)
        row.fill(0.0)
        row[ai] = L / np.where(Ls > 0, Ls, 1.0)
        r[2][t] = S
        r[3][t] = active
        r[4][t] = np.bincount(ctrl + 1, minlength=na + 1)[1:]
        r[5][t, :na] = 0.0
        r[5][t, ai] = share * place_rev.sum(axis=1)
    r[6][t, ni:] = Vbar[admin1]
    r[7][t] = np.bincount(mig_iso, weights=mig_at[mig_first], minlength=ni)
    r[8][t] = np.bincount(fire_iso, weights=fire_at[fire_first], minlength=ni)
    return kg.sum() / 1000.0


def _ref_counts(contested: A, place_iso: A, ni: int, tc: A, strength: A) -> tuple[A, A, bool]:
    """Contested places by country (``contested @ agg_iso``) and the load owners' weights
    (``tc * strength`` over its sum where positive), with whether the sum is positive."""
    agg = np.zeros((len(place_iso), ni))
    ok = place_iso >= 0
    agg[np.flatnonzero(ok), place_iso[ok]] = 1.0
    w = tc * strength
    s = w.sum()
    return contested @ agg, (w / s if s > 0 else w), bool(s > 0)


@pytest.mark.parametrize("seed", [0, 1])
def test_groups_record_month_writes_the_numpy_records(seed: int) -> None:
    rng = np.random.default_rng(seed)
    na, n, ni, T, t = 16, 80, 7, 3, 1
    ai = np.sort(rng.choice(na, 12, replace=False))
    rev, L = _wide(rng, (len(ai), 5)), _wide(rng, (len(ai), 5), 0.5)
    L[0] = 0.0  # a slot at rest: effort shares 0
    S, active = _wide(rng, na), rng.random(na) < 0.8
    ctrl = np.where(rng.random(n) < 0.5, rng.choice(ai, n), -1)
    place_rev, Vbar, kg = _wide(rng, (len(ai), n)), _wide(rng, n), _wide(rng, n)
    admin1 = np.sort(rng.choice(n, 30, replace=False))
    mig_at, fire_at = _wide(rng, 300), _wide(rng, 200)
    mig_first, fire_first = np.sort(rng.choice(300, 90, False)), np.sort(rng.choice(200, 70, False))
    mig_iso, fire_iso = rng.integers(0, ni, 90), rng.integers(0, ni, 70)
    contested = rng.random(n) < 0.3
    place_iso = np.where(rng.random(n) < 0.8, rng.integers(0, ni, n), -1)
    tc = rng.random(na)
    cols = {
        "revenue_usd": na * 5,
        "effort_share": na * 5,
        "group_strength": na,
        "group_active": na,
        "places_controlled": na,
        "corruption_usd": na + ni,
        "plaza_value_usd": ni + len(admin1),
        "migrants_smuggled": ni,
        "firearms_trafficked": ni,
        "contested_places": ni,
    }
    want = {k: np.full((T, m), -1.0) for k, m in cols.items()}
    got = {k: v.copy() for k, v in want.items()}
    args = (t, na, ai, rev, L, S, active, ctrl, place_rev, 0.2, Vbar, admin1, ni, kg, mig_at)
    args += (mig_first, mig_iso, fire_at, fire_first, fire_iso)
    total = _ref_record(*args, list(want.values())[:9])
    cnt, owners, positive = _ref_counts(contested, place_iso, ni, tc, S)
    want["contested_places"][t] = cnt
    out = K.groups_record_month(
        *args, *list(got.values())[:9], contested, place_iso, got["contested_places"], tc
    )
    assert _same(out[0], total) and _same(out[1], owners) and out[2] == positive
    for k in cols:
        assert _same(got[k], want[k]), k


@pytest.mark.parametrize("firearms", [0.0, 1234.5])
def test_secondary_inputs_are_the_numpy_code(firearms: float) -> None:
    rng = np.random.default_rng(3)
    n = 153
    presence, armed = _wide(rng, n) * 1e-6, _wide(rng, n)
    presence[:3] = [0.0, 1e9, np.nan]
    mig_w, pop_fire = _wide(rng, 400), _wide(rng, 120)
    fire_dest = rng.integers(0, n, 120)
    fw = pop_fire + 0.7 * armed[fire_dest]
    tot = fw.sum()
    want = (
        mig_w * 5e4,
        fw * (firearms / tot) if tot > 0 else fw,
        -np.minimum(0.3 * presence, 0.999),
        -np.minimum(0.05 * presence, 0.999),
    )
    got = K.secondary_inputs(
        presence, 0.3, 0.05, mig_w, 5e4, pop_fire, armed, fire_dest, 0.7, firearms
    )
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))
    none = K.secondary_inputs(
        presence, 0.3, 0.05, mig_w, 5e4, pop_fire * 0, armed * 0, fire_dest, 0.7, firearms
    )
    assert _same(none[1], np.zeros(120))  # no demand: the weights as they are


def test_contest_outcome_is_the_numpy_code() -> None:
    rng = np.random.default_rng(8)
    nai, na, n = 9, 14, 153
    cap_v = _wide(rng, n, 0.4)
    em = -rng.random(n)
    collude, contested = rng.random(n) < 0.3, rng.random(n) < 0.2
    terr_f = (rng.random(n) < 0.9).astype(float)
    C_new = _wide(rng, (nai, n), 0.5)
    C_new /= np.maximum(C_new.sum(axis=0), 1.0)
    C_new[:, :20] = 0.0
    C_new[3, 5:10] = 0.7  # ties and clear holders
    C_new[5, 5:8] = 0.7
    ai = np.sort(rng.choice(na, nai, replace=False))
    cv = np.where(cap_v > 0, cap_v * -em, 0.0)  # the numpy code before the kernel
    cv = np.where(collude, 0.4 * cv, cv) * terr_f
    C = np.zeros((na, n))
    C[ai] = C_new
    top = ai[C_new.argmax(axis=0)]
    ctrl = np.where((C_new.max(axis=0) >= 0.5) & ~contested, top, -1)
    got = K.contest_outcome(cap_v, em, collude, 0.4, terr_f, C_new, ai, na, contested)
    assert all(_same(g, w) for g, w in zip(got, (cv, C, ctrl), strict=True))
    assert (ctrl >= 0).any()


# -- the groups step's fused glue ------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 7, 128, 129, 136, 153, 255, 256, 257, 300, 1257])
def test_psum_is_numpys_sum_of_a_slice(n: int) -> None:
    rng = np.random.default_rng(n + 1)
    x = rng.standard_normal(n + 20) * 10.0 ** rng.integers(-8, 8, n + 20)
    for lo in (0, 3, 20):
        assert _same(K._psum(x, lo, n), np.sum(x[lo : lo + n]))


def test_feud_may_split_never_misses_a_split() -> None:
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(400):
        na = int(rng.integers(1, 30))
        frag = np.where(rng.random(na) < 0.5, rng.random(na), 0.0)
        frag[rng.random(na) < 0.1] = 0.005  # below the feud threshold
        active = rng.random(na) < 0.8
        hazard = float(rng.choice([0.0, 0.025, 0.2, 5.0]))
        draws = rng.random(na) * rng.choice([1.0, 0.01])
        feuds = np.flatnonzero((frag > 0.01) & active)
        splits = (draws[feuds] < -np.expm1(-hazard * frag[feuds])).any()
        may = K.feud_may_split(frag, active, draws, hazard)
        assert may or not splits  # never False when a feud splits
        hits += bool(splits)
    assert hits > 10  # splits were drawn


@pytest.mark.parametrize("troops", [False, True])
def test_groups_inputs_are_the_numpy_code(troops: bool) -> None:
    rng = np.random.default_rng(12)
    n, nl = 153, 884
    pp = _wide(rng, n)
    pp[:3] = [np.nan, -1.0, 0.0]
    fallback, fee = _wide(rng, n, 0.0), _wide(rng, n)
    link_to, link_out = rng.integers(0, n, nl), _wide(rng, nl)
    pf = _wide(rng, 1257)
    terr_f, share = (rng.random(n) < 0.8) * 1.0, rng.random(n)
    presence, eK = rng.random(n), np.exp(-_wide(rng, n))
    dp = _wide(rng, n, 0.9) * 1e4 if troops else np.zeros(n)
    prev = np.zeros(n)
    if troops:
        prev[7] = 0.25
    # the numpy code of the groups step before the kernel
    price = 0.99 * fee + (1.0 - 0.99) * np.where(np.isfinite(pp) & (pp > 0), pp, fallback)
    total = np.sum(pf)
    kg = np.bincount(link_to, weights=link_out, minlength=n) * 1000.0 * terr_f
    fs = 0.85 * share + (1.0 - 0.85) * (kg / 1000.0 / total)
    pres = presence * (1.0 - 0.4 * (1.0 - eK))
    tr = dp / 1000.0
    for use_pf in (True, False):
        out = K.groups_inputs(
            pp, fallback, fee, 0.99, link_to, link_out, pf, 0.0 if use_pf else total, use_pf,
            terr_f, share, 0.85, presence, eK, 0.4, dp, prev,
        )  # fmt: skip
        ref = (price, kg, fs, pres, tr, bool(tr.any()), bool(prev.any()))
        assert all(_same(a, b) for a, b in zip(out, ref, strict=True))


@pytest.mark.parametrize("r", [1.0, 2.0])
def test_plaza_gather_locate_is_the_numpy_step(r: float) -> None:
    rng = np.random.default_rng(13)
    na, n, nai = 20, 153, 13
    d = _plaza_inputs(rng, na, n)
    S, C, commit = d["S"], d["C"], d["commit"]
    ai = np.sort(rng.choice(na, nai, replace=False))
    frag = np.where(rng.random(na) < 0.3, rng.random(na), 0.0)
    patience, pat_pen = rng.uniform(0.8, 1.0, na), rng.random(na) * 0.05
    cap_all = rng.random((na, 5))
    home_mult = np.where(rng.random((na, n)) < 0.1, 3.0, 1.0)
    pres, troops = rng.random(n), _wide(rng, n, 0.8)
    floor, feud, rl = 1e4, 0.5, 0.4
    # the numpy step
    Sa, Ca, cm, fr = S[ai], C[ai], commit[ai], frag[ai]
    act = Sa > 0
    cap = cap_all[ai]
    cap[:, 0] *= 1.0 - rl * fr
    s_loc, contender = locate(Sa, cm, Ca, d["value"], floor)
    contender &= act[:, None]
    z = s_loc * home_mult[ai] * (1.0 - feud * fr)[:, None]
    z_state = 0.5 * pres + 0.3 * troops
    if r != 1.0:
        z, z_state = z**r, z_state**r
    out = K.plaza_gather_locate(
        ai, S, C, commit, frag, patience, pat_pen, cap_all, 0, rl, d["value"], floor,
        home_mult, feud, pres, troops, 0.5, 0.3, r == 2.0,
    )  # fmt: skip
    ref = (
        Sa, Ca, cm, fr, act, bool(fr.any()), patience[ai] - pat_pen[ai], cap, s_loc,
        contender, s_loc.sum(axis=0), z, z_state,
    )  # fmt: skip
    assert all(_same(a, b) for a, b in zip(out, ref, strict=True))


def test_groups_portfolio_and_value_glue_is_the_numpy_code() -> None:
    rng = np.random.default_rng(14)
    na, nai, n = 20, 13, 153
    ai = np.sort(rng.choice(na, nai, replace=False))
    P, cap = _wide(rng, (nai, 5), 0.25), rng.random((nai, 5))
    Rbar_all, u, S = _wide(rng, na), _wide(rng, nai, 0.0) + 1.0, _wide(rng, nai, 0.2)
    m0 = np.array([9e4, 3e4, 3e4, 3e4, 9e4])
    Ya = P * cap
    ref = (Ya, *K.portfolio_returns(Ya, Rbar_all[ai], u, S, 1.5, m0))
    out = K.portfolio_inputs(P, cap, Rbar_all, ai, u, S, 1.5, m0)
    assert all(_same(a, b) for a, b in zip(out, ref, strict=True))
    c, cm, w = out[1:]
    lc = np.log(cm)
    ll, valid = K.shadow_log(lc, w, S)
    loglam = np.log(K.shadow_floor(np.exp(ll), valid))
    effort_all = rng.random((na, 5))
    eff, L, arg = K.portfolio_efforts(w, lc, loglam, S, S > 0, effort_all[ai], 0.3, c, Ya)
    want_all = effort_all.copy()
    want_all[ai] = eff
    got = K.portfolio_efforts_slots(w, lc, loglam, S, S > 0, effort_all, ai, 0.3, c, Ya)
    assert _same(got[0], L) and _same(got[1], arg) and _same(effort_all, want_all)
    # plaza values and the bribes' exponent; the links' enforcement
    C = _wide(rng, (nai, n), 0.6)
    totC, Y, capfrac, rev = (
        C.sum(axis=0),
        _wide(rng, (5, n)),
        rng.random((nai, 5)),
        _wide(rng, (nai, 5)),
    )
    args = (rev, Ya, C.T @ capfrac, totC, Y, capfrac @ Y, C * 0.9, _wide(rng, n), _wide(rng, n))
    Kc = _wide(rng, n)
    ref = K.plaza_value(*args, Kc, 0.85, 0.1, 0.9, 1e-12)
    out = K.plaza_value_neg(*args, Kc, 0.85, 0.1, 0.9, 1e-12, 3e5)
    assert all(_same(a, b) for a, b in zip(out[:5], ref, strict=True))
    assert _same(out[5], -ref[4] / 3e5)
    eK, link_to = np.exp(out[5]), rng.integers(0, n, 884)
    assert _same(K.link_enforcement(eK, 0.3, link_to), (0.3 + (1.0 - 0.3) * eK)[link_to])


def test_groups_contest_and_end_of_month_glue_is_the_numpy_code() -> None:
    rng = np.random.default_rng(15)
    na, nai, n = 20, 13, 153
    d = _plaza_inputs(rng, nai, n)
    C, commit = d["C"], d["commit"]
    s_loc, contender = locate(d["S"], commit, C, d["value"], 1e4)
    z = s_loc * s_loc
    zg, n_cont, collude, contested, rivalry, bearing, totC = _ref_contest(
        z, contender, d["patience"], collusion_threshold(np.arange(nai + 1), 6.0), C, 0.3
    )
    z_state, u, V = _wide(rng, n), _wide(rng, nai, 0.0) + 1.0, _wide(rng, n)
    c2 = commit.copy()
    C_new, c1 = _ref_shares(z, zg, z_state, C, totC, collude, contender, commit, 0.15, 0.1, 1e-12)
    ref = (C_new, *contest_violence_parts(V, s_loc, contender, u, 1.0, n_cont))
    out = K.shares_and_violence_parts(
        z, zg, z_state, C, totC, collude, contender, c2, 0.15, 0.1, 1e-12, V, s_loc, u, 1.0, n_cont
    )
    assert all(_same(a, b) for a, b in zip(out, ref, strict=True)) and _same(c1, c2)
    # troops' hits
    troops, armed = _wide(rng, n, 0.7), s_loc.sum(axis=0)
    hit, ta = K.troop_hits(C, totC, troops, armed)
    assert _same(hit, np.divide(C, totC, out=np.zeros_like(C), where=totC > 0))
    assert _same(ta, troops * armed)
    # the scatter back into all the slots
    ai = np.sort(rng.choice(na, nai, replace=False))
    S, commit_all, Rbar = _wide(rng, na), _wide(rng, (na, n), 0.9), _wide(rng, na)
    frag, pat_pen, Sa, rev = rng.random(na), rng.random(na), _wide(rng, nai), _wide(rng, (nai, 5))
    want = [x.copy() for x in (S, commit_all, Rbar, frag, pat_pen)]
    want[0][ai] = Sa
    want[1][ai] = commit
    want[2][ai] = 0.85 * want[2][ai] + (1.0 - 0.85) * rev[:, 0]
    want[3] *= 0.94
    want[4] *= 0.94
    K.groups_scatter(ai, S, Sa, commit_all, commit, Rbar, rev, 0, 0.85, frag, pat_pen, 0.94)
    assert all(_same(a, b) for a, b in zip((S, commit_all, Rbar, frag, pat_pen), want, strict=True))
    # piso fees
    share, price, tcC, terr_f = (
        rng.random(n),
        _wide(rng, n),
        _wide(rng, n),
        (rng.random(n) < 0.8) * 1.0,
    )
    s = np.minimum(share, 0.8)
    assert _same(
        K.piso_fees(share, 0.8, 0.03, price, tcC, terr_f), (0.03 * price / (1.0 - s)) * tcC * terr_f
    )


def test_predation_split_is_the_numpy_predation() -> None:
    rng = np.random.default_rng(16)
    na, n = 13, 153
    bearing, capfrac, Y, L = (
        _wide(rng, (na, n), 0.6),
        rng.random((na, 5)),
        _wide(rng, (5, n)),
        _wide(rng, (na, 5)),
    )
    capfrac[2] = 0.0  # rows without predation: labour 0
    L[4, 2] = np.nan
    out, ref = K.predation_split(bearing, capfrac, Y, L), _ref_predation(bearing, capfrac, Y, L)
    assert _same(out[0], ref[0]) and _same(out[1], ref[1])


def test_groups_record_counts_and_owners_are_the_numpy_records() -> None:
    rng = np.random.default_rng(17)
    na, n, ni = 20, 153, 9
    contested = rng.random(n) < 0.3
    place_iso = np.where(rng.random(n) < 0.8, rng.integers(0, ni, n), -1)
    agg = np.zeros((n, ni))
    ok = place_iso >= 0
    agg[np.flatnonzero(ok), place_iso[ok]] = 1.0
    r = np.full((3, ni), -1.0)
    tc, strength = rng.random(na), _wide(rng, na)
    for s in (strength, strength * 0.0):
        owners, positive = K.groups_record_counts(contested, place_iso, r, 1, tc, s)
        assert _same(r[1], contested @ agg) and positive == ((tc * s).sum() > 0)
        if positive:
            assert _same(owners, (tc * s) / (tc * s).sum())
    for total in (0.0, 5.0, 1e9):
        by_kind, owned = _wide(rng, 3, 0.0), rng.random(3)
        want = by_kind + owned * max(total - by_kind.sum(), 0.0)
        K.add_owned(by_kind, owned, total)
        assert _same(by_kind, want)


def test_secondary_kernels_are_segment_survival() -> None:
    from isthmus.engine.secondary import segment_survival

    rng = np.random.default_rng(18)
    n = 153
    paths = []
    for lens in (rng.integers(1, 12, 60), rng.integers(1, 15, 127)):
        place = rng.integers(0, n, int(lens.sum()))
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        paths.append((place, lens, starts, np.repeat(np.arange(len(lens)), lens)))
    presence, armed = rng.random(n), _wide(rng, n)
    mig_w, pop_fire = rng.random(60), rng.random(127)
    mig_w /= mig_w.sum()
    fire_dest = rng.integers(0, n, 127)
    args = (presence, 0.06, 0.02, mig_w, 3e4, pop_fire, armed, fire_dest, 3.0, 1.2e4)
    pm, pf, neg = K.secondary_month_inputs(*args)
    ref = K.secondary_inputs(*args)
    assert _same(pm, ref[0]) and _same(pf, ref[1]) and _same(neg, np.stack(ref[2:]))
    (mp, ml, ms, mseg), (fp, fl, fs, fseg) = paths
    at = K.secondary_exponents(np.log1p(neg), mp, ml, fp, fl)
    np.exp(at, out=at)
    mig_thru, fire_thru = K.secondary_bins(at, pm, ml, mp, pf, fl, fp, n)
    for k, (place, lens, starts, seg), w, thru in (
        (0, paths[0], pm, mig_thru),
        (1, paths[1], pf, fire_thru),
    ):
        surv = segment_survival(np.minimum(-neg[k], 0.999)[place], starts, seg)
        x = surv * np.repeat(w, lens)
        part = at[: len(place)] if k == 0 else at[len(paths[0][0]) :]
        assert _same(part, x)
        assert _same(thru, np.bincount(place, weights=x, minlength=n))


@pytest.mark.parametrize("na,n", [(0, 5), (1, 7), (4, 9), (13, 153)])
def test_plaza_contest_rows_is_the_numpy_contest(na: int, n: int) -> None:
    rng = np.random.default_rng(na + 19)
    d = _plaza_inputs(rng, na, n)
    s_loc, contender = locate(d["S"], d["commit"], d["C"], d["value"], 1e4)
    z = s_loc * s_loc
    crit = collusion_threshold(np.arange(na + 1), 6.0)
    pat = rng.uniform(0.9, 1.0, na)
    out = K.plaza_contest_rows(z, contender, pat, crit, d["C"], 0.3)
    ref = _ref_contest(z, contender, pat, crit, d["C"], 0.3)
    assert all(_same(a, b) for a, b in zip(out, ref, strict=True))


@pytest.mark.parametrize("use_sp,troops,prev", [(True, False, False), (False, True, True)])
def test_strength_month_is_the_numpy_strength_step(use_sp: bool, troops: bool, prev: bool) -> None:
    rng = np.random.default_rng(20)
    na, nai, n = 20, 13, 153
    ai = np.sort(rng.choice(na, nai, replace=False))
    Ya, Sa = _wide(rng, (nai, 5), 0.25), _wide(rng, nai, 0.2)
    act = Sa > 0
    m0 = np.array([9e4, 3e4, 3e4, 3e4, 9e4])
    log_m0, log_u = np.log(m0), np.log(_wide(rng, nai, 0.0) + 1.0)
    sp, jcached = rng.random(na) * 0.1, rng.random(nai) * 0.05
    hv, rmult = _wide(rng, nai), rng.random(nai)
    S, commit_all, Rbar = _wide(rng, na), _wide(rng, (na, n), 0.9), _wide(rng, na)
    commit, rev = _wide(rng, (nai, n), 0.9), _wide(rng, (nai, 5))
    frag, pat_pen = rng.random(na), rng.random(na)
    # the numpy code (then the kernels it ran)
    jpress = sp[ai] if use_sp else jcached
    if troops:
        pressure = jpress + 0.02 * hv / np.maximum(Sa, 1e-12) + 0.02
    else:
        pressure = jpress + 0.02
    Sn = K.strength_update(
        Ya, m0, log_m0, log_u, Sa, act, pressure, rmult if prev else Sa, prev, 0.04, 0.02, 0.01
    )
    want = [x.copy() for x in (S, commit_all, Rbar, frag, pat_pen)]
    K.groups_scatter(ai, want[0], Sn, want[1], commit, want[2], rev, 0, 0.85, *want[3:], 0.94)
    K.strength_month(
        Ya, m0, log_m0, log_u, Sa, act, sp if use_sp else jcached, use_sp, ai, hv, troops, 0.02,
        1e-12, 0.02, rmult, prev, 0.04, 0.01, S, commit_all, commit, Rbar, rev, 0, 0.85, frag,
        pat_pen, 0.94,
    )  # fmt: skip
    assert want[0][ai].tolist() == Sn.tolist()
    got = (S, commit_all, Rbar, frag, pat_pen)
    assert all(_same(a, b) for a, b in zip(got, want, strict=True))


@pytest.mark.parametrize("na", [0, 16])
def test_groups_record_month_is_the_numpy_records(na: int) -> None:
    rng = np.random.default_rng(21)
    n, ni, T, t = 153, 7, 3, 1
    ai = np.sort(rng.choice(na, 12, replace=False)) if na else np.zeros(0, dtype=np.int64)
    rev, L = _wide(rng, (len(ai), 5)), _wide(rng, (len(ai), 5), 0.5)
    S, active = _wide(rng, max(na, 1))[:na], rng.random(na) < 0.8
    ctrl = np.where(rng.random(n) < 0.5, rng.choice(ai, n), -1) if na else np.zeros(0, np.int64)
    place_rev = _wide(rng, (len(ai), n)) if na else np.zeros((0, 1))
    Vbar, kg = _wide(rng, n), _wide(rng, n)
    admin1 = np.sort(rng.choice(n, 30, replace=False))
    mig_at, fire_at = _wide(rng, 300), _wide(rng, 200)
    mig_first, fire_first = np.sort(rng.choice(300, 90, False)), np.sort(rng.choice(200, 70, False))
    mig_iso, fire_iso = rng.integers(0, ni, 90), rng.integers(0, ni, 70)
    contested = rng.random(n) < 0.3
    place_iso = np.where(rng.random(n) < 0.8, rng.integers(0, ni, n), -1)
    tc = rng.random(na)
    widths = (na * 5, na * 5, na, na, na, na + ni, ni + len(admin1), ni, ni, ni)
    want = [np.full((T, m), -1.0) for m in widths]
    got = [x.copy() for x in want]
    head = (t, na, ai, rev, L, S, active, ctrl, place_rev, 0.2, Vbar, admin1, ni, kg, mig_at)
    tail = (mig_first, mig_iso, fire_at, fire_first, fire_iso)
    total = _ref_record(*head, *tail, want[:9])
    want[9][t], owners, pos = _ref_counts(contested, place_iso, ni, tc, S)
    out = K.groups_record_month(*head, *tail, *got[:9], contested, place_iso, got[9], tc)
    assert _same(out[0], total) and _same(out[1], owners) and out[2] == pos
    assert all(_same(a, b) for a, b in zip(got, want, strict=True))


def test_hop_counts_are_shortest_path_hops() -> None:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    rng = np.random.default_rng(22)
    for trial in range(60):
        n = int(rng.integers(1, 60))
        adj = (rng.random((n, n)) < rng.choice([0.02, 0.05, 0.2])).astype(float)
        if trial % 2:
            adj = np.maximum(adj, adj.T)  # the land adjacency is symmetric; any is undirected
        for hmax in (0, 1, 3, 100):
            d = shortest_path(csr_matrix(adj > 0), unweighted=True, directed=False)
            d[d > hmax] = np.inf
            assert _same(K.hop_counts(adj, hmax), d)


# -- flow side: the glue of the markets, interdiction, routes and state steps ---------------


def test_flow_elementwise_kernels_are_the_numpy_expressions() -> None:
    rng = np.random.default_rng(21)
    n = 884
    h = _wide(rng, n)
    e = np.exp(-h)
    assert _same(K.saturating_share(e, 0.005, 0.6 - 0.005), 0.005 + (0.6 - 0.005) * (1.0 - e))
    x, y = _wide(rng, n), _wide(rng, n)
    for a in (0.35, 0.03, 1.0, 0.0):
        assert _same(K.lincomb(1.0 - a, x, a, y), (1.0 - a) * x + a * y)
    assert _same(K.running_mean(x, y, 3.7), x + (y - x) / 3.7)
    cap = _wide(rng, n, 0.2)
    assert _same(K.link_load(x, cap, cap > 0), np.divide(x, cap, out=np.zeros(n), where=cap > 0))
    lb, cost, fee, risk = (_wide(rng, k) for k in (n, n, 153, n))
    fee[:5] = -0.0  # the scalar default turns -0.0 into 0.0, as numpy's addition does
    to = rng.integers(0, 153, n)
    p_hat = rng.random(n) * 1.2 - 0.1
    p_hat[:3] = (np.nan, 0.999, -0.0)
    for has in (True, False):
        tr, ch, neg = K.route_link_terms(
            lb, cost, 0.15, fee, to, risk if has else x[:0], has, p_hat
        )
        assert _same(tr, cost * (1.0 + 0.15 * lb))
        assert _same(ch, fee[to] + (risk if has else 0.0))
        assert _same(neg, -np.clip(p_hat, 0.0, 0.999))


def test_route_flows_and_chain_kernels_are_the_numpy_code() -> None:
    rng = np.random.default_rng(22)
    path_len = rng.integers(1, 25, 400)
    n_p, n = len(path_len), int(path_len.sum())
    seg, gseg, orig = (rng.integers(0, k, n_p) for k in (6, 20, 3))
    ms, cs, ws, so = rng.random(6), rng.random(20), rng.random(n_p), _wide(rng, 3)
    share, flow = K.route_flows(ms, seg, cs, gseg, ws, so, orig)
    assert _same(share, ms[seg] * cs[gseg] * ws)
    assert _same(flow, so[orig] * share)
    lz, cum = rng.standard_normal(n) + 8.0, np.abs(rng.standard_normal(n)) * 2.0
    last = np.cumsum(path_len) - 1
    log_last = K.chain_log_last(lz, cum, last)
    assert _same(log_last, (lz + cum)[last])
    log_p0 = float(np.log(2200.0))
    tilt, pm = np.array([0.3, -0.1]), rng.integers(0, 2, n_p)
    e_path = np.repeat(np.arange(n_p), path_len)
    got = K.scarcity_tilt_flat(lz, cum, log_last, log_p0, tilt, pm, e_path)
    assert _same(got, K.scarcity_tilt(lz + cum, log_last, log_p0, tilt, pm, path_len))


def test_place_prices_flat_applies_the_markup_then_the_place_prices() -> None:
    rng = np.random.default_rng(23)
    path_len = rng.integers(1, 20, 300)
    n_p, n, n_pl = len(path_len), int(path_len.sum()), 60
    flow = _wide(rng, n_p)
    price = _wide(rng, n, 0.0) + 1.0
    last = np.cumsum(path_len) - 1
    m0 = rng.random(n_p) + 1.0
    e_place = rng.integers(0, n_pl - 5, n)
    origins = np.array([0, 1])
    off = np.zeros(n_pl, dtype=bool)
    off[n_pl - 5 :] = True
    cidx = rng.integers(0, 4, n_pl)
    c_count = np.bincount(cidx[~off], minlength=4).astype(float)
    want_in = price.copy()
    want_in[last] *= m0
    want = K.place_prices_kernel(
        flow, path_len, want_in, e_place, n_pl, origins, 2200.0, off, cidx, c_count
    )
    got_in = price.copy()
    e_path = np.repeat(np.arange(n_p), path_len)
    got = K.place_prices_flat(
        flow, e_path, got_in, last, m0, e_place, n_pl, origins, 2200.0, off, cidx, c_count
    )
    assert _same(got, want) and _same(got_in, want_in)


def test_market_glue_kernels_are_the_numpy_expressions() -> None:
    rng = np.random.default_rng(24)
    k = 7
    num, wsum, price, m0 = (_wide(rng, k, 0.4) for _ in range(4))
    m0 += 0.5
    assert _same(
        K.landed_cost(num, wsum, price, m0),
        np.divide(num, wsum, out=price / m0, where=wsum > 0),
    )
    pw, landed, d, lost, consumed, p_pure, stock, s_prev = (_wide(rng, k) for _ in range(8))
    purity = rng.random(k) + 1e-3
    got = K.market_outputs(pw, m0, landed, d, lost, consumed, purity, p_pure, 1e6, stock, s_prev)
    change = stock - s_prev
    want = (
        pw / np.maximum(m0 * landed, 1e-9),
        consumed / purity,
        consumed * 1e6 * p_pure,
        purity,
        stock,
        change,
        d - consumed - lost - change,
    )
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))
    assert got[3] is not purity and got[4] is not stock  # copies


@pytest.mark.parametrize("seed", [0, 1])
def test_flat_route_kernels_are_the_loops_per_route(seed: int) -> None:
    rng = np.random.default_rng(30 + seed)
    path_len = rng.integers(1, 30, 500)
    path_len[:3] = 1  # one-entry routes at the start
    n_p, n, n_l = len(path_len), int(path_len.sum()), 884
    e_start, e_end = K.route_entry_flags(path_len)
    idx = rng.integers(0, n_l, n)
    x = rng.standard_normal(n_l) * 10.0 ** rng.uniform(-3, 3, n_l)
    x[rng.random(n_l) < 0.1] = 0.0
    y, z = _wide(rng, n_l), _wide(rng, n_l)
    assert _same(K.seg_cumsum_flat(x, idx, e_start), K.seg_cumsum(x, idx, path_len))
    ec = np.exp(K.seg_cumsum(x, idx, path_len) * 1e-3)
    y2 = rng.random(n_l) + 0.5
    assert _same(
        K.cost_chain_sums_flat(y, y2, idx, ec, 2200.0, e_start),
        K.cost_chain_sums(y * y2, idx, path_len, ec, 2200.0),
    )
    got = K.survival_exponents_flat(-y * 1e-7, idx, e_start, e_end, n_p)
    want = K.survival_exponents(-y * 1e-7, idx, path_len)
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))
    got = K.path_sums3_flat(x, y, z, idx, e_end, n_p)
    want = K.path_sums3(x, y, z, idx, path_len)
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))
    w = _wide(rng, n_p)
    a = _wide(rng, n)
    b = a.copy()
    e_path = np.repeat(np.arange(n_p), path_len)
    assert _same(
        K.scale_and_bin_flat(a, w, e_path, idx, n_l), K.scale_and_bin(b, w, path_len, idx, n_l)
    )
    assert _same(a, b)


def test_route_entry_flags_refuse_empty_routes() -> None:
    assert K.route_entry_flags(np.array([3, 0, 2])) is None
    assert K.route_entry_flags(np.zeros(0, dtype=np.int64)) is None


def test_lever_flags_are_numpys_any_and_all() -> None:
    rng = np.random.default_rng(40)
    cases = [np.zeros(5), np.ones(5), np.array([0.0, -0.0]), np.array([0.0, np.nan])]
    cases += [rng.random(7) * (rng.random(7) < 0.3) for _ in range(5)]
    for x in cases:
        active = x != 0.0
        got = K.lever_flags(active, x, x, x)
        want = (active.any(), bool((x == 1.0).all()), bool(x.any()), bool(x.any()))
        assert got == want, x


def _ref_market_sums(pm: A, dl: A, fl: A, p_end: A, k: int) -> tuple[A, A, A]:
    """The markets step's tons delivered, route weights and weighted landed cost by market."""
    w = dl + 1e-9 * (fl + 1e-9)
    return tuple(np.bincount(pm, weights=x, minlength=k)[:k] for x in (dl, w, w * p_end))


def test_landed_and_link_price_kernels_are_the_numpy_code() -> None:
    rng = np.random.default_rng(41)
    n_p, k = 1257, 2
    pm = rng.integers(0, k, n_p)
    dl, fl, p_end = _wide(rng, n_p, 0.5), _wide(rng, n_p), _wide(rng, n_p) + 1.0
    price, m0 = np.array([25000.0, 54000.0]), np.array([1.6, 6.5])
    delivered, wsum, num = _ref_market_sums(pm, dl, fl, p_end, k)
    got = K.landed_by_market(pm, dl, fl, p_end, k, price, m0)
    want = (delivered, np.divide(num, wsum, out=price / m0, where=wsum > 0))
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))
    n_l, n_pl = 884, 153
    pp = _wide(rng, n_pl, 0.1)
    frm, to = rng.integers(0, n_pl, n_l), rng.integers(0, n_pl, n_l)
    cost, em1 = _wide(rng, n_l), np.expm1(_wide(rng, n_l) * 1e-6)
    out, inn = _wide(rng, n_l), _wide(rng, n_l)
    origins = np.array([0, 3])
    got = K.link_prices_and_arrivals(pp, frm, to, cost, em1, out, inn, n_pl, origins, 1e3)
    paf = pp[frm]
    want = (paf, em1 * (paf + cost), *K.place_arrivals(to, frm, out, inn, n_pl, origins, pp, 1e3))
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))


def test_nest_and_utility_kernels_are_the_numpy_code() -> None:
    from isthmus.engine.routes import Segments

    rng = np.random.default_rng(42)
    n, n_seg = 60, 7
    seg = rng.integers(0, n_seg, n)
    seg[:n_seg] = np.arange(n_seg)  # every segment used
    g = Segments(seg, n_seg)
    mx, log_tot, asc = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    for scale, has in ((0.3, True), (1.0, False)):
        u = asc + scale * (mx + log_tot) if has else scale * (mx + log_tot)
        got = K.nest_max_shift(mx, log_tot, scale, asc, has, g.order, g.starts, g.seg)
        want = K.segment_max_shift(u, g.order, g.starts, g.seg)
        assert all(_same(a, b) for a, b in zip(got, want, strict=True))
    n_p = 1257
    es, c_rel, f_rel = rng.random(n_p), _wide(rng, n_p), _wide(rng, n_p)
    pm = rng.integers(0, 2, n_p)
    price, p_ref = np.array([26000.0, 51000.0]), np.array([25000.0, 54000.0])
    ps = rng.standard_normal(n_p)
    pr, pd = p_ref[pm], price[pm]
    v = 22.0 * (pd / pr) * (es - c_rel / pr - f_rel / pd) + ps
    assert _same(K.route_utility_m(es, c_rel, f_rel, price, pm, p_ref, 22.0, ps), v)


@pytest.mark.parametrize("runs", [True, False])
def test_bin_sums_in_runs_are_bincounts(runs: bool) -> None:
    rng = np.random.default_rng(43)
    n, nb = 1257, 9
    bins = np.sort(rng.integers(0, nb, n)) if runs else rng.integers(0, nb, n)
    bins[-40:] = rng.integers(0, nb, 40)  # a bin visited again after its run
    x = rng.standard_normal(2 * n) * 10.0 ** rng.uniform(-8, 8, 2 * n)
    x[rng.random(2 * n) < 0.1] = -0.0
    idx = np.sort(rng.choice(2 * n, n, replace=False))
    out = np.zeros(nb + 2)
    K.bin_runs_gather(out, bins, idx, x)
    assert _same(out, np.bincount(bins, weights=x[idx], minlength=nb + 2))
    assert _same(K.bin_runs_gather(np.zeros(3), bins[:0], idx[:0], x), None)
    dl, fl, p_end = _wide(rng, n, 0.5), _wide(rng, n), _wide(rng, n)
    k = nb
    got = K.market_sums_runs(bins, dl, fl, p_end, k)
    want = _ref_market_sums(bins, dl, fl, p_end, k)
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))
