"""One operation of the OpenAPI document: its parameters, request body and responses.

Every route shares the error answer ``{"error": {"code", "message"}}`` and the path parameters
of an experiment, an iteration and a job; they are written once here, with the texts of the
errors that all routes under /api/experiments/{experiment_id} can answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...contract import IdsQuery
from .schema import EXPERIMENT_ID, NON_NEG, Schema, query_parameters, ref

# -- response helpers ---------------------------------------------------------------------------


def json_response(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def download(media_type: str, schema: Schema, description: str) -> dict[str, Any]:
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


def error(description: str) -> dict[str, Any]:
    return json_response(ref("Error"), description)


def errors(described: dict[int, str]) -> dict[str, Any]:
    """Error responses by status, e.g. ``errors({400: "bad input", 404: "not found"})``."""
    return {str(status): error(text) for status, text in sorted(described.items())}


BAD_ID = "`bad_experiment_id`: the id is not 32 lowercase hexadecimal characters"
NOT_FOUND = "`experiment_not_found`: no experiment with this id (it may have been deleted)"
NO_ITERATION = NOT_FOUND + "; or `iteration_not_found`: the iteration does not exist (yet)"
NOT_RESTORED = (
    "`dataset_unavailable` or `experiment_unavailable`: a stored experiment cannot be "
    "restored (its dataset or files are gone)"
)


def errors_with(base: dict[int, str], extra: dict[int, str] | None) -> dict[str, Any]:
    """``errors`` of ``base`` plus ``extra``; texts for the same status are joined."""
    described = dict(base)
    for status, text in (extra or {}).items():
        described[status] = f"{described[status]}; or {text}" if status in described else text
    return errors(described)


def experiment_errors(extra: dict[int, str] | None = None) -> dict[str, Any]:
    """The errors of every route under /api/experiments/{experiment_id}, plus ``extra``."""
    return errors_with({400: BAD_ID, 404: NOT_FOUND, 409: NOT_RESTORED}, extra)


def iteration_errors(extra: dict[int, str] | None = None) -> dict[str, Any]:
    """The errors of every route under .../iterations/{k}, plus ``extra``."""
    return errors_with({400: BAD_ID, 404: NO_ITERATION, 409: NOT_RESTORED}, extra)


def request_body(model: type[BaseModel], description: str) -> dict[str, Any]:
    return json_body(ref(model.__name__), description)


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
P_IDS: Schema = query_parameters(IdsQuery)[0]


def operation(
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


def json_body(schema: Schema, description: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
