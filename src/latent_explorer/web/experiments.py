"""Routes of experiments on the /api blueprint: create (train iteration 0), read, list, delete."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from ..contract import (
    CreateExperiment,
    ListExperimentsQuery,
)
from ..core.datasets import DatasetError, DatasetUnavailable, load_dataset
from ..core.experiment import Experiment
from ..core.repeats import seed_list
from ..core.training import TrainConfig, default_config
from .api import bp, data_dir, dataset_info, info_json
from .errors import ApiError
from .parsing import body as parse_body
from .parsing import query
from .sessions import Session, current_registry
from .uploads import is_user_dataset, user_store  # uploaded datasets ("user:...")


def _load(name: str):  # type: ignore[no-untyped-def]
    dataset_info(name)
    try:
        if is_user_dataset(name):  # uploaded: kept in the state folder, not the data folders
            return user_store().load(name)
        return load_dataset(name, data_dir=data_dir(), download=current_app.config["DOWNLOAD"])
    except DatasetUnavailable as exc:
        raise ApiError(409, "dataset_unavailable", str(exc)) from exc
    except DatasetError as exc:
        raise ApiError(422, "dataset_invalid", str(exc)) from exc


def _config(dataset: Any, model: str, overrides: dict[str, Any]) -> TrainConfig:
    base = default_config(
        dataset.n_samples, dataset.n_features, data_kind=dataset.kind, model=model
    )
    try:  # the contract checked each setting; this catches combinations only the core knows
        return TrainConfig.from_dict({**base.to_dict(), **overrides})
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "bad_config", f"config: {exc}") from exc


@bp.post("/experiments")
def create_experiment():  # type: ignore[no-untyped-def]
    request_ = parse_body(CreateExperiment)
    model = request_.model
    dataset = _load(request_.dataset)
    config = _config(dataset, model, request_.overrides())
    exp = Experiment(
        dataset,
        model,
        config=config,
        device=current_app.config["DEVICE"],
        metric_sample_size=current_app.config["METRIC_SAMPLE_SIZE"],
    )
    registry = current_registry()
    registry.check_limits(exp, {})  # before the experiment is stored: a refusal leaves nothing
    session = registry.create(exp)
    if request_.seeds > 1:  # before the first job: it reads the plan when it stores iteration 0
        registry.store.save_seed_plan(session.id, seed_list(request_.seeds, first=config.seed))
    after = registry.events.last_id(session.id) if hasattr(registry.events, "last_id") else 0
    job = registry.start_initial(session)
    return jsonify(
        {
            "id": session.id,
            "status": "training",
            "job": registry.job_json(job),
            "events_after": after,
        }
    ), 202


def _experiment_json(session: Session) -> dict[str, Any]:
    """The summary a page polls: the large, slow-changing part is built once per version of
    the experiment (a new iteration or metrics); only the job status is read per request."""
    static = session.cached("summary", lambda: _experiment_static(session))
    return {**static, **current_registry().status(session)}


def _experiment_static(session: Session) -> dict[str, Any]:
    exp = session.experiment
    ds = exp.dataset
    info = info_json(dataset_info(ds.name))
    info.update(
        {
            "feature_names": list(ds.feature_names),
            "image_shape": list(ds.image_shape) if ds.image_shape else None,
            "n_samples": ds.n_samples,
            "class_names": list(ds.class_names),
        }
    )
    summaries = [it.summary(with_ids=False) for it in exp.iterations]
    return {
        "id": session.id,
        "created_at": session.created_at,
        "dataset": info,
        "model": exp.model_kind,
        "config": exp.config.to_dict(),
        "device": exp.device,
        "iterations": summaries,
    }


@bp.get("/experiments/<experiment_id>")
def get_experiment(experiment_id: str):  # type: ignore[no-untyped-def]
    return jsonify(_experiment_json(current_registry().get(experiment_id)))


# -- stored experiments: list and delete (persistence, see store/) -----------------------


@bp.get("/experiments/<experiment_id>/labels")
def get_labels(experiment_id: str):  # type: ignore[no-untyped-def]
    """The class index of every point (equal in every iteration): the page colours a live
    frame of iteration 0 with them before any iteration is stored."""
    session = current_registry().get(experiment_id)
    return jsonify({"labels": session.experiment.dataset.y.tolist()})


@bp.get("/experiments")
def list_experiments():  # type: ignore[no-untyped-def]
    limit = query(ListExperimentsQuery).limit
    keys = ("id", "dataset", "dataset_title", "model", "created_at", "updated_at")
    rows = current_registry().list_experiments(limit=limit)
    return jsonify(
        {
            "experiments": [
                {
                    **{k: r[k] for k in keys},
                    "n_iterations": r["n_iterations"],
                    "status": r["status"],
                }
                for r in rows
            ]
        }
    )


@bp.delete("/experiments/<experiment_id>")
def delete_experiment(experiment_id: str):  # type: ignore[no-untyped-def]
    current_registry().delete(experiment_id)  # 409 while a job runs, 404 when unknown
    return jsonify({"deleted": True})
