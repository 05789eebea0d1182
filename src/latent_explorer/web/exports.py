"""Downloads of one iteration (its selection, its metrics, its model checkpoint) and of a
whole experiment (its self-contained HTML report, built by :mod:`..core.report`).

Every download is an attachment whose file name is built from a slug of the dataset name
(only ``[A-Za-z0-9._-]``), the model kind and the iteration number, never from raw input.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, send_file

from ..core.persist import model_state_bytes
from ..core.report import build_report
from .errors import ApiError
from .sessions import Session, current_registry, iteration_or_404

bp = Blueprint("exports", __name__, url_prefix="/api")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def slug(text: str, *, default: str = "data", max_length: int = 64) -> str:
    """``text`` reduced to ``[A-Za-z0-9._-]`` (runs of other characters become one ``_``),
    without leading dots, dashes or underscores: ``"user:My data"`` -> ``"user_My_data"``."""
    out = _UNSAFE.sub("_", str(text)).strip("._-")[:max_length].rstrip("._-")
    return out or default


def download_name(session: Session, k: int, what: str, extension: str) -> str:
    """``<dataset>-<model>-iteration<k>[-<what>].<extension>``, safe for any header."""
    exp = session.experiment
    name = f"{slug(exp.dataset.name)}-{slug(exp.model_kind, default='model')}-iteration{int(k)}"
    return f"{name}-{what}.{extension}" if what else f"{name}.{extension}"


def attachment(response: Response, filename: str) -> Response:
    """Mark ``response`` as a download named ``filename`` (already a safe name)."""
    assert _UNSAFE.search(filename) is None, filename
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_cell(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
    tab or carriage return first) by prefixing ``'``. Numbers are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/selection.json")
def selection_json(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    if it.selection is None:
        raise ApiError(
            404,
            "no_selection",
            f"iteration {k} trained on all points and has no selection; "
            "selections belong to iterations 1 and later",
        )
    response = jsonify(
        {
            "experiment": session.id,
            "iteration": k,
            "ids": it.selection.ids.tolist(),
            "method": it.selection.method,
            "params": it.selection.params,
        }
    )
    return attachment(response, download_name(session, k, "selection", "json"))


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/metrics.json")
def metrics_json(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    session = current_registry().get(experiment_id)
    it = iteration_or_404(session, k)
    if it.metrics is None:
        raise ApiError(
            409, "not_measured", f"iteration {k} is still being measured; try again shortly"
        )
    exp = session.experiment
    response = jsonify(
        {
            "experiment": session.id,
            "dataset": exp.dataset.name,
            "model": exp.model_kind,
            "iteration": k,
            "parent": it.parent,
            "metrics": it.metrics,
            "parent_metrics": it.parent_metrics,
        }
    )
    return attachment(response, download_name(session, k, "metrics", "json"))


@bp.get("/experiments/<experiment_id>/iterations/<int:k>/checkpoint.pt")
def checkpoint(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    """The iteration's state_dict (``torch.load(path, weights_only=True)`` reads it)."""
    registry = current_registry()
    session = registry.get(experiment_id)
    it = iteration_or_404(session, k)
    name = download_name(session, k, "checkpoint", "pt")
    path = registry.store.checkpoint_path(session.id, k) if registry.store is not None else None
    if path is not None and path.is_file():
        response = send_file(path, mimetype="application/octet-stream", max_age=0)
    else:
        response = Response(model_state_bytes(it.model), mimetype="application/octet-stream")
    return attachment(response, name)


@bp.get("/experiments/<experiment_id>/report")
def report(experiment_id: str):  # type: ignore[no-untyped-def]
    """One HTML file with every iteration, which opens offline (see core/report)."""
    session = current_registry().get(experiment_id)
    exp = session.experiment
    with session.lock:  # no iteration appended by a sync halfway through
        if not exp.iterations:
            raise ApiError(
                409,
                "not_trained",
                "this experiment has no trained iteration yet; "
                "export the report once iteration 0 is done",
            )
        page = build_report(exp, experiment_id=session.id)
    name = f"{slug(exp.dataset.name)}-{slug(exp.model_kind, default='model')}-report.html"
    response = Response(page, mimetype="text/html")
    return attachment(response, name)
