"""Answers of the seed routes: GET /api/experiments/{id}/iterations/{k}/seeds (and its
``/aligned`` coordinates, raw float32) and DELETE /api/experiments/{id}/seeds (see web/seeds.py and core/seed_summary.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import Query

SEED_STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted", "missing")


class SeedInterval(BaseModel):
    """A metric's mean across seeds with its interval (low/high null for one seed)."""

    model_config = ConfigDict(extra="forbid")

    mean: float
    low: float | None
    high: float | None
    sd: float | None
    n: int
    confidence: float


class SeedComparison(BaseModel):
    """Paired across seeds: the parent's value against this iteration's, seed by seed."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    before: SeedInterval
    after: SeedInterval
    change: SeedInterval = Field(description="after - before, per seed, as an interval")
    effect_size: float | None = Field(description="d_z: mean change / sd of the change")
    effect_low: float | None
    effect_high: float | None
    exceeds_spread: bool | None = Field(description="true when the change's interval excludes zero")
    higher_is_better: bool | None
    sentence: str = Field(description="the verdict in plain words")


class SeedHeadline(SeedComparison):
    """The comparison the page states under its tables (selected, else all, trustworthiness)."""

    group: str


class SeedReplica(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replica: int = Field(ge=1, description="1..N-1; the main chain is seed 0")
    seed: int
    state: Literal[SEED_STATES]  # type: ignore[valid-type]
    job_id: str | None
    error: str | None


class Seeds(BaseModel):
    """How far the seeds of one iteration are, and (once all are in) what they say."""

    model_config = ConfigDict(extra="forbid")

    iteration: int
    seeds: list[int] = Field(description="the seeds, the main chain's first")
    total: int
    done: int = Field(description="seeds trained and measured exactly, the main chain included")
    status: Literal["single", "running", "done", "incomplete"] = Field(
        description="single: one seed; incomplete: a seed failed or was cancelled"
    )
    replicas: list[SeedReplica]
    metrics: dict[str, dict[str, SeedInterval]] | None = Field(
        description="group -> metric -> interval across seeds (when done)"
    )
    comparison: dict[str, dict[str, SeedComparison]] | None = Field(
        description="group -> metric -> paired verdict against the parent (iterations >= 1)"
    )
    headline: SeedHeadline | None
    stability: dict[str, float] | None = Field(
        description="displacement_* (relative to the layout's scale), agreement_* "
        "(Jaccard of the 7 nearest latent neighbours), residual_mean"
    )


class SeedsCancelled(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cancelled: int = Field(description="seed jobs that were queued or running")


class SeedsAlignedQuery(Query):
    format: Literal["f32"] = Field(
        default="f32",
        description="f32 (the only form): raw little-endian float32, seed after seed, each x then y",
    )


SEED_MODELS: tuple[type[BaseModel], ...] = (Seeds, SeedsCancelled)
