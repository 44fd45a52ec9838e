"""``isthmus serve``: the Streamlit dashboard, on 127.0.0.1 by default, offline."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .common import console

LAUNCHER = '''"""Entry script written by `isthmus serve` (a temporary folder; do not edit)."""
from isthmus.viz.app import main

main()
'''


def prepare_app_dir(dest: Path) -> Path:
    """A folder with the dashboard's entry script and plotly's base maps in ``static/``.

    Streamlit serves ``static/`` next to the main script at ``/app/static/``; the
    figures point plotly there (``topojsonURL``) instead of its CDN.
    """
    from ..viz.geo import data_dir

    dest.mkdir(parents=True, exist_ok=True)
    (dest / "static").mkdir(exist_ok=True)
    for res in ("110m", "50m"):
        _write_atomic(
            dest / "static" / f"world_{res}.json",
            (data_dir() / f"plotly_world_{res}.json").read_bytes(),
        )
    script = dest / "isthmus_dashboard.py"
    _write_atomic(script, LAUNCHER.encode())
    return script


def _write_atomic(path: Path, data: bytes) -> None:
    # Two dashboards may start at once: never let one read a half-written file.
    if path.exists() and path.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def streamlit_command(script: Path, host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line: loopback, headless, no telemetry, static files on."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.enableStaticServing",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--theme.base",
        "light",
    ]


def app_dir() -> Path:
    """Where the entry script and static files go: a per-user cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    d = Path(base) / "isthmus" / "dashboard"
    try:
        d.mkdir(parents=True, exist_ok=True)
        return d
    except OSError:
        return Path(tempfile.mkdtemp(prefix="isthmus-dashboard-"))


def port_problem(host: str, port: int) -> str | None:
    """Why the dashboard cannot listen on ``host:port`` (None if it can).

    Binds a socket for a moment, as Streamlit will: a busy port is found
    before any URL is printed.

    Examples
    --------
    >>> import socket
    >>> s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); busy = s.getsockname()[1]
    >>> "in use" in port_problem("127.0.0.1", busy)
    True
    >>> s.close()
    """
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot use the address {host!r}: {exc.strerror or exc}"
    fam, kind, proto, _, addr = infos[0]
    with socket.socket(fam, kind, proto) as s:
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use (another dashboard or program)"
            if exc.errno == errno.EACCES:
                return f"port {port} on {host} needs privileges"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to bind (default loopback: not reachable from other machines)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Start the dashboard: pick a scenario, move policy levers, run, compare with a baseline."""
    from ..viz.app import TOPOJSON_ENV

    bad = port_problem(host, port)
    if bad:
        err = Console(stderr=True)
        err.print(f"[bold red]error:[/] {bad}.", highlight=False)
        err.print(
            f"Choose another port with --port, e.g. `isthmus serve --port {port + 1}`.",
            highlight=False,
        )
        raise typer.Exit(code=2)
    script = prepare_app_dir(app_dir())
    env = dict(os.environ)
    env[TOPOJSON_ENV] = "app/static/"
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]warning:[/] listening on {host}: reachable from other machines")
    console.print(f"isthmus dashboard on http://{host}:{port}  (Ctrl+C to stop)")
    sys.stdout.flush()
    cmd = streamlit_command(script, host, port)
    # Replace this process by Streamlit, so signals (Ctrl+C, a test's terminate) reach it.
    os.execve(cmd[0], cmd, env)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
