"""The engine's fast paths give the same numbers as straightforward reference code.

The monthly step is chaotic (a plaza entry decided by a random draw against a hazard,
an exit below a share): a difference in the last bit of one number can change a run.
So each optimised piece is checked here bit for bit against the plain computation it
replaces (hops by repeated adjacency products, a softmax and a log-sum per segment,
``mean`` per actor, indexing by route, ``itertuples`` and pandas' own inference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from isthmus.engine import kernels as K
from isthmus.engine.network import bin_sum_matrix
from isthmus.engine.plazas import collusion, collusion_threshold, hop_distances, hop_matrix
from isthmus.engine.portfolio import shadow_value
from isthmus.engine.routes import Segments, _logsum, segment_softmax
from isthmus.engine.state import State
from isthmus.scenario.loader import read_table
from isthmus.scenario.schema import SCHEMAS


def _adjacency(rng: np.random.Generator, n: int) -> np.ndarray:
    adj = (rng.random((n, n)) < 0.08).astype(float)
    adj = np.maximum(adj, adj.T)
    np.fill_diagonal(adj, 0.0)
    return adj


def test_hop_matrix_rows_match_hop_distances() -> None:
    rng = np.random.default_rng(0)
    for n, hmax in ((12, 1), (30, 2), (40, 3), (25, 6)):
        adj = _adjacency(rng, n)
        d = hop_matrix(adj, hmax)
        held = rng.random((9, n)) < 0.1
        held[0] = False  # a group holding nothing: no hops anywhere
        ref = hop_distances(adj, held.astype(float), hmax)
        fast = np.array([d[r].min(axis=0) if r.any() else np.full(n, np.inf) for r in held])
        assert np.array_equal(ref, fast)


def test_softmax_logsum_matches_the_separate_functions_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    for n_seg in (1, 2, 9, 40):
        seg = rng.permutation(np.arange(300) % n_seg)
        v = rng.normal(0.0, 30.0, 300)
        sm, ls = Segments(seg, n_seg).softmax_logsum(v)
        assert np.array_equal(sm, segment_softmax(v, seg, n_seg))
        assert np.array_equal(ls, _logsum(v, seg, n_seg))


def test_home_means_match_mean_per_actor_bit_for_bit() -> None:
    rng = np.random.default_rng(2)
    x = rng.random(60) * 10.0 ** rng.uniform(-6, 6, 60)
    homes = [rng.choice(60, size=k, replace=False) for k in (0, 1, 2, 3, 5, 7, 8, 11, 0, 4)]
    ref = np.array([x[h].mean() if len(h) else 0.0 for h in homes])
    assert np.array_equal(State._home_means(homes, x, len(homes)), ref)
    assert not State._home_means([np.zeros(0, dtype=int)] * 3, x, 3).any()


def test_collusion_with_given_counts_and_thresholds() -> None:
    rng = np.random.default_rng(3)
    contender = rng.random((6, 50)) < 0.4
    patience = rng.uniform(0.85, 0.99, 6)
    ref = collusion(contender, patience, 6.0)
    table = collusion_threshold(np.arange(7), 6.0)
    fast = collusion(contender, patience, 6.0, contender.sum(axis=0), table)
    assert all(np.array_equal(a, b) for a, b in zip(ref, fast, strict=True))


def _shadow_value_reference(Ya: np.ndarray, c: np.ndarray, S: np.ndarray) -> np.ndarray:
    """The plain version: take_along_axis, concatenate, all comparisons at once."""
    eps = 1e-300
    w = np.where(Ya > 0, Ya / np.maximum(c, eps), 0.0)
    lc = np.log(np.maximum(c, eps))
    order = np.argsort(-lc, axis=1, kind="stable")
    lc_s = np.take_along_axis(lc, order, axis=1)
    w_s = np.take_along_axis(w, order, axis=1)
    cw = np.cumsum(w_s, axis=1)
    cwl = np.cumsum(w_s * lc_s, axis=1)
    ll = (cwl - S[:, None]) / np.maximum(cw, eps)
    nxt = np.concatenate([lc_s[:, 1:], np.full((len(S), 1), -np.inf)], axis=1)
    ok = (ll >= nxt) & (cw > 0)
    j = np.argmax(ok, axis=1)
    out = np.exp(ll[np.arange(len(S)), j])
    return np.where((w.sum(axis=1) > 0) & (S > 0) & ok.any(axis=1), out, np.inf)


def test_shadow_value_matches_the_reference_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    Ya = rng.random((40, 5)) * 1e7 * (rng.random((40, 5)) < 0.7)
    c = rng.uniform(1e5, 3e6, (40, 5))
    S = rng.random(40) * 5.0
    S[:3] = 0.0
    assert np.array_equal(shadow_value(Ya, c, S), _shadow_value_reference(Ya, c, S))


def test_read_table_columns_match_pandas_inference() -> None:
    """Typed columns built directly equal what ``from_records`` and ``astype`` give."""
    schema = SCHEMAS["places"]
    text = (
        "id,name,country,level,lat,lon,population,role,market,region_group,airstrip,source\n"
        "A,Alpha,GTM,admin1,14.5,-90.5,1000,transit,,central_america,1,s\n"
        "B,Beta,USA,entry,25.9,-97.5,,destination,usa,usa,,s\n"
    )
    problems: list = []
    df = read_table(text, schema, "places.csv", problems)
    assert not problems
    ref = pd.DataFrame.from_records(df.to_dict("records"), columns=["_line"] + schema.names)
    for a in schema.attributes:
        if a.base_type in ("float", "int"):
            ref[a.name] = pd.to_numeric(ref[a.name], errors="coerce").astype(float)
        else:
            ref[a.name] = ref[a.name].astype(object)
    pd.testing.assert_frame_equal(df, ref, check_exact=True)
    assert df["_line"].tolist() == [2, 3] and df["population"].tolist() == [1000.0, 0.0]


def test_bin_sum_matrix_matches_bincount_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    for n_entries, n_bins in ((1, 1), (50, 3), (15_000, 150), (4000, 900)):
        bins = rng.integers(0, n_bins, n_entries)
        m = bin_sum_matrix(bins, n_bins + 2)  # two bins no entry reaches
        for _ in range(3):
            w = rng.normal(0.0, 1.0, n_entries) * 10.0 ** rng.uniform(-8, 8, n_entries)
            w[rng.random(n_entries) < 0.05] = -0.0
            ref = np.bincount(bins, weights=w, minlength=n_bins + 2)
            assert np.array_equal(m @ w, ref)
            assert np.array_equal(np.signbit(m @ w), np.signbit(ref))  # -0.0 sums alike


def test_home_means_index_is_reused_until_a_home_changes() -> None:
    from isthmus import Sim, load_scenario

    sim = Sim(load_scenario("central-america"), seed=0)
    sim.init()
    state = next(m for m in sim.modules if m.name == "state")
    st = sim.state
    st.controller = np.full(sim.net.n_places, -1)  # nobody controls a place: home means
    na = len(st.actor_home)
    for change in (None, 0, na - 1):
        if change is not None:  # a split gives an actor a new home array
            st.actor_home[change] = np.array([change % sim.net.n_places, 3], dtype=np.int64)
        state._pressure()
        ref = State._home_means(list(st.actor_home), st.justice_pressure, na)
        assert np.array_equal(st.strength_pressure, ref)


def _routes(rng: np.random.Generator, n_paths: int, n_links: int) -> tuple[np.ndarray, np.ndarray]:
    """Entry links and route lengths of random routes (entries contiguous per route)."""
    lens = rng.integers(1, 12, n_paths).astype(np.int32)
    idx = rng.integers(0, n_links, int(lens.sum()))
    return idx, lens


def test_segmented_sums_match_the_numpy_code_bit_for_bit() -> None:
    """The compiled route-entry passes equal the cumsum / repeat / bincount they replace."""
    rng = np.random.default_rng(7)
    for n_paths, n_links in ((1, 3), (40, 25), (500, 300)):
        idx, lens = _routes(rng, n_paths, n_links)
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        x = rng.normal(size=n_links)
        x[:2] = -0.0
        xe = x.take(idx)
        cs = np.concatenate([[0.0], np.cumsum(xe)])
        ref = cs[1:] - np.repeat(cs[starts], lens)
        assert np.array_equal(K.seg_cumsum(x, idx, lens), ref)
        ec = np.exp(rng.normal(size=len(idx)))
        z = x.take(idx) / ec
        cz = np.concatenate([[0.0], np.cumsum(z)])
        ref = (cz[1:] - np.repeat(cz[starts], lens)) + 7.0
        assert np.array_equal(K.cost_chain_sums(x, idx, lens, ec, 7.0), ref)
        inflow, whole = K.survival_exponents(x, idx, lens)
        assert np.array_equal(inflow, (cs[1:] - xe) - np.repeat(cs[starts], lens))
        assert np.array_equal(whole, cs[starts + lens] - cs[starts])
        w = rng.random(n_paths)
        v = rng.random(len(idx))
        scaled = v.copy()
        sums = K.scale_and_bin(scaled, w, lens, idx, n_links)
        assert np.array_equal(scaled, np.repeat(w, lens) * v)
        assert np.array_equal(sums, np.bincount(idx, weights=scaled, minlength=n_links))
        wr = np.repeat(w, lens)
        assert np.array_equal(
            K.spread_bin(w, lens, idx, n_links), np.bincount(idx, weights=wr, minlength=n_links)
        )
        den, num = K.weighted_bin_mean_parts(w, lens, v, idx, n_links)
        assert np.array_equal(den, np.bincount(idx, weights=wr, minlength=n_links))
        assert np.array_equal(num, np.bincount(idx, weights=wr * v, minlength=n_links))
        assert np.array_equal(K.tilt_exponent(v, 0.3, w, lens), (v - 0.3) * np.repeat(w, lens) + v)
        # route sums: the CSR product of the 0/1 route-link matrix
        A = sp.csr_matrix(
            (np.ones(len(idx)), idx, np.concatenate([[0], np.cumsum(lens)])),
            shape=(n_paths, n_links),
        )
        y, z3 = rng.random(n_links), rng.random(n_links)
        for got, ref in zip(K.path_sums3(x, y, z3, idx, lens), (A @ x, A @ y, A @ z3), strict=True):
            assert np.array_equal(got, ref)


def test_shadow_value_with_tied_returns_matches_the_reference() -> None:
    """Ties in the returns keep the stable order of the sort (the compiled insertion sort)."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        n = int(rng.integers(1, 15))
        Ya = rng.lognormal(10, 3, (n, 5)) * (rng.random((n, 5)) < 0.7)
        c = rng.choice([1e5, 4.5e5, 1e6], (n, 5))
        S = rng.lognormal(0, 2, n) * (rng.random(n) < 0.9)
        assert np.array_equal(shadow_value(Ya, c, S), _shadow_value_reference(Ya, c, S))


def _read_both(text: str, table: str) -> tuple:
    """read_table with its column-wise path, and cell by cell (the column path refused)."""
    import isthmus.scenario.loader as loader

    schema = SCHEMAS[table]
    p_fast: list = []
    keep = loader._parse_columns
    used: list[bool] = []
    loader._parse_columns = lambda *a: used.append(keep(*a) is not None) or keep(*a)
    try:
        fast = read_table(text, schema, f"{table}.csv", p_fast)
    finally:
        loader._parse_columns = keep
    fast.attrs["column_path"] = any(used)
    loader._parse_columns = lambda *a: None
    try:
        p_slow: list = []
        slow = read_table(text, schema, f"{table}.csv", p_slow)
    finally:
        loader._parse_columns = keep
    return fast, slow, p_fast, p_slow


def test_read_table_column_path_matches_cell_by_cell() -> None:
    """Every shipped table, and tables with empty cells, defaults and problems, read the
    same (values, types, line numbers, problems) by columns and cell by cell."""
    from isthmus.scenario.loader import shipped_root

    folder = shipped_root() / "central-america"
    n = 0
    for table in SCHEMAS:
        f = folder / f"{table}.csv"
        if not f.exists():
            continue
        fast, slow, pf, ps = _read_both(f.read_text(encoding="utf-8"), table)
        assert fast.attrs.pop("column_path")  # the shipped tables take the column path
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        assert pf == ps == []
        n += 1
    assert n >= 8
    head = "id,name,country,level,lat,lon,population,role,market,region_group,airstrip,source\n"
    cases = [
        "A,Alpha,GTM,admin1,14.5,-90.5,1000,transit,,central_america,1,s\n",
        "A,Alpha,GTM,admin1, 14.5 ,-90.5,,transit,,,,s\n\n,,,,,,,,,,,\n",
        "A,Alpha,GTM,admin1,14.5,-90.5,1e3,transit,,central_america,0,s\n"
        "B,Beta,USA,entry,25.9,-97.5,,destination,usa,usa,,s\n",
        "A,Alpha,GTM,nowhere,14.5,-90.5,1000,transit,,central_america,1,s\n",  # bad enum
        "A,Alpha,GTM,admin1,abc,-90.5,1000,transit,,central_america,1,s\n",  # not a number
        "A,Alpha,GTM,admin1,14.5,-90.5,nan,transit,,central_america,1,s\n",  # not finite
        "A,Alpha,GTM,admin1,14.5,-90.5,1000,transit,,central_america,1\n",  # short row
        ",Alpha,GTM,admin1,14.5,-90.5,1000,transit,,central_america,1,s\n",  # required empty
        "A,Alpha,GTM,admin1,14.5,-90.5,-5,transit,,central_america,1.5,s\n",  # below min, not int
    ]
    for body in cases:
        fast, slow, pf, ps = _read_both(head + body, "places")
        assert fast.attrs.pop("column_path") == (not ps)  # problems: cell by cell
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        assert pf == ps
    s_head = "series,region,date,value,unit,source\n"
    for body in ("supply,andes,2000-01,1.5,t,s\n", "supply,andes,2000-13,1.5,t,s\n"):
        fast, slow, pf, ps = _read_both(s_head + body, "series")
        assert fast.attrs.pop("column_path") == (not ps)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        assert pf == ps
