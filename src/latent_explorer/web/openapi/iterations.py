"""Paths of one iteration: its embedding, metrics, reconstructions and file downloads."""

from __future__ import annotations

from typing import Any

from ...contract import EmbeddingQuery
from ...core.models import MODEL_KINDS
from ...core.selection import SELECTION_METHODS
from .operations import (
    P_EXPERIMENT,
    P_IDS,
    P_ITERATION,
    download,
    iteration_errors,
    json_response,
    operation,
)
from .schema import (
    ANY_OBJ,
    BOOL,
    EXPERIMENT_ID,
    INT,
    NON_NEG,
    NUM,
    STR,
    array,
    nullable,
    obj,
    query_parameters,
    ref,
)


def iteration_paths() -> dict[str, Any]:
    base = "/api/experiments/{experiment_id}/iterations/{k}"
    both = [P_EXPERIMENT, P_ITERATION]
    embedding = obj(
        {"iteration": NON_NEG, "parent": nullable(NON_NEG), "n": NON_NEG},
        {
            "x": array(NUM),
            "y": array(NUM),
            "labels": array(INT),
            "selected": nullable(array(NON_NEG)),
        },
        description="the columns asked for with `fields` (default all four)",
    )
    embedding_f32 = {
        "type": "string",
        "format": "binary",
        "description": "little-endian float32 x_0..x_{n-1} then y_0..y_{n-1} (8n bytes)",
    }
    embedding_headers = {
        name: {"required": False, "description": text, "schema": STR}
        for name, text in (
            ("X-Points", "format=f32: n, the number of points"),
            ("X-Iteration", "format=f32: the iteration"),
            ("X-Parent", "format=f32: the parent iteration, or none"),
        )
    }
    metrics = obj(
        {
            "iteration": NON_NEG,
            "measured": BOOL,
            "metrics": nullable(ref("Metrics")),
            "parent_metrics": nullable(ref("Metrics")),
        }
    )
    metrics_file = obj(
        {
            "experiment": EXPERIMENT_ID,
            "dataset": STR,
            "model": {"type": "string", "enum": list(MODEL_KINDS)},
            "iteration": NON_NEG,
            "parent": nullable(NON_NEG),
            "metrics": nullable(ref("Metrics")),
            "parent_metrics": nullable(ref("Metrics")),
        }
    )
    selection_file = obj(
        {
            "experiment": EXPERIMENT_ID,
            "iteration": NON_NEG,
            "ids": array(NON_NEG),
            "method": {"type": "string", "enum": list(SELECTION_METHODS)},
            "params": ANY_OBJ,
        }
    )
    return {
        f"{base}/embedding": {
            "get": operation(
                "getEmbedding",
                "2-D coordinates of all points, their labels and the selection",
                "iterations",
                {
                    "200": {
                        "description": "x[i], y[i] is point i: JSON columns, or with "
                        "format=f32 raw float32 (no parsing for 70,000 points)",
                        "headers": embedding_headers,
                        "content": {
                            "application/json": {"schema": embedding},
                            "application/octet-stream": {"schema": embedding_f32},
                        },
                    },
                    **iteration_errors({400: "`bad_format` or `bad_fields`"}),
                },
                parameters=[*both, *query_parameters(EmbeddingQuery)],
            )
        },
        f"{base}/metrics": {
            "get": operation(
                "getMetrics",
                "Quality of this iteration and of its parent (all / selected / rest)",
                "iterations",
                {
                    "200": json_response(metrics, "metrics, null until measured"),
                    **iteration_errors(),
                },
                parameters=both,
            )
        },
        f"{base}/reconstructions": {
            "get": operation(
                "getReconstructions",
                "Original and reconstructed points (pixels 0-255 for images)",
                "iterations",
                {
                    "200": json_response(
                        obj(
                            {
                                "ids": array(NON_NEG),
                                "original": array(array(NUM)),
                                "reconstruction": array(array(NUM)),
                            },
                            {"shape": array(INT)},
                        ),
                        "model inputs and outputs of the points",
                    ),
                    **iteration_errors({400: "`bad_ids` or `too_many_ids`"}),
                },
                parameters=[*both, P_IDS],
            )
        },
        f"{base}/export.csv": {
            "get": operation(
                "exportCsv",
                "Coordinates as CSV: id,x,y,label,selected",
                "iterations",
                {
                    "200": download("text/csv", STR, "a CSV file, labels as class names"),
                    **iteration_errors(),
                },
                parameters=both,
            )
        },
        f"{base}/selection.json": {
            "get": operation(
                "getSelectionFile",
                "The selected ids of an iteration and how they were chosen",
                "iterations",
                {
                    "200": download("application/json", selection_file, "the selection"),
                    **iteration_errors({404: "`no_selection`: iteration 0 has no selection"}),
                },
                parameters=both,
            )
        },
        f"{base}/metrics.json": {
            "get": operation(
                "getMetricsFile",
                "Metrics of an iteration as a downloadable JSON document",
                "iterations",
                {
                    "200": download("application/json", metrics_file, "the metrics"),
                    **iteration_errors({409: "`not_measured`: still being measured"}),
                },
                parameters=both,
            )
        },
        f"{base}/checkpoint.pt": {
            "get": operation(
                "getCheckpoint",
                "The model's weights (a PyTorch state_dict) after this iteration",
                "iterations",
                {
                    "200": download(
                        "application/octet-stream",
                        {"type": "string", "format": "binary"},
                        "a state_dict; load it with torch.load(file, weights_only=True)",
                    ),
                    **iteration_errors(),
                },
                parameters=both,
            )
        },
    }
