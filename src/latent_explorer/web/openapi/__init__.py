"""OpenAPI 3.1 description of every /api route, served at ``GET /api/openapi.json``.

The document is plain Python data built by :func:`build_spec` from one module per concept:
``schema`` (JSON Schema building blocks, and the component schemas, all generated from the
pydantic contract: requests, errors, events, resources), ``operations`` (an operation's
parameters, body and the error answers every route shares) and one module of paths per group
of routes.
``tests/web/test_openapi.py`` keeps it true: every Flask rule under /api must appear here with
the same methods (and nothing else may), and real responses must validate against it.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify

from ... import __version__
from ..api import bp
from .datasets import dataset_paths, model_paths
from .experiments import experiment_paths
from .insight import insight_paths
from .iterations import iteration_paths
from .operations import error, json_response, operation
from .schema import ANY_OBJ, contract_schemas
from .seeds import seed_paths


def _meta_paths() -> dict[str, Any]:
    return {
        "/api/openapi.json": {
            "get": operation(
                "getOpenApi",
                "This document",
                "meta",
                {
                    "200": json_response(ANY_OBJ, "the OpenAPI 3.1 description of /api"),
                    "4XX": error("a client error (e.g. 405 for a wrong method)"),
                },
            )
        },
    }


def build_spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document for every /api route, as a fresh dict."""
    # Imported here: the forgetting blueprint describes its own routes with this package's
    # helpers, so it imports them, and a module-level import would be circular.
    from ..forgetting import openapi_paths as forgetting_paths

    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "latent-explorer API",
            "version": __version__,
            "description": "Train an autoencoder with a 2-D latent space and explore it. "
            "Everything is JSON (snake_case) except the event stream, the CSV export, the "
            "checkpoint and the float32 forms (format=f32). Errors are "
            '{"error": {"code": ..., "message": ...}} with a 4xx/5xx status; the message '
            "names the parameter, the rule, the value and the fix.",
        },
        "tags": [
            {"name": name} for name in ("datasets", "models", "experiments", "iterations", "meta")
        ],
        "paths": {
            **model_paths(),
            **_meta_paths(),
            **dataset_paths(),
            **experiment_paths(),
            **iteration_paths(),
            **insight_paths(),
            **seed_paths(),
            **forgetting_paths(),
        },
        "components": {"schemas": contract_schemas()},
    }
    return copy.deepcopy(spec)  # the helpers' constants (STR, NON_NEG, ...) stay untouched


@bp.get("/openapi.json")
def openapi_json():  # type: ignore[no-untyped-def]
    # build_spec is looked up here at each request, so a test can patch this module's.
    return jsonify(build_spec())
