"""Experiments built on the engine: ensembles, sensitivity analysis and comparisons."""
