"""Where an experiment's artifacts lie and how rows and arrays are encoded.

Artifact keys are built only from validated 32-hex-digit ids and integer iteration numbers;
arrays are written as .npy/.npz without pickles, JSON columns as text.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import numpy as np

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def check_id(experiment_id: str) -> str:
    """Return ``experiment_id`` if it is 32 lowercase hex digits; raise ValueError otherwise."""
    if not isinstance(experiment_id, str) or not ID_PATTERN.match(experiment_id):
        raise ValueError("experiment id must be 32 hexadecimal characters")
    return experiment_id


def iteration_prefix(experiment_id: str, index: int) -> str:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"iteration index ({index!r}) must be a non-negative integer")
    return f"experiments/{check_id(experiment_id)}/iter_{index}"


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
