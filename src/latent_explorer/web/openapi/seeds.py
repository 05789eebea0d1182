"""Paths of an experiment's seeds: their progress and summary per iteration, and cancelling."""

from __future__ import annotations

from typing import Any

from ...contract.seeds import SeedsAlignedQuery
from .operations import (
    P_EXPERIMENT,
    P_ITERATION,
    experiment_errors,
    iteration_errors,
    json_response,
    operation,
)
from .schema import float32_response, query_parameters, ref


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
        f"{exp}/iterations/{{k}}/seeds/aligned": {
            "get": operation(
                "getSeedsAligned",
                "Every seed's coordinates of the iteration turned, mirrored, scaled and shifted "
                "onto the first seed's (orthogonal Procrustes), so the maps' shapes compare",
                "iterations",
                {
                    "200": float32_response(
                        "raw float32, seed after seed in X-Seed-Values' order",
                        "little-endian float32; for each seed x_0..x_{n-1} then y_0..y_{n-1} "
                        "(8nN bytes)",
                        {
                            "X-Points": "n, the number of points",
                            "X-Seeds": "N, the number of seeds",
                            "X-Seed-Values": "the seeds, comma-separated, the shown first",
                            "X-Iteration": "the iteration",
                        },
                    ),
                    **iteration_errors(
                        {
                            400: "`bad_format` (f32 is the only form) or `bad_query`",
                            404: "`not_available`: the experiment was trained with one seed",
                            409: "`not_measured`: a seed of the iteration is not in yet",
                        }
                    ),
                },
                parameters=[P_EXPERIMENT, P_ITERATION, *query_parameters(SeedsAlignedQuery)],
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
