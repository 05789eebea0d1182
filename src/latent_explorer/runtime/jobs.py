"""A job is a row: one train or measure step of an experiment, and nothing else holds its
lifecycle.

States move ``queued -> running -> done | failed | cancelled | interrupted``; a queued job
can also be cancelled or interrupted directly, and a running job whose worker died goes back
to ``queued`` once (see :data:`MAX_ATTEMPTS`). Every other move is refused, so a late or
repeated message (a redelivered task, a stale cancel) can never rewrite a finished job.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

KINDS = ("train", "measure", "seed")  # seed: another seed of an iteration (seeds.py)
STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
ACTIVE = ("queued", "running")
TERMINAL = ("done", "failed", "cancelled", "interrupted")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "queued": ("running", "cancelled", "interrupted"),
    # running -> queued: the worker died and the job is run once more.
    "running": ("done", "failed", "cancelled", "interrupted", "queued"),
    "done": (),
    "failed": (),
    "cancelled": (),
    "interrupted": (),
}
# Training comes before measuring: a Submit must not wait behind the exact metrics of an
# older iteration. Higher runs sooner.
PRIORITY = {"train": 10, "measure": 0, "seed": -10}
# A job whose worker died is run again once; a second death ends it ``interrupted``.
MAX_ATTEMPTS = 2
INTERRUPTED_MESSAGE = "the worker running this job stopped (the server restarted or it crashed)"


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def new_job_id() -> str:
    return uuid.uuid4().hex


def can_move(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, ())


@dataclass
class Job:
    """One row of the ``jobs`` table (the SQLAlchemy schema of the team backend matches)."""

    experiment_id: str
    kind: str  # train | measure
    iteration: int  # the iteration a train job produces, or the one a measure job measures
    params: dict[str, Any] = field(default_factory=dict)  # parent, selection, mode, epochs
    id: str = field(default_factory=new_job_id)
    state: str = "queued"
    progress: dict[str, Any] | None = None  # the last progress snapshot
    priority: int = 0
    attempts: int = 0
    cancel_requested: bool = False
    stop_requested: bool = False  # "stop now, keep this model" (train jobs)
    heartbeat_at: str | None = None
    created_at: str = field(default_factory=now)
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    worker: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"job kind ({self.kind!r}) must be one of {list(KINDS)}")
        if self.state not in STATES:
            raise ValueError(f"job state ({self.state!r}) must be one of {list(STATES)}")

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def to_dict(self) -> dict[str, Any]:
        """The JSON the API shows (``params`` without the selected ids, which can be 70,000)."""
        out = asdict(self)
        params = dict(self.params)
        if "selection" in params and isinstance(params["selection"], dict):
            params["selection"] = {k: v for k, v in params["selection"].items() if k != "ids"} | {
                "n_selected": len(params["selection"].get("ids", []))
            }
        out["params"] = params
        return out

    @classmethod
    def from_row(cls, row: Any) -> Job:
        """From a database row with the columns of the ``jobs`` table (JSON as text)."""
        d = dict(row)
        for key in ("params", "progress"):
            if isinstance(d.get(key), str):
                d[key] = json.loads(d[key])
        d["params"] = d.get("params") or {}
        d["cancel_requested"] = bool(d.get("cancel_requested"))
        d["stop_requested"] = bool(d.get("stop_requested"))
        return cls(**d)
