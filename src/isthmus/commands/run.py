"""``isthmus run`` and ``isthmus plan``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..results.atomic import atomic_dir, check_out_dir
from .common import console, progress_bar


def run(
    scenario: Annotated[
        str, typer.Argument(help="Shipped scenario name or scenario folder.")
    ] = "central-america",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for indicators_annual.csv and results.duckdb."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Run seed (same seed, same results).")] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Do not print the yearly summary.")
    ] = False,
) -> None:
    """Run a scenario, print a yearly summary and write its results."""
    from ..engine.sim import Sim
    from ..results.summary import tables

    if out is not None:
        check_out_dir(out)  # an unusable --out stops here, before any work
    sim = Sim(scenario, seed=seed)  # validation errors surface here, before anything is written
    with progress_bar() as bar:
        task = bar.add_task(f"running {sim.scenario.name}", total=sim.n_months)
        res = sim.run(progress=lambda k, n: bar.update(task, completed=k))
    if not quiet:
        console.print(sim.plan)
        for tb in tables(res.indicators_annual):
            console.print(tb)
    if out is not None:
        from ..results.store import write_run  # duckdb: loaded only to write

        with atomic_dir(out) as tmp:
            res.indicators_annual.to_csv(tmp / "indicators_annual.csv", index=False)
            res.ledger.to_csv(tmp / "ledger.csv", index=False)
            write_run(res, tmp / "results.duckdb")
        console.print(f"wrote {out / 'indicators_annual.csv'} and {out / 'results.duckdb'}")


def plan(
    scenario: Annotated[
        str, typer.Argument(help="Shipped scenario name or scenario folder.")
    ] = "central-america",
) -> None:
    """Print the fixed order of the monthly step and which modules are active."""
    from ..engine.sim import Sim

    console.print(Sim(scenario).plan)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("plan")(plan)
