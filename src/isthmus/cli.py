"""The ``isthmus`` command line: a thin layer over the Python API.

Commands live in :mod:`isthmus.commands`, one module per feature, each with a
``register(app)`` function; this file only assembles them and turns
validation errors into a clear message and exit code 2 (never a traceback).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from rich.console import Console

from .scenario.errors import ScenarioError

app = typer.Typer(
    name="isthmus",
    help="Simulation and policy laboratory for illicit flows through Central America and the Caribbean.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def _register_commands() -> None:
    from . import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(mod, "register"):
            mod.register(app)


_register_commands()


def report_scenario_error(exc: ScenarioError) -> None:
    """Print every validation problem, one per line, without a traceback."""
    err.print(
        f"[bold red]error:[/] {len(exc.problems)} problem(s) in the input; nothing was run or written."
    )
    for p in exc.problems:
        err.print(f"  {p}", markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point of the ``isthmus`` command."""
    try:
        app()
    except ScenarioError as exc:
        report_scenario_error(exc)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
