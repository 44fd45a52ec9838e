"""``isthmus findings``: the seed's findings F1-F10 as experiments."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .common import console, progress_bar


def findings(
    scenario: Annotated[str, typer.Argument(help="Scenario name or folder.")] = "central-america",
    seeds: Annotated[
        int, typer.Option("--seeds", min=1, help="Seeds per experiment (common random numbers).")
    ] = 20,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the table as JSON here.")
    ] = None,
    only: Annotated[
        str | None, typer.Option("--only", help="Comma-separated finding ids, e.g. F1,F8.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = max(
        1, min(2, os.cpu_count() or 1)
    ),
) -> None:
    """Run one experiment per finding F1-F10 and say whether each holds (exit 1 if any fails)."""
    from ..experiments.findings import FINDINGS, run_findings
    from ..results.atomic import atomic_file, check_out_file
    from ..scenario import Problem, ScenarioError, load_scenario

    if json_path is not None:
        check_out_file(json_path, label="--json")  # before an hour of experiments, not after
    ids = [s.strip().upper() for s in only.split(",")] if only else None
    known = {f.id for f in FINDINGS}
    if ids and set(ids) - known:
        raise ScenarioError(
            [
                Problem(
                    "--only",
                    None,
                    None,
                    f"unknown findings {sorted(set(ids) - known)} (known: {', '.join(sorted(known))})",
                )
            ]
        )
    sc = load_scenario(scenario)
    with progress_bar() as bar:
        task = bar.add_task(f"findings on {sc.name}, {seeds} seed(s)", total=seeds)
        rep = run_findings(
            sc,
            seeds=seeds,
            ids=ids,
            workers=workers,
            progress=lambda k, n: bar.update(task, completed=k),
        )
    t = Table(
        title=f"Seed findings on {sc.name} ({seeds} seeds; holds = criterion met in >= 90% of seeds)",
        show_lines=True,
    )
    for c in (
        "id",
        "finding",
        "experiment",
        "measured effect (mean, 90% interval)",
        "seeds",
        "holds",
    ):
        t.add_column(c, overflow="fold")
    for f in rep.findings:
        eff = f"{f.effect_label}: {f.effect:+.3g} [{f.interval[0]:+.3g}, {f.interval[1]:+.3g}]"
        t.add_row(
            f.id,
            f.description,
            f.experiment,
            eff,
            f"{f.share_of_seeds:.0%}",
            "[green]yes[/]" if f.holds else "[red]no[/]",
        )
    Console(width=max(console.width, 150)).print(t)
    if json_path is not None:
        with atomic_file(json_path, label="--json") as tmp:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(rep.to_json(), fh, indent=2)
        console.print(f"wrote {json_path}")
    held = sum(f.holds for f in rep.findings)
    console.print(f"findings held: {held}/{len(rep.findings)}")
    if not rep.all_hold:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("findings")(findings)
