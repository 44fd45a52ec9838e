"""``isthmus compare BASE ALT... [--seeds N] [--out DIR]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..results.atomic import atomic_dir, check_out_dir
from .common import console, progress_bar


def _parse_years(text: str) -> tuple[int, int]:
    a, _, b = text.partition("-")
    try:
        y0 = int(a)
        y1 = int(b) if b else y0
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a year or a range like 2008-2012") from None
    if y1 < y0:
        raise typer.BadParameter(f"'{text}': the range ends before it starts")
    return y0, y1


def _fmt(x: float) -> str:
    if x != x:  # NaN
        return "-"
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:,.2f}"
    return f"{x:.3f}"


def compare(
    base: Annotated[
        str, typer.Argument(help="Base: a scenario (name or folder) or a policy file.")
    ],
    alts: Annotated[
        list[str] | None,
        typer.Argument(
            help="Alternatives: scenarios or policy YAML files (applied on top of the base scenario)."
        ),
    ] = None,
    seeds: Annotated[
        int, typer.Option("--seeds", min=1, help="Seeds 0..N-1, the same for every arm.")
    ] = 5,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for compare.csv (summary) and runs.parquet."),
    ] = None,
    years: Annotated[
        str, typer.Option("--years", help="Period of the printed table, e.g. 2008-2012.")
    ] = "2008-2012",
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes (results do not depend on it).")
    ] = 1,
) -> None:
    """Compare scenarios or policy files with common random numbers.

    Every arm runs with seeds 0..N-1. The table shows, per alternative, the
    paired difference from the base in the key indicators over the period,
    with its 90% interval over seeds. ``--out DIR`` writes DIR/compare.csv
    (scenario, indicator, region, year, unit, n_seeds, mean, p05, p95,
    diff_mean, diff_p05, diff_p95; the base arm is called ``base`` and a
    policy file's arm is its file stem) and DIR/runs.parquet (every run).
    """
    from ..experiments.compare import Comparison

    period = _parse_years(years)
    if out is not None:
        check_out_dir(out)  # an unusable --out stops here, before any work
    cmp = Comparison.from_args(base, alts or [], seeds=seeds)
    cmp.validate()  # unknown targets stop here, before anything runs or is written
    n = len(cmp.arms) * seeds
    with progress_bar() as bar:
        task = bar.add_task(f"{len(cmp.arms)} arms x {seeds} seeds", total=n)
        cmp.run(progress=lambda k, _n: bar.update(task, completed=k), workers=workers)
    # Not a terminal (a log, a pipe): print the tables at full width rather than at 80 columns.
    wide = console if console.is_terminal else Console(width=120)
    span = f"{period[0]}" if period[0] == period[1] else f"{period[0]}-{period[1]}"
    summary = cmp.summary()
    key = cmp.key_table(period)
    for arm in cmp.arms[1:]:
        d = key[key["scenario"] == arm.name]
        tb = Table(
            title=f"{arm.name} minus {cmp.base_name}, {span}",
            caption=f"tons summed, shares, rates and prices averaged; 90% interval over {seeds} seeds",
        )
        for col in ("indicator", "region", "base", arm.name, "difference", "90% interval"):
            tb.add_column(
                col, justify="left" if col in ("indicator", "region") else "right", no_wrap=True
            )
        last = None
        for r in d.itertuples(index=False):
            tb.add_row(
                r.indicator if r.indicator != last else "",
                r.region,
                _fmt(r.base),
                _fmt(r.value),
                _fmt(r.diff),
                f"[{_fmt(r.diff_p05)}, {_fmt(r.diff_p95)}]",
            )
            last = r.indicator
        wide.print(tb)
    if out is not None:
        with atomic_dir(out) as tmp:
            summary.to_csv(tmp / "compare.csv", index=False)
            cmp.runs.to_parquet(tmp / "runs.parquet", index=False)
            key.to_csv(tmp / "key_differences.csv", index=False)
        console.print(
            f"wrote {out / 'compare.csv'}, {out / 'key_differences.csv'} and {out / 'runs.parquet'}"
        )


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
