"""``isthmus scenario list|export|validate|schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import console

scenario_app = typer.Typer(
    help="List, export, validate and document scenarios.", no_args_is_help=True
)


@scenario_app.command("list")
def list_cmd() -> None:
    """Name the shipped scenarios."""
    from ..scenario import list_scenarios, load_scenario

    for name in list_scenarios():
        sc = load_scenario(name)
        console.print(
            f"{name}\t{sc.title}\t{sc.start[0]}-{sc.start[1]:02d} to {sc.end[0]}-{sc.end[1]:02d}"
        )


@scenario_app.command("export")
def export_cmd(
    name: Annotated[str, typer.Argument(help="Shipped scenario name.")],
    dest: Annotated[Path, typer.Argument(help="Folder to copy it into (new or empty).")],
) -> None:
    """Copy a shipped scenario into a folder so you can edit it, then `isthmus run DIR`."""
    from ..results.atomic import OutputWriteError, check_out_dir, describe_os_error
    from ..scenario import export_scenario, resolve

    resolve(name)  # an unknown scenario is reported as such, before the destination
    check_out_dir(dest, label="destination")
    try:
        export_scenario(name, dest)
    except OSError as exc:  # a full disk, a permission: the copy was removed
        raise OutputWriteError(
            f"cannot write {dest}: {describe_os_error(exc)}; nothing was written"
        ) from None
    console.print(
        f"exported {name} to {dest}; edit the CSV/YAML files and run `isthmus run {dest}`"
    )


@scenario_app.command("validate")
def validate_cmd(scenario: Annotated[str, typer.Argument(help="Scenario name or folder.")]) -> None:
    """Validate a scenario (tables, references, parameters and policies) without running it."""
    from ..engine.sim import Sim

    sim = Sim(scenario)
    console.print(
        f"{sim.scenario.name}: valid ({sim.net.n_places} places, {sim.net.n_links} links, "
        f"{sim.net.n_paths} routes in the choice set, {len(sim.interventions)} policies)"
    )


@scenario_app.command("schema")
def schema_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the Markdown here instead of printing it.")
    ] = None,
) -> None:
    """Print (or write) the documentation of the scenario tables, generated from the schema."""
    from ..scenario import schema_markdown

    text = schema_markdown()
    if out:
        from ..results.atomic import atomic_file

        with atomic_file(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
    else:
        console.print(text, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
