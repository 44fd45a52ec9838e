"""The ``isthmus`` command line: a thin layer over the Python API.

Commands live in :mod:`isthmus.commands`, one module per feature, each with a
``register(app)`` function; this file only assembles them and turns
validation errors into a clear message and exit code 2 (never a traceback).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import sys

import typer
from rich.console import Console
from rich.markup import escape

from .results.atomic import OutputError, describe_os_error
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


#: At most this many problems are printed; the rest are counted (a junk file can hold millions).
MAX_PRINTED = 50


def report_scenario_error(exc: ScenarioError) -> None:
    """Print the validation problems (the first :data:`MAX_PRINTED`), one per line, no traceback."""
    n = exc.total
    err.print(f"[bold red]error:[/] {n} problem(s) in the input; nothing was run or written.")
    for p in exc.problems[:MAX_PRINTED]:
        err.print(f"  {p}", markup=False, highlight=False, soft_wrap=True)
    if n > MAX_PRINTED:
        err.print(f"  ... and {n - MAX_PRINTED} more; fix these first.", highlight=False)


def _on_sigterm(signum: int, frame: object) -> None:
    # why: a plain SIGTERM would end the process without running the clean-up of
    # temporary output folders; as an exception, every `finally` runs.
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point of the ``isthmus`` command.

    User errors (bad input, unusable output paths, a full disk) end with a
    one-line message and a non-zero exit code, never a traceback; set
    ``ISTHMUS_DEBUG=1`` to see the traceback of an OS error.
    """
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except ScenarioError as exc:
        report_scenario_error(exc)
        sys.exit(2)
    except OutputError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        if os.environ.get("ISTHMUS_DEBUG"):
            raise
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        err.print(
            f"[bold red]error:[/] {escape(describe_os_error(exc) + where)}",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
