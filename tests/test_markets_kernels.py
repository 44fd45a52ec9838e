"""The compiled kernels of the markets step give the numbers of the numpy code they
replace, to the last bit (as ``tests/test_engine_kernels.py`` does for the other steps).

The references are the numpy expressions the step ran before the kernels; inputs mix
zeros, empty deliveries, tiny and huge values, so that every branch (no demand, stocks
short, prices at the cap) is taken.
"""

from __future__ import annotations

import numpy as np
import pytest

from isthmus.engine import kernels as K
from isthmus.engine.markets import P_REF, MarketDynamics


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equality (NaN equal to NaN, the sign of zero counted)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def _reference_step(m: MarketDynamics, delivered, demand_mult, landed) -> dict:  # noqa: ANN001
    """``MarketDynamics.step`` as numpy array expressions (the code the kernels replace)."""
    d = np.maximum(np.asarray(delivered, dtype=float), 0.0)
    dm = np.maximum(np.asarray(demand_mult, dtype=float), 0.0)
    s_prev = m.stock
    lost = m.loss * d
    avail = s_prev + d - lost
    rent = (np.maximum(avail, 1e-12) / m.s0) ** (-1.0 / m.phi)
    pw = np.minimum(m.m0 * m.cost_base(landed) * rent, m.pw_cap)
    p_star = np.maximum(m.mr * pw / 1000.0, 1e-9)
    m.raw_price = m.raw_price + m.a_raw * (m.normal_raw_price(p_star) - m.raw_price)
    target = np.minimum(m.raw_price / p_star, m.pi_max)
    m.purity = np.clip(m.purity + m.a_pi * (target - m.purity), 1e-3, m.pi_max)
    p_pure = m.raw_price / m.purity
    demand = dm * m.c100 * (p_pure / P_REF) ** m.eps
    consumed = np.minimum(demand, 0.95 * avail)
    m.stock = avail - consumed
    users = dm * m.u100 * (p_pure / P_REF) ** (m.beta * m.eps)
    users = users * np.divide(consumed, demand, out=np.ones_like(demand), where=demand > 0)
    return {
        "delivered": d,
        "lost": lost,
        "stock_rent": rent,
        "scarcity": pw / np.maximum(m.m0 * landed, 1e-9),
        "wholesale": pw,
        "price_per_pure_gram": p_pure,
        "purity": m.purity.copy(),
        "consumed": consumed,
        "consumed_raw": consumed / m.purity,
        "users": users,
        "value": consumed * 1e6 * p_pure,
        "stock": m.stock.copy(),
        "stock_change": m.stock - s_prev,
    }


def _markets(nu: float, phi: float, chi: float) -> MarketDynamics:
    m = MarketDynamics(
        [335.0, 367.8, 0.0],
        [2.3e6, 2.5e6, 1.0],
        [4.0, 3.0, 4.0],
        [0.66, 0.54, 0.9],
        [1.6, 6.5, 1.0],
        raw_price_passthrough=nu,
        stock_price_elasticity=phi,
        cost_passthrough=chi,
    )
    m.start(np.array([24000.0, 54000.0, 1e9]), np.array([15000.0, 8000.0, 1.0]))
    return m


# Exponents numpy special-cases (1, 0.5, -1) and general ones.
@pytest.mark.parametrize(("nu", "phi", "chi"), [(0.5, 1.0, 1.0), (0.37, 0.8, 0.6), (1.0, 2.0, 0.0)])
def test_market_step_matches_the_numpy_expressions(nu: float, phi: float, chi: float) -> None:
    rng = np.random.default_rng(int(nu * 100))
    fast, ref = _markets(nu, phi, chi), _markets(nu, phi, chi)
    for month in range(120):
        d = rng.random(3) * 10.0 ** rng.uniform(-3, 3, 3)
        d[rng.random(3) < 0.2] = 0.0
        if month % 17 == 0:
            d[0] = -1.0  # clipped to 0
        dm = rng.uniform(0.0, 2.0, 3)
        dm[rng.random(3) < 0.1] = 0.0
        landed = rng.random(3) * 10.0 ** rng.uniform(0, 5, 3)
        a = fast.step(d, dm, landed)
        b = _reference_step(ref, d, dm, landed)
        assert a.keys() == b.keys()
        for k in a:
            assert _same(a[k], b[k]), (month, k)
        for attr in ("stock", "raw_price", "purity"):
            assert _same(getattr(fast, attr), getattr(ref, attr)), (month, attr)


def test_market_sums_runs_are_bincounts() -> None:
    rng = np.random.default_rng(3)
    n, k = 1257, 2
    pm = rng.integers(0, k, n)
    dl = rng.random(n) * 10.0 ** rng.uniform(-9, 2, n)
    dl[rng.random(n) < 0.4] = 0.0
    fl = dl + rng.random(n)
    p_end = rng.random(n) * 1e5
    delivered, wsum, num = K.market_sums_runs(pm, dl, fl, p_end, k)
    w = dl + 1e-9 * (fl + 1e-9)
    assert _same(delivered, np.bincount(pm, weights=dl, minlength=k)[:k])
    assert _same(wsum, np.bincount(pm, weights=w, minlength=k)[:k])
    assert _same(num, np.bincount(pm, weights=w * p_end, minlength=k)[:k])


def test_scarcity_tilt_is_the_tilt_exponent() -> None:
    rng = np.random.default_rng(5)
    path_len = rng.integers(1, 30, 400)
    n = int(path_len.sum())
    log_p0 = float(np.log(2200.0))
    log_price = log_p0 + np.abs(rng.standard_normal(n)) * 3.0
    last = np.cumsum(path_len) - 1
    log_price[last[:5]] = log_p0  # span at its floor
    pm = rng.integers(0, 2, len(path_len))
    tilt = 1.0 * np.log(np.maximum(np.array([1.3, 1e-12]), 1e-9))
    log_last = log_price[last]
    span = np.maximum(log_last - log_p0, 1e-9)
    want = K.tilt_exponent(log_price, log_p0, tilt[pm] / span, path_len)
    got = K.scarcity_tilt(log_price, log_last, log_p0, tilt, pm, path_len)
    assert _same(got, want)
    # and tilt_exponent itself is the numpy expression
    assert _same(want, (log_price - log_p0) * np.repeat(tilt[pm] / span, path_len) + log_price)


@pytest.mark.parametrize("off", [0.0, 0.3])
def test_place_prices_kernel_matches_the_numpy_code(off: float) -> None:
    rng = np.random.default_rng(int(off * 10) + 7)
    n_places, n_c = 153, 12
    path_len = rng.integers(1, 25, 1257)
    n = int(path_len.sum())
    e_place = rng.integers(0, n_places, n)
    off_route = rng.random(n_places) < off
    origins = np.flatnonzero(~off_route)[:3].astype(np.int64)
    e_place = np.where(off_route[e_place], origins[0], e_place)  # off-route: on no route
    entry_price = rng.random(n) * 1e5
    path_flow = rng.random(1257) * 10.0 ** rng.uniform(-12, 2, 1257)
    path_flow[rng.random(1257) < 0.3] = 0.0
    cidx = rng.integers(0, n_c, n_places)
    cidx[-1] = n_c - 1  # a country whose places may all be off route
    on_route = ~off_route
    c_count = np.bincount(cidx[on_route], minlength=n_c).astype(float)
    p0 = 2200.0
    # the numpy code the kernel replaces
    den, num = K.weighted_bin_mean_parts(path_flow + 1e-9, path_len, entry_price, e_place, n_places)
    want = np.divide(num, den, out=np.zeros(n_places), where=den > 0)
    want[origins] = p0
    if off_route.any():
        cn = np.bincount(cidx[on_route], weights=want[on_route], minlength=n_c)
        cmean = np.divide(cn, c_count, out=np.full(n_c, p0), where=c_count > 0)
        want[off_route] = cmean[cidx[off_route]]
    got = K.place_prices_kernel(
        path_flow, path_len, entry_price, e_place, n_places, origins, p0, off_route, cidx, c_count
    )
    assert _same(got, want)


def test_link_markup_kernels_match_the_numpy_code() -> None:
    rng = np.random.default_rng(11)
    n, n_places = 884, 153
    p_hat = rng.uniform(-0.2, 1.2, n)
    p_hat[:6] = [-0.0, 0.0, 0.95, np.nan, 1.0, -1e-300]
    neg = K.neg_clipped(p_hat, 0.0, 0.95)
    assert _same(neg, -np.clip(p_hat, 0.0, 0.95))
    effort, extra, troops = (_pos(rng, n) for _ in range(3))
    mult = rng.uniform(0.3, 1.0, n)
    scale = rng.random(n) * 0.6
    base = rng.random(n) * 0.7
    l1p = np.log1p(neg)
    cost = rng.random(n) * 3000.0
    fee = rng.standard_normal(n_places) * 500.0
    to = rng.integers(0, n_places, n)
    arrest, log_m, add = K.link_markup_parts(
        effort, extra, troops, mult, scale, base, l1p, cost, fee, to
    )
    want_arrest = scale * ((effort + extra + troops) * mult)
    assert _same(arrest, want_arrest)
    assert _same(log_m, base + want_arrest - l1p)
    assert _same(add, cost + np.maximum(fee, 0.0)[to])


def _pos(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.random(n) * 10.0 ** rng.uniform(-3, 2, n)
    x[rng.random(n) < 0.5] = 0.0
    return x


def test_record_kernels_match_the_numpy_code() -> None:
    rng = np.random.default_rng(13)
    n_links, n_places, n_j = 884, 153, 20
    link_to = rng.integers(0, n_places, n_links)
    link_from = rng.integers(0, n_places, n_links)
    link_out, link_in = _pos(rng, n_links), _pos(rng, n_links)
    origins = np.array([0, 7, 42], dtype=np.int64)
    price = rng.random(n_places) * 1e5
    arrivals, revenue = K.place_arrivals(
        link_to, link_from, link_out, link_in, n_places, origins, price, 1000.0
    )
    want = np.bincount(link_to, weights=link_out, minlength=n_places)
    left = np.bincount(link_from, weights=link_in, minlength=n_places)
    want[origins] += left[origins]
    assert _same(arrivals, want)
    assert _same(revenue, want * 1000.0 * price)
    # chain regions: one with arrivals, one without, one with no places at all
    idx = [np.array([1, 2, 3]), np.array([4, 5]), np.array([], dtype=np.int64), np.array([9])]
    arr = arrivals.copy()
    arr[[4, 5]] = 0.0
    cat = np.concatenate(idx).astype(np.int64)
    seg = np.repeat(np.arange(len(idx)), [len(i) for i in idx]).astype(np.int64)
    n_in = np.array([len(i) for i in idx], dtype=float)
    w, pr = arr[cat], price[cat]
    den = np.bincount(seg, weights=w, minlength=len(idx))
    num = np.bincount(seg, weights=w * pr, minlength=len(idx))
    mean = np.bincount(seg, weights=pr, minlength=len(idx)) / np.maximum(n_in, 1)
    pos = den > 0
    want_c = np.where(pos, num / np.where(pos, den, 1.0), np.where(n_in > 0, mean, 0.0))
    assert _same(K.chain_region_prices(arr, price, cat, seg, n_in), want_c)
    # seized value by the jurisdiction that made the seizure
    n_pat = 2000
    pat_juris = rng.integers(0, n_j, n_pat)
    pat_link = rng.integers(0, n_links, n_pat)
    entry, rem = _pos(rng, n_pat), _pos(rng, n_links)
    link_juris = rng.integers(0, n_j, n_links)
    pfrom = price[link_from]
    got = K.seized_value_by_jurisdiction(
        pat_juris, entry, pat_link, link_juris, rem, pfrom, 1000.0, n_j
    )
    price_from = 1000.0 * pfrom
    sv = np.bincount(pat_juris, weights=entry * price_from[pat_link], minlength=n_j) + np.bincount(
        link_juris, weights=rem * price_from, minlength=n_j
    )
    assert _same(got[:n_j], sv)
    assert _same(got[n_j], sv.sum())
