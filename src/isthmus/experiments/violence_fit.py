"""Joint estimation of the fixed effects of violence and the mechanisms' coefficients.

Homicides in a unit (a Mexican state-year, a country-year, a Honduran department in
2006) are modelled as

    E[y_u] = alpha_g(u) x residents_u / 100,000 + sum_k beta_k X_uk + beta_state X_u,state

with ``alpha_g`` a *fixed effect* (a rate per 100,000 a year) of each Mexican state and
of each other country (its departments share it), and ``X_uk`` the yearly sums of the
mechanisms' intensities the model produces there: strength engaged in plaza contests,
strength feuding after a leader's removal, strength at extortion and the other
predatory activities, and troops x group strength (whose coefficient is a sourced prior: troops met groups in one month
before 2007). Because every unit has its own fixed effect, the coefficients are
identified by *within* variation only: the rise of Tamaulipas in 2005 and of Michoacan
and Guerrero in 2006 against their own earlier years, the years after the 2002-2003
removals of leaders, the national series' changes, and the spread of the Honduran
departments around their country's effect in 2006. A fixed effect cannot absorb what
the mechanisms explain, since both are estimated together.

The fit is a Poisson quasi-likelihood with an identity link and non-negative
parameters (L-BFGS-B). The model's intensities are random (contests, entries); the
estimate pools the seeds' intensities, and its 90% interval adds the spread between
seeds to the quasi-Poisson standard error (over-dispersion estimated from the
Pearson statistic). Only observations up to 2006 enter, and the simulations stop in
December 2006.

Examples
--------
>>> fit = fit_violence("central-america", seeds=[0])  # doctest: +SKIP
>>> sorted(fit.coef)  # doctest: +SKIP
['contest', 'predation', 'succession']
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import Scenario, load_scenario
from .calibration import CUTOFF_YEAR, load_observations

#: Coefficients estimated, and their parameter in the violence module.
COEFS = {
    "contest": "contest_homicides_per_unit",
    "succession": "succession_homicides_per_unit",
    "predation": "predation_homicides_per_unit",
}
#: The confrontation coefficient is a prior (see the violence module's parameters).
PRIOR = {"state": "state_homicides_per_clash"}
Z90 = 1.6448536269514722


@dataclass
class ViolenceFit:
    """Estimated coefficients and fixed effects, with intervals and diagnostics."""

    prior_centre: dict[str, float]
    coef: dict[str, float]
    coef_interval: dict[str, tuple[float, float]]
    fixed_effects: dict[str, float]  # region -> rate per 100,000 a year
    fe_interval: dict[str, tuple[float, float]]
    fe_level: dict[str, str]  # region -> "state" | "country"
    prior: dict[str, float]
    units: pd.DataFrame  # one row per observation unit: observed, fitted, by cause
    seeds: list[int]
    dispersion: float
    deviance_share_within: float
    date: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d"))

    def table(self) -> pd.DataFrame:
        """The coefficients with their 90% intervals and units."""
        units = {
            "contest": "homicides / month per strength unit engaged",
            "succession": "homicides / month per strength unit feuding",
            "predation": "homicides / month per strength unit at predation",
            "state": "homicides / month per 1,000 troops per strength unit (prior)",
        }
        rows = [
            (
                k,
                self.coef[k],
                *self.coef_interval[k],
                units[k],
                f"posterior mode (prior {self.prior_centre[k]:.3g})",
            )
            for k in self.coef
        ]
        rows += [(k, v, np.nan, np.nan, units[k], "prior") for k, v in self.prior.items()]
        return pd.DataFrame(
            rows, columns=["mechanism", "estimate", "low90", "high90", "unit", "how"]
        )


def _units(sim_scenario: Scenario, net, targets) -> tuple[list[dict], dict]:  # noqa: ANN001
    """Observation units and their places, from the homicide rows of the observations."""
    units = []
    country_of = net.place_country
    for t in targets:
        if t.indicator != "homicide_rate_per_100k" or len(t.years) != 1:
            continue
        reg, year = t.region, t.years[0]
        if reg in net.place_index:
            places = [net.place_index[reg]]
            level = "state" if reg.startswith("MX-") else "department"
            group = reg if level == "state" else str(country_of[places[0]])
        elif reg == "MEX":
            continue  # the 32 states cover Mexico
        else:
            places = [
                i
                for i in range(net.n_places)
                if country_of[i] == reg
                and net.place_level[i] in ("admin1", "country")
                and net.population[i] > 0
            ]
            if not places:
                continue
            level, group = "country", reg
        units.append(
            {
                "region": reg,
                "year": year,
                "level": level,
                "group": group,
                "places": places,
                "rate": t.value,
            }
        )
    return units, {}


def _intensities(sc: Scenario, seed: int, net) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # noqa: ANN001
    """Yearly sums of each mechanism's intensity per place (years x places), one seed."""
    from ..engine.sim import Sim

    sim = Sim(sc, seed=seed, network=copy.deepcopy(net))
    res = sim.run()
    years, starts, _ = res._year_blocks()
    out = {}
    for k in ("contest", "succession", "predation", "state"):
        data = res.series[f"_x_{k}"].data
        out[k] = np.add.reduceat(data, starts, axis=0)
    return years, out


def _design(units, years, X, pop) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    """Observed counts, exposures (residents / 1e5) and mechanism sums per unit."""
    y = np.zeros(len(units))
    e = np.zeros(len(units))
    xm = np.zeros((len(units), len(COEFS)))
    xs = np.zeros(len(units))
    for i, u in enumerate(units):
        k = int(np.flatnonzero(years == u["year"])[0])
        pl = u["places"]
        e[i] = pop[pl].sum() / 1e5
        y[i] = u["rate"] * e[i]
        for j, c in enumerate(COEFS):
            xm[i, j] = X[c][k, pl].sum()
        xs[i] = X["state"][k, pl].sum()
    return y, e, xm, xs


def _fit(
    y: np.ndarray,
    e: np.ndarray,
    xm: np.ndarray,
    offset: np.ndarray,
    groups: np.ndarray,
    prior: tuple[np.ndarray, float] | None = None,
    phi: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Poisson quasi-likelihood fit (identity link), coefficients on a log scale.

    Minimises ``sum(mu - y log mu) / phi + sum((ln beta - ln beta0)^2) / (2 s^2)`` over
    the fixed effects ``alpha >= 0`` and ``ln beta``; without ``prior`` the second term
    is absent. Returns ``(alpha, beta, cov, pearson_phi)``, ``cov`` of ``(alpha, ln beta)``
    from the expected information.
    """
    from scipy.optimize import minimize

    ng = int(groups.max()) + 1
    k = xm.shape[1]
    G = np.zeros((len(y), ng))
    G[np.arange(len(y)), groups] = e  # fixed effects x exposure
    a0 = np.bincount(groups, weights=y, minlength=ng) / np.maximum(
        np.bincount(groups, weights=e, minlength=ng), 1e-12
    )
    if prior is not None:
        th0, sig = prior
    else:
        th0, sig = np.zeros(k), np.inf
    ascale = np.maximum(a0, 1.0)

    def unpack(z):  # noqa: ANN001, ANN202
        return z[:ng] * ascale, z[ng:]

    def obj(z):  # noqa: ANN001, ANN202
        a, th = unpack(z)
        b = np.exp(th)
        mu = np.maximum(G @ a + xm @ b + offset, 1e-9)
        r = 1.0 - y / mu
        val = np.sum(mu - y * np.log(mu)) / phi
        ga = (G.T @ r) / phi * ascale
        gt = (xm.T @ r) * b / phi
        if np.isfinite(sig):
            val += np.sum((th - th0) ** 2) / (2 * sig * sig)
            gt = gt + (th - th0) / (sig * sig)
        return val, np.concatenate([ga, gt])

    start_th = th0 if prior is not None else np.full(k, -3.0)
    z0 = np.concatenate([a0 / ascale, start_th])
    res = minimize(
        obj,
        z0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * ng + [(-25.0, 12.0)] * k,
        options={"maxiter": 10000, "ftol": 1e-14, "gtol": 1e-10},
    )
    a, th = unpack(res.x)
    b = np.exp(th)
    mu = np.maximum(G @ a + xm @ b + offset, 1e-9)
    dof = max(len(y) - (ng + k), 1)
    pearson = float(np.sum((y - mu) ** 2 / mu) / dof)
    J = np.hstack([G, xm * b])
    info = J.T @ (J / mu[:, None]) / phi
    if np.isfinite(sig):
        info[ng:, ng:] += np.eye(k) / (sig * sig)
    cov = np.linalg.pinv(info)
    return a, b, cov, pearson


def _prior_centres(units, years_all, X, pop, y) -> np.ndarray:  # noqa: ANN001
    """Centres of the coefficients' priors (log scale), from stated shares of homicides.

    - contest and succession: drug-related killings ("ejecutados") were about a fifth of
      Mexico's homicides in 2005-2006 (assumption, recalled press counts of ~1,500-2,200
      a year against ~10,000 homicides); a unit of strength at war kills alike whether it
      fights a rival or a faction (assumption);
    - predation: about a third of the homicides of Guatemala, Honduras and El Salvador in
      2000-2006 enforced extortion and other predation (assumption; UNODC 2007, Crime and
      Development in Central America, discusses police estimates that disagree widely).
    """
    mx = np.array([u["level"] == "state" and u["year"] in (2005, 2006) for u in units])
    nt = np.array([u["region"] in ("GTM", "HND", "SLV") for u in units])
    war = X[mx][:, 0].sum() + X[mx][:, 1].sum()
    pred = X[nt][:, 2].sum()
    b_war = 0.2 * y[mx].sum() / max(war, 1e-9)
    b_pred = (1.0 / 3.0) * y[nt].sum() / max(pred, 1e-9)
    return np.log(np.array([b_war, b_war, b_pred]))


#: Spread of the priors: a factor of about 2.7 either way (one log unit).
PRIOR_SIGMA = 1.0


def fit_violence(
    scenario: Scenario | str | Path = "central-america",
    seeds: Sequence[int] = (0, 1, 2),
    progress: Callable[[int, int], None] | None = None,
) -> ViolenceFit:
    """Estimate the fixed effects and the mechanisms' coefficients on 2000-2006 data.

    Parameters
    ----------
    scenario : Scenario, str or Path
        The scenario whose ``observations.csv`` (homicide rates by Mexican state and
        year, by country and year, by Honduran department in 2006) is fitted.
    seeds : sequence of int
        Simulation seeds; their intensities are pooled (mean) for the estimate.
    progress : callable, optional
        ``progress(done, total)`` after each seed's simulation.
    """
    from ..engine.network import compile_network
    from ..engine.sim import Sim

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    cut = sc.copy()
    cut.end = min(sc.end, (CUTOFF_YEAR, 12))
    targets = load_observations(sc, cutoff=CUTOFF_YEAR)
    net = compile_network(cut)
    units, _ = _units(cut, net, targets)
    if not units:
        raise ValueError("no homicide observations to fit")
    groups_names = sorted({u["group"] for u in units})
    gi = np.array([groups_names.index(u["group"]) for u in units])
    prior = {k: float(Sim.declared_params()["violence"][v].default) for k, v in PRIOR.items()}
    pv = cut.param("violence", PRIOR["state"])
    if pv is not None:
        prior["state"] = float(pv)
    xs_all = []
    pop = net.population
    for n_done, seed in enumerate(seeds, 1):
        years, X = _intensities(cut, int(seed), net)
        y, e, xm, xs = _design(units, years, X, pop)
        xs_all.append((xm, xs))
        if progress is not None:
            progress(n_done, len(seeds))
    xm = np.mean([m for m, _ in xs_all], axis=0)
    xs = np.mean([s for _, s in xs_all], axis=0)
    # Over-dispersion from the unpenalised fit, then the posterior mode with the priors.
    _a, _b, _c, phi = _fit(y, e, xm, prior["state"] * xs, gi)
    th0 = _prior_centres(units, None, xm, pop, y)
    pri = (th0, PRIOR_SIGMA)
    a, b, cov, _ = _fit(y, e, xm, prior["state"] * xs, gi, prior=pri, phi=phi)
    per_seed = [
        np.log(_fit(y, e, m, prior["state"] * s_, gi, prior=pri, phi=phi)[1]) for m, s_ in xs_all
    ]
    ng = len(groups_names)
    between = np.var(np.array(per_seed), axis=0, ddof=1) if len(seeds) > 1 else 0.0
    sd_a = np.sqrt(np.maximum(np.diag(cov)[:ng], 0.0))
    sd_t = np.sqrt(np.maximum(np.diag(cov)[ng:], 0.0) + between)
    lo = np.concatenate([np.maximum(a - Z90 * sd_a, 0.0), b * np.exp(-Z90 * sd_t)])
    hi = np.concatenate([a + Z90 * sd_a, b * np.exp(Z90 * sd_t)])
    self_prior = {c: float(np.exp(th0[j])) for j, c in enumerate(COEFS)}
    coef = {c: float(b[j]) for j, c in enumerate(COEFS)}
    coef_int = {c: (float(lo[ng + j]), float(hi[ng + j])) for j, c in enumerate(COEFS)}
    fe = {g: float(a[i]) for i, g in enumerate(groups_names)}
    fe_int = {g: (float(lo[i]), float(hi[i])) for i, g in enumerate(groups_names)}
    level = {u["group"]: ("state" if u["level"] == "state" else "country") for u in units}
    # Units: observed, fitted and the parts by cause.
    parts = {
        "fixed_effect": a[gi] * e,
        **{c: b[j] * xm[:, j] for j, c in enumerate(COEFS)},
        "state": prior["state"] * xs,
    }
    fitted = sum(parts.values())
    df = pd.DataFrame(
        {
            "region": [u["region"] for u in units],
            "year": [u["year"] for u in units],
            "level": [u["level"] for u in units],
            "observed": y,
            "fitted": fitted,
            **parts,
        }
    )
    # Share of the within-unit-group deviation the mechanisms explain (a diagnostic).
    dm = df.groupby("region")["observed"].transform("mean")
    fm = df.groupby("region")["fitted"].transform("mean")
    ss = float(((df["observed"] - dm) ** 2).sum())
    sr = float(((df["observed"] - df["fitted"]) - (dm - fm)).pow(2).sum())
    within = 1.0 - sr / ss if ss > 0 else float("nan")
    return ViolenceFit(
        prior_centre=self_prior,
        coef=coef,
        coef_interval=coef_int,
        fixed_effects=fe,
        fe_interval=fe_int,
        fe_level=level,
        prior=prior,
        units=df,
        seeds=[int(s) for s in seeds],
        dispersion=phi,
        deviance_share_within=within,
    )


def write_fit(fit: ViolenceFit, scenario_dir: str | Path) -> list[Path]:
    """Write the estimates into a scenario folder, in place.

    ``parameters.csv`` gets the three coefficients (with their intervals in the source),
    ``baseline_violence.csv`` the fixed effects, and ``violence_fit.yaml`` the
    provenance: data, seeds, estimates and intervals.
    """
    import yaml

    from ..engine.sim import Sim

    d = Path(scenario_dir)
    written = []
    seeds = ",".join(map(str, fit.seeds))
    decl = Sim.declared_params()["violence"]
    p = pd.read_csv(d / "parameters.csv", dtype=str, keep_default_na=False)
    for c, name in COEFS.items():
        lo, hi = fit.coef_interval[c]
        src = (
            f"estimated {fit.date} jointly with the fixed effects on 2000-2006 homicides "
            "(Mexican states by year, national series, Honduran departments 2006; "
            f"observations.csv), seeds {seeds}: {fit.coef[c]:.4g} [90% interval {lo:.3g}, "
            f"{hi:.3g}]; identified by within-place change (violence_fit.yaml; "
            "isthmus calibrate --violence)"
        )
        row = {
            "module": "violence",
            "name": name,
            "value": f"{fit.coef[c]:.6g}",
            "unit": decl[name].unit,
            "low": f"{decl[name].low:g}",
            "high": f"{decl[name].high:g}",
            "source": src,
        }
        hit = (p["module"] == "violence") & (p["name"] == name)
        if hit.any():
            for k, v in row.items():
                p.loc[hit, k] = v
        else:
            p = pd.concat([p, pd.DataFrame([row])], ignore_index=True)
    p.to_csv(d / "parameters.csv", index=False, lineterminator="\n")
    written.append(d / "parameters.csv")
    rows = []
    for g, v in sorted(fit.fixed_effects.items()):
        lo, hi = fit.fe_interval[g]
        rows.append(
            {
                "region": g,
                "rate_per_100k": f"{v:.4g}",
                "source": (
                    f"fixed effect estimated {fit.date} jointly with the mechanisms' "
                    f"coefficients on 2000-2006 homicides (observations.csv; seeds {seeds}): "
                    f"[90% interval {lo:.3g}, {hi:.3g}] per 100,000 a year; "
                    + (
                        "the Mexican state's own effect"
                        if fit.fe_level[g] == "state"
                        else "shared by the country's departments"
                    )
                ),
            }
        )
    pd.DataFrame(rows).to_csv(d / "baseline_violence.csv", index=False, lineterminator="\n")
    written.append(d / "baseline_violence.csv")
    doc: dict[str, Any] = {
        "date": fit.date,
        "method": "Poisson quasi-likelihood, identity link, non-negative parameters "
        "(L-BFGS-B); fixed effect per Mexican state and per other country; coefficients "
        "from within-unit variation; 90% intervals: quasi-Poisson standard errors plus the "
        "variance between seeds",
        "seeds": fit.seeds,
        "cutoff": CUTOFF_YEAR,
        "dispersion": round(fit.dispersion, 4),
        "within_variation_explained": round(fit.deviance_share_within, 4),
        "coefficients": {
            c: {
                "estimate": round(fit.coef[c], 6),
                "interval90": [round(x, 6) for x in fit.coef_interval[c]],
                "parameter": f"violence.{COEFS[c]}",
            }
            for c in COEFS
        },
        "priors": {
            k: {"value": v, "parameter": f"violence.{PRIOR[k]}"} for k, v in fit.prior.items()
        },
        "fixed_effects": {
            g: {
                "rate_per_100k": round(v, 4),
                "interval90": [round(x, 4) for x in fit.fe_interval[g]],
            }
            for g, v in sorted(fit.fixed_effects.items())
        },
    }
    (d / "violence_fit.yaml").write_text(
        "# Written by isthmus calibrate --violence (isthmus.experiments.violence_fit).\n"
        + yaml.safe_dump(doc, sort_keys=False)
    )
    written.append(d / "violence_fit.yaml")
    return written
