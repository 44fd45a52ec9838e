"""Joint fit probe: route and chain parameters by differential evolution, with the market
levels refitted inside every evaluation (so the route fit and the market fit cannot undo
each other). Written for the bounded arrest premium (``bounded-arrest-premium.patch``);
not a replacement for ``scripts/calibrate_default.py``.

Usage (from the project root, the patch applied)::

    PYTHONPATH=src .venv/bin/python docs/attempts/joint_calibration_probe.py \
        src/isthmus/scenario/shipped/central-america 16 6

It needs the patch: its range for ``markets.arrest_premium`` (0-8, per unit of arrest
risk) is that of the bounded premium. On the unbounded premium of ``main`` such values
multiply the price on the most patrolled links by up to e^16 and the market ledger's
check stops the run ("market ledger does not balance").

Prints the loss at the scenario's values, the search's progress, the loss after and the
values found; writes every fitted value (market levels included) to
``/tmp/joint_final.json``. Nothing in the scenario folder is changed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from isthmus.engine import markets as mk
from isthmus.experiments.calibration import Calibration

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import calibrate_default  # noqa: E402 - the project's calibration script, for its tables

# The route search's parameters and targets, without the demand levels (refitted inside
# every evaluation here), with the logit's scale open below 12 and the bounded premium's
# range (per unit of arrest risk).
ROUTE_PARAMS = {
    k: v for k, v in calibrate_default.ROUTE_PARAMS.items() if not k.endswith("_demand_t_at_100")
}
ROUTE_PARAMS.update({"routes.theta": (0.5, 45.0), "markets.arrest_premium": (0.0, 8.0)})
TARGETS = calibrate_default.ROUTE_TARGETS
LEVELS = ("demand_t_at_100", "purity_at_100", "users_at_100", "import_markup")


class Joint(Calibration):
    """A calibration whose every evaluation first refits the market levels."""

    def with_levels(self, params: dict[str, float]) -> dict[str, float]:
        fitted, _ = mk.calibrate(self.sim_scenario, params=dict(params), rounds=0, iterations=2)
        levels = {k: v for k, v in fitted.items() if k.split(".")[1].split("_", 1)[-1] in LEVELS}
        return {**params, **levels}

    def run_models(self, params: dict[str, float]) -> list:
        return super().run_models(self.with_levels(params))


def main() -> None:
    folder, maxiter, popsize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cal = Joint(folder, parameters=ROUTE_PARAMS, targets=TARGETS, seeds=[0, 1])
    t0 = time.time()
    print("loss at the scenario's values (levels refitted):", round(cal.loss(), 4), flush=True)

    def prog(done: int, total: int, best: float) -> None:
        if done % 50 == 0 or done == total:
            print(f"  {done}/{total} best {best:.3f} ({time.time() - t0:.0f} s)", flush=True)

    res = cal.run(maxiter=maxiter, popsize=popsize, seed=0, workers=2, progress=prog)
    print("loss", res.loss_before, "->", res.loss_after, flush=True)
    final = cal.with_levels({**cal.scenario_params, **res.after})
    with open("/tmp/joint_final.json", "w") as f:
        json.dump(final, f, indent=1)
    print(json.dumps(res.after, indent=1))


if __name__ == "__main__":
    main()
