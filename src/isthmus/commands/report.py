"""``isthmus report``: a self-contained HTML threat assessment of a run."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Annotated

import typer

from .common import console, progress_bar

NO_POLICIES = "no-policies"


def _load(spec: str, seed: int, label: str | None, bar, what: str):  # noqa: ANN001, ANN202
    from ..scenario import Problem, ScenarioError
    from ..viz.rundata import is_run_dir, load_run_dir, simulate

    if is_run_dir(spec):
        return load_run_dir(spec, label=label)
    if Path(spec).exists() and not Path(spec).is_dir():
        raise ScenarioError([Problem(spec, None, None, "not a scenario folder or a run folder")])
    task = bar.add_task(f"running {what}", total=None)
    rd = simulate(
        spec,
        seed=seed,
        label=label,
        progress=lambda k, n: bar.update(task, completed=k, total=n),
    )
    return rd


def report(
    run: Annotated[
        str,
        typer.Argument(
            help="Shipped scenario name, scenario folder (run it), or run folder from "
            "`isthmus run --out DIR` (read DIR/results.duckdb)."
        ),
    ] = "central-america",
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Baseline: a scenario, scenario folder or run folder; 'no-policies' (the "
            "default) is the same scenario without its dated policies; 'none' for no baseline.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Run seed (scenarios only).")] = 0,
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
        int,
        typer.Option("--pivot", help="Last year of the 'before' period (calibration ends 2006)."),
    ] = 2006,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print a PDF next to the HTML (needs chromium).")
    ] = False,
) -> None:
    """Write a self-contained HTML threat assessment: findings from the run's numbers, maps, charts,
    the comparison with a baseline and the provenance of every input. Works offline."""
    from ..scenario import Problem, ScenarioError
    from ..viz.report import build_report, load_findings, print_pdf
    from ..viz.rundata import simulate, without_policies

    t0 = time.perf_counter()
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
    with progress_bar() as bar:
        rd = _load(run, seed, None, bar, run)
        base = None
        comp = (compare or NO_POLICIES).strip()
        if comp.lower() == "none":
            base = None
        elif comp == NO_POLICIES:
            if rd.scenario is None:
                rd.notes.append(
                    "no baseline: the run's scenario is not available to remove its policies"
                )
            elif not rd.scenario.policies:
                rd.notes.append("no baseline: the scenario has no dated policies to remove")
            else:
                task = bar.add_task("running the no-policy baseline", total=None)
                base = simulate(
                    without_policies(rd.scenario),
                    seed=rd.seed,
                    params=rd.params or None,
                    label="no dated policies",
                    progress=lambda k, n: bar.update(task, completed=k, total=n),
                )
        else:
            base = _load(comp, seed, f"baseline ({Path(comp).name or comp})", bar, comp)
        if base is not None and rd.label == base.label:
            base.label = f"{base.label} (baseline)"
        args = ["isthmus", "report", run, "--seed", str(seed), "--out", str(out)]
        if compare:
            args += ["--compare", compare]
        if findings is not None:
            args += ["--findings", str(findings)]
        if optimize is not None:
            args += ["--optimize", str(optimize)]
        if pivot != 2006:
            args += ["--pivot", str(pivot)]
        cmd = " ".join(shlex.quote(a) for a in args)
        path = build_report(
            rd, base, out=out, findings=table, pivot=pivot, command=cmd, optimize=opt
        )
    size = path.stat().st_size / 1e6
    console.print(f"wrote {path} ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    if pdf:
        try:
            p = print_pdf(path, path.with_suffix(".pdf"))
            console.print(f"wrote {p}")
        except (FileNotFoundError, OSError) as exc:
            console.print(f"[yellow]no PDF:[/] {exc}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
