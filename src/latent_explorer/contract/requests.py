"""Request bodies and query strings: one pydantic model per route that takes input."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from ..core.datasets import SCALINGS
from ..core.forgetting import MAX_REPEAT
from ..core.models import MODEL_KINDS
from ..core.neighbours import SPACES
from ..core.repeats import MAX_SEEDS
from ..core.selection import SELECTION_METHODS
from ..core.training import TRAIN_MODES
from .base import Body, InvalidRequest, Query
from .limits import (
    EMBEDDING_FORMATS,
    MAX_DECODE_POINTS,
    MAX_EXPERIMENT_LIST,
    MAX_IDS_PER_QUERY,
    MAX_LATENT_ABS,
    MAX_NEIGHBOURS,
    MAX_RETRAIN_EPOCHS,
    MAX_SELECTED_IDS,
    MAX_SELECTION_PARAMS_CHARS,
    PARTIAL_POINT_KEYS,
    PER_POINT_KEYS,
    RETRAIN_EPOCHS_HELP,
    STABILITY_POINT_KEYS,
)
from .settings import TrainConfigInput

# -- request bodies ------------------------------------------------------------------------------

ModelKind = Literal[MODEL_KINDS]  # type: ignore[valid-type]
PointId = Annotated[int, Field(ge=0)]
Coordinate = Annotated[float, Field(ge=-MAX_LATENT_ABS, le=MAX_LATENT_ABS)]


class CreateExperiment(Body):
    """POST /api/experiments: train a model on a dataset."""

    dataset: str = Field(min_length=1, max_length=200, examples=["iris"])
    model: ModelKind = Field(default="ae", examples=["vae"])
    config: TrainConfigInput | None = Field(  # type: ignore[valid-type]
        default=None, description="overrides of the dataset's defaults, e.g. {'epochs': 50}"
    )
    seeds: int = Field(
        default=1,
        ge=1,
        le=MAX_SEEDS,
        examples=[5],
        description=(
            "train the experiment (and every Submit) under this many seeds: the config's seed "
            "as always, plus seed+1, seed+2, ... as background jobs; metrics then come with "
            "95% intervals and a verdict on whether a change exceeds seed-to-seed spread"
        ),
    )

    def overrides(self) -> dict[str, Any]:
        """The settings the request names (omitted ones keep the dataset's default)."""
        if self.config is None:
            return {}
        # hidden null is a choice (sized from the data); the other settings are not nullable.
        return self.config.model_dump(exclude_unset=True)


class SelectionInput(Body):
    """How the points were chosen, kept with the iteration."""

    method: Literal[SELECTION_METHODS] = "manual"  # type: ignore[valid-type]
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=f"at most {MAX_SELECTION_PARAMS_CHARS:,} characters of JSON",
    )

    @field_validator("params")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value))
        if size > MAX_SELECTION_PARAMS_CHARS:
            raise ValueError(
                f"is {size:,} characters of JSON, more than {MAX_SELECTION_PARAMS_CHARS:,}; "
                "keep only what says how the points were chosen"
            )
        return value


class CreateIteration(Body):
    """POST /api/experiments/{id}/iterations: train on the selected points (Submit)."""

    selected_ids: list[PointId] = Field(
        min_length=1,
        max_length=MAX_SELECTED_IDS,
        examples=[[0, 1, 2]],
        description="point ids to train on, each in [0, n_samples), no repeats",
    )
    parent: PointId | None = Field(default=None, description="default: the last iteration")
    mode: Literal[TRAIN_MODES] = "finetune"  # type: ignore[valid-type]
    epochs: Annotated[int, Field(ge=1, le=MAX_RETRAIN_EPOCHS)] | None = Field(
        default=None, description=RETRAIN_EPOCHS_HELP
    )
    selection: SelectionInput | None = None
    repeat: Annotated[int, Field(ge=1, le=MAX_REPEAT)] = Field(
        default=1,
        description=f"chain this many fine-tunes (1 to {MAX_REPEAT}) on the same selection, "
        "each from the previous one and stored as an iteration; one job, whose cancel stops "
        "the rest; needs mode finetune when above 1",
    )


class DecodeRequest(Body):
    """POST /api/experiments/{id}/decode: decode points of the latent plane."""

    points: list[tuple[Coordinate, Coordinate]] = Field(
        min_length=1,
        max_length=MAX_DECODE_POINTS,
        examples=[[[0.0, 0.5]]],
        description="[x, y] pairs in the latent plane",
    )
    iteration: PointId | None = Field(default=None, description="default: the last")


class CreateDataset(Body):
    """POST /api/datasets: turn an upload into a dataset."""

    upload_id: str = Field(max_length=100, description="from POST /api/uploads")
    name: str = Field(
        min_length=1, max_length=100, description="becomes the dataset name user:<slug>"
    )
    features: list[str] | None = Field(
        default=None, min_length=1, description="feature columns (default: the suggested ones)"
    )
    label: str | None = Field(
        default=None, description="label column (omitted: the suggested one; null: none)"
    )
    scaling: Literal[SCALINGS] = "standard"  # type: ignore[valid-type]
    drop_bad_rows: bool = False


#: The request bodies, as components of the OpenAPI document.
REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    CreateExperiment,
    CreateIteration,
    DecodeRequest,
    CreateDataset,
)


# -- query strings -------------------------------------------------------------------------------


class ListExperimentsQuery(Query):
    limit: int = Field(
        default=50, ge=1, le=MAX_EXPERIMENT_LIST, description="at most this many experiments"
    )


class ModelsQuery(Query):
    dataset: str = Field(default="iris", max_length=200, description="defaults are sized for it")


class IdsQuery(Query):
    ids: str = Field(
        max_length=MAX_IDS_PER_QUERY * 21,
        examples=["0,1,2"],
        description=f"comma-separated point ids, 1 to {MAX_IDS_PER_QUERY:,} of them",
    )

    def id_list(self) -> list[int]:
        parts = [p.strip() for p in self.ids.split(",") if p.strip()]
        if len(parts) > MAX_IDS_PER_QUERY:
            raise InvalidRequest(
                "too_many_ids",
                f"ids has {len(parts):,} ids; ask for at most {MAX_IDS_PER_QUERY:,} at once",
            )
        # isascii: str.isdigit() also accepts digits like "²" that int() refuses; 19 digits
        # keep int() far from its 4,300-digit limit.
        bad = [p for p in parts if not (p.isascii() and p.isdigit() and len(p) <= 19)]
        if bad:
            raise InvalidRequest(
                "bad_ids",
                f"ids ({bad[0]!r:.40}) must be comma-separated non-negative integers, e.g. 0,1,2",
            )
        return [int(p) for p in parts]


class EmbeddingQuery(Query):
    format: Literal[EMBEDDING_FORMATS] = Field(  # type: ignore[valid-type]
        default="json", description="json (default) or f32: raw little-endian float32 x then y"
    )
    fields: str | None = Field(
        default=None,
        max_length=100,
        examples=["labels,selected"],
        description="JSON only: comma-separated subset of x,y,labels,selected",
    )


class NeighboursQuery(Query):
    id: int = Field(ge=0, description="the point whose neighbours to list")
    k: int = Field(default=10, ge=1, le=MAX_NEIGHBOURS, description="how many (default 10)")
    space: Literal[SPACES] = Field(  # type: ignore[valid-type]
        default="original", description="where neighbours are found (default original)"
    )


class PerPointQuery(Query):
    key: Literal[PER_POINT_KEYS + STABILITY_POINT_KEYS] = Field(  # type: ignore[valid-type]
        description="which values (stability_*: across the experiment's seeds)"
    )
    format: Literal[EMBEDDING_FORMATS] = Field(  # type: ignore[valid-type]
        default="json", description="json (default) or f32 bytes"
    )


class PartialPerPointQuery(Query):
    key: Literal[PARTIAL_POINT_KEYS] = Field(  # type: ignore[valid-type]
        description="which values; only these two are measured row by row"
    )


class NoQuery(Query):
    """Routes that take no query parameters (a stray one is a mistake worth naming)."""
