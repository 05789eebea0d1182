"""The API's contract, declared once: request bodies, query strings and their limits.

Each request the server accepts is a pydantic v2 model here. The web layer validates with
them (unknown keys are rejected, types are strict), ``web/openapi.py`` builds the OpenAPI
document from their ``model_json_schema()``, and ``GET /api/models`` serves the page its
training-settings form (:func:`ui_parameters`) from the same fields. The training settings
themselves are declared in ``core/training.py`` (``TrainConfig``'s field metadata) and only
translated here, so a limit is never written twice.

Errors: :class:`InvalidRequest` carries a code and one sentence per problem that names the
field, the rule, the value and the fix; ``web/errors.py`` turns it into a 400.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator
from pydantic.fields import FieldInfo

from .core.datasets import SCALINGS
from .core.forgetting import MAX_REPEAT
from .core.models import MODEL_KINDS
from .core.neighbours import SPACES
from .core.selection import SELECTION_METHODS
from .core.training import TRAIN_MODES, TrainConfig

# -- limits the routes share with the document --------------------------------------------------

MAX_IDS_PER_QUERY = 2_000
MAX_DECODE_POINTS = 1_000
#: Latent codes live within a few units of 0; 1e6 leaves room for any zoom while keeping
#: float32 (what the decoder computes in) far from overflow.
MAX_LATENT_ABS = 1e6
MAX_NEIGHBOURS = 100
MAX_SELECTED_IDS = 1_000_000
MAX_SELECTION_PARAMS_CHARS = 10_000
MAX_RETRAIN_EPOCHS = 10_000
MAX_EXPERIMENT_LIST = 200
#: Retrain epochs: the Submit form's one setting, served with the training settings.
RETRAIN_EPOCHS_HELP = "passes over the selection (blank: sized by compute)"
PER_POINT_KEYS = ("trustworthiness", "continuity", "neighborhood_hit", "reconstruction_error", "kl")
EMBEDDING_FORMATS = ("json", "f32")
#: The explorer draws 2-D scatter plots; other latent sizes are for the Python API only.
EXPLORER_LATENT_DIM = 2


class InvalidRequest(Exception):
    """A request that breaks the contract: 400 with ``code`` and a ``message`` naming the fix."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Body(BaseModel):
    """A JSON request body: strict types (``"5"`` is not 5, ``true`` is not 1), no unknown keys,
    no NaN or infinities."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Query(BaseModel):
    """A query string: values arrive as text, so numbers are parsed (lax), but unknown keys
    are still rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _no_default(schema: dict[str, Any]) -> None:
    # An omitted setting is sized from the dataset (GET /api/models), not a fixed default.
    schema.pop("default", None)


def _setting_type(f: Any, *, explorer: bool) -> Any:
    """The pydantic type of TrainConfig field ``f``, from the rule in its metadata."""
    meta = f.metadata
    bounds = {k: meta[k] for k in ("ge", "gt", "le", "lt") if k in meta}
    if f.name == "latent_dim" and explorer:
        bounds = {"ge": EXPLORER_LATENT_DIM, "le": EXPLORER_LATENT_DIM}
    if "choices" in meta:
        return Literal[tuple(meta["choices"])]  # type: ignore[valid-type]
    if "min_items" in meta:
        item = Annotated[int, Field(**bounds)]
        items = Field(min_length=meta["min_items"], max_length=meta["max_items"])
        return Annotated[list[item], items] | None  # type: ignore[valid-type]
    number = int if f.type in ("int", int) else float
    return Annotated[number, Field(**bounds)]  # type: ignore[valid-type]


def _train_config_model(name: str, *, explorer: bool) -> type[BaseModel]:
    """A pydantic model of TrainConfig: every key optional in the explorer's input form,
    every key present in the full form the API answers with."""
    definitions: dict[str, Any] = {}
    for f in fields(TrainConfig):
        description = f.metadata["help"]
        if explorer:
            info = Field(default=None, description=description, json_schema_extra=_no_default)
        else:
            default = None if f.default is MISSING else f.default
            info = Field(default=default, description=description)
        definitions[f.name] = (_setting_type(f, explorer=explorer), info)
    base = Body if explorer else BaseModel
    return create_model(name, __base__=base, **definitions)  # type: ignore[call-overload,no-any-return]


#: Overrides of a dataset's default training settings (POST /api/experiments ``config``).
TrainConfigInput = _train_config_model("TrainConfigInput", explorer=True)
#: A complete set of training settings, as the API answers it.
TrainConfigOutput = _train_config_model("TrainConfig", explorer=False)
TRAIN_CONFIG_KEYS = tuple(f.name for f in fields(TrainConfig))

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


# -- answers every route shares: errors and the event stream --------------------------------


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
#: requeued when its worker died and it runs again; idle ends the stream.
EVENT_NAMES = (
    "queued",
    "started",
    "progress",
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
    repetitions?} or a measure job's {stage (sampled | exact), eta_s, elapsed_s}; estimates
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


#: The request bodies, as components of the OpenAPI document.
REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    CreateExperiment,
    CreateIteration,
    DecodeRequest,
    CreateDataset,
)
#: Answers declared here too (the rest of the document still writes its response schemas).
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (Error, Event, EventData)

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
    key: Literal[PER_POINT_KEYS] = Field(description="which values")  # type: ignore[valid-type]
    format: Literal[EMBEDDING_FORMATS] = Field(  # type: ignore[valid-type]
        default="json", description="json (default) or f32 bytes"
    )


class NoQuery(Query):
    """Routes that take no query parameters (a stray one is a mistake worth naming)."""


# -- parsing -------------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)

#: Query keys that every route accepts: the access token (web/security.py).
IGNORED_QUERY_KEYS = frozenset({"token"})


def parse_body(model: type[M], raw: bytes, *, is_json: bool) -> M:
    """Validate a JSON request body against ``model``; :class:`InvalidRequest` when it breaks
    the contract. pydantic's own JSON parser refuses deep nesting (no RecursionError)."""
    if not is_json:
        raise InvalidRequest(
            "bad_json", "send the body as JSON with Content-Type: application/json"
        )
    if not raw.strip():
        raise InvalidRequest("bad_json", "the request body must be a JSON object, e.g. {}")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid(exc, model) from None


def parse_query(model: type[M], args: Any) -> M:
    """Validate query parameters (a MultiDict) against ``model``."""
    values: dict[str, Any] = {}
    for key in args:
        if key in IGNORED_QUERY_KEYS:
            continue
        given = args.getlist(key)
        if len(given) > 1:
            raise InvalidRequest(
                f"bad_{_code_name(key)}", f"{key:.40} is given {len(given)} times; give it once"
            )
        values[key] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid(exc, model, where="query parameter") from None


def _code_name(key: Any) -> str:
    text = str(key)
    return text if text.isidentifier() and text.isascii() and len(text) <= 40 else "query"


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def _field_info(model: type[BaseModel], loc: tuple[Any, ...]) -> FieldInfo | None:
    """The declaration of the field at ``loc`` (nested models followed), for its example."""
    current: Any = model
    info = None
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and hasattr(current, "model_fields")
        ):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _model_in(info.annotation)
    return info


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _value(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _fix(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    if loc and loc[0] == "config" and len(loc) > 1:
        if loc[1] == "latent_dim":
            return "the explorer's plots are 2-D; use the Python API for other sizes"
        hints = {f.name: f.metadata["hint"] for f in fields(TrainConfig)}
        return hints.get(str(loc[1]), "see GET /api/models for the settings and their limits")
    info = _field_info(model, loc)
    if info is not None and info.examples:
        return f"e.g. {json.dumps(info.examples[0])}"
    if info is not None and info.description:
        return info.description
    if info is not None and not info.is_required():
        return "omit it for the default"
    return "see GET /api/openapi.json"


def _code(loc: tuple[Any, ...], kind: str) -> str:
    top = _code_name(loc[0]) if loc else "json"
    if kind == "missing" and len(loc) == 1:
        return f"missing_{top}"
    if kind == "extra_forbidden" and len(loc) == 1:
        return "unknown_field"
    if top == "model" and kind == "literal_error":
        return "unknown_model"
    return f"bad_{top}"


def _sentence(model: type[BaseModel], error: Any, where: str) -> str:
    loc, kind = tuple(error["loc"]), error["type"]
    path = _path(loc)
    if kind == "json_invalid":
        reason = error.get("ctx", {}).get("error", "not JSON")
        return f"the request body is not valid JSON ({reason}); send one JSON object"
    if kind in ("model_type", "dict_type") and not loc:
        return f"the request body must be a JSON object, not {_value(error['input'])}"
    if kind == "missing":
        what = "" if where == "field" else f" ({where})"
        return f"{path} is required{what}; {_fix(model, loc)}"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        parent = _field_info(model, loc[:-1]) if len(loc) > 1 else None
        owner = _model_in(parent.annotation) if parent is not None else model
        valid = sorted(owner.model_fields) if owner is not None else []
        text = f"{path:.60} is not a {where} of this request; the {where}s are {valid}"
        if len(loc) == 1 and name in TRAIN_CONFIG_KEYS and "config" in model.model_fields:
            example = json.dumps({"config": {name: error["input"]}})
            text += f". {name} is a training setting: it belongs in config, e.g. {example}"
        return text
    rule = _range(model, loc) if kind in _BOUND_ERRORS else None
    return f"{path} ({_value(error['input'])}) {rule or _rule(kind, error)}; {_fix(model, loc)}"


_BOUND_ERRORS = ("greater_than_equal", "greater_than", "less_than_equal", "less_than")


def _range(model: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """'must be an integer in [1, 100]' for a scalar field with both bounds declared."""
    info = _field_info(model, loc)
    if info is None or isinstance(loc[-1], int):
        return None
    found = {
        key: getattr(m, key)
        for m in info.metadata
        for key in ("ge", "gt", "le", "lt")
        if hasattr(m, key)
    }
    if not ({"ge", "gt"} & set(found) and {"le", "lt"} & set(found)):
        return None
    lo = f"[{found['ge']}" if "ge" in found else f"({found['gt']}"
    hi = f"{found['le']}]" if "le" in found else f"{found['lt']})"
    kind = "an integer" if info.annotation is int else "a number"
    return f"must be {kind} in {lo}, {hi}"


_RULES = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "int_parsing_size": "must be an integer of a sensible size",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "none_required": "must be null",
}


def _rule(kind: str, error: Any) -> str:
    """The rule an error broke, in words (pydantic's own text where none is written here)."""
    ctx = error.get("ctx") or {}
    bounds = {
        "greater_than_equal": ">= {ge}",
        "greater_than": "> {gt}",
        "less_than_equal": "<= {le}",
        "less_than": "< {lt}",
    }
    if kind in _RULES:
        return _RULES[kind]
    if kind in bounds:
        return "must be " + bounds[kind].format(**{k: ctx.get(k) for k in ("ge", "gt", "le", "lt")})
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    if kind in ("too_short", "too_long"):
        bound = "at least" if kind == "too_short" else "at most"
        size = ctx.get("min_length" if kind == "too_short" else "max_length")
        unit = "characters" if isinstance(error.get("input"), str) else "item"
        unit += "" if size == 1 else "s"
        return f"must have {bound} {size} {unit}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"]).lower()


def invalid(
    exc: ValidationError, model: type[BaseModel], *, where: str = "field"
) -> InvalidRequest:
    """One :class:`InvalidRequest` for all of pydantic's errors: the first one's code, and a
    sentence per error (at most five) naming the field, the rule, the value and the fix."""
    errors = exc.errors(include_url=False)
    sentences = [_sentence(model, e, where) for e in errors[:5]]
    if len(errors) > 5:
        sentences.append(f"and {len(errors) - 5} more problems")
    first = errors[0]
    kind = first["type"]
    bad_body = kind == "json_invalid" or (kind == "model_type" and not first["loc"])
    code = "bad_json" if bad_body else _code(tuple(first["loc"]), kind)
    return InvalidRequest(code, "; ".join(sentences))


def clamp_event_id(raw: str | None, *, upper: int) -> int:
    """A ``Last-Event-ID`` header as an index into a job's events: anything that is not a
    small ASCII integer (a reconnecting browser sends back what it was given) counts as 0,
    and a number past the events written so far is clamped to them."""
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return 0
    return min(int(raw), max(upper, 0))


# -- the page's training-settings form ---------------------------------------------------------


def ui_parameters() -> list[dict[str, Any]]:
    """The settings the page's form offers, with their limits, from TrainConfig's metadata.

    ``type`` is int, float or int_list; ``min``/``max`` are inclusive unless
    ``exclusive_min``/``exclusive_max`` says otherwise; ``models`` lists the model kinds a
    setting applies to (absent: all).
    """
    shown = ("epochs", "lr", "batch_size", "hidden", "beta", "seed")
    by_name = {f.name: f for f in fields(TrainConfig)}
    out = []
    for name in shown:
        f = by_name[name]
        meta = f.metadata
        kind = "int_list" if "min_items" in meta else ("int" if f.type in ("int", int) else "float")
        entry: dict[str, Any] = {"name": name, "type": kind, "help": meta["help"]}
        entry["min"] = meta.get("ge", meta.get("gt"))
        entry["max"] = meta.get("le", meta.get("lt"))
        if "gt" in meta:
            entry["exclusive_min"] = True
        if "lt" in meta:
            entry["exclusive_max"] = True
        if "models" in meta:
            entry["models"] = list(meta["models"])
        out.append(entry)
    return out


def submit_parameters() -> list[dict[str, Any]]:
    """The Submit form's settings (retraining on a selection), with their limits."""
    return [
        {
            "name": "epochs",
            "type": "int",
            "min": 1,
            "max": MAX_RETRAIN_EPOCHS,
            "help": RETRAIN_EPOCHS_HELP,
        }
    ]
