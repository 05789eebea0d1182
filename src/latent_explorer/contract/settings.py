"""Training settings as the API takes and answers them, and as the page's forms offer them.

They are declared in ``core/training.py`` (``TrainConfig``'s field metadata) and only
translated here, so a limit is never written twice.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from ..core.training import TrainConfig
from .base import Body
from .limits import (
    EXPLORER_LATENT_DIM,
    MAX_RETRAIN_EPOCHS,
    RETRAIN_EPOCHS_HELP,
)


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


# -- the page's training-settings form ---------------------------------------------------------


def ui_parameters() -> list[dict[str, Any]]:
    """The settings the page's form offers, with their limits, from TrainConfig's metadata.

    ``type`` is int, float or int_list; ``min``/``max`` are inclusive unless
    ``exclusive_min``/``exclusive_max`` says otherwise; ``models`` lists the model kinds a
    setting applies to (absent: all).
    """
    shown = ("epochs", "patience", "lr", "batch_size", "hidden", "beta", "seed")
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
