"""Loaders of the built-in image datasets: digits (8x8), MNIST and Fashion-MNIST (IDX files)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .arrays import from_arrays
from .dataset import Dataset
from .errors import DatasetError

if TYPE_CHECKING:
    from .registry import _Spec

_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049


def _image_feature_names(height: int, width: int) -> list[str]:
    return [f"pixel_{r}_{c}" for r in range(height) for c in range(width)]


def _load_digits(spec: _Spec, paths: Mapping[str, Path]) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return from_arrays(
        np.asarray(bunch.data, dtype=np.float64) / 16.0,  # grey levels are 0..16
        np.asarray(bunch.target, dtype=np.int64),
        class_names=[str(d) for d in range(10)],
        feature_names=_image_feature_names(8, 8),
        image_shape=(8, 8),
        name=spec.name,
        title=spec.title,
        description=spec.description,
    )


# --------------------------------------------------------------------------- MNIST-style IDX files


def _read_idx(path: Path, *, images: bool, expected_count: int) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into a uint8 array, checking its header."""
    kind = "images" if images else "labels"
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise DatasetError(f"{path}: damaged gzip data ({exc}).") from exc
    ndim = 3 if images else 1
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetError(f"{path}: {len(data)} bytes is too short for an IDX {kind} file.")
    magic = int.from_bytes(data[:4], "big")
    expected_magic = _IDX_IMAGES_MAGIC if images else _IDX_LABELS_MAGIC
    if magic != expected_magic:
        raise DatasetError(
            f"{path}: magic number {magic}, expected {expected_magic} for IDX {kind}; "
            f"this is not an MNIST {kind} file (or images and labels are swapped)."
        )
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if dims[0] != expected_count:
        raise DatasetError(f"{path}: holds {dims[0]:,} {kind}, expected {expected_count:,}.")
    size = int(np.prod(dims))
    if len(data) != header_size + size:
        raise DatasetError(
            f"{path}: the header promises {size:,} bytes of data but the file has "
            f"{len(data) - header_size:,}; it is truncated or damaged."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(dims)


def _load_mnist(spec: _Spec, paths: Mapping[str, Path]) -> Dataset:
    images, labels, splits = [], [], []
    # Training images first, so that ids 0..59,999 are train and the test set follows.
    for split, count in (("train", 60_000), ("test", 10_000)):
        if f"{split}_images" not in paths:
            continue
        pixels = _read_idx(paths[f"{split}_images"], images=True, expected_count=count)
        digits = _read_idx(paths[f"{split}_labels"], images=False, expected_count=count)
        if digits.max() > 9:
            raise DatasetError(f"{paths[f'{split}_labels']}: labels above 9.")
        images.append(pixels)
        labels.append(digits)
        splits.append(np.full(count, split))
    shapes = {pixels.shape[1:] for pixels in images}
    if len(shapes) != 1:
        raise DatasetError(f"MNIST train and test images differ in size: {sorted(shapes)}.")
    pixels = np.concatenate(images) if len(images) > 1 else images[0]
    n, height, width = pixels.shape
    X = pixels.reshape(n, height * width).astype(np.float32)
    X /= np.float32(255)
    # float32 pixels stay one array: `raw` is `X` (a second copy would cost 220 MB).
    return from_arrays(
        X,
        np.concatenate(labels).astype(np.int64),
        class_names=spec.class_names,
        feature_names=_image_feature_names(height, width),
        image_shape=(height, width),
        attributes={"split": np.concatenate(splits)},
        name=spec.name,
        title=spec.title,
        description=spec.description,
    )
