"""JSON Schema building blocks of the OpenAPI document, and the schemas generated from the contract.

Every schema the contract declares as a pydantic model (request bodies, query strings, errors,
events, training settings, the resources the answers describe) comes from its
``model_json_schema()``, so it is never restated. The small answers that are one route's own
(an embedding's columns, a download) are assembled from the constants and helpers here, so
that an id or a count reads the same everywhere.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...contract import (
    ID_PATTERN,
    INSIGHT_MODELS,
    REQUEST_MODELS,
    RESOURCE_MODELS,
    RESPONSE_MODELS,
    TrainConfigOutput,
)

Schema = dict[str, Any]

# -- schema helpers -----------------------------------------------------------------------------

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
ANY_OBJ: Schema = {"type": "object"}
NON_NEG: Schema = {"type": "integer", "minimum": 0}
EXPERIMENT_ID: Schema = {"type": "string", "pattern": ID_PATTERN, "example": "0" * 32}
TIMESTAMP: Schema = {"type": "string", "description": "ISO 8601 time in UTC"}


def float32_response(description: str, layout: str, headers: dict[str, str]) -> Schema:
    """A 200 answering raw little-endian float32 (web/binary.py): ``layout`` says how the
    values lie, ``headers`` names each required header and what it holds."""
    return {
        "description": description,
        "headers": {
            name: {"required": True, "description": text, "schema": STR}
            for name, text in headers.items()
        },
        "content": {
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary", "description": layout}
            }
        },
    }


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema, **extra: Any) -> Schema:
    return {"anyOf": [schema, {"type": "null"}], **extra}


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def obj(
    required: dict[str, Schema], optional: dict[str, Schema] | None = None, **extra: Any
) -> Schema:
    """An object schema: ``required`` keys must be present, ``optional`` ones may be."""
    schema: Schema = {"type": "object", "properties": {**required, **(optional or {})}}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


# -- generated from the contract (latent_explorer/contract.py) ----------------------------------

REF_TEMPLATE = "#/components/schemas/{model}"


def model_schema(model: type[BaseModel]) -> Schema:
    """``model``'s JSON Schema with nested models as component references."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    schema.pop("$defs", None)
    return schema


def contract_schemas() -> dict[str, Schema]:
    """The component schemas: every model of the contract (and the models they nest)."""
    out: dict[str, Schema] = {}
    for model in (*REQUEST_MODELS, *RESPONSE_MODELS, *RESOURCE_MODELS, *INSIGHT_MODELS):
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    full = TrainConfigOutput.model_json_schema(ref_template=REF_TEMPLATE)
    full["description"] = "training settings; hidden null means sized from the data"
    out["TrainConfig"] = full
    return out


def query_parameters(model: type[BaseModel]) -> list[Schema]:
    """The query parameters of a route, one per field of its contract model."""
    params = []
    for name, field in model.model_fields.items():
        schema = model_schema(model)["properties"][name]
        schema.pop("title", None)
        # A query value is text or absent, never null: "str | None" documents as a string.
        options = [o for o in schema.pop("anyOf", []) if o.get("type") != "null"]
        if options:
            schema.update(options[0])
        if schema.get("default", 0) is None:
            del schema["default"]
        description = schema.pop("description", None) or field.description or name
        params.append(
            {
                "name": name,
                "in": "query",
                "required": field.is_required(),
                "description": description,
                "schema": schema,
            }
        )
    return params
