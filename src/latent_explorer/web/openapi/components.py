"""Component schemas of the answers: datasets, experiments, iterations, jobs, metrics, uploads.

The contract's own models (requests, errors, events, training settings) come first, generated
from pydantic; the answers it does not declare yet are written here with the helpers of
``schema.py``, and ``tests/web/test_openapi.py`` checks real answers against them.
"""

from __future__ import annotations

from ...core.models import MODEL_KINDS
from ...core.selection import SELECTION_METHODS
from ...core.training import TRAIN_MODES
from .schema import (
    ANY_OBJ,
    BOOL,
    EXPERIMENT_ID,
    INT,
    NON_NEG,
    NUM,
    STR,
    TIMESTAMP,
    Schema,
    array,
    contract_schemas,
    nullable,
    obj,
    ref,
)


def component_schemas() -> dict[str, Schema]:
    metric_row = {
        "type": "object",
        "description": "metric name -> value; null where a metric cannot be measured "
        "(e.g. too few points). Also n_points, n_sampled and, for small groups, k.",
        "additionalProperties": {"type": ["number", "null"]},
    }
    return {
        **contract_schemas(),
        "DatasetInfo": obj(
            {
                "name": STR,
                "title": STR,
                "kind": {"type": "string", "enum": ["tabular", "image"]},
                "n_samples": NON_NEG,
                "n_features": NON_NEG,
                "n_classes": NON_NEG,
                "class_names": array(STR),
                "availability": {
                    "type": "string",
                    "description": "embedded, cached, downloadable or missing "
                    "(uploaded datasets may say so)",
                },
            },
            {
                "description": STR,
                "files": array(STR),
                "how_to_get": STR,
            },
        ),
        "MetricsRow": metric_row,
        "Metrics": obj(
            {"all": nullable(ref("MetricsRow"))},
            {
                "selected": nullable(ref("MetricsRow")),
                "rest": nullable(ref("MetricsRow")),
            },
            description="quality per group of points: all, and after a submit the selected "
            "points and the rest",
        ),
        "SelectionInfo": obj(
            {"method": {"type": "string", "enum": list(SELECTION_METHODS)}},
            {"params": ANY_OBJ},
        ),
        "Iteration": obj(
            {
                "index": NON_NEG,
                "parent": nullable(NON_NEG),
                "mode": {"type": "string", "enum": ["initial", *TRAIN_MODES]},
                "epochs": NON_NEG,
                "selection": nullable(ref("SelectionInfo")),
                "n_selected": nullable(NON_NEG),
                "metrics": nullable(ref("Metrics")),
                "measured": BOOL,
                "parent_metrics": nullable(ref("Metrics")),
                "losses": array(NUM),
            },
            {
                "train_seconds": nullable(NUM),
                "metric_seconds": nullable(NUM),
                "created_at": TIMESTAMP,
            },
        ),
        # A row of the jobs table (runtime/jobs.py) as GET /api/jobs/{job_id} shows it.
        "Job": obj(
            {
                "id": EXPERIMENT_ID,
                "experiment_id": EXPERIMENT_ID,
                "kind": {"type": "string", "enum": ["train", "measure"]},
                "iteration": NON_NEG,
                "state": {
                    "type": "string",
                    "enum": ["queued", "running", "done", "failed", "cancelled", "interrupted"],
                },
                "phase": {"type": "string", "enum": ["training", "measuring"]},
            },
            {
                "params": {"type": "object"},
                "progress": {"type": ["object", "null"]},
                "priority": INT,
                "attempts": NON_NEG,
                "cancel_requested": {"type": "boolean"},
                "heartbeat_at": nullable(STR),
                "created_at": STR,
                "started_at": nullable(STR),
                "finished_at": nullable(STR),
                "error": nullable(STR),
                "worker": nullable(STR),
                "epoch": NON_NEG,
                "epochs": nullable(NON_NEG),
                "loss": {"type": ["number", "null"]},
                "queue_position": nullable(NON_NEG),
            },
        ),
        "Experiment": obj(
            {
                "id": EXPERIMENT_ID,
                "created_at": TIMESTAMP,
                "dataset": {
                    "allOf": [
                        ref("DatasetInfo"),
                        obj(
                            {
                                "feature_names": array(STR),
                                "image_shape": nullable(array(INT)),
                                "class_names": array(STR),
                                "n_samples": NON_NEG,
                            }
                        ),
                    ]
                },
                "model": {"type": "string", "enum": list(MODEL_KINDS)},
                "config": ref("TrainConfig"),
                "status": {
                    "type": "string",
                    "description": "training, ready, failed, cancelled or interrupted",
                },
                "job": nullable(ref("Job")),
                "error": nullable(STR),
                "iterations": array(ref("Iteration")),
            },
            {
                "device": STR,
                "updated_at": nullable(TIMESTAMP),
                "last_job": nullable(
                    obj(
                        {"kind": STR, "iteration": NON_NEG, "state": STR},
                        {
                            "error": nullable(STR),
                            "started_at": nullable(TIMESTAMP),
                            "ended_at": nullable(TIMESTAMP),
                        },
                        description="the last job on record; state interrupted when the "
                        "server stopped during it",
                    )
                ),
            },
        ),
        "ExperimentSummary": obj(
            {
                "id": EXPERIMENT_ID,
                "dataset": STR,
                "dataset_title": nullable(STR),
                "model": {"type": "string", "enum": list(MODEL_KINDS)},
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
                "n_iterations": NON_NEG,
                "status": STR,
            }
        ),
        "UploadColumn": obj(
            {
                "name": STR,
                "numeric": BOOL,
                "n_bad": NON_NEG,
                "first_bad_row": nullable(NON_NEG),
                "n_missing": NON_NEG,
                "examples": array(STR, description="a few cells as read"),
            },
            {"first_missing_row": nullable(NON_NEG), "n_distinct": NON_NEG},
            description="rows are file line numbers; n_bad counts text cells in a numeric "
            "column, n_missing empty, NA-like and non-finite ones",
        ),
        "Upload": obj(
            {
                "upload_id": STR,
                "filename": STR,
                "n_rows": NON_NEG,
                "delimiter": STR,
                "columns": array(ref("UploadColumn")),
                "suggested_features": array(STR),
                "suggested_label": nullable(STR),
            }
        ),
    }
