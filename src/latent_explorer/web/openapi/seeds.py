"""Paths of an experiment's seeds: their progress and summary per iteration, and cancelling."""

from __future__ import annotations

from typing import Any

from .operations import (
    P_EXPERIMENT,
    P_ITERATION,
    experiment_errors,
    iteration_errors,
    json_response,
    operation,
)
from .schema import ref


def seed_paths() -> dict[str, Any]:
    exp = "/api/experiments/{experiment_id}"
    return {
        f"{exp}/iterations/{{k}}/seeds": {
            "get": operation(
                "getSeeds",
                "The iteration under every seed: how many are done and, once all are, each "
                "metric's mean with its 95% interval, the paired verdict against the parent "
                "and the stability summary",
                "iterations",
                {
                    "200": json_response(ref("Seeds"), "seeds done of total, and the summary"),
                    **iteration_errors({400: "`bad_query`: this route takes no parameters"}),
                },
                parameters=[P_EXPERIMENT, P_ITERATION],
            )
        },
        f"{exp}/seeds": {
            "delete": operation(
                "cancelSeeds",
                "Cancel every queued or running seed job of the experiment (the main chain "
                "goes on); later iterations then train one seed",
                "experiments",
                {
                    "200": json_response(ref("SeedsCancelled"), "how many were active"),
                    **experiment_errors(),
                },
                parameters=[P_EXPERIMENT],
            )
        },
    }
