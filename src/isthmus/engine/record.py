"""Step 8, record: the flow ledger and the flow indicators of DESIGN.md.

Indicators recorded here (monthly; annual values are sums, or ratios of sums
for shares): supply_t (source places), flow_t, us_bound_share,
entering_mexico_share, seized_t, seizure_share, delivered_t.
"""

from __future__ import annotations

import numpy as np

from .kernels import record_flows
from .network import MARKETS, MODES, TRANSIT_ZONE
from .sim import Module, register

CA7 = ("GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN")
# Names of the landfall groups (network.LANDFALL_GROUPS) in the indicator us_bound_share.
LANDFALL_REGIONS = ("central_america", "caribbean", "mexico_direct", "direct_us")


@register
class Record(Module):
    name = "record"

    def init(self) -> None:
        sim, net, st = self.sim, self.sim.net, self.sim.state
        rec = sim.rec
        country = net.place_country
        # flow_t: arrivals into each admin-1 place, and into each country from outside it.
        self.admin1 = np.flatnonzero(net.place_level == "admin1")
        iso = sorted({c for c in country[net.place_group != "maritime"] if c and len(c) == 3})
        self.iso = iso
        cidx = {c: i for i, c in enumerate(iso)}
        self.cross = np.flatnonzero(
            (country[net.link_from] != country[net.link_to]) & np.isin(country[net.link_to], iso)
        )
        self.cross_c = np.array([cidx[c] for c in country[net.link_to[self.cross]]], dtype=np.int64)
        rec.declare("flow_t", iso + [net.place_ids[i] for i in self.admin1], "t")
        # us_bound_share by first landfall.
        self.us_paths = net.path_market == MARKETS.index("usa")
        rec.declare("_us_bound_t", ["all"], "t", public=False)
        # Two partitions of the same US-bound tons: by first landfall after South America
        # (central_america, caribbean, mexico_direct, direct_us) and by the departure vector
        # on which they left it (eastern_pacific, western_caribbean, ...); each sums to 1.
        us_vec = sorted(set(net.path_vector[self.us_paths & (net.path_vector >= 0)].tolist()))
        self.vec_regions = [net.vectors[v] for v in us_vec]
        vmap = np.full(max(len(net.vectors), 1), -1, dtype=np.int64)
        vmap[us_vec] = np.arange(len(us_vec)) + len(LANDFALL_REGIONS)
        self.path_vec_col = np.where(net.path_vector >= 0, vmap[np.maximum(net.path_vector, 0)], -1)
        rec.declare(
            "us_bound_share",
            list(LANDFALL_REGIONS) + self.vec_regions + ["mexico_central_america"],
            "0-1",
            agg="ratio",
            den="_us_bound_t",
        )
        self.lf = net.path_landfall_group
        # entering_mexico_share by where it came from.
        into_mx = (country[net.link_to] == "MEX") & (country[net.link_from] != "MEX")
        self.mx_links = np.flatnonzero(into_mx)
        cats = []
        for li in self.mx_links:
            m = MODES[net.link_mode[li]]
            if m.startswith("maritime"):
                cats.append("sea")
            elif m == "air":
                cats.append("air")
            else:
                cats.append(country[net.link_from[li]])
        regions = sorted(set(cats) - {"sea", "air"}) + ["sea", "air"]
        self.mx_cat = np.array([regions.index(c) for c in cats], dtype=np.int64)
        rec.declare("_entering_mexico_t", ["all"], "t", public=False)
        rec.declare("entering_mexico_share", regions, "0-1", agg="ratio", den="_entering_mexico_t")
        # seizures by jurisdiction.
        jur = ["transit_zone" if j == TRANSIT_ZONE else j for j in net.juris_ids]
        rec.declare("seized_t", jur + ["all"], "t")
        grp = []
        for j in net.juris_ids:
            grp.append(
                "transit_zone"
                if j == TRANSIT_ZONE
                else "central_america"
                if j in CA7
                else "mexico"
                if j == "MEX"
                else "caribbean"
                if self._is_caribbean(j)
                else ""
            )
        self.jgroup = np.array(
            [
                ["central_america", "caribbean", "mexico", "transit_zone"].index(g) if g else -1
                for g in grp
            ]
        )
        rec.declare("_seized_between_t", ["all"], "t", public=False)
        rec.declare(
            "seizure_share",
            ["central_america", "caribbean", "mexico", "transit_zone"],
            "0-1",
            agg="ratio",
            den="_seized_between_t",
        )
        rec.declare("delivered_t", list(MARKETS), "t")
        # departed_t: tons leaving South America bound to each market (the inflow of each
        # route's exit link, after what was seized inside South America).
        self.exit_pos = np.where(net.path_exit >= 0, self._exit_positions(net), -1)
        rec.declare("departed_t", list(MARKETS), "t")
        st.ledger = {
            k: np.zeros(sim.n_months)
            for k in (
                "supplied_t",
                "seized_t",
                "delivered_t",
                "stock_change_t",
                "lost_t",
                "residual_t",
                "residual_rel",
            )
        }
        self.source_out = (
            sim.module("supply").source_places
            if sim.module("supply")
            else np.array([], dtype=np.int64)
        )
        # Constants of the monthly step (why: it runs every month; nothing here changes).
        self._lf_ok = np.flatnonzero(self.lf >= 0)
        self._lf_col = self.lf[self._lf_ok]
        self._vec_ok = np.flatnonzero(self.path_vec_col >= 0)
        self._vec_col = self.path_vec_col[self._vec_ok]
        self._jg_ok = np.flatnonzero(self.jgroup >= 0)
        self._jg_col = self.jgroup[self._jg_ok]
        self._exit_ok = np.flatnonzero(self.exit_pos >= 0)
        self._exit_market = net.path_market[self._exit_ok]
        self._exit_at = self.exit_pos[self._exit_ok]
        self._rec = {name: s.data for name, s in rec.series.items()}
        self._no_values = np.zeros(0)
        self._no_rows = np.zeros((0, 0))

    @staticmethod
    def _exit_positions(net) -> np.ndarray:  # noqa: ANN001 - CompiledNetwork
        """Position (in the travel-order entries) of each route's exit link."""
        pos = np.full(net.n_paths, -1, dtype=np.int64)
        hit = net.nnz_link == net.path_exit[net.nnz_path]
        first = np.flatnonzero(hit)
        pos[net.nnz_path[first]] = first
        return pos

    def _is_caribbean(self, iso3: str) -> bool:
        net = self.sim.net
        return bool(np.any((net.place_country == iso3) & (net.place_group == "caribbean")))

    def step(self, t: int) -> None:
        net, st, rec = self.sim.net, self.sim.state, self._rec
        sz = getattr(st, "juris_seized", None)
        if sz is None:
            sz = np.bincount(net.link_juris, weights=st.link_seized, minlength=len(net.juris_ids))
        ein = getattr(st, "entry_inflow", None)
        # (compiled: the bin sums and sums of the flow records, bit for bit as numpy's)
        supplied, seized, delivered = record_flows(
            t,
            net.n_places,
            net.link_to,
            st.link_out,
            st.link_seized,
            self.admin1,
            self.cross,
            self.cross_c,
            st.path_flow,
            self.us_paths,
            self._lf_ok,
            self._lf_col,
            self._vec_ok,
            self._vec_col,
            len(LANDFALL_REGIONS),
            self.mx_links,
            self.mx_cat,
            np.ascontiguousarray(sz, dtype=float),
            self._jg_ok,
            self._jg_col,
            net.path_market,
            st.path_delivered,
            rec["flow_t"],
            rec["_us_bound_t"],
            rec["us_bound_share"],
            rec["_entering_mexico_t"],
            rec["entering_mexico_share"],
            rec["seized_t"],
            rec["seizure_share"],
            rec["_seized_between_t"],
            rec["delivered_t"],
            self._no_values if ein is None else ein,
            self._exit_market,
            self._exit_at,
            rec["departed_t"],
            net.link_from,
            st.link_inflow if len(self.source_out) else self._no_values,
            self.source_out,
            rec["supply_t"] if len(self.source_out) else self._no_rows,
        )
        L = st.ledger
        L["supplied_t"][t] = supplied
        L["seized_t"][t] = seized
        L["delivered_t"][t] = delivered
        L["stock_change_t"][t] = 0.0  # routes complete within the month: nothing in transit
        L["lost_t"][t] = 0.0
        res = (
            supplied
            - L["seized_t"][t]
            - L["delivered_t"][t]
            - L["stock_change_t"][t]
            - L["lost_t"][t]
        )
        L["residual_t"][t] = res
        L["residual_rel"][t] = res / supplied if supplied > 0 else 0.0
