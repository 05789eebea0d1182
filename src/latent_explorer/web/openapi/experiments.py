"""Paths of experiments and their jobs: create, read, delete, follow, cancel, retrain, decode."""

from __future__ import annotations

from typing import Any

from ...contract import (
    MAX_DECODE_POINTS,
    MAX_LATENT_ABS,
    CreateExperiment,
    CreateIteration,
    DecodeRequest,
    ListExperimentsQuery,
)
from .operations import (
    JOB_BAD_ID,
    JOB_NOT_FOUND,
    P_EXPERIMENT,
    P_IDS,
    P_JOB,
    download,
    errors,
    errors_with,
    experiment_errors,
    json_response,
    operation,
    request_body,
)
from .schema import (
    EXPERIMENT_ID,
    NON_NEG,
    STR,
    array,
    obj,
    query_parameters,
    ref,
)


def experiment_paths() -> dict[str, Any]:
    one = [P_EXPERIMENT]
    return {
        "/api/experiments": {
            "get": operation(
                "listExperiments",
                "Saved experiments, newest first",
                "experiments",
                {
                    "200": json_response(
                        obj({"experiments": array(ref("ExperimentSummary"))}),
                        "the experiments",
                    ),
                    **errors({400: "`limit` is not an integer in [1, 200]"}),
                },
                parameters=query_parameters(ListExperimentsQuery),
            ),
            "post": operation(
                "createExperiment",
                "Start training iteration 0 of a new experiment",
                "experiments",
                {
                    "202": json_response(
                        obj({"id": EXPERIMENT_ID, "status": {"type": "string"}}),
                        "training started; follow it with GET .../events",
                    ),
                    **errors(
                        {
                            400: "`bad_json`, `missing_dataset`, `unknown_dataset`, "
                            "`unknown_model` or `bad_config`",
                            409: "`dataset_unavailable`: the dataset's files are missing",
                            413: "the request body is larger than the upload limit",
                            422: "`dataset_invalid`: the dataset's files cannot be read",
                        }
                    ),
                },
                body=request_body(CreateExperiment, "dataset, model kind and training settings"),
            ),
        },
        "/api/experiments/{experiment_id}": {
            "get": operation(
                "getExperiment",
                "Status, dataset, settings, running job and iterations (with metrics)",
                "experiments",
                {"200": json_response(ref("Experiment"), "the experiment"), **experiment_errors()},
                parameters=one,
            ),
            "delete": operation(
                "deleteExperiment",
                "Delete an experiment and its files",
                "experiments",
                {
                    "200": json_response(
                        obj({"deleted": {"type": "boolean", "const": True}}),
                        "the experiment and its files are gone",
                    ),
                    **experiment_errors({409: "`job_running`: cancel the training first"}),
                },
                parameters=one,
            ),
        },
        "/api/experiments/{experiment_id}/labels": {
            "get": operation(
                "getLabels",
                "The class index of every point (the same in every iteration)",
                "experiments",
                {
                    "200": json_response(
                        obj({"labels": array({"type": "integer"})}), "labels[i] is point i's"
                    ),
                    **experiment_errors(),
                },
                parameters=one,
            )
        },
        "/api/experiments/{experiment_id}/events": {
            "get": operation(
                "experimentEvents",
                "Server-Sent Events: progress, estimates, projected, done, error, cancelled (or idle)",
                "experiments",
                {
                    "200": {
                        "description": "an event stream; each event's data is JSON",
                        "content": {"text/event-stream": {"schema": ref("Event")}},
                    },
                    **experiment_errors(),
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
            "delete": operation(
                "cancelJob",
                "Cancel the running training job",
                "experiments",
                {
                    "200": json_response(
                        obj({"cancelled": {"type": "boolean", "const": True}}), "cancelling"
                    ),
                    **experiment_errors({409: "`no_job`: no training job is running"}),
                },
                parameters=one,
            )
        },
        "/api/jobs/{job_id}": {
            "get": operation(
                "getJob",
                "One job (train or measure): state, progress, queue position",
                "experiments",
                {
                    "200": json_response(ref("Job"), "the job"),
                    **errors({400: JOB_BAD_ID, 404: JOB_NOT_FOUND}),
                },
                parameters=[P_JOB],
            ),
            "delete": operation(
                "cancelJobById",
                "Cancel this job and only it (train or measure)",
                "experiments",
                {
                    "200": json_response(
                        obj({"cancelled": {"type": "boolean", "const": True}, "job": ref("Job")}),
                        "cancelling: a queued job at once, a running one within a second",
                    ),
                    **errors_with(
                        {400: JOB_BAD_ID, 404: JOB_NOT_FOUND},
                        {409: "`job_finished`: the job already ended; nothing to cancel"},
                    ),
                },
                parameters=[P_JOB],
            ),
        },
        "/api/jobs/{job_id}/stop": {
            "post": operation(
                "stopJob",
                "Stop a running training after its epoch and keep its model (then measured)",
                "experiments",
                {
                    "202": json_response(
                        obj({"stopping": {"type": "boolean", "const": True}, "job": ref("Job")}),
                        "stopping after the current epoch",
                    ),
                    **errors_with(
                        {400: JOB_BAD_ID, 404: JOB_NOT_FOUND},
                        {409: "`not_training`: the job is not a running train job"},
                    ),
                },
                parameters=[P_JOB],
            )
        },
        "/api/experiments/{experiment_id}/iterations": {
            "post": operation(
                "createIteration",
                "Train on selected points (fine-tune the parent or train from scratch)",
                "iterations",
                {
                    "202": json_response(
                        obj({"iteration": NON_NEG, "status": STR}), "training started"
                    ),
                    **experiment_errors(
                        {
                            400: "`bad_json`, `bad_parent`, `bad_mode`, `bad_epochs`, "
                            "`missing_selected_ids`, `bad_selected_ids` or `bad_selection`",
                            404: "`iteration_not_found`: no such parent iteration",
                            409: "`not_ready` (iteration 0 not finished) or `job_running`",
                        }
                    ),
                },
                parameters=one,
                body=request_body(CreateIteration, "the selection and how to train on it"),
            )
        },
        "/api/experiments/{experiment_id}/points": {
            "get": operation(
                "getPoints",
                "Raw feature values (tabular) or pixels (images) of some points",
                "experiments",
                {
                    "200": json_response(
                        ref("Points"),
                        "the points, in id order",
                    ),
                    **experiment_errors({400: "`bad_ids` or `too_many_ids`"}),
                },
                parameters=[P_EXPERIMENT, P_IDS],
            )
        },
        "/api/experiments/{experiment_id}/report": {
            "get": operation(
                "getReport",
                "The experiment as one self-contained HTML file: every iteration's plots, "
                "metrics, losses, configuration, seed, versions and dataset fingerprint; it "
                "opens offline and loads nothing",
                "experiments",
                {
                    "200": download("text/html", STR, "<dataset>-<model>-report.html"),
                    **experiment_errors({409: "`not_trained`: no iteration is trained yet"}),
                },
                parameters=one,
            )
        },
        "/api/experiments/{experiment_id}/decode": {
            "post": operation(
                "decodePoints",
                "Decode latent points to feature vectors or images",
                "experiments",
                {
                    "200": json_response(
                        ref("Decoded"),
                        "values (tabular) or images as 0-255 pixels",
                    ),
                    **experiment_errors(
                        {
                            400: "`bad_json`, `bad_iteration` or `bad_points` (not 1 to "
                            f"{MAX_DECODE_POINTS} pairs of numbers within +-{MAX_LATENT_ABS:g})",
                            404: "`iteration_not_found`: no such iteration",
                        }
                    ),
                },
                parameters=one,
                body=request_body(DecodeRequest, "latent points and the iteration whose decoder"),
            )
        },
    }
