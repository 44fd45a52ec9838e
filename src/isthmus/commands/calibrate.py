"""``isthmus calibrate`` (fit on data up to 2006) and ``isthmus hindcast`` (predict 2007-2012)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .common import console, progress_bar


def _fmt(v: float) -> str:
    if v != v:  # NaN
        return "-"
    a = abs(v)
    if a >= 1e5:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


class _Bar:
    """A rich progress bar on a terminal; a plain line every 10% otherwise."""

    def __init__(self, label: str, total: int):
        self.label, self.total = label, total
        self.tty = sys.stderr.isatty()
        self.bar: Any = None
        self.last = -1

    def __enter__(self) -> _Bar:
        if self.tty:
            self.bar = progress_bar().__enter__()
            self.task = self.bar.add_task(self.label, total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, done: int, total: int, note: str = "") -> None:
        if self.bar is not None:
            self.bar.update(
                self.task, completed=done, total=total, description=f"{self.label} {note}".strip()
            )
            return
        step = max(total // 10, 1)
        if done // step != self.last or done == total:
            self.last = done // step
            print(f"{self.label}: {done}/{total} {note}".rstrip(), file=sys.stderr, flush=True)


def calibrate(
    scenario: Annotated[
        str, typer.Argument(help="Shipped scenario name or scenario folder.")
    ] = "central-america",
    params: Annotated[
        str | None,
        typer.Option(
            "--params",
            help="Comma list of module.name=low:high (or module.name for its declared range). "
            "Default: the most influential parameters of the active modules.",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Optimiser seed (same seed, same result).")
    ] = 0,
    maxiter: Annotated[
        int, typer.Option("--maxiter", min=0, help="Generations of differential evolution.")
    ] = 10,
    popsize: Annotated[
        int, typer.Option("--popsize", min=1, help="Population per parameter (at least 5 in all).")
    ] = 5,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="Worker processes (the result does not depend on it)."
        ),
    ] = min(2, os.cpu_count() or 1),
    replicates: Annotated[
        int,
        typer.Option(
            "--replicates", min=1, help="Simulation seeds averaged per candidate (0..N-1)."
        ),
    ] = 2,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for the calibrated copy of the scenario (default: calibrated/<name>).",
        ),
    ] = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write", help="Write the calibrated values into SCENARIO's own folder instead."
        ),
    ] = False,
) -> None:
    """Calibrate parameters on observations up to 2006 and write a calibrated scenario.

    Each fit term pairs a row of the scenario's observations.csv (all dated up
    to 2006) with the simulated indicator it measures. The loss before and after,
    the parameters and the fit by indicator are printed; the calibrated scenario
    (parameters.csv with provenance, plus calibration.yaml) goes to --out, or
    into the scenario's own folder with --write.
    """
    from ..experiments.calibration import Calibration, parse_param_spec
    from ..results.atomic import check_out_dir
    from ..scenario import Problem, ScenarioError, load_scenario, resolve

    spec = parse_param_spec(params) if params is not None else None
    sc = load_scenario(scenario)
    dest = resolve(scenario) if write else (out or Path("calibrated") / sc.name)
    check_out_dir(dest)  # an unusable --out stops here, before the optimisation
    if not write and dest.exists() and any(dest.iterdir()):
        raise ScenarioError(
            [Problem(str(dest), None, "--out", "exists and is not empty: choose another --out")]
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        cal = Calibration(sc, parameters=spec, seeds=list(range(replicates)))
        cal.prepare()
    for w in caught:
        console.print(f"[yellow]warning:[/] {w.message}", highlight=False)
    n = len(cal.bounds)
    total = max(5, popsize * n) * (maxiter + 1)
    console.print(
        f"calibrating {n} parameter(s) of {sc.name} on {len(cal.active)} observations up to "
        f"{cal.cutoff} ({len(cal.skipped)} skipped); up to {total} candidates x "
        f"{replicates} run(s), {workers} worker(s), seed {seed}"
    )
    with _Bar("calibrating", total) as bar:
        res = cal.run(
            maxiter=maxiter,
            popsize=popsize,
            seed=seed,
            workers=workers,
            progress=lambda d, t, best: bar.update(d, t, f"best loss {best:.4g}"),
        )
    tb = Table(title="Calibrated parameters")
    for c in ("parameter", "low", "high", "before", "after", "unit"):
        tb.add_column(c, justify="left" if c in ("parameter", "unit") else "right")
    for b in cal.bounds:
        tb.add_row(
            b.key + (" (log)" if b.log else ""),
            _fmt(b.low),
            _fmt(b.high),
            _fmt(res.before[b.key]),
            _fmt(res.after[b.key]),
            b.unit,
        )
    console.print(tb)
    fit = res.terms.groupby("indicator", sort=False).agg(
        terms=("term", "size"), before=("loss_before", "sum"), after=("loss_after", "sum")
    )
    tf = Table(title="Loss by indicator (observations up to 2006)")
    for c in ("indicator", "terms", "loss before", "loss after"):
        tf.add_column(c, justify="left" if c == "indicator" else "right")
    for ind, r in fit.iterrows():
        tf.add_row(str(ind), str(int(r["terms"])), f"{r['before']:.4g}", f"{r['after']:.4g}")
    tf.add_row(
        "[bold]total[/]", str(len(res.terms)), f"{res.loss_before:.4g}", f"{res.loss_after:.4g}"
    )
    console.print(tf)
    small = res.terms[~res.terms["region"].astype(str).str.startswith("MX-")]
    small = small[small["indicator"] != "homicide_rate_per_100k"]
    if not small.empty:
        tt = Table(title="Flow and market terms: observed and model")
        for c in ("term", "observed", "model before", "model after"):
            tt.add_column(c, justify="left" if c == "term" else "right")
        for r in small.itertuples(index=False):
            obs = _fmt(r.observed)
            if r.low == r.low and r.low is not None:
                obs = f"{_fmt(r.low)}-{_fmt(r.high)}"
            tt.add_row(r.term, obs, _fmt(r.model_before), _fmt(r.model_after))
        console.print(tt)
    console.print(
        f"loss before {res.loss_before:.6g}, after {res.loss_after:.6g} "
        f"({res.n_evaluations} candidates, {res.elapsed_s:.0f} s)"
    )
    path = cal.write(dest, res)
    console.print(f"wrote the calibrated scenario to {path} (parameters.csv, calibration.yaml)")


def _short(v: float) -> str:
    """3 significant figures, M/k for large numbers (narrow table cells)."""
    if v != v:
        return "-"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def _cell(mean: float, low: float, high: float) -> str:
    return f"{_short(mean)}\n[dim]{_short(low)}-{_short(high)}[/]"


def hindcast(
    scenario: Annotated[
        str, typer.Argument(help="Calibrated scenario: shipped name or folder.")
    ] = "central-america",
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Replicates (seeds).")] = 20,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Base seed of the replicates.")] = 0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = min(
        2, os.cpu_count() or 1
    ),
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for hindcast.csv and hindcast.html."),
    ] = None,
) -> None:
    """Print (and plot) the calibrated model's 2007-2012 prediction with 90% intervals over seeds.

    Nothing after 2006 entered the calibration: this is what the model predicts.
    Each cell is the mean over seeds and, in brackets, the 5th-95th percentile.
    """
    from ..experiments.hindcast import BLOCKS, run_hindcast
    from ..results.atomic import check_out_dir
    from ..scenario import load_scenario

    if out is not None:
        check_out_dir(out)  # an unusable --out stops here, before the runs
    sc = load_scenario(scenario)
    with _Bar(f"hindcast {sc.name}", seeds) as bar:
        hc = run_hindcast(
            sc, seeds=seeds, seed=seed, workers=workers, progress=lambda d, t, _r: bar.update(d, t)
        )
    y0, y1 = hc.years
    years = list(range(y0 - 1, y1 + 1))
    # why: eight year columns need more than 80 characters; a pipe or file gets them all
    wide = console if console.is_terminal else Console(width=max(console.width, 140))
    wide.print(
        f"Hindcast of {sc.name}: mean over {len(hc.seeds)} seeds, and below it the 90% "
        "interval over seeds (5th-95th percentile). "
        f"{y0 - 1} is the last calibration year; {y0}-{y1} is a prediction.",
        highlight=False,
    )
    for b in BLOCKS:
        d = hc.block(b.key)
        if d.empty:
            continue
        multi = d["indicator"].nunique() > 1
        tb = Table(title=b.title)
        tb.add_column("indicator, region" if multi else "region")
        for y in years:
            tb.add_column(f"{y} (fit)" if y < y0 else str(y), justify="right")
        for (ind, reg), g in d.groupby(["indicator", "region"], sort=False):
            g = g.set_index("year")
            cells = [
                _cell(g.at[y, "mean"], g.at[y, "low"], g.at[y, "high"]) if y in g.index else "-"
                for y in years
            ]
            tb.add_row(f"{ind}, {reg}" if multi else str(reg), *cells)
        wide.print(tb)
    if out is not None:
        paths = hc.write(out)
        wide.print("wrote " + " and ".join(str(p) for p in paths))


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)
    app.command("hindcast")(hindcast)
