"""The compiled network's per-process cache: the same tables give the same network, never a stale one."""

from __future__ import annotations

import numpy as np

from isthmus.engine import network
from isthmus.engine.network import compile_network
from isthmus.scenario import load_scenario


def _fields(net: network.CompiledNetwork) -> dict:
    out = {}
    for k, v in vars(net).items():
        if hasattr(v, "indptr"):  # the CSR choice set: its arrays in their stored order
            out[k] = (v.shape, v.indptr.tolist(), v.indices.tolist(), v.data.tolist())
        elif isinstance(v, np.ndarray):
            out[k] = (v.dtype.str, v.tolist())
        else:
            out[k] = v
    return out


def _fresh(sc, **kw) -> network.CompiledNetwork:  # noqa: ANN001 - a scenario
    """The network compiled without the cache."""
    args = dict(
        initial_risk=None,
        max_gateways=400,
        variants=1,
        reference_value_usd_per_kg=15000.0,
        max_cost_ratio=4.0,
        onward_ratio=2.5,
        max_onward=7,
    )
    args.update(kw)
    return network._compile(  # every column
        {c: sc.places[c] for c in sc.places}, {c: sc.links[c] for c in sc.links}, **args
    )


def test_a_cached_network_is_the_compiled_one_and_its_own_copy() -> None:
    sc = load_scenario("central-america")
    a, b = compile_network(sc), compile_network(sc.copy())
    assert _fields(b) == _fields(a) == _fields(_fresh(sc))
    b.link_cost[:] = -1.0  # an edit of one network reaches no other
    b.place_ids.append("X")
    c = compile_network(sc)
    assert _fields(c) == _fields(a) and c.link_cost is not b.link_cost


def test_an_edited_table_compiles_again() -> None:
    sc = load_scenario("central-america")
    base = compile_network(sc)
    ed = sc.copy()
    ed.tables["links"].loc[0, "cost_usd_per_kg"] *= 2
    net = compile_network(ed)
    assert net.link_cost[0] == 2 * base.link_cost[0]
    assert _fields(net) == _fields(_fresh(ed))
    # a value of the same text but another type is another table
    ed2 = sc.copy()
    ed2.tables["places"]["population"] = ed2.tables["places"]["population"].astype(object)
    cols = network.PLACE_COLUMNS
    key = network._table_key(network._columns(sc.places, cols))
    assert network._table_key(network._columns(ed2.places, cols)) != key


def test_other_arguments_compile_again() -> None:
    sc = load_scenario("central-america")
    one, two = compile_network(sc), compile_network(sc, variants=2)
    assert _fields(two) == _fields(_fresh(sc, variants=2))
    assert two.n_paths != one.n_paths
    risk = np.full(sc.links.shape[0], 0.05)
    assert _fields(compile_network(sc, initial_risk=risk)) == _fields(_fresh(sc, initial_risk=risk))
    assert len(network._COMPILED) <= network._COMPILED_MAX
