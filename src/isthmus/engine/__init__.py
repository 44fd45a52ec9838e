"""The engine: one module per mechanism, run monthly in a fixed order."""

from .network import CompiledNetwork, compile_network
from .sim import STEP_ORDER, Module, Results, Sim, register

__all__ = [
    "CompiledNetwork",
    "compile_network",
    "STEP_ORDER",
    "Module",
    "Results",
    "Sim",
    "register",
]
