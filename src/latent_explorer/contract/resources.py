"""What the API answers about its resources: datasets, experiments, iterations, jobs, uploads.

These models document the answers (the OpenAPI document's component schemas come from their
``model_json_schema()``); the routes still build the answers as plain dicts, and
``tests/web/test_openapi.py`` checks real answers against the schemas generated from here.
A field declared with :func:`_may_be_absent` is a key that some answers leave out.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from ..core.models import MODEL_KINDS
from ..core.selection import SELECTION_METHODS
from ..core.training import TRAIN_MODES
from .seeds import SEED_MODELS
from .settings import TrainConfigOutput

ID_PATTERN = "^[0-9a-f]{32}$"

NonNegative = Annotated[int, Field(ge=0)]
HexId = Annotated[str, Field(pattern=ID_PATTERN, json_schema_extra={"example": "0" * 32})]
Timestamp = Annotated[str, Field(description="ISO 8601 time in UTC")]
ModelKind = Literal[MODEL_KINDS]  # type: ignore[valid-type]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _may_be_absent(**info: Any) -> Any:
    """A key that some answers leave out (not null: absent). The default None only tells
    pydantic that the key is optional; the document shows no default."""
    return Field(default=None, json_schema_extra=_no_default, **info)


class DatasetInfo(BaseModel):
    name: str
    title: str
    kind: Literal["tabular", "image"]
    n_samples: NonNegative
    n_features: NonNegative
    n_classes: NonNegative
    class_names: list[str]
    availability: str = Field(
        description="embedded, cached, downloadable or missing (uploaded datasets may say so)"
    )
    description: str = _may_be_absent()
    files: list[str] = _may_be_absent()
    how_to_get: str = _may_be_absent()


class ExperimentDataset(DatasetInfo):
    """The dataset of an experiment: its info plus what the plots and panels need."""

    feature_names: list[str]
    image_shape: list[int] | None


class MetricsRow(RootModel[dict[str, float | None]]):
    """metric name -> value; null where a metric cannot be measured (e.g. too few points).
    Also n_points, n_sampled and, for small groups, k."""


class Metrics(BaseModel):
    """quality per group of points: all, and after a submit the selected points and the rest"""

    all: MetricsRow | None
    selected: MetricsRow | None = _may_be_absent()
    rest: MetricsRow | None = _may_be_absent()


class SelectionInfo(BaseModel):
    method: Literal[SELECTION_METHODS]  # type: ignore[valid-type]
    params: dict[str, Any] = _may_be_absent()


class Iteration(BaseModel):
    index: NonNegative
    parent: NonNegative | None
    mode: Literal[("initial", *TRAIN_MODES)]  # type: ignore[valid-type]
    epochs: NonNegative
    selection: SelectionInfo | None
    n_selected: NonNegative | None
    metrics: Metrics | None
    measured: bool
    parent_metrics: Metrics | None
    losses: list[float]
    train_seconds: float | None = _may_be_absent()
    metric_seconds: float | None = _may_be_absent()
    created_at: Timestamp = _may_be_absent()


class Job(BaseModel):
    """A row of the jobs table (runtime/jobs.py) as GET /api/jobs/{job_id} shows it."""

    id: HexId
    experiment_id: HexId
    kind: Literal["train", "measure", "seed"]  # seed: another seed of an iteration
    iteration: NonNegative
    state: Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
    phase: Literal["training", "measuring"]
    params: dict[str, Any] = _may_be_absent()
    progress: dict[str, Any] | None = _may_be_absent()
    priority: int = _may_be_absent()
    attempts: NonNegative = _may_be_absent()
    cancel_requested: bool = _may_be_absent()
    stop_requested: bool = _may_be_absent()
    heartbeat_at: str | None = _may_be_absent()
    created_at: str = _may_be_absent()
    started_at: str | None = _may_be_absent()
    finished_at: str | None = _may_be_absent()
    error: str | None = _may_be_absent()
    worker: str | None = _may_be_absent()
    epoch: NonNegative = _may_be_absent()
    epochs: NonNegative | None = _may_be_absent()
    loss: float | None = _may_be_absent()
    queue_position: NonNegative | None = _may_be_absent()


class LastJob(BaseModel):
    """the last job on record; state interrupted when the server stopped during it"""

    kind: str
    iteration: NonNegative
    state: str
    error: str | None = _may_be_absent()
    started_at: Timestamp | None = _may_be_absent()
    ended_at: Timestamp | None = _may_be_absent()


class Experiment(BaseModel):
    id: HexId
    created_at: Timestamp
    dataset: ExperimentDataset
    model: ModelKind
    config: TrainConfigOutput  # type: ignore[valid-type]
    status: str = Field(description="training, ready, failed, cancelled or interrupted")
    job: Job | None
    error: str | None
    iterations: list[Iteration]
    device: str = _may_be_absent()
    updated_at: Timestamp | None = _may_be_absent()
    last_job: LastJob | None = _may_be_absent()


class ExperimentSummary(BaseModel):
    id: HexId
    dataset: str
    dataset_title: str | None
    model: ModelKind
    created_at: Timestamp
    updated_at: Timestamp
    n_iterations: NonNegative
    status: str


class UploadColumn(BaseModel):
    """rows are file line numbers; n_bad counts text cells in a numeric column, n_missing
    empty, NA-like and non-finite ones"""

    name: str
    numeric: bool
    n_bad: NonNegative
    first_bad_row: NonNegative | None
    n_missing: NonNegative
    examples: list[str] = Field(description="a few cells as read")
    first_missing_row: NonNegative | None = _may_be_absent()
    n_distinct: NonNegative = _may_be_absent()


class Upload(BaseModel):
    upload_id: str
    filename: str
    n_rows: NonNegative
    delimiter: str
    columns: list[UploadColumn]
    suggested_features: list[str]
    suggested_label: str | None


# -- points, decoding, model kinds ---------------------------------------------------------

Pixel = Annotated[int, Field(ge=0, le=255)]


class Points(BaseModel):
    ids: list[NonNegative]
    labels: list[int]
    attributes: dict[str, list[Any]] = Field(description="extra per-point columns, e.g. wine type")
    feature_names: list[str] = _may_be_absent()
    values: list[list[float | None]] = _may_be_absent()
    shape: list[int] = _may_be_absent()
    pixels: list[list[Pixel]] = _may_be_absent()


class Decoded(BaseModel):
    feature_names: list[str] = _may_be_absent()
    values: list[list[float]] = _may_be_absent()
    shape: list[int] = _may_be_absent()
    images: list[list[Pixel]] = _may_be_absent()


class ModelKindInfo(BaseModel):
    kind: ModelKind
    title: str


class SettingInfo(BaseModel):
    name: str
    type: Literal["int", "float", "int_list"]
    min: float
    max: float
    help: str
    models: list[str] = _may_be_absent()


class ModelsInfo(BaseModel):
    models: list[ModelKindInfo]
    parameters: list[SettingInfo]
    defaults: dict[str, TrainConfigOutput] = Field(  # type: ignore[valid-type]
        description="model kind -> default training settings"
    )
    dataset: str


# -- one iteration's data --------------------------------------------------------------------


class Embedding(BaseModel):
    """the columns asked for with `fields` (default all four)"""

    iteration: NonNegative
    parent: NonNegative | None
    n: NonNegative
    x: list[float] = _may_be_absent()
    y: list[float] = _may_be_absent()
    labels: list[int] = _may_be_absent()
    selected: list[NonNegative] | None = _may_be_absent()


class IterationMetrics(BaseModel):
    iteration: NonNegative
    measured: bool
    metrics: Metrics | None
    parent_metrics: Metrics | None


class Reconstructions(BaseModel):
    ids: list[NonNegative]
    original: list[list[float]]
    reconstruction: list[list[float]]
    shape: list[int] = _may_be_absent()


class MetricsFile(BaseModel):
    experiment: HexId
    dataset: str
    model: ModelKind
    iteration: NonNegative
    parent: NonNegative | None
    metrics: Metrics | None
    parent_metrics: Metrics | None


class SelectionFile(BaseModel):
    experiment: HexId
    iteration: NonNegative
    ids: list[NonNegative]
    method: Literal[SELECTION_METHODS]  # type: ignore[valid-type]
    params: dict[str, Any]


#: The resources, as components of the OpenAPI document (with the models they nest).
RESOURCE_MODELS: tuple[type[BaseModel], ...] = (
    DatasetInfo,
    Metrics,
    Iteration,
    Job,
    Experiment,
    ExperimentSummary,
    Upload,
    Points,
    Decoded,
    ModelsInfo,
    Embedding,
    IterationMetrics,
    Reconstructions,
    MetricsFile,
    SelectionFile,
    *SEED_MODELS,  # contract/seeds.py
)
