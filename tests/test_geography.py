"""The route geography of the default scenario (issue: where the cocaine really went).

- every maritime link lands on a coastal place and every air link on an airstrip (or a
  coastal entry point): there are no points at sea;
- the four departure vectors and the overland route all leave from South America, and
  every route leaves it exactly once;
- the corridor shares (by first landfall, and by departure vector) sum to 1 each year;
- the voyages are patrolled by the departure state, the transit zone on the open sea, and
  the landing state.
"""

from __future__ import annotations

import numpy as np
import pytest

from isthmus import Sim
from isthmus.engine.network import MODES, compile_network
from isthmus.engine.record import LANDFALL_REGIONS
from isthmus.scenario import load_scenario


@pytest.fixture(scope="module")
def sc():  # noqa: ANN201
    return load_scenario("central-america")


@pytest.fixture(scope="module")
def net(sc):  # noqa: ANN001, ANN201
    return compile_network(sc)


@pytest.fixture(scope="module")
def run(sc):  # noqa: ANN001, ANN201
    return Sim(sc, seed=0).run()


def test_every_maritime_and_air_link_lands_on_a_coast_or_an_airstrip(sc) -> None:  # noqa: ANN001
    places = sc.places.set_index("id")
    coast = places["coast"].fillna("").astype(str)
    strip = places["airstrip"].fillna(0).astype(float)
    links = sc.links
    sea = links[links["mode"].str.startswith("maritime")]
    air = links[links["mode"] == "air"]
    assert len(sea) > 150 and len(air) > 40
    bad_sea = sea[coast[sea["to"]].to_numpy() == ""]
    assert bad_sea.empty, bad_sea[["from", "to"]].to_string()
    ok_air = (strip[air["to"]].to_numpy() > 0) | (coast[air["to"]].to_numpy() != "")
    assert ok_air.all(), air[~ok_air][["from", "to"]].to_string()
    # ... and leave from a coast or an airstrip
    assert (coast[sea["from"]].to_numpy() != "").all()
    src_air = (strip[air["from"]].to_numpy() > 0) | (coast[air["from"]].to_numpy() != "")
    assert src_air.all()
    # No place at sea remains.
    assert not (places["level"] == "maritime").any()


def test_the_vectors_land_where_the_record_says(sc) -> None:  # noqa: ANN001
    links = sc.links
    places = sc.places.set_index("id")

    def landings(vector: str) -> set[str]:
        return set(links.loc[links["vector"] == vector, "to"])

    ep = landings("eastern_pacific")
    assert {"GT-ES", "SV-LI", "MX-CHP", "MX-OAX", "MX-GRO", "MX-MIC", "PA-8"} <= ep
    assert all("pacific" in places.loc[p, "coast"] for p in ep)
    wc = landings("western_caribbean")
    assert {"HN-GD", "HN-CL", "NI-AN", "GT-IZ", "BZ-BZ", "MX-ROO", "PA-3"} <= wc
    ec = landings("eastern_caribbean")
    assert {"DO", "HT", "PR", "JM"} <= ec
    air = landings("air")
    assert {"HN-GD", "GT-PE", "BZ-OW", "MX-CHP", "DO"} <= air
    # departures: the Colombian coasts, Ecuador and Venezuela
    deps = set(links.loc[links["vector"].isin(["eastern_pacific", "western_caribbean"]), "from"])
    assert {"CO-PAC", "EC", "CO-URA", "CO-CAR", "CO-SAP"} <= deps
    assert "EC" in set(links.loc[links["vector"] == "eastern_pacific", "from"])


def test_every_route_leaves_south_america_exactly_once(net) -> None:  # noqa: ANN001
    sa = net.place_group == "south_america"
    leaving = sa[net.link_from] & ~sa[net.link_to]
    back = ~sa[net.link_from] & sa[net.link_to]
    per_path = np.bincount(net.nnz_path, weights=leaving[net.nnz_link], minlength=net.n_paths)
    assert (per_path == 1).all()
    assert not back[net.nnz_link].any()
    assert (net.path_exit >= 0).all()


def test_voyages_are_patrolled_at_departure_at_sea_and_at_landing(net) -> None:  # noqa: ANN001
    ids = net.place_ids
    j = {x: i for i, x in enumerate(net.juris_ids)}
    for a, b in (("CO-PAC", "GT-ES"), ("CO-URA", "HN-GD"), ("EC", "MX-GRO")):
        li = [
            k
            for k in range(net.n_links)
            if ids[net.link_from[k]] == a
            and ids[net.link_to[k]] == b
            and MODES[net.link_mode[k]].startswith("maritime")
        ][0]
        who = {net.juris_ids[x] for x in net.pat_juris[net.pat_link == li]}
        assert "XTZ" in who
        assert str(net.place_country[net.place_index[a]]) in who
        assert str(net.place_country[net.place_index[b]]) in who
    assert j["XTZ"] in set(net.pat_juris.tolist())


def test_corridor_shares_sum_to_one(run) -> None:  # noqa: ANN001
    s = run.series["us_bound_share"]
    landfall = [s.regions.index(r) for r in LANDFALL_REGIONS]
    from isthmus.engine.network import VECTORS

    vectors = [s.regions.index(r) for r in VECTORS if r in s.regions]
    for r in ("eastern_pacific", "western_caribbean", "eastern_caribbean", "air"):
        assert r in s.regions
    years, vals = run._annual_values(s)
    assert np.allclose(vals[:, landfall].sum(axis=1), 1.0, atol=1e-9)
    assert np.allclose(vals[:, vectors].sum(axis=1), 1.0, atol=1e-9)
    mca = s.regions.index("mexico_central_america")
    ca, mx = s.regions.index("central_america"), s.regions.index("mexico_direct")
    assert np.allclose(vals[:, mca], vals[:, ca] + vals[:, mx])


def test_departures_from_every_coast_and_country(run) -> None:  # noqa: ANN001
    """Ecuador ships, Venezuela is not the largest departure point (the record up to 2006)."""
    dep = {r: run.annual("supply_t", r, 2005) for r in ("CO-PAC", "EC", "CO-URA", "CO-CAR", "VE")}
    assert dep["EC"] > 5.0
    assert dep["VE"] < max(dep["CO-PAC"], dep["CO-URA"] + dep["CO-CAR"])
