"""What an allocation of interdiction effort is meant to achieve, as weights on tons.

Every objective the optimiser knows is *linear in the tons moving along the
routes* (a route-flow functional), given the seizure share of each link:

    J = sum over routes r of f_r x [ sum over links l of r, in travel order,
                                     (a_l + b_l p_l) x P_rl  +  u_r x S_r ]

where f_r is the tons starting on route r, P_rl the share of them that reaches
link l (survival of the links before it), p_l the link's seizure share, S_r
the share that reaches the end. So ``a`` weighs tons *entering* a link, ``b``
tons *seized* on it, ``u`` tons *delivered*. The optimiser minimises J;
objectives to maximise (seizures) have negative weights.

==================== ===================================================== ==========
objective            meaning                                               unit of J
==================== ===================================================== ==========
``us_delivered``     tons delivered to the United States                   t/month
``seized_value``     minus the value of everything seized, at the price    million USD/month
                     of the place where it was seized (``st.place_price``)
``homicides``        contest killings that follow the flow: each ton       homicides/month
                     arriving in a place weighs that place's contest
                     homicides per ton (see :func:`homicides_per_ton`)
``own_flow``         tons entering one country's territory from outside    t/month
                     (as the ``flow_t`` indicator counts them)
``own_seizures``     minus the tons seized on one country's links          t/month
==================== ===================================================== ==========

Examples
--------
>>> from isthmus import Sim
>>> sim = Sim("central-america", seed=0); sim.init()
>>> w = weights("us_delivered", sim)
>>> float(w.u.max()), float(abs(w.a).sum() + abs(w.b).sum())
(1.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..engine.network import MARKETS

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.sim import Sim

#: Regional objectives (``--objective``) and national ones (each country, unilateral arm).
REGIONAL = ("us_delivered", "homicides", "seized_value")
NATIONAL = ("own_flow", "own_seizures")
UNITS = {
    "us_delivered": "t/month",
    "seized_value": "million USD/month",
    "homicides": "homicides/month",
    "own_flow": "t/month",
    "own_seizures": "t/month",
}


@dataclass
class Weights:
    """Per-ton weights of a route-flow objective (minimised)."""

    a: np.ndarray  # per link: per ton entering the link
    b: np.ndarray  # per link: per ton seized on the link
    u: np.ndarray  # per route: per ton delivered at its end


def crossing_links(sim: Sim, country: str) -> np.ndarray:
    """Links that enter ``country``'s territory from another country (``flow_t``'s links)."""
    net = sim.net
    pc = net.place_country
    return (
        (pc[net.link_to] == country)
        & (pc[net.link_from] != country)
        & (net.place_group[net.link_to] != "maritime")
    )


def homicides_per_ton(sim: Sim, states: list) -> np.ndarray:  # noqa: ANN001 - StateSnapshot
    """Contest homicides per ton arriving at each place, averaged over snapshots.

    Contest killings follow plaza value, and plaza value is the fees on the flow
    through a place (groups and violence modules, finding F3), so a ton moved into a
    place brings, to a first order, that place's contest homicides per ton. Places
    with less than 0.1 t a month get 0. This guides the optimiser only; the
    homicides reported for each arm are the model's own.
    """
    net = sim.net
    vio = sim.module("violence")
    k = getattr(vio, "k_contest_m", None)
    hom = np.zeros(net.n_places)
    arr = np.zeros(net.n_places)
    for s in states:
        st = s.state
        ci = getattr(st, "contest_intensity", None)
        if k is not None and ci is not None:
            hom += np.asarray(ci) * k
        arr += np.bincount(net.link_to, weights=st.link_out, minlength=net.n_places)
    return np.divide(hom, arr, out=np.zeros(net.n_places), where=arr > 0.1 * max(len(states), 1))


def weights(
    name: str,
    sim: Sim,
    state=None,  # noqa: ANN001 - a StateSnapshot's state namespace (prices)
    country: str | None = None,
    h_place: np.ndarray | None = None,
) -> Weights:
    """The weights of objective ``name`` on ``sim``'s network.

    Parameters
    ----------
    name : str
        One of :data:`REGIONAL` or :data:`NATIONAL`.
    sim : Sim
        A simulation of the scenario (for the network and modules).
    state : namespace, optional
        The state whose prices value the seizures (``seized_value``); default the live one.
    country : str, optional
        ISO3 of the country (national objectives).
    h_place : array, optional
        Homicides per ton by place (``homicides``; see :func:`homicides_per_ton`).
    """
    net = sim.net
    a = np.zeros(net.n_links)
    b = np.zeros(net.n_links)
    u = np.zeros(net.n_paths)
    if name == "us_delivered":
        u[net.path_market == MARKETS.index("usa")] = 1.0
    elif name == "seized_value":
        st = state if state is not None else sim.state
        price = np.asarray(getattr(st, "place_price", np.zeros(net.n_places)), dtype=float)
        b[:] = -price[net.link_from] * 1e3 / 1e6  # USD/kg -> million USD per ton
    elif name == "homicides":
        h = np.zeros(net.n_places) if h_place is None else h_place
        a[:] = h[net.link_to]  # tons arriving = tons entering the link minus seized on it
        b[:] = -h[net.link_to]
    elif name == "own_flow":
        m = crossing_links(sim, str(country))
        a[m] = 1.0
        b[m] = -1.0
    elif name == "own_seizures":
        b[net.link_juris == net.juris_ids.index(str(country))] = -1.0
    else:
        raise ValueError(f"unknown objective {name!r} (use {', '.join(REGIONAL + NATIONAL)})")
    return Weights(a, b, u)
