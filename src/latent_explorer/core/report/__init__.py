"""A self-contained HTML report of an experiment: every iteration's three linked plots,
metrics, losses, configuration, seeds, versions and the dataset's fingerprint, in one file
that opens offline (``latent-explorer report``, and the page's Export menu).

``payload`` says what is stored and how arrays are packed; ``page`` builds the HTML around
it. Nothing here imports Flask: the web route only calls :func:`build_report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .page import render_page
from .payload import decode_coords, decode_mask, report_payload

if TYPE_CHECKING:
    from ..experiment import Experiment

__all__ = ["build_report", "decode_coords", "decode_mask", "report_title", "write_report"]


def report_title(exp: Experiment) -> str:
    return f"{exp.dataset.title} · {exp.model_kind.upper()} · latent-explorer report"


def build_report(exp: Experiment, *, experiment_id: str | None = None) -> str:
    """The report of ``exp`` as one HTML document (a str)."""
    payload = report_payload(exp, experiment_id=experiment_id)
    return render_page(payload, title=report_title(exp))


def write_report(exp: Experiment, path: str | Path, *, experiment_id: str | None = None) -> Path:
    """Write :func:`build_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(build_report(exp, experiment_id=experiment_id), encoding="utf-8")
    return path
