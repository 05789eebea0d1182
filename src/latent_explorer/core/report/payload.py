"""What a report holds, as JSON-ready data: the experiment's settings and every iteration.

Arrays travel compactly, as base64 of little-endian bytes, so that 10,000 points cost about
11 bytes per point and iteration instead of the ~40 of JSON numbers:

- ``coords``: float32, ``x_0 .. x_{n-1}`` then ``y_0 .. y_{n-1}`` (the layout of the embedding
  route's ``format=f32``), bit for bit the stored coordinates;
- ``labels``: uint8 class indices (uint16 past 255 classes), once for all iterations;
- ``selected``: a bit mask of the selection (bit ``i % 8`` of byte ``i // 8`` is point ``i``),
  an eighth of a byte per point where a list of ids could cost five;
- ``reconstructions`` (image data only): a fixed seeded sample of a few points per class, the
  originals and every iteration's reconstructions as uint8 pixels (0-255).
"""

from __future__ import annotations

import base64
import math
import platform
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..experiment import Experiment, Iteration

#: Points per class whose reconstructions the report shows (image data): a row of 20 digits
#: costs about 21 KB per iteration at 28x28.
RECONSTRUCTED_PER_CLASS = 2

#: Bumped when the payload changes shape, so the report's script can refuse what it cannot read.
FORMAT = 1


def b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def encode_coords(coords: np.ndarray) -> str:
    """(n, 2) coordinates as base64 of float32 little-endian, all x then all y."""
    xy = np.asarray(coords, dtype="<f4")
    return b64(np.concatenate([xy[:, 0], xy[:, 1]]))


def decode_coords(text: str, n: int) -> np.ndarray:
    """The inverse of :func:`encode_coords`: (n, 2) float32."""
    flat = np.frombuffer(base64.b64decode(text), dtype="<f4")
    return np.stack([flat[:n], flat[n:]], axis=1)


def encode_labels(y: np.ndarray, n_classes: int) -> tuple[str, str]:
    """Class indices as base64 and their dtype (``"u1"`` or ``"u2"``)."""
    dtype = "<u1" if n_classes <= 256 else "<u2"
    return b64(np.asarray(y).astype(dtype)), dtype.lstrip("<")


def encode_mask(ids: np.ndarray, n: int) -> str:
    """The ids as a bit mask of ``n`` bits (little bit order), base64."""
    mask = np.zeros(n, dtype=bool)
    mask[np.asarray(ids, dtype=np.int64)] = True
    return b64(np.packbits(mask, bitorder="little"))


def decode_mask(text: str, n: int) -> np.ndarray:
    bits = np.unpackbits(np.frombuffer(base64.b64decode(text), np.uint8), bitorder="little")
    return np.flatnonzero(bits[:n])


def encode_pixels(X: np.ndarray) -> str:
    """Images with values in [0, 1] as base64 of uint8 pixels (0-255), row after row."""
    return b64(np.rint(np.clip(np.asarray(X, dtype=np.float64), 0.0, 1.0) * 255).astype(np.uint8))


def reconstructions(exp: Experiment) -> dict[str, Any] | None:
    """The sample's originals and each iteration's reconstructions, for image data; else None.
    The sample is the forgetting strip's (:func:`..forgetting.strip_ids`), so the report and
    the page show the same points."""
    ds = exp.dataset
    if ds.kind != "image" or not ds.image_shape or not exp.iterations:
        return None
    from ..forgetting import strip_ids
    from ..training import reconstruct

    groups = strip_ids(ds.y, per_class=RECONSTRUCTED_PER_CLASS, seed=exp.config.seed)
    ids = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
    X = ds.X[ids]
    return {
        "ids": ids.tolist(),
        "shape": list(ds.image_shape),
        "original": encode_pixels(X),
        "by_iteration": [
            encode_pixels(reconstruct(it.model, X, device=exp.device)) for it in exp.iterations
        ],
    }


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON has neither) and NumPy scalars as
    Python numbers, recursively."""
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def versions() -> dict[str, str]:
    """The versions that produced the numbers: this package, Python, NumPy, PyTorch, SciPy."""
    from importlib import metadata

    from ... import __version__

    out = {"latent-explorer": __version__, "python": platform.python_version()}
    for name in ("numpy", "torch", "scipy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[name] = "not installed"
    return out


def iteration_payload(it: Iteration, n: int) -> dict[str, Any]:
    sel = it.selection
    return finite(
        {
            "index": it.index,
            "parent": it.parent,
            "mode": it.mode,
            "epochs": it.epochs,
            "selection": None if sel is None else {"method": sel.method, "params": sel.params},
            "n_selected": None if sel is None else len(sel),
            "selected": None if sel is None else encode_mask(sel.ids, n),
            "coords": encode_coords(it.coords),
            "metrics": it.metrics,
            "parent_metrics": it.parent_metrics,
            "losses": list(it.losses),
            "train_seconds": it.train_seconds,
            "created_at": it.created_at,
        }
    )


def report_payload(exp: Experiment, *, experiment_id: str | None = None) -> dict[str, Any]:
    """Everything the report shows, JSON-ready (arrays as base64; see the module's notes)."""
    ds = exp.dataset
    labels, label_dtype = encode_labels(ds.y, ds.n_classes)
    return finite(
        {
            "format": FORMAT,
            "experiment": experiment_id,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "dataset": {
                "name": ds.name,
                "title": ds.title,
                "fingerprint": ds.fingerprint,
                "n_samples": ds.n_samples,
                "n_features": ds.n_features,
                "kind": ds.kind,
                "image_shape": list(ds.image_shape) if ds.image_shape else None,
                "class_names": list(ds.class_names),
            },
            "model": exp.model_kind,
            "config": exp.config.to_dict(),
            "seed": exp.config.seed,
            "device": exp.device,
            "metric_sample_size": int(exp.metric_sample.size),
            "versions": versions(),
            "labels": labels,
            "label_dtype": label_dtype,
            "iterations": [iteration_payload(it, ds.n_samples) for it in exp.iterations],
            "reconstructions": reconstructions(exp),
        }
    )
