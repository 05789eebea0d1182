"""Turning an uploaded CSV into a :class:`Dataset`: chosen columns, labels, scaling, bad rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .csv_table import (
    MAX_CLASSES,
    MIN_ROWS,
    CsvError,
    _classify,
    _clip,
    _decimal_comma_hint,
    _is_number,
    _parse,
    _Table,
    _where,
)
from .dataset import Dataset
from .user_store import user_dataset_name

__all__ = ["SCALINGS", "build_dataset"]

SCALINGS = ("standard", "minmax", "none")
_DROP_HINT = "or set drop_bad_rows=true to drop those rows"


def _check_choice(header: list[str], features: list[str], label: str | None) -> None:
    if not features:
        raise CsvError("csv_no_features", "features is empty: choose at least one numeric column")
    for name in [*features, *([label] if label is not None else [])]:
        if name not in header:
            raise CsvError(
                "csv_unknown_column",
                f"{name!r} is not a column of the file; its columns are "
                f"{_clip(', '.join(header), 200)}",
                column=name,
            )
    if len(set(features)) != len(features):
        raise CsvError("csv_duplicate_features", "features lists a column twice: list it once")
    if label in features:
        raise CsvError(
            "csv_label_is_feature",
            f"{label!r} is both the label and a feature: remove it from the features",
            column=label,
        )


def _problem(table: _Table, column: str, kind: str, mask: np.ndarray) -> CsvError:
    rows = np.flatnonzero(mask)
    lines = [table.lines[i] for i in rows]
    cells = table.column(column)
    if kind == "bad":
        example = cells[rows[0]]
        return CsvError(
            "csv_non_numeric",
            f"feature column {column!r} has {len(rows)} non-numeric cell(s), e.g. "
            f"{_clip(example)!r} on line {lines[0]} ({_where(lines)}): fix them, remove the "
            f"column from the features, {_DROP_HINT}{_decimal_comma_hint([example])}",
            line=lines[0],
            column=column,
        )
    if kind == "missing":
        return CsvError(
            "csv_nonfinite",
            f"feature column {column!r} has {len(rows)} empty, NaN or infinite cell(s) "
            f"({_where(lines)}): fill them in, remove the column from the features, {_DROP_HINT}",
            line=lines[0],
            column=column,
        )
    return CsvError(
        "csv_missing_label",
        f"label column {column!r} is empty on {_where(lines)}: fill those cells in, choose "
        f"another label, {_DROP_HINT}",
        line=lines[0],
        column=column,
    )


def _encode_labels(
    values: list[str] | None, column: str | None, n: int
) -> tuple[np.ndarray, list[str]]:
    if values is None or column is None:
        return np.zeros(n, dtype=np.int64), ["all"]
    distinct = set(values)
    # Numbers sort as numbers ("2" before "10"); anything else sorts as text.
    as_numbers = all(_is_number(v) for v in distinct)
    classes = sorted(distinct, key=(lambda v: (float(v), v)) if as_numbers else None)
    if len(classes) < 2:
        raise CsvError(
            "csv_single_class",
            f"label column {column!r} holds one value ({_clip(classes[0])!r}) in every row; a "
            "label needs at least 2 classes: choose another column, or no label (null)",
            column=column,
        )
    if len(classes) > MAX_CLASSES:
        raise CsvError(
            "csv_too_many_classes",
            f"label column {column!r} holds {len(classes):,} distinct values; at most "
            f"{MAX_CLASSES} classes can be told apart: choose another column, or no label (null)",
            column=column,
        )
    lookup = {c: i for i, c in enumerate(classes)}
    return np.fromiter((lookup[v] for v in values), dtype=np.int64, count=n), classes


def _scale(
    raw: np.ndarray, scaling: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    if scaling == "none":
        with np.errstate(over="ignore"):  # overflow to inf is caught by the caller
            return raw.astype(np.float32), None, None
    if scaling == "standard":
        offset, scale = raw.mean(axis=0), raw.std(axis=0)
    else:
        offset = raw.min(axis=0)
        scale = raw.max(axis=0) - offset
    # A constant column carries no information; dividing by 1 keeps it at 0 instead of NaN.
    scale = np.where(scale > 0, scale, 1.0)
    return ((raw - offset) / scale).astype(np.float32), offset, scale


def build_dataset(
    data: bytes,
    *,
    name: str,
    features: Sequence[str],
    label: str | None = None,
    scaling: str = "standard",
    drop_bad_rows: bool = False,
    delimiter: str | None = None,
    source_name: str | None = None,
    max_columns: int = 1000,
    max_rows: int = 100_000,
) -> Dataset:
    """Turn an uploaded CSV into a tabular dataset named ``user:<slug>``.

    Parameters
    ----------
    data : bytes
        The file's contents, as for :func:`inspect_csv`.
    name : str
        What the user calls it: the title as given, and the slug of the name.
    features : sequence of str
        Columns that become `X`, in this order.
    label : str, optional
        Column whose distinct values become the classes (sorted; numbers numerically).
        None: one class, ``"all"``.
    scaling : {"standard", "minmax", "none"}, optional
        z-scores, [0, 1] per column, or the values as they are. `raw` keeps the originals.
    drop_bad_rows : bool, optional
        Drop rows with a text, empty, NaN or infinite feature cell or an empty label cell,
        instead of refusing the file.
    delimiter, source_name, max_columns, max_rows : optional
        As in :func:`inspect_csv`; `source_name` is the file name for the description.

    Returns
    -------
    Dataset
        ``kind="tabular"``; X float32 (n, d), raw float64 (n, d), y int64 (n,).

    Raises
    ------
    CsvError
    """
    if scaling not in SCALINGS:
        raise CsvError("bad_scaling", f"scaling ({scaling!r}) must be one of {list(SCALINGS)}")
    dataset_name = user_dataset_name(name)
    table = _parse(data, delimiter=delimiter, max_columns=max_columns, max_rows=max_rows)
    features = list(features)
    _check_choice(table.header, features, label)
    n = len(table.rows)
    raw = np.empty((n, len(features)))
    problems: list[tuple[int, str, str, np.ndarray]] = []
    for j, column in enumerate(features):
        values, bad, missing = _classify(table.column(column))
        if not np.isfinite(values).any() or bad.sum() > n - bad.sum() - missing.sum():
            example = table.column(column)[int(np.argmax(bad))] if bad.any() else ""
            raise CsvError(
                "csv_non_numeric",
                f"feature column {column!r} holds text, not numbers (e.g. {_clip(example)!r}): "
                f"remove it from the features{_decimal_comma_hint([example])}",
                column=column,
            )
        raw[:, j] = values
        problems += [
            (rank, column, kind, m)
            for rank, kind, m in ((0, "bad", bad), (1, "missing", missing))
            if m.any()
        ]
    labels = table.column(label) if label is not None else None
    if labels is not None and label is not None:
        empty = np.array([v == "" for v in labels])
        if empty.any():
            problems.append((2, label, "label", empty))
    drop = np.zeros(n, dtype=bool)
    for *_, mask in problems:
        drop |= mask
    if problems and not drop_bad_rows:
        _, column, kind, mask = min(problems, key=lambda p: p[0])
        raise _problem(table, column, kind, mask)
    keep = np.flatnonzero(~drop)
    if len(keep) < MIN_ROWS:
        raise CsvError(
            "csv_too_few_rows",
            f"{len(keep)} rows are left after dropping {int(drop.sum())} with bad values; at "
            f"least {MIN_ROWS} are needed: fix the cells or choose other features",
        )
    raw = raw[keep]
    y, class_names = _encode_labels(
        [labels[i] for i in keep] if labels is not None else None, label, len(keep)
    )
    X, offset, scale = _scale(raw, scaling)
    if not np.isfinite(X).all():
        raise CsvError(
            "csv_nonfinite",
            "some values are too large for 32-bit floats after scaling: rescale them "
            "(e.g. to other units) or use scaling 'standard'",
        )
    dropped = [table.lines[i] for i in np.flatnonzero(drop)]
    how = {"standard": "standardised (z-scores)", "minmax": "scaled to [0, 1]", "none": "unscaled"}
    description = " ".join(
        [
            f"Uploaded from {source_name!r}." if source_name else "Uploaded CSV.",
            f"{len(features)} features, {how[scaling]};",
            f"label column {label!r}." if label is not None else "no label column.",
            f"Dropped {len(dropped)} rows with bad values ({_where(dropped)})." if dropped else "",
        ]
    ).strip()
    return Dataset(
        name=dataset_name,
        title=name.strip()[:100] or dataset_name,
        X=X,
        raw=raw,
        y=y,
        class_names=class_names,
        feature_names=features,
        kind="tabular",
        image_shape=None,
        attributes={},
        description=description,
        feature_mean=offset,
        feature_scale=scale,
    )
