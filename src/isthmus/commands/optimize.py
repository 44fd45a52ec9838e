"""``isthmus optimize``: where should the region put its interdiction effort?"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..results.atomic import atomic_dir, check_out_dir
from .common import console, progress_bar


def optimize(
    scenario: Annotated[str, typer.Argument(help="Scenario name or folder.")],
    budget: Annotated[
        float,
        typer.Option(
            "--budget",
            help="Effort units added over the window (1 unit = 1,000 personnel-equivalents, "
            "the unit of the countries table); the same total in both arms.",
        ),
    ],
    countries: Annotated[
        str, typer.Option("--countries", help="Participating countries, ISO3, comma-separated.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (written atomically).")],
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="The coordinated arm's objective: us_delivered, homicides or seized_value.",
        ),
    ] = "us_delivered",
    start: Annotated[
        str, typer.Option("--from", help="First month of the window (YYYY-MM).")
    ] = "2008-01",
    end: Annotated[
        str, typer.Option("--to", help="Last month of the window (YYYY-MM).")
    ] = "2012-12",
    seeds: Annotated[
        int, typer.Option("--seeds", help="Evaluation seeds 0..N-1 (common random numbers).")
    ] = 3,
    unilateral_objective: Annotated[
        str,
        typer.Option(
            "--unilateral-objective",
            help="Each country's own objective in the unilateral arm: own_flow (tons entering "
            "its territory) or own_seizures.",
        ),
    ] = "own_flow",
    split: Annotated[
        str,
        typer.Option(
            "--split",
            help="Countries' shares of the budget in the unilateral arm: capacity (own "
            "enforcement capacity), flow (status-quo inflow) or equal.",
        ),
    ] = "capacity",
    rounds: Annotated[
        int,
        typer.Option(
            "--rounds",
            help="Plan / re-run the model / re-plan rounds (successive averages of the states).",
        ),
    ] = 4,
    train_seeds: Annotated[
        int, typer.Option("--train-seeds", help="Training runs the plans are made on.")
    ] = 2,
    follower: Annotated[
        str,
        typer.Option(
            "--follower",
            help="How the planners anticipate the traffickers: adaptive (they learn and "
            "re-route at the model's own pace) or equilibrium (fully adjusted at once).",
        ),
    ] = "equilibrium",
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = max(
        1, min(2, os.cpu_count() or 1)
    ),
) -> None:
    """Compare status quo, unilateral and coordinated allocations of one budget.

    Both arms use the same optimiser (a leader-follower allocation that anticipates the
    traffickers' route choice) and the same total budget; only who optimises what differs.
    Writes allocation.csv, summary.csv, summary_by_seed.csv, country_flow.csv,
    link_flow.csv, the allocations as policy files (policies/*.yaml), maps.html (each
    arm's allocation and the flow change it causes) and optimize.json.
    """
    from ..optimize.plan import OptimizeSpec, run_optimize
    from ..policy import dump_policies, parse_policies

    spec = OptimizeSpec(
        scenario,
        budget=budget,
        countries=[c.strip().upper() for c in countries.split(",") if c.strip()],
        objective=objective,
        start=start,
        end=end,
        seeds=seeds,
        unilateral_objective=unilateral_objective,
        split=split,
        rounds=rounds,
        train_seeds=train_seeds,
        follower=follower,
        workers=workers,
    )
    spec.validate()  # exits 2 with every problem before anything runs or is written
    check_out_dir(out)  # an unusable --out stops here, before any work
    with progress_bar() as bar:
        task = bar.add_task("optimize: status quo", total=1)

        def tick(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total, description=f"optimize: {stage}")

        res = run_optimize(spec, progress=tick)
    from ..viz.optimize_maps import maps_page

    with atomic_dir(out) as tmp:
        res.allocation.to_csv(tmp / "allocation.csv", index=False)
        res.summary.to_csv(tmp / "summary.csv", index=False)
        res.by_seed.to_csv(tmp / "summary_by_seed.csv", index=False)
        res.country_flow.to_csv(tmp / "country_flow.csv", index=False)
        res.link_flow.to_csv(tmp / "link_flow.csv", index=False)
        (tmp / "policies").mkdir()
        for arm in ("unilateral", "coordinated"):
            ivs = parse_policies(res.policies(arm), f"{arm}.yaml")
            (tmp / "policies" / f"{arm}.yaml").write_text(dump_policies(ivs), encoding="utf-8")
        (tmp / "maps.html").write_text(maps_page(res), encoding="utf-8")
        (tmp / "optimize.json").write_text(
            json.dumps({"spec": res.spec, "diagnostics": res.diagnostics}, indent=2, default=str),
            encoding="utf-8",
        )
    t = Table(
        title=f"{res.spec['scenario']}, {start} to {end}: {budget:g} effort units, "
        f"{len(spec.countries)} countries, means over {seeds} seed(s)"
    )
    cols = [
        ("arm", "arm"),
        ("objective", "objective"),
        ("us_delivered_t", "US delivered (t)"),
        ("seized_t", "seized (t)"),
        ("value_per_seizure_usd", "value per seizure (USD)"),
        ("active_places", "active places"),
        ("flow_outside_participants_t", "flow outside participants (t)"),
        ("homicides", "homicides"),
    ]
    for _, label in cols:
        t.add_column(label, justify="right")
    for _, r in res.summary.iterrows():
        t.add_row(
            *[str(r[k]) if k in ("arm", "objective") else f"{float(r[k]):,.0f}" for k, _ in cols]
        )
    Console(width=max(console.width, 140)).print(t)
    s = res.summary.set_index("arm")
    u, c = s.loc["unilateral", "us_delivered_t"], s.loc["coordinated", "us_delivered_t"]
    if u > 0:
        console.print(f"coordinated vs unilateral, US delivered: {c / u - 1:+.1%}")
    console.print(f"wrote {out} ({res.diagnostics['seconds']:.0f} s)")


def register(app: typer.Typer) -> None:
    app.command("optimize")(optimize)
