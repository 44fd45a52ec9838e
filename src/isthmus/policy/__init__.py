"""Policies: dated interventions that change the model's inputs."""

from .interventions import INTERVENTIONS, Intervention, dump_policies, intervention, parse_policies
from .library import InterdictionSurge, MilitaryDeployment

__all__ = [
    "INTERVENTIONS",
    "Intervention",
    "InterdictionSurge",
    "MilitaryDeployment",
    "dump_policies",
    "intervention",
    "parse_policies",
]
