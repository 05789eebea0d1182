"""Arrays to a :class:`Dataset`: the one path every source takes (arrays, uploads, built-ins).

:func:`from_arrays` checks the values, encodes the labels, scales the features and builds the
Dataset. An uploaded CSV (:mod:`.user_csv`) and the built-in loaders (:mod:`.tabular`,
:mod:`.images`) read their files into arrays and call it, so a notebook's
``Dataset.from_arrays(X, labels)`` gets exactly the scaling and label order an upload gets.

pandas is optional: a DataFrame (or Series, or Categorical) is recognised by its methods, never
imported here.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .csv_table import MAX_CLASSES, MIN_ROWS, _clip, _is_number
from .dataset import Dataset
from .errors import DataInputError

__all__ = ["SCALINGS", "from_arrays", "from_npy"]

#: Feature scalings: z-scores, [0, 1] per column, or the values as they are.
SCALINGS = ("standard", "minmax", "none")

_HOW = {"standard": "standardised (z-scores)", "minmax": "scaled to [0, 1]", "none": "unscaled"}


@dataclass(frozen=True)
class _Voice:
    """How errors speak of the input: an upload names its CSV columns, arrays their arguments."""

    prefix: str = "arrays"  # error codes are "<prefix>_<rule>"
    labels: str = "labels"  # what a message calls the labels
    column: str | None = None  # the label column, for DataInputError.column
    no_label: str = "pass labels=None for one class"  # how to go without labels


def _is_frame(obj: object) -> bool:
    return hasattr(obj, "columns") and hasattr(obj, "to_numpy") and hasattr(obj, "dtypes")


def _frame_features(frame: Any, labels: Any) -> tuple[np.ndarray, Any, list[str]]:
    """A DataFrame's numeric columns as float64, its labels (a column name allowed), its names."""
    if isinstance(labels, str):
        if labels not in frame.columns:
            raise DataInputError(
                "arrays_unknown_column",
                f"labels ({labels!r}) is not a column of the DataFrame; its columns are "
                f"{_clip(', '.join(map(str, frame.columns)), 200)}",
                column=labels,
            )
        frame, labels = frame.drop(columns=[labels]), frame[labels]
    names = [str(c) for c in frame.columns]
    columns = []
    for name, column in zip(names, frame.columns, strict=True):
        values = np.asarray(frame[column].to_numpy())
        if values.dtype.kind not in "biuf":
            raise DataInputError(
                "arrays_non_numeric",
                f"column {name!r} holds {values.dtype} values, not numbers: drop it "
                "(frame.drop(columns=[...])) or pass it as the labels",
                column=name,
            )
        columns.append(values.astype(np.float64))
    if not columns:
        raise DataInputError("arrays_no_features", "the DataFrame has no feature column left")
    return np.column_stack(columns), labels, names


def _as_features(X: Any) -> np.ndarray:
    """`X` as a numeric ndarray (2-D, or 3-D images), refusing text and object arrays."""
    try:
        values = np.asarray(X)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise DataInputError("arrays_shape", f"X is not a rectangular array ({exc})") from None
    if values.dtype.kind not in "biuf":
        raise DataInputError(
            "arrays_non_numeric",
            f"X holds {values.dtype} values; features must be numbers (bool, int or float): "
            "convert them, or pass text columns as labels",
        )
    return values


def _encode_labels(
    values: Any, n: int, class_names: Sequence[str] | None, voice: _Voice
) -> tuple[np.ndarray, list[str]]:
    """Class index per point and the class names: given, or the distinct values, sorted."""

    def fail(rule: str, message: str) -> DataInputError:
        return DataInputError(f"{voice.prefix}_{rule}", message, column=voice.column)

    if values is None:
        return np.zeros(n, dtype=np.int64), (list(class_names) if class_names else ["all"])
    labels = np.asarray(values)
    if labels.ndim != 1 or len(labels) != n:
        raise fail("label_shape", f"{voice.labels} has shape {labels.shape}; expected ({n},)")
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        raise fail(
            "missing_label", f"{voice.labels} is NaN at row {int(np.isnan(labels).argmax())}"
        )
    if class_names is not None:
        names = [str(c) for c in class_names]
        if len(set(names)) != len(names):
            raise fail("class_names", f"class_names lists a name twice ({names}): list it once")
        if labels.dtype.kind in "iu":
            bad = (labels < 0) | (labels >= len(names))
            if bad.any():
                raise fail(
                    "label_range",
                    f"{voice.labels}[{int(bad.argmax())}] is {labels[bad.argmax()]}; class "
                    f"indices must lie in 0..{len(names) - 1} (one per class name)",
                )
            return labels.astype(np.int64), names
        lookup = {c: i for i, c in enumerate(names)}
        text = [str(v) for v in labels.tolist()]
        unknown = [v for v in dict.fromkeys(text) if v not in lookup]
        if unknown:
            raise fail(
                "unknown_class",
                f"{voice.labels} holds {_clip(unknown[0])!r}, which is not in class_names "
                f"{_clip(str(names), 120)}: add it, or leave class_names out",
            )
        return np.fromiter((lookup[v] for v in text), dtype=np.int64, count=n), names
    if labels.dtype.kind in "biuf":
        # Numbers sort as numbers; their names are how Python prints them ("3", "0.5").
        classes, y = np.unique(labels, return_inverse=True)
        distinct = [str(c) for c in classes.tolist()]
    else:
        text = [str(v) for v in labels.tolist()]
        unique = set(text)
        # Text that reads as numbers ("2", "10") sorts as numbers, as a CSV's label column does.
        as_numbers = all(_is_number(v) for v in unique)
        distinct = sorted(unique, key=(lambda v: (float(v), v)) if as_numbers else None)
        lookup = {c: i for i, c in enumerate(distinct)}
        y = np.fromiter((lookup[v] for v in text), dtype=np.int64, count=n)
    if len(distinct) < 2:
        raise fail(
            "single_class",
            f"{voice.labels} holds one value ({_clip(distinct[0])!r}) in every row; a label needs "
            f"at least 2 classes: {voice.no_label}",
        )
    if len(distinct) > MAX_CLASSES:
        raise fail(
            "too_many_classes",
            f"{voice.labels} holds {len(distinct):,} distinct values; at most {MAX_CLASSES} "
            f"classes can be told apart: {voice.no_label}",
        )
    return np.asarray(y, dtype=np.int64).reshape(n), distinct


def _scale(
    raw: np.ndarray, scaling: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    if scaling == "none":
        with np.errstate(over="ignore"):  # overflow to inf is caught by the caller
            return raw.astype(np.float32, copy=False), None, None
    if scaling == "standard":
        offset, scale = raw.mean(axis=0), raw.std(axis=0)
    else:
        offset = raw.min(axis=0)
        scale = raw.max(axis=0) - offset
    # A constant column carries no information; dividing by 1 keeps it at 0 instead of NaN.
    scale = np.where(scale > 0, scale, 1.0)
    return ((raw - offset) / scale).astype(np.float32), offset, scale


def _first_nonfinite(values: np.ndarray, names: Sequence[str]) -> str:
    row, col = (int(i[0]) for i in np.nonzero(~np.isfinite(values)))
    return f"row {row}, feature {names[col]!r} ({values[row, col]})"


def from_arrays(
    X: Any,
    labels: Any = None,
    *,
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    name: str = "arrays",
    title: str | None = None,
    scaling: str | None = None,
    image_shape: tuple[int, int] | None = None,
    attributes: Mapping[str, np.ndarray] | None = None,
    description: str | None = None,
    _voice: _Voice | None = None,
) -> Dataset:
    """Build a Dataset from a feature matrix and labels.

    Parameters
    ----------
    X : array_like or pandas.DataFrame
        Shape (n, d) numbers, one row per point; or (n, h, w) grey images. A DataFrame's
        columns become the features (all must be numeric) and its column names the
        `feature_names`.
    labels : array_like, str or None, optional
        Shape (n,): class of each point, as indices into `class_names` or as values (text or
        numbers; the distinct values, sorted, become the classes, numbers numerically). With a
        DataFrame `X`, a column name: that column becomes the labels and leaves the features.
        None: one class, ``"all"``.
    feature_names : sequence of str, optional
        d names; default ``x0, x1, ...`` (a DataFrame's column names).
    class_names : sequence of str, optional
        Name of each class index, or the order of the label values.
    name, title : str, optional
        Registry-style name and human title (default: the name).
    scaling : {"standard", "minmax", "none"}, optional
        z-scores (default for tabular data), [0, 1] per column, or the values as they are.
        Images are never rescaled: their values must lie in [0, 1] (the default is "none").
    image_shape : (int, int), optional
        (height, width) when the rows are flattened images; implied by a 3-D `X`.
    attributes : mapping of str to array, optional
        Extra per-point columns for colouring and tooltips, each of length n.
    description : str, optional
        Source and preprocessing in a sentence; a default says what was done.

    Returns
    -------
    Dataset
        X float32 (n, d); raw float64 (n, d) in the given units (images: the given array);
        y int64 (n,). A point's id is its row.

    Raises
    ------
    DataInputError
        A value, shape or name is wrong; ``code`` says which rule and the message the fix.
    """
    voice = _voice or _Voice()

    def fail(rule: str, message: str, column: str | None = None) -> DataInputError:
        return DataInputError(f"{voice.prefix}_{rule}", message, column=column)

    if _is_frame(X):
        raw, labels, frame_names = _frame_features(X, labels)
        feature_names = feature_names if feature_names is not None else frame_names
    else:
        if isinstance(labels, str):
            raise fail("labels", f"labels ({labels!r}) names a column, but X is not a DataFrame")
        raw = _as_features(X)
    if raw.ndim == 3 and image_shape is None:
        image_shape = (int(raw.shape[1]), int(raw.shape[2]))
        raw = raw.reshape(raw.shape[0], -1)
    if raw.ndim != 2 or raw.shape[0] == 0 or raw.shape[1] == 0:
        raise fail("shape", f"X has shape {raw.shape}; expected (n_points, n_features)")
    n, d = raw.shape
    if n < MIN_ROWS:
        raise fail(
            "too_few_rows", f"X has {n} rows; at least {MIN_ROWS} are needed to train and measure"
        )
    names = [str(f) for f in feature_names] if feature_names is not None else None
    if names is None:
        names = [f"x{j}" for j in range(d)]
    if len(names) != d:
        raise fail("feature_names", f"feature_names has {len(names)} names for {d} features")
    if len(set(names)) != d:
        raise fail("feature_names", "feature_names lists a name twice: give each column one")
    if image_shape is not None:
        height, width = (int(v) for v in image_shape)
        if height * width != d:
            raise fail(
                "image_shape", f"image_shape {image_shape} holds {height * width} pixels, not {d}"
            )
        if scaling not in (None, "none"):
            raise fail("scaling", f"scaling ({scaling!r}) does not apply to images: leave it out")
        scaling = "none"
    scaling = scaling or "standard"
    if scaling not in SCALINGS:
        raise DataInputError(
            "bad_scaling", f"scaling ({scaling!r}) must be one of {list(SCALINGS)}"
        )
    if image_shape is None:
        raw = np.asarray(raw, dtype=np.float64)
    elif raw.dtype not in (np.float32, np.float64):
        raw = raw.astype(np.float32)  # 8-bit pixels are not [0, 1]: refused just below
    if not np.isfinite(raw).all():
        raise fail(
            "nonfinite",
            f"X has {int((~np.isfinite(raw)).sum())} NaN or infinite values, first at "
            f"{_first_nonfinite(raw, names)}: fill them in or drop those rows",
        )
    if image_shape is not None and (raw.min() < 0 or raw.max() > 1):
        raise fail(
            "pixel_range",
            f"image values lie in [{raw.min()}, {raw.max()}]; they must lie in [0, 1] "
            "(divide 8-bit pixels by 255)",
        )
    y, classes = _encode_labels(labels, n, class_names, voice)
    X32, offset, scale = _scale(raw, scaling)
    if not np.isfinite(X32).all():
        raise fail(
            "nonfinite",
            "some values are too large for 32-bit floats after scaling: rescale them "
            "(e.g. to other units) or use scaling 'standard'",
        )
    if description is None:
        description = f"{n:,} points from arrays, {d} features, {_HOW[scaling]}."
    return Dataset(
        name=name,
        title=title or name,
        X=X32,
        raw=raw,
        y=y,
        class_names=classes,
        feature_names=names,
        kind="image" if image_shape is not None else "tabular",
        image_shape=(height, width) if image_shape is not None else None,
        attributes={k: np.asarray(v) for k, v in (attributes or {}).items()},
        description=description,
        feature_mean=offset,
        feature_scale=scale,
    )


def from_npy(data: bytes, *, label_column: int | None = None, **options: Any) -> Dataset:
    """Build a Dataset from a ``.npy`` file's bytes (no pickled objects: those are refused).

    Parameters
    ----------
    data : bytes
        A NumPy ``.npy`` file holding a numeric (n, d) or (n, h, w) array.
    label_column : int, optional
        A column of a 2-D array that holds the labels (negative counts from the end); it
        leaves the features.
    **options
        As in :func:`from_arrays`.
    """
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:  # object arrays need pickle, which could run code
        raise DataInputError(
            "npy_unreadable", f"not a readable .npy array without pickled objects ({exc})"
        ) from None
    if not isinstance(array, np.ndarray):
        raise DataInputError("npy_unreadable", "the file is an .npz archive, not one .npy array")
    labels = options.pop("labels", None)
    if label_column is not None:
        if array.ndim != 2 or not -array.shape[1] <= label_column < array.shape[1]:
            raise DataInputError(
                "npy_label_column",
                f"label_column ({label_column}) is not a column of the {array.shape} array",
            )
        labels = array[:, label_column]
        array = np.delete(array, label_column, axis=1)
    return from_arrays(array, labels, **options)
