"""Computation core: datasets, models, training, metrics and experiments.

Nothing in here imports Flask, so the core can be used from a notebook or the CLI alone.
"""
