"""The API's contract, declared once: request bodies, query strings, answers and their limits.

Each request the server accepts is a pydantic v2 model here. The web layer validates with
them (unknown keys are rejected, types are strict), ``web/openapi/`` builds the OpenAPI
document from their ``model_json_schema()``, and ``GET /api/models`` serves the page its
training-settings form (:func:`ui_parameters`) from the same fields. The training settings
themselves are declared in ``core/training.py`` (``TrainConfig``'s field metadata) and only
translated here, so a limit is never written twice.

One module per concept: ``limits``, ``base`` (strict bodies, lax query strings),
``settings`` (training settings), ``requests``, ``resources`` and ``insight`` (what the answers describe),
``responses`` (errors, events) and ``validation``. Import from the package: ``from latent_explorer.contract import ...``.

Errors: :class:`InvalidRequest` carries a code and one sentence per problem that names the
field, the rule, the value and the fix; ``web/errors.py`` turns it into a 400.
"""

from __future__ import annotations

from .base import Body, InvalidRequest, Query
from .insight import INSIGHT_MODELS
from .limits import (
    EMBEDDING_FORMATS,
    EXPLORER_LATENT_DIM,
    MAX_DECODE_POINTS,
    MAX_EXPERIMENT_LIST,
    MAX_IDS_PER_QUERY,
    MAX_LATENT_ABS,
    MAX_NEIGHBOURS,
    MAX_RETRAIN_EPOCHS,
    MAX_SELECTED_IDS,
    MAX_SELECTION_PARAMS_CHARS,
    PER_POINT_KEYS,
    RETRAIN_EPOCHS_HELP,
)
from .requests import (
    REQUEST_MODELS,
    Coordinate,
    CreateDataset,
    CreateExperiment,
    CreateIteration,
    DecodeRequest,
    EmbeddingQuery,
    IdsQuery,
    ListExperimentsQuery,
    ModelKind,
    ModelsQuery,
    NeighboursQuery,
    NoQuery,
    PartialPerPointQuery,
    PerPointQuery,
    PointId,
    SelectionInput,
)
from .resources import (
    ID_PATTERN,
    RESOURCE_MODELS,
    DatasetInfo,
    Experiment,
    ExperimentSummary,
    Iteration,
    Job,
    Metrics,
    Upload,
)
from .responses import (
    EVENT_NAMES,
    RESPONSE_MODELS,
    Error,
    ErrorDetail,
    Event,
    EventData,
    clamp_event_id,
)
from .settings import (
    TRAIN_CONFIG_KEYS,
    TrainConfigInput,
    TrainConfigOutput,
    submit_parameters,
    ui_parameters,
)
from .validation import IGNORED_QUERY_KEYS, invalid, parse_body, parse_query

__all__ = [
    "INSIGHT_MODELS",
    "ID_PATTERN",
    "RESOURCE_MODELS",
    "DatasetInfo",
    "Experiment",
    "ExperimentSummary",
    "Iteration",
    "Job",
    "Metrics",
    "Upload",
    "Body",
    "Coordinate",
    "CreateDataset",
    "CreateExperiment",
    "CreateIteration",
    "DecodeRequest",
    "EMBEDDING_FORMATS",
    "EVENT_NAMES",
    "EXPLORER_LATENT_DIM",
    "EmbeddingQuery",
    "Error",
    "ErrorDetail",
    "Event",
    "EventData",
    "IGNORED_QUERY_KEYS",
    "IdsQuery",
    "InvalidRequest",
    "ListExperimentsQuery",
    "MAX_DECODE_POINTS",
    "MAX_EXPERIMENT_LIST",
    "MAX_IDS_PER_QUERY",
    "MAX_LATENT_ABS",
    "MAX_NEIGHBOURS",
    "MAX_RETRAIN_EPOCHS",
    "MAX_SELECTED_IDS",
    "MAX_SELECTION_PARAMS_CHARS",
    "ModelKind",
    "ModelsQuery",
    "NeighboursQuery",
    "NoQuery",
    "PER_POINT_KEYS",
    "PartialPerPointQuery",
    "PerPointQuery",
    "PointId",
    "Query",
    "REQUEST_MODELS",
    "RESPONSE_MODELS",
    "RETRAIN_EPOCHS_HELP",
    "SelectionInput",
    "TRAIN_CONFIG_KEYS",
    "TrainConfigInput",
    "TrainConfigOutput",
    "clamp_event_id",
    "invalid",
    "parse_body",
    "parse_query",
    "submit_parameters",
    "ui_parameters",
]
