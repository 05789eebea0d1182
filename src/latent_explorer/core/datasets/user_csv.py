"""Turning an uploaded CSV into a :class:`Dataset`: chosen columns, labels, scaling, bad rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arrays import _HOW, SCALINGS, _Voice, from_arrays
from .csv_table import (
    MIN_ROWS,
    CsvError,
    _classify,
    _clip,
    _decimal_comma_hint,
    _parse,
    _Table,
    _where,
)
from .dataset import Dataset
from .user_store import user_dataset_name

__all__ = ["build_dataset"]

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
    dropped = [table.lines[i] for i in np.flatnonzero(drop)]
    description = " ".join(
        [
            f"Uploaded from {source_name!r}." if source_name else "Uploaded CSV.",
            f"{len(features)} features, {_HOW[scaling]};",
            f"label column {label!r}." if label is not None else "no label column.",
            f"Dropped {len(dropped)} rows with bad values ({_where(dropped)})." if dropped else "",
        ]
    ).strip()
    voice = _Voice(
        prefix="csv",
        labels=f"label column {label!r}",
        column=label,
        no_label="choose another column, or no label (null)",
    )
    return from_arrays(
        raw[keep],
        [labels[i] for i in keep] if labels is not None else None,
        feature_names=features,
        name=dataset_name,
        title=name.strip()[:100] or dataset_name,
        scaling=scaling,
        description=description,
        _voice=voice,
    )
