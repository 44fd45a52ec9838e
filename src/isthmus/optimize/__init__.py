"""Where to put interdiction effort: a leader-follower optimiser and the three-arm experiment.

- :mod:`~isthmus.optimize.objectives`: what an allocation is for (route-flow objectives);
- :mod:`~isthmus.optimize.surrogate`: the leader-follower problem over snapshots of a run;
- :mod:`~isthmus.optimize.solver`: the budget-constrained optimiser (one for every arm);
- :mod:`~isthmus.optimize.plan`: status quo, unilateral and coordinated arms
  (``isthmus optimize``, finding F8);
- :mod:`~isthmus.optimize.gap`: the optimality gap against exhaustive search.

The engine only lends what the optimiser needs (:mod:`isthmus.engine.response`: the
seizure shares under extra effort and the traffickers' route choice, with its
derivative; and the ``link_effort`` intervention to run an allocation).
"""

from .plan import ARMS, OptimizeResult, OptimizeSpec, run_optimize

__all__ = ["ARMS", "OptimizeResult", "OptimizeSpec", "run_optimize"]
