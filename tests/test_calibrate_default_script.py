"""scripts/calibrate_default.py keeps the better of the scenario it starts from and the one
it writes (by the route search's loss), so a run never leaves a worse fit behind."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def script(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    spec = importlib.util.spec_from_file_location(
        "calibrate_default", ROOT / "scripts" / "calibrate_default.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "sc"
    out.mkdir()
    (out / "parameters.csv").write_text("start\n")
    (out / "scenario.yaml").write_text("name: x\n")
    monkeypatch.setattr(mod, "OUT", out)

    # stand-ins for the fitting steps: each rewrites the parameters; the route step also
    # leaves a new file behind
    def fit(*_a, **_k) -> None:  # noqa: ANN002, ANN003
        (out / "parameters.csv").write_text("fitted\n")
        (out / "calibration.yaml").write_text("loss: x\n")

    for name in ("_markets", "_routes", "_upkeep", "_violence"):
        monkeypatch.setattr(mod, name, fit)
    return mod, out


def _losses(mod, monkeypatch, values: list[float]) -> None:  # noqa: ANN001
    """The route loss at the start, then at every later stage."""
    start, later = values
    calls = []

    def loss(seeds) -> float:  # noqa: ANN001
        calls.append(seeds)
        return start if len(calls) == 1 else later

    monkeypatch.setattr(mod, "_route_loss", loss)


def test_a_worse_result_is_not_kept(script, monkeypatch) -> None:
    mod, out = script
    _losses(mod, monkeypatch, [1.0, 1.2])
    mod.main(["--rounds", "1"])
    assert (out / "parameters.csv").read_text() == "start\n"
    assert not (out / "calibration.yaml").exists()
    assert (out / "scenario.yaml").read_text() == "name: x\n"


def test_a_better_result_is_kept(script, monkeypatch) -> None:
    mod, out = script
    _losses(mod, monkeypatch, [1.0, 0.9])
    mod.main(["--rounds", "1"])
    assert (out / "parameters.csv").read_text() == "fitted\n"
    assert (out / "calibration.yaml").exists()


def test_keep_worse_keeps_it(script, monkeypatch) -> None:
    mod, out = script
    _losses(mod, monkeypatch, [1.0, 1.2])
    mod.main(["--rounds", "1", "--keep-worse"])
    assert (out / "parameters.csv").read_text() == "fitted\n"
