"""OpenAPI 3.1 description of every /api route, served at ``GET /api/openapi.json``.

The spec is plain Python data built by :func:`build_spec`. Small helpers keep it readable:
``_obj`` for object schemas, ``_errors`` for the ``{"error": {"code", "message"}}`` responses
that every route shares. ``tests/web/test_openapi.py`` keeps it true: every Flask rule under
/api must appear here with the same methods (and nothing else may), and real responses must
validate against the schemas written here.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify
from pydantic import BaseModel

from .. import __version__
from ..contract import (
    MAX_DECODE_POINTS,
    MAX_LATENT_ABS,
    PER_POINT_KEYS,
    REQUEST_MODELS,
    RESPONSE_MODELS,
    CreateDataset,
    CreateExperiment,
    CreateIteration,
    DecodeRequest,
    EmbeddingQuery,
    IdsQuery,
    ListExperimentsQuery,
    ModelsQuery,
    NeighboursQuery,
    PerPointQuery,
    TrainConfigOutput,
)
from ..core.models import MODEL_KINDS
from ..core.neighbours import SPACES
from ..core.selection import SELECTION_METHODS
from ..core.training import TRAIN_MODES
from .api import bp

Schema = dict[str, Any]

ID_PATTERN = "^[0-9a-f]{32}$"

# -- schema helpers -----------------------------------------------------------------------------

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
ANY_OBJ: Schema = {"type": "object"}
NON_NEG: Schema = {"type": "integer", "minimum": 0}
EXPERIMENT_ID: Schema = {"type": "string", "pattern": ID_PATTERN, "example": "0" * 32}
TIMESTAMP: Schema = {"type": "string", "description": "ISO 8601 time in UTC"}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema, **extra: Any) -> Schema:
    return {"anyOf": [schema, {"type": "null"}], **extra}


def _array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def _obj(
    required: dict[str, Schema], optional: dict[str, Schema] | None = None, **extra: Any
) -> Schema:
    """An object schema: ``required`` keys must be present, ``optional`` ones may be."""
    schema: Schema = {"type": "object", "properties": {**required, **(optional or {})}}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


# -- response helpers ---------------------------------------------------------------------------


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _download(media_type: str, schema: Schema, description: str) -> dict[str, Any]:
    """A file download: ``Content-Disposition: attachment; filename="<dataset>-<model>-..."``."""
    return {
        "description": description,
        "headers": {
            "Content-Disposition": {
                "required": True,
                "description": 'attachment; filename="<dataset>-<model>-iteration<k>[-<what>].<ext>"',
                "schema": {"type": "string", "pattern": "^attachment; filename="},
            }
        },
        "content": {media_type: {"schema": schema}},
    }


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _errors(described: dict[int, str]) -> dict[str, Any]:
    """Error responses by status, e.g. ``_errors({400: "bad input", 404: "not found"})``."""
    return {str(status): _error(text) for status, text in sorted(described.items())}


BAD_ID = "`bad_experiment_id`: the id is not 32 lowercase hexadecimal characters"
NOT_FOUND = "`experiment_not_found`: no experiment with this id (it may have been deleted)"
NO_ITERATION = NOT_FOUND + "; or `iteration_not_found`: the iteration does not exist (yet)"
NOT_RESTORED = (
    "`dataset_unavailable` or `experiment_unavailable`: a stored experiment cannot be "
    "restored (its dataset or files are gone)"
)


def _with(base: dict[int, str], extra: dict[int, str] | None) -> dict[str, Any]:
    """``_errors`` of ``base`` plus ``extra``; texts for the same status are joined."""
    described = dict(base)
    for status, text in (extra or {}).items():
        described[status] = f"{described[status]}; or {text}" if status in described else text
    return _errors(described)


def _experiment_errors(extra: dict[int, str] | None = None) -> dict[str, Any]:
    """The errors of every route under /api/experiments/{experiment_id}, plus ``extra``."""
    return _with({400: BAD_ID, 404: NOT_FOUND, 409: NOT_RESTORED}, extra)


def _iteration_errors(extra: dict[int, str] | None = None) -> dict[str, Any]:
    """The errors of every route under .../iterations/{k}, plus ``extra``."""
    return _with({400: BAD_ID, 404: NO_ITERATION, 409: NOT_RESTORED}, extra)


# -- generated from the contract (latent_explorer/contract.py) ----------------------------------

REF_TEMPLATE = "#/components/schemas/{model}"


def _model_schema(model: type[BaseModel]) -> Schema:
    """``model``'s JSON Schema with nested models as component references."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    schema.pop("$defs", None)
    return schema


def _contract_schemas() -> dict[str, Schema]:
    """Components for every request model of the contract (and the models they nest)."""
    out: dict[str, Schema] = {}
    for model in (*REQUEST_MODELS, *RESPONSE_MODELS):
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    full = TrainConfigOutput.model_json_schema(ref_template=REF_TEMPLATE)
    full["description"] = "training settings; hidden null means sized from the data"
    out["TrainConfig"] = full
    return out


def _body(model: type[BaseModel], description: str) -> dict[str, Any]:
    return _json_body(_ref(model.__name__), description)


def _query(model: type[BaseModel]) -> list[Schema]:
    """The query parameters of a route, one per field of its contract model."""
    params = []
    for name, field in model.model_fields.items():
        schema = _model_schema(model)["properties"][name]
        schema.pop("title", None)
        # A query value is text or absent, never null: "str | None" documents as a string.
        options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
        if options:
            schema.update(options[0])
        if schema.get("default", 0) is None:
            del schema["default"]
        description = schema.pop("description", None) or field.description or name
        params.append(
            {
                "name": name,
                "in": "query",
                "required": field.is_required(),
                "description": description,
                "schema": schema,
            }
        )
    return params


# -- parameters ---------------------------------------------------------------------------------

P_EXPERIMENT: Schema = {
    "name": "experiment_id",
    "in": "path",
    "required": True,
    "description": "experiment id, as returned by POST /api/experiments",
    "schema": EXPERIMENT_ID,
}
P_JOB: Schema = {
    "name": "job_id",
    "in": "path",
    "required": True,
    "description": "job id, as returned with each POST that starts one",
    "schema": EXPERIMENT_ID,
}
JOB_BAD_ID = "`bad_job_id`: the id is not 32 hexadecimal characters"
JOB_NOT_FOUND = "`job_not_found`: no job with this id"
P_ITERATION: Schema = {
    "name": "k",
    "in": "path",
    "required": True,
    "description": "iteration number: 0 is the initial training, then one per submit",
    "schema": NON_NEG,
}
P_IDS: Schema = _query(IdsQuery)[0]


def _op(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[str, Any],
    *,
    parameters: list[Schema] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = body
    op["responses"] = responses
    return op


def _json_body(schema: Schema, description: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


# -- component schemas --------------------------------------------------------------------------


def _schemas() -> dict[str, Schema]:
    metric_row = {
        "type": "object",
        "description": "metric name -> value; null where a metric cannot be measured "
        "(e.g. too few points). Also n_points, n_sampled and, for small groups, k.",
        "additionalProperties": {"type": ["number", "null"]},
    }
    return {
        **_contract_schemas(),
        "DatasetInfo": _obj(
            {
                "name": STR,
                "title": STR,
                "kind": {"type": "string", "enum": ["tabular", "image"]},
                "n_samples": NON_NEG,
                "n_features": NON_NEG,
                "n_classes": NON_NEG,
                "class_names": _array(STR),
                "availability": {
                    "type": "string",
                    "description": "embedded, cached, downloadable or missing "
                    "(uploaded datasets may say so)",
                },
            },
            {
                "description": STR,
                "files": _array(STR),
                "how_to_get": STR,
            },
        ),
        "MetricsRow": metric_row,
        "Metrics": _obj(
            {"all": _nullable(_ref("MetricsRow"))},
            {
                "selected": _nullable(_ref("MetricsRow")),
                "rest": _nullable(_ref("MetricsRow")),
            },
            description="quality per group of points: all, and after a submit the selected "
            "points and the rest",
        ),
        "SelectionInfo": _obj(
            {"method": {"type": "string", "enum": list(SELECTION_METHODS)}},
            {"params": ANY_OBJ},
        ),
        "Iteration": _obj(
            {
                "index": NON_NEG,
                "parent": _nullable(NON_NEG),
                "mode": {"type": "string", "enum": ["initial", *TRAIN_MODES]},
                "epochs": NON_NEG,
                "selection": _nullable(_ref("SelectionInfo")),
                "n_selected": _nullable(NON_NEG),
                "metrics": _nullable(_ref("Metrics")),
                "measured": BOOL,
                "parent_metrics": _nullable(_ref("Metrics")),
                "losses": _array(NUM),
            },
            {
                "train_seconds": _nullable(NUM),
                "metric_seconds": _nullable(NUM),
                "created_at": TIMESTAMP,
            },
        ),
        # A row of the jobs table (runtime/jobs.py) as GET /api/jobs/{job_id} shows it.
        "Job": _obj(
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
                "heartbeat_at": _nullable(STR),
                "created_at": STR,
                "started_at": _nullable(STR),
                "finished_at": _nullable(STR),
                "error": _nullable(STR),
                "worker": _nullable(STR),
                "epoch": NON_NEG,
                "epochs": _nullable(NON_NEG),
                "loss": {"type": ["number", "null"]},
                "queue_position": _nullable(NON_NEG),
            },
        ),
        "Experiment": _obj(
            {
                "id": EXPERIMENT_ID,
                "created_at": TIMESTAMP,
                "dataset": {
                    "allOf": [
                        _ref("DatasetInfo"),
                        _obj(
                            {
                                "feature_names": _array(STR),
                                "image_shape": _nullable(_array(INT)),
                                "class_names": _array(STR),
                                "n_samples": NON_NEG,
                            }
                        ),
                    ]
                },
                "model": {"type": "string", "enum": list(MODEL_KINDS)},
                "config": _ref("TrainConfig"),
                "status": {
                    "type": "string",
                    "description": "training, ready, failed, cancelled or interrupted",
                },
                "job": _nullable(_ref("Job")),
                "error": _nullable(STR),
                "iterations": _array(_ref("Iteration")),
            },
            {
                "device": STR,
                "updated_at": _nullable(TIMESTAMP),
                "last_job": _nullable(
                    _obj(
                        {"kind": STR, "iteration": NON_NEG, "state": STR},
                        {
                            "error": _nullable(STR),
                            "started_at": _nullable(TIMESTAMP),
                            "ended_at": _nullable(TIMESTAMP),
                        },
                        description="the last job on record; state interrupted when the "
                        "server stopped during it",
                    )
                ),
            },
        ),
        "ExperimentSummary": _obj(
            {
                "id": EXPERIMENT_ID,
                "dataset": STR,
                "dataset_title": _nullable(STR),
                "model": {"type": "string", "enum": list(MODEL_KINDS)},
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
                "n_iterations": NON_NEG,
                "status": STR,
            }
        ),
        "UploadColumn": _obj(
            {
                "name": STR,
                "numeric": BOOL,
                "n_bad": NON_NEG,
                "first_bad_row": _nullable(NON_NEG),
                "n_missing": NON_NEG,
                "examples": _array(STR, description="a few cells as read"),
            },
            {"first_missing_row": _nullable(NON_NEG), "n_distinct": NON_NEG},
            description="rows are file line numbers; n_bad counts text cells in a numeric "
            "column, n_missing empty, NA-like and non-finite ones",
        ),
        "Upload": _obj(
            {
                "upload_id": STR,
                "filename": STR,
                "n_rows": NON_NEG,
                "delimiter": STR,
                "columns": _array(_ref("UploadColumn")),
                "suggested_features": _array(STR),
                "suggested_label": _nullable(STR),
            }
        ),
    }


# -- paths --------------------------------------------------------------------------------------


def _dataset_paths() -> dict[str, Any]:
    return {
        "/api/datasets": {
            "get": _op(
                "listDatasets",
                "Built-in and uploaded datasets with size, kind, classes and availability",
                "datasets",
                {
                    "200": _json(
                        _obj({"datasets": _array(_ref("DatasetInfo"))}), "all known datasets"
                    ),
                    "4XX": _error("a client error (e.g. 405 for a wrong method)"),
                },
            ),
            "post": _op(
                "createDataset",
                "Turn an upload into a dataset: pick features, label and scaling",
                "datasets",
                {
                    "201": _json(_ref("DatasetInfo"), "the new dataset"),
                    **_errors(
                        {
                            400: "`bad_json`, `bad_name`, `bad_features`, `bad_label`, "
                            "`bad_scaling` or `bad_drop_bad_rows`",
                            404: "`upload_not_found`: unknown or expired upload_id",
                            409: "`dataset_exists`: a dataset with this name exists already",
                            413: "the request body is larger than the upload limit",
                            422: "the chosen columns do not make a usable dataset "
                            "(e.g. text cells in a feature and drop_bad_rows false)",
                        }
                    ),
                },
                body=_body(CreateDataset, "what to make of the upload"),
            ),
        },
        "/api/datasets/{name}": {
            "delete": _op(
                "deleteDataset",
                "Delete an uploaded dataset (built-in ones cannot be deleted)",
                "datasets",
                {
                    "200": _json(
                        _obj({"deleted": {"type": "string", "description": "its name"}}),
                        "the dataset is gone",
                    ),
                    **_errors(
                        {
                            400: "`builtin_dataset`: built-in datasets cannot be deleted",
                            404: "`unknown_dataset`: no uploaded dataset with this name",
                        }
                    ),
                },
                parameters=[
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "description": "an uploaded dataset's name, user:<slug>",
                        "schema": {"type": "string", "example": "user:my_data"},
                    }
                ],
            )
        },
        "/api/uploads": {
            "post": _op(
                "uploadFile",
                "Upload a CSV file and get a per-column report to choose features from",
                "datasets",
                {
                    "201": _json(_ref("Upload"), "the upload and what was found in it"),
                    **_errors(
                        {
                            400: "`missing_file`: no `file` part in a multipart body",
                            413: "`upload_too_large`: larger than the upload limit (MAX_UPLOAD_MB)",
                            415: "the body is not multipart/form-data",
                            422: "the file is not a usable UTF-8 CSV table (binary, no "
                            "header, too few rows, ragged rows, ...); the code says which",
                        }
                    ),
                },
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": _obj(
                                {"file": {"type": "string", "format": "binary"}},
                                {
                                    "delimiter": {
                                        "type": "string",
                                        "description": "tab, comma, semicolon, pipe or the "
                                        "character itself (default: detected)",
                                    }
                                },
                            )
                        }
                    },
                },
            )
        },
    }


def _experiment_paths() -> dict[str, Any]:
    one = [P_EXPERIMENT]
    return {
        "/api/experiments": {
            "get": _op(
                "listExperiments",
                "Saved experiments, newest first",
                "experiments",
                {
                    "200": _json(
                        _obj({"experiments": _array(_ref("ExperimentSummary"))}),
                        "the experiments",
                    ),
                    **_errors({400: "`limit` is not an integer in [1, 200]"}),
                },
                parameters=_query(ListExperimentsQuery),
            ),
            "post": _op(
                "createExperiment",
                "Start training iteration 0 of a new experiment",
                "experiments",
                {
                    "202": _json(
                        _obj({"id": EXPERIMENT_ID, "status": {"type": "string"}}),
                        "training started; follow it with GET .../events",
                    ),
                    **_errors(
                        {
                            400: "`bad_json`, `missing_dataset`, `unknown_dataset`, "
                            "`unknown_model` or `bad_config`",
                            409: "`dataset_unavailable`: the dataset's files are missing",
                            413: "the request body is larger than the upload limit",
                            422: "`dataset_invalid`: the dataset's files cannot be read",
                        }
                    ),
                },
                body=_body(CreateExperiment, "dataset, model kind and training settings"),
            ),
        },
        "/api/experiments/{experiment_id}": {
            "get": _op(
                "getExperiment",
                "Status, dataset, settings, running job and iterations (with metrics)",
                "experiments",
                {"200": _json(_ref("Experiment"), "the experiment"), **_experiment_errors()},
                parameters=one,
            ),
            "delete": _op(
                "deleteExperiment",
                "Delete an experiment and its files",
                "experiments",
                {
                    "200": _json(
                        _obj({"deleted": {"type": "boolean", "const": True}}),
                        "the experiment and its files are gone",
                    ),
                    **_experiment_errors({409: "`job_running`: cancel the training first"}),
                },
                parameters=one,
            ),
        },
        "/api/experiments/{experiment_id}/events": {
            "get": _op(
                "experimentEvents",
                "Server-Sent Events: progress, projected, done, error, cancelled (or idle)",
                "experiments",
                {
                    "200": {
                        "description": "an event stream; each event's data is JSON",
                        "content": {"text/event-stream": {"schema": _ref("Event")}},
                    },
                    **_experiment_errors(),
                },
                parameters=[
                    P_EXPERIMENT,
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "description": "resume after this event (browsers send it on reconnect)",
                        "schema": {"type": "string", "pattern": "^[0-9]+$"},
                    },
                ],
            )
        },
        "/api/experiments/{experiment_id}/job": {
            "delete": _op(
                "cancelJob",
                "Cancel the running training job",
                "experiments",
                {
                    "200": _json(
                        _obj({"cancelled": {"type": "boolean", "const": True}}), "cancelling"
                    ),
                    **_experiment_errors({409: "`no_job`: no training job is running"}),
                },
                parameters=one,
            )
        },
        "/api/jobs/{job_id}": {
            "get": _op(
                "getJob",
                "One job (train or measure): state, progress, queue position",
                "experiments",
                {
                    "200": _json(_ref("Job"), "the job"),
                    **_errors({400: JOB_BAD_ID, 404: JOB_NOT_FOUND}),
                },
                parameters=[P_JOB],
            ),
            "delete": _op(
                "cancelJobById",
                "Cancel this job and only it (train or measure)",
                "experiments",
                {
                    "200": _json(
                        _obj({"cancelled": {"type": "boolean", "const": True}, "job": _ref("Job")}),
                        "cancelling: a queued job at once, a running one within a second",
                    ),
                    **_with(
                        {400: JOB_BAD_ID, 404: JOB_NOT_FOUND},
                        {409: "`job_finished`: the job already ended; nothing to cancel"},
                    ),
                },
                parameters=[P_JOB],
            ),
        },
        "/api/experiments/{experiment_id}/iterations": {
            "post": _op(
                "createIteration",
                "Train on selected points (fine-tune the parent or train from scratch)",
                "iterations",
                {
                    "202": _json(_obj({"iteration": NON_NEG, "status": STR}), "training started"),
                    **_experiment_errors(
                        {
                            400: "`bad_json`, `bad_parent`, `bad_mode`, `bad_epochs`, "
                            "`missing_selected_ids`, `bad_selected_ids` or `bad_selection`",
                            404: "`iteration_not_found`: no such parent iteration",
                            409: "`not_ready` (iteration 0 not finished) or `job_running`",
                        }
                    ),
                },
                parameters=one,
                body=_body(CreateIteration, "the selection and how to train on it"),
            )
        },
        "/api/experiments/{experiment_id}/points": {
            "get": _op(
                "getPoints",
                "Raw feature values (tabular) or pixels (images) of some points",
                "experiments",
                {
                    "200": _json(
                        _obj(
                            {
                                "ids": _array(NON_NEG),
                                "labels": _array(INT),
                                "attributes": {
                                    "type": "object",
                                    "description": "extra per-point columns, e.g. wine type",
                                    "additionalProperties": {"type": "array"},
                                },
                            },
                            {
                                "feature_names": _array(STR),
                                "values": _array(_array(_nullable(NUM))),
                                "shape": _array(INT),
                                "pixels": _array(
                                    _array({"type": "integer", "minimum": 0, "maximum": 255})
                                ),
                            },
                        ),
                        "the points, in id order",
                    ),
                    **_experiment_errors({400: "`bad_ids` or `too_many_ids`"}),
                },
                parameters=[P_EXPERIMENT, P_IDS],
            )
        },
        "/api/experiments/{experiment_id}/decode": {
            "post": _op(
                "decodePoints",
                "Decode latent points to feature vectors or images",
                "experiments",
                {
                    "200": _json(
                        _obj(
                            {},
                            {
                                "feature_names": _array(STR),
                                "values": _array(_array(NUM)),
                                "shape": _array(INT),
                                "images": _array(
                                    _array({"type": "integer", "minimum": 0, "maximum": 255})
                                ),
                            },
                        ),
                        "values (tabular) or images as 0-255 pixels",
                    ),
                    **_experiment_errors(
                        {
                            400: "`bad_json`, `bad_iteration` or `bad_points` (not 1 to "
                            f"{MAX_DECODE_POINTS} pairs of numbers within +-{MAX_LATENT_ABS:g})",
                            404: "`iteration_not_found`: no such iteration",
                        }
                    ),
                },
                parameters=one,
                body=_body(DecodeRequest, "latent points and the iteration whose decoder"),
            )
        },
    }


def _iteration_paths() -> dict[str, Any]:
    base = "/api/experiments/{experiment_id}/iterations/{k}"
    both = [P_EXPERIMENT, P_ITERATION]
    embedding = _obj(
        {"iteration": NON_NEG, "parent": _nullable(NON_NEG), "n": NON_NEG},
        {
            "x": _array(NUM),
            "y": _array(NUM),
            "labels": _array(INT),
            "selected": _nullable(_array(NON_NEG)),
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
    metrics = _obj(
        {
            "iteration": NON_NEG,
            "measured": BOOL,
            "metrics": _nullable(_ref("Metrics")),
            "parent_metrics": _nullable(_ref("Metrics")),
        }
    )
    metrics_file = _obj(
        {
            "experiment": EXPERIMENT_ID,
            "dataset": STR,
            "model": {"type": "string", "enum": list(MODEL_KINDS)},
            "iteration": NON_NEG,
            "parent": _nullable(NON_NEG),
            "metrics": _nullable(_ref("Metrics")),
            "parent_metrics": _nullable(_ref("Metrics")),
        }
    )
    selection_file = _obj(
        {
            "experiment": EXPERIMENT_ID,
            "iteration": NON_NEG,
            "ids": _array(NON_NEG),
            "method": {"type": "string", "enum": list(SELECTION_METHODS)},
            "params": ANY_OBJ,
        }
    )
    return {
        f"{base}/embedding": {
            "get": _op(
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
                    **_iteration_errors({400: "`bad_format` or `bad_fields`"}),
                },
                parameters=[*both, *_query(EmbeddingQuery)],
            )
        },
        f"{base}/metrics": {
            "get": _op(
                "getMetrics",
                "Quality of this iteration and of its parent (all / selected / rest)",
                "iterations",
                {
                    "200": _json(metrics, "metrics, null until measured"),
                    **_iteration_errors(),
                },
                parameters=both,
            )
        },
        f"{base}/reconstructions": {
            "get": _op(
                "getReconstructions",
                "Original and reconstructed points (pixels 0-255 for images)",
                "iterations",
                {
                    "200": _json(
                        _obj(
                            {
                                "ids": _array(NON_NEG),
                                "original": _array(_array(NUM)),
                                "reconstruction": _array(_array(NUM)),
                            },
                            {"shape": _array(INT)},
                        ),
                        "model inputs and outputs of the points",
                    ),
                    **_iteration_errors({400: "`bad_ids` or `too_many_ids`"}),
                },
                parameters=[*both, P_IDS],
            )
        },
        f"{base}/export.csv": {
            "get": _op(
                "exportCsv",
                "Coordinates as CSV: id,x,y,label,selected",
                "iterations",
                {
                    "200": _download("text/csv", STR, "a CSV file, labels as class names"),
                    **_iteration_errors(),
                },
                parameters=both,
            )
        },
        f"{base}/selection.json": {
            "get": _op(
                "getSelectionFile",
                "The selected ids of an iteration and how they were chosen",
                "iterations",
                {
                    "200": _download("application/json", selection_file, "the selection"),
                    **_iteration_errors({404: "`no_selection`: iteration 0 has no selection"}),
                },
                parameters=both,
            )
        },
        f"{base}/metrics.json": {
            "get": _op(
                "getMetricsFile",
                "Metrics of an iteration as a downloadable JSON document",
                "iterations",
                {
                    "200": _download("application/json", metrics_file, "the metrics"),
                    **_iteration_errors({409: "`not_measured`: still being measured"}),
                },
                parameters=both,
            )
        },
        f"{base}/checkpoint.pt": {
            "get": _op(
                "getCheckpoint",
                "The model's weights (a PyTorch state_dict) after this iteration",
                "iterations",
                {
                    "200": _download(
                        "application/octet-stream",
                        {"type": "string", "format": "binary"},
                        "a state_dict; load it with torch.load(file, weights_only=True)",
                    ),
                    **_iteration_errors(),
                },
                parameters=both,
            )
        },
    }


def _other_paths() -> dict[str, Any]:
    return {
        "/api/models": {
            "get": _op(
                "listModels",
                "Model kinds, tunable parameters and their defaults for a dataset",
                "models",
                {
                    "200": _json(
                        _obj(
                            {
                                "models": _array(
                                    _obj(
                                        {
                                            "kind": {
                                                "type": "string",
                                                "enum": list(MODEL_KINDS),
                                            },
                                            "title": STR,
                                        }
                                    )
                                ),
                                "parameters": _array(
                                    _obj(
                                        {
                                            "name": STR,
                                            "type": {
                                                "type": "string",
                                                "enum": ["int", "float", "int_list"],
                                            },
                                            "min": NUM,
                                            "max": NUM,
                                            "help": STR,
                                        },
                                        {"models": _array(STR)},
                                    )
                                ),
                                "defaults": {
                                    "type": "object",
                                    "description": "model kind -> default training settings",
                                    "additionalProperties": _ref("TrainConfig"),
                                },
                                "dataset": STR,
                            }
                        ),
                        "model kinds and settings",
                    ),
                    **_errors({400: "`unknown_dataset`"}),
                },
                parameters=_query(ModelsQuery),
            )
        },
        "/api/openapi.json": {
            "get": _op(
                "getOpenApi",
                "This document",
                "meta",
                {
                    "200": _json(ANY_OBJ, "the OpenAPI 3.1 description of /api"),
                    "4XX": _error("a client error (e.g. 405 for a wrong method)"),
                },
            )
        },
    }


def _insight_paths() -> dict[str, Any]:
    """Paths of the insight blueprint (neighbours, per-point values, attributes, PCA)."""

    nums, maybe_nums, maybe_num = (
        _array(_nullable(NUM)),
        _nullable(_array(_nullable(NUM))),
        _nullable(NUM),
    )
    kind = {"type": "string", "enum": ["numeric", "categorical"]}
    it = "/api/experiments/{experiment_id}/iterations/{k}"
    exp = "/api/experiments/{experiment_id}"
    both = [P_EXPERIMENT, P_ITERATION]
    neighbours = _obj(
        {
            "id": NON_NEG,
            "k": INT,
            "space": {"type": "string", "enum": list(SPACES)},
            "neighbors": _array(NON_NEG),
            "distances_original": nums,
            "distances_latent": nums,
            "rank_in_other_space": _array({"type": "integer", "minimum": 1}),
        }
    )
    per_point = _obj(
        {
            "key": {"type": "string", "enum": list(PER_POINT_KEYS)},
            "n": NON_NEG,
            "values": nums,
            "min": maybe_num,
            "max": maybe_num,
        }
    )
    attribute = {
        "oneOf": [
            _obj(
                {
                    "name": STR,
                    "kind": {"const": "numeric"},
                    "values": nums,
                    "min": maybe_num,
                    "max": maybe_num,
                }
            ),
            _obj(
                {
                    "name": STR,
                    "kind": {"const": "categorical"},
                    "categories": _array(STR),
                    "codes": _array(NON_NEG),
                }
            ),
        ]
    }
    source = {"type": "string", "enum": ["label", "attribute", "feature"]}
    listed = _obj({"attributes": _array(_obj({"name": STR, "kind": kind, "source": source}))})
    pca = _obj(
        {
            "x": nums,
            "y": nums,
            "metrics": _nullable(_ref("MetricsRow")),
            "explained_variance_ratio": nums,
        }
    )
    stats = _obj(
        {
            "feature_names": _array(STR),
            "mean_raw": nums,
            "std_raw": nums,
            "mean_scaled": nums,
            "feature_mean": maybe_nums,
            "feature_scale": maybe_nums,
        }
    )
    bad = "`bad_id`, `bad_k` or `bad_space`: the parameter named in the message is invalid"
    f32 = {"type": "string", "format": "binary"}
    return {
        f"{it}/neighbors": {
            "get": _op(
                "getNeighbors",
                "A point's k nearest neighbours in one space, with their rank in the other",
                "iterations",
                {
                    "200": _json(neighbours, "neighbours, nearest first"),
                    **_iteration_errors({400: bad}),
                },
                parameters=[*both, *_query(NeighboursQuery)],
            )
        },
        f"{it}/per_point": {
            "get": _op(
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
                    **_iteration_errors(
                        {
                            400: "`bad_key` or `bad_format`",
                            404: "`not_available`: no such values for this model (kl of an AE)",
                            409: "`not_measured`: the iteration is still being measured",
                        }
                    ),
                },
                parameters=[*both, *_query(PerPointQuery)],
            )
        },
        f"{exp}/attributes": {
            "get": _op(
                "listAttributes",
                "What points can be coloured by: the label, attributes and raw features",
                "experiments",
                {
                    "200": _json(listed, "attribute names, kinds and sources"),
                    **_experiment_errors(),
                },
                parameters=[P_EXPERIMENT],
            )
        },
        f"{exp}/attributes/{{name}}": {
            "get": _op(
                "getAttribute",
                "One attribute's value for every point",
                "experiments",
                {
                    "200": _json(attribute, "numeric values or categorical codes"),
                    **_experiment_errors({404: "`attribute_not_found`: not in the list"}),
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
            "get": _op(
                "getPca",
                "The 2-D PCA of all points and its metrics (null while a job computes them)",
                "experiments",
                {"200": _json(pca, "x[i], y[i] is point i"), **_experiment_errors()},
                parameters=[P_EXPERIMENT],
            )
        },
        f"{exp}/feature_stats": {
            "get": _op(
                "getFeatureStats",
                "Feature means for decoded profiles; raw = scaled * feature_scale + feature_mean",
                "experiments",
                {"200": _json(stats, "one entry per feature"), **_experiment_errors()},
                parameters=[P_EXPERIMENT],
            )
        },
    }


def build_spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document for every /api route, as a fresh dict."""
    # The forgetting blueprint describes its own routes with these helpers (imported here).
    from .forgetting import openapi_paths as forgetting_paths

    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "latent-explorer API",
            "version": __version__,
            "description": "Train an autoencoder with a 2-D latent space and explore it. "
            "Everything is JSON (snake_case) except the event stream, the CSV export, the "
            "checkpoint and the float32 forms (format=f32). Errors are "
            '{"error": {"code": ..., "message": ...}} with a 4xx/5xx status; the message '
            "names the parameter, the rule, the value and the fix.",
        },
        "tags": [
            {"name": name} for name in ("datasets", "models", "experiments", "iterations", "meta")
        ],
        "paths": {
            **_other_paths(),
            **_dataset_paths(),
            **_experiment_paths(),
            **_iteration_paths(),
            **_insight_paths(),
            **forgetting_paths(),
        },
        "components": {"schemas": _schemas()},
    }
    return copy.deepcopy(spec)  # the helpers' constants (STR, NON_NEG, ...) stay untouched


@bp.get("/openapi.json")
def openapi_json():  # type: ignore[no-untyped-def]
    return jsonify(build_spec())
