"""Screenshot the flow map, the report and the dashboard into docs/ (for the README).

Needs Debian's Chromium (``apt-get install -y chromium``) and the ``playwright``
Python package (``pip install -e '.[dev]'``); never ``playwright install``.

    .venv/bin/python scripts/screenshots.py            # docs/map.png, docs/report.png, docs/dashboard.png
    .venv/bin/python scripts/screenshots.py --out /tmp  # elsewhere

One command rewrites all three from the current model (a few minutes on 2 cores):

- the map is the default run's cocaine flow and seizures in 2007-2012 (the
  model's prediction, one replicate), with the Atlantic inset and the size key,
  rendered offline from the report's own HTML;
- the report is ``isthmus report central-america --seeds 5`` opened in Chromium:
  the top of the page (contents, key findings with intervals, the effects table);
- the dashboard shot starts ``isthmus serve`` on a free loopback port, switches
  on the interdiction-surge lever (Guatemala and Honduras, +100%), presses Run
  and waits for the effects table and the difference map (1440 px wide, tall enough to
  show both; the browser tests check the table alone fits 1440x900).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
FIGS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
  names: (el.data || []).map(t => t.name || ''),
  geo: el.querySelectorAll('.geo .layer.land path').length,
}))"""


def shoot_map(browser, out: Path) -> Path:  # noqa: ANN001
    """docs/map.png: flows and seizures of the default run, 2007-2012."""
    from isthmus.viz.maps import flow_map
    from isthmus.viz.rundata import simulate

    rd = simulate("central-america", seed=0)
    fig = flow_map(
        rd,
        (2007, 2012),
        height=680,
        title="Cocaine flow (lines, t/yr) and seizures (bubbles), 2007-2012 (prediction): "
        "the scenario as shipped, seed 0",
    )
    return _shoot_map_figure(browser, fig, out / "map.png")


def _shoot_map_figure(browser, fig, path: Path) -> Path:  # noqa: ANN001
    """Screenshot one plotly map in an offline page once its base map has drawn."""
    from isthmus.viz.geo import offline_page

    fig.update_layout(width=1100)
    with tempfile.TemporaryDirectory() as d:
        page_file = Path(d) / "map.html"
        page_file.write_text(offline_page([fig], "isthmus map"), encoding="utf-8")
        page = browser.new_page(viewport={"width": 1120, "height": 700})
        page.goto(page_file.as_uri())
        page.wait_for_selector(".geo .layer.land path", timeout=60_000)
        page.wait_for_timeout(500)
        page.locator(".isthmus-fig").first.screenshot(path=str(path))
        page.close()
    return path


def shoot_vector_map(browser, out: Path) -> Path:  # noqa: ANN001
    """docs/flows-by-vector.png: US-bound flows by departure vector, 2000-2006 (default run)."""
    from isthmus import Sim
    from isthmus.experiments.runs import vector_link_tons
    from isthmus.viz.maps import vector_flow_map
    from isthmus.viz.rundata import simulate

    rd = simulate("central-america", seed=0)
    sim = Sim("central-america", seed=0)
    sim.init()
    sim.spin_up()
    tons = vector_link_tons(sim, (2000, 2006))
    fig = vector_flow_map(
        rd,
        tons,
        title="US-bound cocaine by departure vector, t/year, 2000-2006 (calibration years): "
        "default run, seed 0",
    )
    return _shoot_map_figure(browser, fig, out / "flows-by-vector.png")


def shoot_report(browser, out: Path) -> Path:  # noqa: ANN001
    """docs/report.png: the top of the report (5 seeds): contents, findings, effects."""
    with tempfile.TemporaryDirectory() as d:
        html = Path(d) / "report.html"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "isthmus",
                "report",
                "central-america",
                "--seeds",
                "5",
                "--out",
                str(html),
            ],
            check=True,
            capture_output=True,
        )
        page = browser.new_page(viewport={"width": 1240, "height": 1500})
        page.goto(html.as_uri())
        page.wait_for_selector("#effects", timeout=60_000)
        page.wait_for_timeout(1000)
        path = out / "report.png"
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": 1240, "height": 1500})
        page.close()
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shoot_dashboard(browser, out: Path) -> Path:  # noqa: ANN001
    """docs/dashboard.png: the dashboard after one lever and Run."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from isthmus.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.time() + 90
            while True:
                try:
                    with urllib.request.urlopen(url + "_stcore/health", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError("isthmus serve did not start") from None
                    time.sleep(0.3)
            page = browser.new_page(viewport={"width": 1440, "height": 1560})
            page.goto(url)
            page.wait_for_function(f"() => ({FIGS_JS})().some(f => f.geo > 0)", timeout=300_000)
            page.get_by_text("Interdiction surge", exact=True).click()
            page.get_by_text("countries", exact=True).wait_for(timeout=30_000)
            page.get_by_role("button", name="Run").click()
            page.get_by_text("Effects of the levers").wait_for(timeout=300_000)
            page.wait_for_function(
                f"""() => ({FIGS_JS})().some(f => f.geo > 0
                       && f.names.some(n => n.startsWith('more flow than')))""",
                timeout=300_000,
            )
            page.wait_for_timeout(1500)
            path = out / "dashboard.png"
            page.screenshot(path=str(path))
            page.close()
            return path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for f in (shoot_map, shoot_vector_map, shoot_report, shoot_dashboard):
                path = f(browser, args.out)
                print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
