"""Request parsing through the contract: the one way a route reads its body or query string."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel

from ..contract import parse_body, parse_query

M = TypeVar("M", bound=BaseModel)


def body(model: type[M]) -> M:
    """The JSON body as ``model``; a 400 naming the field, rule, value and fix otherwise."""
    return parse_body(model, request.get_data(cache=True), is_json=request.is_json)


def query(model: type[M]) -> M:
    """The query string as ``model`` (unknown parameters are refused by name)."""
    return parse_query(model, request.args)
