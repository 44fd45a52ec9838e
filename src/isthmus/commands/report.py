"""``isthmus report``: a self-contained HTML threat assessment of a run, over several seeds."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Annotated

import typer

from .common import console, progress_bar

NO_POLICIES = "no-policies"
SHIPPED_LABEL = "the scenario as shipped"
NO_POLICIES_LABEL = "counterfactual: without its dated policies"


def _run_label(spec: str) -> str:
    """ "the scenario as shipped" for a shipped name, else the scenario folder's name."""
    from ..scenario import list_scenarios

    if spec in list_scenarios() and not Path(spec).exists():
        return SHIPPED_LABEL
    return f"scenario {Path(spec).name or spec}"


def _load(spec: str, seed: int, seeds: int, workers: int, label: str, bar, what: str):  # noqa: ANN001, ANN202
    from ..scenario import Problem, ScenarioError
    from ..viz.rundata import is_run_dir, load_run_dir, simulate

    if is_run_dir(spec):
        return load_run_dir(spec, label=label)
    if Path(spec).exists() and not Path(spec).is_dir():
        raise ScenarioError([Problem(spec, None, None, "not a scenario folder or a run folder")])
    task = bar.add_task(f"running {what} ({seeds} seed{'s' if seeds > 1 else ''})", total=None)
    return simulate(
        spec,
        seed=seed,
        seeds=seeds,
        workers=workers,
        label=label,
        progress=lambda k, n: bar.update(task, completed=k, total=n),
    )


def _check_pivot(spec: str, pivot: int) -> None:
    """Refuse a pivot outside a scenario's run before anything runs (exit 2, nothing written)."""
    from ..scenario import Problem, ScenarioError, load_scenario
    from ..viz.narrative import pivot_problem
    from ..viz.rundata import is_run_dir

    if is_run_dir(spec) or (Path(spec).exists() and not Path(spec).is_dir()):
        return  # checked once the run folder is read
    sc = load_scenario(spec)
    bad = pivot_problem(pivot, sc.start[0], sc.end[0])
    if bad:
        raise ScenarioError([Problem("--pivot", None, None, bad)])


def _missing(path: Path | None) -> Path | None:
    """The first missing folder of ``path`` (None if it exists): created on success, with a note."""
    if path is None:
        return None
    p = path.resolve()
    if p.exists():
        return None
    while not p.parent.exists():
        p = p.parent
    return p


def report(
    run: Annotated[
        str,
        typer.Argument(
            help="Shipped scenario name, scenario folder (run it), or run folder from "
            "`isthmus run --out DIR` (read DIR/results.duckdb; one seed)."
        ),
    ] = "central-america",
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="HTML file to write (a missing folder is created, with a note)."
        ),
    ] = Path("report.html"),
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Counterfactual: a scenario, scenario folder or run folder; 'no-policies' (the "
            "default) is the same scenario without its dated policies; 'none' for no comparison.",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Base seed of the replicates (scenarios only).")
    ] = 0,
    seeds: Annotated[
        int,
        typer.Option(
            "--seeds",
            min=1,
            help="Replicates per run (scenarios only): means and 90% intervals over them.",
        ),
    ] = 5,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Worker processes for the replicates (default: up to 2)."
        ),
    ] = None,
    findings: Annotated[
        Path | None,
        typer.Option(
            "--findings", help="JSON written by `isthmus findings` to include as a table."
        ),
    ] = None,
    optimize: Annotated[
        Path | None,
        typer.Option(
            "--optimize",
            help="Folder written by `isthmus optimize --out DIR`: adds the three-arm section.",
        ),
    ] = None,
    pivot: Annotated[
        int | None,
        typer.Option(
            "--pivot",
            help="Last year of the 'before' period; must lie in the run (default: 2006, the end "
            "of calibration, moved into a shorter run).",
        ),
    ] = None,
    data_out: Annotated[
        Path | None,
        typer.Option(
            "--data-out",
            help="Folder for the tables behind the charts: chart_series.csv (chart, series, kind, "
            "region, year, value, unit, ...), counterfactual_series.csv, effects.csv.",
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print a PDF next to the HTML (needs chromium).")
    ] = False,
) -> None:
    """Write a self-contained HTML threat assessment: findings with 90% intervals over seeds, the
    effects against a counterfactual, maps, the model against the record, and the provenance of
    every input. Works offline."""
    from ..experiments.runs import default_workers
    from ..results.atomic import check_out_dir, check_out_file
    from ..scenario import Problem, ScenarioError
    from ..viz.narrative import pivot_problem
    from ..viz.report import build_report, load_findings
    from ..viz.rundata import simulate, without_policies

    t0 = time.perf_counter()
    check_out_file(out)  # an unusable --out or --data-out stops here, before any work
    if data_out is not None:
        check_out_dir(data_out, "--data-out")
    table = None
    if findings is not None:
        try:
            table = load_findings(findings)
        except (OSError, ValueError) as exc:
            raise ScenarioError(
                [Problem(str(findings), None, None, f"cannot read findings: {exc}")]
            ) from None
    opt = None
    if optimize is not None:
        from ..viz.optimize_panel import load_optimize_dir

        try:
            opt = load_optimize_dir(optimize)
        except ValueError as exc:
            raise ScenarioError([Problem(str(optimize), None, None, str(exc))]) from None
    if pivot is not None:
        _check_pivot(run, pivot)
    nw = workers or default_workers(seeds)
    with progress_bar() as bar:
        rd = _load(run, seed, seeds, nw, _run_label(run), bar, run)
        bad = pivot_problem(pivot, rd.first_year, rd.last_year) if pivot is not None else None
        if bad:
            raise ScenarioError([Problem("--pivot", None, None, bad)])
        base = None
        comp = (compare or NO_POLICIES).strip()
        if comp.lower() == "none":
            base = None
        elif comp == NO_POLICIES:
            if rd.scenario is None:
                rd.notes.append(
                    "no counterfactual: the run's scenario is not available to remove its policies"
                )
            elif not rd.scenario.policies:
                rd.notes.append("no counterfactual: the scenario has no dated policies to remove")
            else:
                task = bar.add_task(
                    f"running the counterfactual without dated policies ({rd.n_seeds} seeds)",
                    total=None,
                )
                base = simulate(
                    without_policies(rd.scenario),
                    seed=rd.seed,
                    seeds=rd.n_seeds,
                    workers=nw,
                    params=rd.params or None,
                    label=NO_POLICIES_LABEL,
                    progress=lambda k, n: bar.update(task, completed=k, total=n),
                )
        else:
            label = f"counterfactual: {Path(comp).name or comp}"
            base = _load(comp, seed, rd.n_seeds, nw, label, bar, comp)
        if base is not None and rd.label == base.label:
            base.label = f"{base.label} (compared)"
        args = ["isthmus", "report", run, "--seed", str(seed), "--seeds", str(seeds)]
        args += ["--out", str(out)]
        if compare:
            args += ["--compare", compare]
        if findings is not None:
            args += ["--findings", str(findings)]
        if optimize is not None:
            args += ["--optimize", str(optimize)]
        if pivot is not None:
            args += ["--pivot", str(pivot)]
        if data_out is not None:
            args += ["--data-out", str(data_out)]
        cmd = " ".join(shlex.quote(a) for a in args)
        new = [d for d in {_missing(out.parent), _missing(data_out)} if d is not None]
        path = build_report(
            rd,
            base,
            out=out,
            findings=table,
            pivot=pivot,
            command=cmd,
            data_out=data_out,
            optimize=opt,
        )
    for d in sorted(new):
        console.print(f"created the folder {d} (it did not exist)", highlight=False)
    size = path.stat().st_size / 1e6
    console.print(f"wrote {path} ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    if data_out is not None:
        console.print(f"wrote the tables behind the charts into {data_out}/")
    if pdf:
        from ..viz.report import print_pdf

        try:
            p = print_pdf(path, path.with_suffix(".pdf"))
            console.print(f"wrote {p}")
        except (FileNotFoundError, OSError) as exc:
            console.print(f"[yellow]no PDF:[/] {exc}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
