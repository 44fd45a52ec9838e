"""Shared fixtures: the default scenario, short variants, and a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HYPOTHESIS_PROFILE", "ci")
from hypothesis import HealthCheck, settings  # noqa: E402

# "ci" (the default, and `make test`): the same examples on every machine and every run,
# so a red CI is a defect anyone can reproduce, never the luck of a random search.
# "dev" (HYPOTHESIS_PROFILE=dev make test): a fresh random search each run, to look for
# new counterexamples (keep any it finds as an @example of its test).
_HC = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("ci", deadline=None, suppress_health_check=_HC, derandomize=True)
settings.register_profile("dev", deadline=None, suppress_health_check=_HC)
settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(scope="session")
def default_scenario():
    from isthmus.scenario import load_scenario

    return load_scenario("central-america")


@pytest.fixture(scope="session")
def default_results():
    from isthmus import Sim

    return Sim("central-america", seed=0).run()


@pytest.fixture()
def scenario_copy(tmp_path: Path) -> Path:
    """An exported copy of the default scenario in a temporary folder."""
    from isthmus.scenario import export_scenario

    dest = tmp_path / "sc"
    export_scenario("central-america", dest)
    return dest


@pytest.fixture()
def cli():
    """Invoke the CLI in-process; returns (exit_code, output)."""
    from typer.testing import CliRunner

    from isthmus import cli as cli_mod
    from isthmus.results.atomic import OutputError
    from isthmus.scenario import ScenarioError

    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        res = runner.invoke(cli_mod.app, list(args), catch_exceptions=True)
        if isinstance(res.exception, ScenarioError):
            # mirror cli.main: report and exit 2
            return 2, "\n".join(str(p) for p in res.exception.problems)
        if isinstance(res.exception, OutputError):
            # mirror cli.main: one line, exit 2 (unusable path) or 1 (failed write)
            return res.exception.exit_code, res.output + f"error: {res.exception}"
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            import traceback

            return 99, "Traceback\n" + "".join(traceback.format_exception(res.exception))
        return res.exit_code, res.output

    return invoke


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
