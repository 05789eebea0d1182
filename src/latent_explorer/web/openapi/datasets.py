"""Paths of datasets, uploads and model kinds: what there is to train on, and how."""

from __future__ import annotations

from typing import Any

from ...contract import CreateDataset, ModelsQuery
from .operations import error, errors, json_response, operation, request_body
from .schema import array, obj, query_parameters, ref


def dataset_paths() -> dict[str, Any]:
    return {
        "/api/datasets": {
            "get": operation(
                "listDatasets",
                "Built-in and uploaded datasets with size, kind, classes and availability",
                "datasets",
                {
                    "200": json_response(
                        obj({"datasets": array(ref("DatasetInfo"))}), "all known datasets"
                    ),
                    "4XX": error("a client error (e.g. 405 for a wrong method)"),
                },
            ),
            "post": operation(
                "createDataset",
                "Turn an upload into a dataset: pick features, label and scaling",
                "datasets",
                {
                    "201": json_response(ref("DatasetInfo"), "the new dataset"),
                    **errors(
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
                body=request_body(CreateDataset, "what to make of the upload"),
            ),
        },
        "/api/datasets/{name}": {
            "delete": operation(
                "deleteDataset",
                "Delete an uploaded dataset (built-in ones cannot be deleted)",
                "datasets",
                {
                    "200": json_response(
                        obj({"deleted": {"type": "string", "description": "its name"}}),
                        "the dataset is gone",
                    ),
                    **errors(
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
            "post": operation(
                "uploadFile",
                "Upload a CSV file and get a per-column report to choose features from",
                "datasets",
                {
                    "201": json_response(ref("Upload"), "the upload and what was found in it"),
                    **errors(
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
                            "schema": obj(
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


def model_paths() -> dict[str, Any]:
    """GET /api/models: what can be trained on a dataset, and with which settings."""
    return {
        "/api/models": {
            "get": operation(
                "listModels",
                "Model kinds, tunable parameters and their defaults for a dataset",
                "models",
                {
                    "200": json_response(
                        ref("ModelsInfo"),
                        "model kinds and settings",
                    ),
                    **errors({400: "`unknown_dataset`"}),
                },
                parameters=query_parameters(ModelsQuery),
            )
        },
    }
