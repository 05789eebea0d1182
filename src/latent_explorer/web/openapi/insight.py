"""Paths of the insight blueprint (``web/insight.py``): neighbours, per-point values, attributes, PCA."""

from __future__ import annotations

from typing import Any

from ...contract import NeighboursQuery, PartialPerPointQuery, PerPointQuery
from .operations import (
    P_EXPERIMENT,
    P_ITERATION,
    experiment_errors,
    iteration_errors,
    json_response,
    operation,
)
from .schema import STR, float32_response, query_parameters, ref


def insight_paths() -> dict[str, Any]:
    """Paths of the insight blueprint (neighbours, per-point values, attributes, PCA)."""

    it = "/api/experiments/{experiment_id}/iterations/{k}"
    exp = "/api/experiments/{experiment_id}"
    both = [P_EXPERIMENT, P_ITERATION]
    neighbours, per_point, attribute = ref("Neighbours"), ref("PerPoint"), ref("Attribute")
    listed, pca, stats = ref("Attributes"), ref("Pca"), ref("FeatureStats")
    bad = "`bad_id`, `bad_k` or `bad_space`: the parameter named in the message is invalid"
    f32 = {"type": "string", "format": "binary"}
    return {
        f"{it}/neighbors": {
            "get": operation(
                "getNeighbors",
                "A point's k nearest neighbours in one space, with their rank in the other",
                "iterations",
                {
                    "200": json_response(neighbours, "neighbours, nearest first"),
                    **iteration_errors({400: bad}),
                },
                parameters=[*both, *query_parameters(NeighboursQuery)],
            )
        },
        f"{it}/per_point": {
            "get": operation(
                "getPerPoint",
                "One value per point (local quality, errors) for colouring",
                "iterations",
                {
                    "200": {
                        "description": "values[i] is point i's; format=f32: n little-endian float32 values with X-Points, X-Iteration, X-Key, X-Min, X-Max headers",
                        "content": {
                            "application/json": {"schema": per_point},
                            "application/octet-stream": {"schema": f32},
                        },
                    },
                    **iteration_errors(
                        {
                            400: "`bad_key` or `bad_format`",
                            404: "`not_available`: no such values for this model (kl of an AE)",
                            409: "`not_measured`: the iteration is still being measured",
                        }
                    ),
                },
                parameters=[*both, *query_parameters(PerPointQuery)],
            )
        },
        f"{it}/per_point/partial": {
            "get": operation(
                "getPartialPerPoint",
                "Local trustworthiness or continuity while the iteration is measured: the "
                "points done so far (raw float32)",
                "iterations",
                {
                    "200": float32_response(
                        "the exact values of the points the measure pass has finished, NaN for "
                        "the others (all NaN before it begins)",
                        "n little-endian float32 values; values[i] is point i's",
                        {
                            "X-Points": "n, the number of points",
                            "X-Iteration": "the iteration being measured",
                            "X-Key": "trustworthiness or continuity",
                            "X-Rows-Done": "how many points hold their value",
                            "X-Rows-Total": "n, the points the pass measures",
                            "X-Min": "the smallest value so far, or None",
                            "X-Max": "the largest value so far, or None",
                        },
                    ),
                    "204": {"description": "the exact values are stored: read per_point instead"},
                    **iteration_errors({400: "`bad_key`: only these two fill in row by row"}),
                },
                parameters=[*both, *query_parameters(PartialPerPointQuery)],
            )
        },
        f"{exp}/attributes": {
            "get": operation(
                "listAttributes",
                "What points can be coloured by: the label, attributes and raw features",
                "experiments",
                {
                    "200": json_response(listed, "attribute names, kinds and sources"),
                    **experiment_errors(),
                },
                parameters=[P_EXPERIMENT],
            )
        },
        f"{exp}/attributes/{{name}}": {
            "get": operation(
                "getAttribute",
                "One attribute's value for every point",
                "experiments",
                {
                    "200": json_response(attribute, "numeric values or categorical codes"),
                    **experiment_errors({404: "`attribute_not_found`: not in the list"}),
                },
                parameters=[
                    P_EXPERIMENT,
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "description": "a name from the list",
                        "schema": STR,
                    },
                ],
            )
        },
        f"{exp}/pca": {
            "get": operation(
                "getPca",
                "The 2-D PCA of all points and its metrics (null while a job computes them)",
                "experiments",
                {"200": json_response(pca, "x[i], y[i] is point i"), **experiment_errors()},
                parameters=[P_EXPERIMENT],
            )
        },
        f"{exp}/feature_stats": {
            "get": operation(
                "getFeatureStats",
                "Feature means for decoded profiles; raw = scaled * feature_scale + feature_mean",
                "experiments",
                {"200": json_response(stats, "one entry per feature"), **experiment_errors()},
                parameters=[P_EXPERIMENT],
            )
        },
    }
