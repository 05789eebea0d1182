"""Paths of one iteration: its embedding, metrics, reconstructions and file downloads."""

from __future__ import annotations

from typing import Any

from ...contract import EmbeddingQuery
from .operations import (
    BAD_ID,
    P_EXPERIMENT,
    P_IDS,
    P_ITERATION,
    download,
    errors,
    iteration_errors,
    json_response,
    operation,
)
from .schema import (
    STR,
    float32_response,
    query_parameters,
    ref,
)


def iteration_paths() -> dict[str, Any]:
    base = "/api/experiments/{experiment_id}/iterations/{k}"
    both = [P_EXPERIMENT, P_ITERATION]
    embedding = ref("Embedding")
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
    metrics = ref("IterationMetrics")
    metrics_file = ref("MetricsFile")
    selection_file = ref("SelectionFile")
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
        f"{base}/live": {
            "get": operation(
                "getLiveFrame",
                "The latest coordinates of an iteration while it trains (raw float32)",
                "iterations",
                {
                    "200": float32_response(
                        "like embedding?format=f32, from the epoch in X-Epoch",
                        embedding_f32["description"],
                        {
                            "X-Points": "n, the number of points",
                            "X-Iteration": "the iteration being trained",
                            "X-Epoch": "the epoch whose model gave these coordinates",
                            "X-Epochs": "the most epochs this training may run",
                        },
                    ),
                    "204": {"description": "no frame: the iteration is not training now"},
                    **errors({400: BAD_ID, 404: "`experiment_not_found`"}),
                },
                parameters=both,
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
                        ref("Reconstructions"), "model inputs and outputs of the points"
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
