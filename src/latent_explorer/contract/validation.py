"""Validation at the boundary: a body or query string against its model, and pydantic's errors
turned into one :class:`InvalidRequest` whose sentences name the field, the rule, the value
and the fix.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..core.training import TrainConfig
from .base import InvalidRequest
from .settings import TRAIN_CONFIG_KEYS

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
