"""isthmus: a calibrated simulation and policy laboratory for the transnational
illicit flows through Central America and the Caribbean.

Examples
--------
>>> import isthmus
>>> sim = isthmus.Sim("central-america", seed=1)
>>> res = sim.run()
>>> float(res.annual("delivered_t", "usa", 2005)) > 0
True
"""

__version__ = "0.1.0"

from .engine.sim import Results, Sim  # noqa: E402
from .scenario import load_scenario  # noqa: E402

__all__ = ["Sim", "Results", "load_scenario", "__version__"]
