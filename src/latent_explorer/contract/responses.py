"""Answers declared in the contract: the error every route shares and the event stream."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, examples=["unknown_dataset"])
    message: str = Field(min_length=1, description="names the field, the rule, the value, the fix")


class Error(BaseModel):
    """Every 4xx/5xx answer: a machine code and a message naming the fix."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


#: Server-Sent Events of GET /api/experiments/{id}/events (runtime/events.py): every job
#: sends queued, started, then its own events and one end (trained for a train job that went
#: well, done for a measure job that went well, else error, cancelled or interrupted);
#: requeued when its worker died and it runs again; idle ends the stream. A train job's live
#: {iteration, epoch, epochs} says a new frame of that iteration's coordinates is stored
#: (GET .../iterations/{k}/live), a few a second at most.
EVENT_NAMES = (
    "queued",
    "started",
    "progress",
    "live",
    "estimates",
    "projected",
    "measured",
    "trained",
    "done",
    "error",
    "cancelled",
    "interrupted",
    "requeued",
    "idle",
)


class EstimateData(BaseModel):
    """An estimate over all points and its 95 % interval ``value +/- half_width``."""

    model_config = ConfigDict(extra="forbid")

    value: float | None = Field(description="the estimate (null before any row is done)")
    half_width: float | None = Field(
        ge=0, description="half-width of the 95 % interval; 0 when exact, null while unknown"
    )


class EventData(BaseModel):
    """The JSON ``data`` of an event. Every job event has job_id, kind (train | measure) and
    iteration. progress: a train job's {epoch, epochs, loss, parts, elapsed_s, repetition?,
    repetitions?, held_out?, best_epoch?} (with early stopping: the epoch's held-out
    reconstruction error and the epoch with the lowest so far) or a measure job's {stage (sampled | exact), eta_s, elapsed_s}; estimates
    (a measure job's exact pass, at most about 2 a second, the last one exact): {projection
    (model), group (all), rows_done, rows_total, trustworthiness, continuity, eta_s,
    elapsed_s, exact}; measured {sampled} (sampled: the quick table on a sample came
    first); a job's end {state, message?}; idle {last_event_id}."""

    job_id: str | None = Field(default=None, pattern="^[0-9a-f]{32}$")
    kind: Literal["train", "measure"] | None = None
    state: str | None = None
    repetition: int | None = Field(default=None, ge=1)
    repetitions: int | None = Field(default=None, ge=1)
    stage: Literal["sampled", "exact"] | None = None
    eta_s: float | None = None
    elapsed_s: float | None = None
    last_event_id: int | None = Field(default=None, ge=0)
    iteration: int | None = Field(default=None, ge=0)
    epoch: int | None = Field(default=None, ge=0)
    epochs: int | None = Field(default=None, ge=0)
    loss: float | None = None
    parts: dict[str, float] | None = None
    held_out: float | None = None
    best_epoch: int | None = Field(default=None, ge=1)
    sampled: bool | None = None
    projection: Literal["model"] | None = None
    group: Literal["all", "selected", "rest"] | None = None
    rows_done: int | None = Field(default=None, ge=0)
    rows_total: int | None = Field(default=None, ge=0)
    trustworthiness: EstimateData | None = None
    continuity: EstimateData | None = None
    exact: bool | None = None
    message: str | None = None
    status: str | None = None


def _json_content(schema: dict[str, Any], model: type[BaseModel]) -> None:
    # A string holding JSON: OpenAPI 3.1's contentSchema says which (inlined, no $ref).
    full = model.model_json_schema()
    defs = full.pop("$defs", {})
    schema.update(contentMediaType="application/json", contentSchema=_inline(full, defs))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with each ``{"$ref": "#/$defs/Name"}`` replaced by that definition: a
    ``$ref`` inside contentSchema would resolve against the whole OpenAPI document."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node


class Event(BaseModel):
    """One Server-Sent Event."""

    event: Literal[EVENT_NAMES]  # type: ignore[valid-type]
    data: str = Field(json_schema_extra=lambda schema: _json_content(schema, EventData))
    id: str | None = Field(default=None, pattern="^[0-9]+$")


#: The answers every route shares, as components of the OpenAPI document.
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (Error, Event, EventData)


def clamp_event_id(raw: str | None, *, upper: int) -> int:
    """A ``Last-Event-ID`` header as an index into a job's events: anything that is not a
    small ASCII integer (a reconnecting browser sends back what it was given) counts as 0,
    and a number past the events written so far is clamped to them."""
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return 0
    return min(int(raw), max(upper, 0))
