"""The /api blueprint: parse and validate, call the core, serialise. No computation lives here.

This module holds the blueprint and the dataset and model routes; the routes of experiments,
jobs and iterations add themselves to the same blueprint from ``experiments.py``, ``jobs.py``
and ``iterations.py`` (``create_app`` imports them before it registers the blueprint), so
every endpoint keeps its ``api.`` name.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, current_app, jsonify

from .. import contract
from ..contract import ModelsQuery
from ..core.datasets import list_datasets
from ..core.models import MODEL_KINDS, MODEL_TITLES
from ..core.training import default_config
from .errors import ApiError
from .parsing import query
from .uploads import user_store  # uploaded datasets ("user:...")

bp = Blueprint("api", __name__, url_prefix="/api")

# The limits are the contract's (re-exported for older imports).
MAX_IDS_PER_QUERY = contract.MAX_IDS_PER_QUERY
MAX_DECODE_POINTS = contract.MAX_DECODE_POINTS
MAX_LATENT_ABS = contract.MAX_LATENT_ABS


def data_dir() -> str | None:
    return current_app.config.get("DATA_DIR")


def info_json(info: Any) -> dict[str, Any]:
    return asdict(info)


# -- datasets and models ----------------------------------------------------------------------


@bp.get("/datasets")
def get_datasets():  # type: ignore[no-untyped-def]
    infos = [*list_datasets(data_dir=data_dir()), *user_store().infos()]
    return jsonify({"datasets": [info_json(i) for i in infos]})


def dataset_info(name: str) -> Any:
    infos = {i.name: i for i in [*list_datasets(data_dir=data_dir()), *user_store().infos()]}
    if name not in infos:
        raise ApiError(
            400, "unknown_dataset", f"dataset ({name!r}) is unknown; choose one of {sorted(infos)}"
        )
    return infos[name]


@bp.get("/models")
def get_models():  # type: ignore[no-untyped-def]
    name = query(ModelsQuery).dataset
    info = dataset_info(name)
    defaults = {}
    for kind in MODEL_KINDS:
        cfg = default_config(info.n_samples, info.n_features, data_kind=info.kind, model=kind)
        d = cfg.to_dict()
        if d["hidden"] is None:
            from ..core.models import default_hidden

            d["hidden"] = list(default_hidden(info.n_features, data_kind=info.kind))
        defaults[kind] = d
    return jsonify(
        {
            "models": [{"kind": k, "title": MODEL_TITLES[k]} for k in MODEL_KINDS],
            "parameters": contract.ui_parameters(),
            "submit_parameters": contract.submit_parameters(),
            "defaults": defaults,
            "dataset": name,
        }
    )
