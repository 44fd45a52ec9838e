"""isthmus: a calibrated simulation and policy laboratory for the transnational illicit
flows through Central America and the Caribbean.

``import isthmus`` is cheap: :class:`Sim`, :class:`Results` and :func:`load_scenario`
(and with them numpy, scipy and pandas) are imported on first use.

Examples
--------
>>> import isthmus
>>> sim = isthmus.Sim("central-america", seed=1)
>>> res = sim.run()
>>> float(res.annual("delivered_t", "usa", 2005)) > 0
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Sim", "Results", "load_scenario", "__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .engine.sim import Results, Sim
    from .scenario import load_scenario

# Public name -> module that defines it (imported on first access: PEP 562).
_LAZY = {"Sim": ".engine.sim", "Results": ".engine.sim", "load_scenario": ".scenario"}


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'isthmus' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(mod, __name__), name)
    globals()[name] = value  # next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
