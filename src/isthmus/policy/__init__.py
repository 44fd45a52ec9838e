"""Policies: dated interventions that change the model's inputs."""

from ..engine.levers import register_parser
from .interventions import (
    INTERVENTIONS,
    Intervention,
    dump_policies,
    intervention,
    load_policy_file,
    parse_policies,
)
from .library import (
    AntiCorruption,
    CoordinatedAllocation,
    CrimePrevention,
    InterdictionSurge,
    InternationalCooperation,
    JusticeCapacity,
    KingpinStrategy,
    LinkEffort,
    MilitaryDeployment,
    PoliceReform,
    UnilateralAllocation,
    USDemandReduction,
)

register_parser(parse_policies)

__all__ = [
    "INTERVENTIONS",
    "AntiCorruption",
    "CoordinatedAllocation",
    "CrimePrevention",
    "Intervention",
    "InterdictionSurge",
    "InternationalCooperation",
    "JusticeCapacity",
    "KingpinStrategy",
    "LinkEffort",
    "MilitaryDeployment",
    "PoliceReform",
    "USDemandReduction",
    "UnilateralAllocation",
    "dump_policies",
    "intervention",
    "load_policy_file",
    "parse_policies",
]
