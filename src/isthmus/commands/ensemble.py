"""``isthmus ensemble``, ``isthmus export`` and ``isthmus sensitivity``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ..results.atomic import atomic_dir, check_out_dir
from .common import console, progress_bar

HEADLINE = (
    ("delivered_t", "usa"),
    ("us_bound_share", "central_america"),
    ("us_bound_share", "caribbean"),
    ("seized_t", "transit_zone"),
    ("price_per_pure_gram_usd", "usa"),
    ("purity", "usa"),
    ("homicide_rate_per_100k", "HND"),
    ("homicide_rate_per_100k", "GTM"),
)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


class _Progress:
    """A rich progress bar on a terminal; one plain line per run otherwise (batch logs)."""

    def __init__(self, label: str, total: int, quiet: bool = False):
        self.label, self.total, self.quiet = label, total, quiet
        self.tty = sys.stderr.isatty()
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if self.tty and not self.quiet:
            self.bar = progress_bar().__enter__()
            self.task = self.bar.add_task(self.label, total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int, rec: Any) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done)
        elif not self.quiet:
            state = "done" if rec.error is None else "FAILED"
            print(
                f"run {rec.run_id} {state} ({done}/{total}, {rec.elapsed_s:.2f} s, seed {rec.seed})",
                file=sys.stderr,
                flush=True,
            )


def _backend(workers: int, scheduler: str | None, local_cluster: bool) -> dict[str, Any]:
    if scheduler and local_cluster:
        raise typer.BadParameter("give either --scheduler or --local-cluster, not both")
    if scheduler:
        return {"scheduler": scheduler}
    if local_cluster:
        return {"local_cluster_workers": workers}
    return {"workers": workers}


def _backend_label(kw: dict[str, Any]) -> str:
    if "scheduler" in kw:
        return f"Dask scheduler {kw['scheduler']}"
    if "local_cluster_workers" in kw:
        return f"Dask LocalCluster, {kw['local_cluster_workers']} worker(s) on 127.0.0.1"
    w = kw["workers"]
    return "1 worker (this process)" if w == 1 else f"{w} local worker processes"


def ensemble(
    scenario: Annotated[
        str, typer.Argument(help="Shipped scenario name or scenario folder.")
    ] = "central-america",
    runs: Annotated[
        int, typer.Option("--runs", min=1, help="Number of runs (run ids 0..N-1).")
    ] = 100,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes (or LocalCluster workers).")
    ] = 1,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Base seed; each run's seed is derived from it.")
    ] = 0,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for results.duckdb and bands.html.")
    ] = Path("ensemble"),
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:port).")
    ] = None,
    local_cluster: Annotated[
        bool, typer.Option("--local-cluster", help="Start a Dask LocalCluster on 127.0.0.1.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Finish an interrupted ensemble in --out.")
    ] = False,
    draws: Annotated[
        bool,
        typer.Option(
            "--draws/--no-draws", help="Draw parameters from their ranges, or replicates only."
        ),
    ] = True,
    params: Annotated[
        str | None,
        typer.Option("--params", help="Comma list of module.name to draw (default: all ranged)."),
    ] = None,
    sampling: Annotated[
        str, typer.Option("--sampling", help="uniform (per-run draws) or lhs (Latin hypercube).")
    ] = "uniform",
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write bands.html.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Run an ensemble (replicates plus parameter draws) and store every run in DuckDB.

    Each finished run is committed at once to OUT/results.duckdb; after a crash,
    `--resume` finishes the ensemble without redoing or duplicating runs, and
    `--resume --runs M` with M above the stored number extends it (uniform
    sampling). Only one process may write a store at a time. The results are
    the same for the same --seed whatever the workers or backend.
    """
    import duckdb

    from ..experiments.ensemble import SAMPLINGS, Ensemble, EnsembleError
    from ..results.atomic import describe_os_error

    if sampling not in SAMPLINGS:
        raise typer.BadParameter(f"--sampling must be one of {', '.join(SAMPLINGS)}")
    check_out_dir(out)  # an unusable --out stops here, before any work
    kw = _backend(workers, scheduler, local_cluster)
    ens = Ensemble(
        scenario, runs=runs, seed=seed, draws=draws, params=_split(params), sampling=sampling
    )
    t0 = time.perf_counter()
    try:
        with _Progress(f"ensemble {ens.scenario.name}", runs, quiet) as prog:
            res = ens.run(out=out, resume=resume, progress=prog, plots=plots, **kw)
    except EnsembleError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except (duckdb.Error, OSError) as exc:
        # a full disk, a permission or a locked file while writing the store: the runs
        # committed before the error are kept, and --resume finishes the ensemble
        reason = describe_os_error(exc)
        kept = (
            "The runs committed before it are kept; fix the cause and finish with --resume."
            if (out / "results.duckdb").exists()
            else "Nothing was written."
        )
        console.print(
            f"[bold red]error:[/] writing {out / 'results.duckdb'} failed: {escape(reason)}. "
            + kept,
            highlight=False,
        )
        raise typer.Exit(1) from None
    wall = time.perf_counter() - t0
    n = res.store.n_runs()
    if not quiet:
        _print_headline(res.bands)
        if res.n_new and res.elapsed > 0:
            done = (
                f"{res.n_new} run(s) finished in {res.elapsed:.1f} s "
                f"({res.n_new / res.elapsed * 60:.0f} runs/min) on {_backend_label(kw)}"
            )
        elif res.failures:
            done = f"no run finished ({len(res.failures)} failed)"
        else:
            done = "nothing left to run: every run was already in the store"
        console.print(
            f"{done}; {n} run(s) in {out / 'results.duckdb'}"
            + (f" and {out / 'bands.html'}" if plots else "")
            + f" [{wall:.1f} s in all]",
            highlight=False,
        )
    nan_runs = res.store.nan_runs()
    if nan_runs:
        console.print(
            f"[yellow]warning:[/] {len(nan_runs)} run(s) have NaN indicator values (ids "
            + ", ".join(map(str, nan_runs[:20]))
            + "); the bands leave them out (bands.n_nan counts them). Their drawn "
            "parameters are in the 'params' table.",
            highlight=False,
        )
    failed = res.failures
    res.close()
    if failed:
        console.print(
            f"[bold red]{len(failed)} run(s) failed[/] (ids "
            + ", ".join(str(r.run_id) for r in failed[:20])
            + "); see the 'failures' table. The first error:\n"
            + (failed[0].error or ""),
            highlight=False,
        )
        raise typer.Exit(1)


def _print_headline(bands: Any) -> None:
    if bands.empty:
        return
    years = sorted(bands["year"].unique())
    show = [y for y in (years[0], 2006, 2010, years[-1]) if y in years]
    show = list(dict.fromkeys(show))
    tb = Table(title="Ensemble: median [5%-95%]")
    tb.add_column("indicator")
    tb.add_column("region")
    for y in show:
        tb.add_column(str(y), justify="right")
    for ind, reg in HEADLINE:
        d = bands[(bands["indicator"] == ind) & (bands["region"] == reg)].set_index("year")
        if d.empty:
            continue
        cells = []
        for y in show:
            if y in d.index:
                r = d.loc[y]
                cells.append(f"{r['q50']:.3g} [{r['q05']:.3g}-{r['q95']:.3g}]")
            else:
                cells.append("")
        tb.add_row(ind, reg, *cells)
    if tb.row_count:
        console.print(tb)


def export(
    src: Annotated[Path, typer.Argument(help="Results folder (holding results.duckdb) or file.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write one file per table into.")
    ] = Path("export"),
) -> None:
    """Write every table of a results store to CSV or Parquet files, one per table."""
    import duckdb

    from ..results.ensemble_store import export_store

    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("--format must be csv or parquet")
    db = src / "results.duckdb" if src.is_dir() else src
    if not db.is_file():
        raise typer.BadParameter(f"{db} does not exist")
    check_out_dir(out)
    try:
        # why open it first: a store that cannot be read (locked by a running ensemble,
        # not a DuckDB file) is a reading problem, not a writing one
        duckdb.connect(str(db), read_only=True).close()
    except duckdb.Error as exc:
        reason = _first_line(exc)
        if "lock" in reason.lower():
            reason = f"it is in use by another process (an ensemble still running?): {reason}"
        console.print(f"[bold red]error:[/] cannot read {db}: {escape(reason)}", highlight=False)
        raise typer.Exit(1) from None
    with atomic_dir(out) as tmp:
        files = export_store(db, tmp, fmt)
    console.print(
        f"wrote {len(files)} table(s) to {out}: " + ", ".join(f.name for f in files),
        highlight=False,
    )


def sensitivity(
    scenario: Annotated[
        str, typer.Argument(help="Shipped scenario name or scenario folder.")
    ] = "central-america",
    method: Annotated[str, typer.Option("--method", help="sobol or morris.")] = "sobol",
    params: Annotated[
        str | None,
        typer.Option("--params", help="Comma list of module.name (default: all with a range)."),
    ] = None,
    indicators: Annotated[
        str | None,
        typer.Option(
            "--indicators",
            help="Comma list of indicator:region:year (or year0-year1 for a mean).",
        ),
    ] = None,
    n: Annotated[
        int,
        typer.Option("--n", min=1, help="Sobol base sample (power of 2) or Morris trajectories."),
    ] = 64,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Sampling and run seed.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for sensitivity_indices.csv and results.duckdb."),
    ] = None,
    until: Annotated[
        int | None, typer.Option("--until", help="End runs in this year (faster).")
    ] = None,
    second_order: Annotated[
        bool, typer.Option("--second-order", help="Sobol: also pairwise indices (more runs).")
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address.")
    ] = None,
    local_cluster: Annotated[
        bool, typer.Option("--local-cluster", help="Start a Dask LocalCluster on 127.0.0.1.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Sobol or Morris sensitivity of chosen indicators to chosen parameters (SALib).

    Prints first-order and total Sobol indices (or Morris mu* and sigma) with 95%
    confidence intervals, and writes them to OUT/sensitivity_indices.csv and the
    sensitivity_indices table of OUT/results.duckdb.
    """
    from ..experiments.sensitivity import METHODS, Sensitivity

    if method not in METHODS:
        raise typer.BadParameter(f"--method must be one of {', '.join(METHODS)}")
    if out is not None:
        check_out_dir(out)  # an unusable --out stops here, before any work
    kw = _backend(workers, scheduler, local_cluster)
    sa = Sensitivity(
        scenario,
        params=_split(params),
        outputs=_split(indicators),
        method=method,
        n=n,
        seed=seed,
        until=until,
        second_order=second_order,
    )
    if not quiet:
        console.print(
            f"{method}: {len(sa.space)} parameters, {len(sa.outputs)} output(s), "
            f"{sa.n_runs} runs on {_backend_label(kw)}",
            highlight=False,
        )
    from ..experiments.ensemble import EnsembleError

    try:
        # one line per run would flood a batch log: the bar shows only on a terminal
        with _Progress(
            f"{method} sensitivity", sa.n_runs, quiet=quiet or not sys.stderr.isatty()
        ) as prog:
            res = sa.run(out=out, progress=prog, **kw)
    except EnsembleError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    for o in sa.outputs:
        w = res.wide(o.label)
        tb = Table(title=f"{method} indices of {o.label} (95% confidence intervals)")
        tb.add_column("parameter")
        cols = [("S1", "first order S1"), ("ST", "total ST")]
        if method == "morris":
            cols = [("mu_star", "mu*"), ("sigma", "sigma"), ("mu", "mu")]
        for _, label in cols:
            tb.add_column(label, justify="right")
        for name, r in w.iterrows():
            cells = []
            for c, _ in cols:
                v, ci = r.get(c), r.get(f"{c}_conf")
                cells.append(
                    f"{v:.3g}"
                    if ci is None or ci != ci
                    else f"{v:.3g} [{v - ci:.3g}, {v + ci:.3g}]"
                )
            tb.add_row(str(name), *cells)
        console.print(tb)
    console.print(
        f"{sa.n_runs} runs in {res.elapsed:.1f} s ({sa.n_runs / max(res.elapsed, 1e-9) * 60:.0f} runs/min)"
        + (
            f"; wrote {out / 'sensitivity_indices.csv'} and {out / 'results.duckdb'}" if out else ""
        ),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("ensemble")(ensemble)
    app.command("export")(export)
    app.command("sensitivity")(sensitivity)
