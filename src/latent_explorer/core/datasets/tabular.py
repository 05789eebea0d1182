"""Loaders of the built-in tabular datasets: iris, wine quality and air quality.

Every loader keeps the row order of its source files, so a point's id is its row index and
stays the same from one load to the next.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .arrays import from_arrays
from .dataset import Dataset
from .errors import DatasetError

if TYPE_CHECKING:
    from .registry import _Spec


def _read_rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """Return the non-blank CSV rows of `path` with their line numbers."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            # Blank lines and lines of bare separators (UCI's air quality file ends with
            # both) are not records.
            return [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: not a readable text table ({exc}).") from exc


def _to_float(cell: str, *, label: str, line: int) -> float:
    try:
        return float(cell)
    except ValueError:
        raise DatasetError(f"{label}, line {line}: {cell!r} is not a number.") from None


# --------------------------------------------------------------------------- iris


def _load_iris(spec: _Spec, paths: Mapping[str, Path]) -> Dataset:
    # Imported here: scikit-learn costs a noticeable fraction of a second to import.
    from sklearn.datasets import load_iris

    bunch = load_iris()
    return from_arrays(
        np.asarray(bunch.data, dtype=np.float64),
        np.asarray(bunch.target, dtype=np.int64),
        class_names=[str(c) for c in bunch.target_names],
        feature_names=list(bunch.feature_names),
        name=spec.name,
        title=spec.title,
        description=spec.description,
    )


# --------------------------------------------------------------------------- wine quality

_WINE_URL = "https://archive.ics.uci.edu/static/public/186/wine+quality.zip"
_WINE_ROWS = {"red": 1599, "white": 4898}


def _read_wine_csv(path: Path, *, expected_rows: int) -> tuple[list[str], np.ndarray]:
    """Read one UCI wine quality file into its header and a float64 table."""
    rows = _read_rows(path, ";")
    if not rows:
        raise DatasetError(f"{path} is empty.")
    header = [h.strip() for h in rows[0][1]]
    if len(header) != 12 or header[-1].lower() != "quality":
        raise DatasetError(
            f"{path}: the header has {len(header)} columns ending in {header[-1]!r}; a UCI "
            "wine quality file has 12 ';'-separated columns ending in 'quality'."
        )
    body = rows[1:]
    if len(body) != expected_rows:
        hint = ""
        if len(body) == sum(_WINE_ROWS.values()):
            hint = (
                " It looks like a known bad copy with the white wines appended to the red "
                f"ones; get the original files from {_WINE_URL}."
            )
        raise DatasetError(
            f"{path.name} has {len(body):,} data rows, expected {expected_rows:,} ({path}).{hint}"
        )
    table = np.empty((len(body), 12), dtype=np.float64)
    for i, (line, row) in enumerate(body):
        if len(row) != 12:
            raise DatasetError(f"{path}, line {line}: {len(row)} fields, expected 12.")
        table[i] = [_to_float(cell, label=str(path), line=line) for cell in row]
    if not np.array_equal(table[:, -1], np.round(table[:, -1])):
        raise DatasetError(f"{path}: the quality column holds non-integer scores.")
    return header, table


def _load_wine(spec: _Spec, paths: Mapping[str, Path]) -> Dataset:
    header, red = _read_wine_csv(paths["red"], expected_rows=_WINE_ROWS["red"])
    white_header, white = _read_wine_csv(paths["white"], expected_rows=_WINE_ROWS["white"])
    if white_header != header:
        raise DatasetError(f"{paths['red'].name} and {paths['white'].name} have different columns.")
    table = np.vstack([red, white])
    raw = np.ascontiguousarray(table[:, :-1])
    quality = table[:, -1].astype(np.int64)
    wine_type = np.array(["red"] * len(red) + ["white"] * len(white))
    # Classes are the scores that occur (3..9 in the UCI files), in increasing order.
    return from_arrays(
        raw,
        quality,
        feature_names=header[:-1],
        attributes={"type": wine_type, "quality": quality},
        name=spec.name,
        title=spec.title,
        description=spec.description,
    )


# --------------------------------------------------------------------------- air quality

_AIR_URL = "https://archive.ics.uci.edu/static/public/360/air+quality.zip"
_AIR_ROWS = 9357
_AIR_COLUMNS = (
    "CO(GT)",
    "PT08.S1(CO)",
    "NMHC(GT)",
    "C6H6(GT)",
    "PT08.S2(NMHC)",
    "NOx(GT)",
    "PT08.S3(NOx)",
    "NO2(GT)",
    "PT08.S4(NO2)",
    "PT08.S5(O3)",
    "T",
    "RH",
    "AH",
)
# About 90 % missing: imputing it would mostly invent data.
_AIR_DROPPED = ("NMHC(GT)",)
_AIR_MISSING = -200.0  # UCI's marker for a missing value
_DAY_PARTS = ("night", "morning", "afternoon", "evening")  # 6-hour blocks from midnight


def _first_line(path: Path) -> str:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if line.strip():
                return line
    raise DatasetError(f"{path} is empty.")


def _air_time(date: str, time: str, *, day_first: bool, label: str, line: int) -> np.datetime64:
    try:
        first, second, year = (int(p) for p in date.strip().split("/"))
        day, month = (first, second) if day_first else (second, first)
        hh, mm, ss = (int(p) for p in time.strip().replace(".", ":").split(":"))
        return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}")
    except ValueError:
        layout = "dd/mm/yyyy hh.mm.ss" if day_first else "m/d/yyyy h:mm:ss"
        raise DatasetError(
            f"{label}, line {line}: cannot read {date!r} {time!r} as a {layout} date and time."
        ) from None


def _read_air_quality(
    path: Path, *, label: str | None = None
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Read either layout of UCI's air quality table.

    The layout is told from the header: UCI's own ``AirQualityUCI.csv`` is ';'-separated
    with decimal commas, dd/mm/yyyy dates and hh.mm.ss times; the common re-export is
    ','-separated with m/d/yyyy dates and h:mm:ss times.

    Returns
    -------
    times : numpy.ndarray
        datetime64[s], shape (n,).
    columns : list of str
        The 13 measurement columns, in :data:`_AIR_COLUMNS` order.
    values : numpy.ndarray
        float64, shape (n, 13), NaN where the file says -200 or nothing.
    """
    label = label or str(path)
    uci_original = ";" in _first_line(path)
    rows = _read_rows(path, ";" if uci_original else ",")
    header = [h.strip() for h in rows[0][1]]
    while header and not header[-1]:  # UCI's lines end with two empty fields
        header.pop()
    absent = [c for c in ("Date", "Time", *_AIR_COLUMNS) if c not in header]
    if absent:
        raise DatasetError(
            f"{label}: not the UCI air quality table; the header lacks {', '.join(absent)}."
        )
    index = [header.index(c) for c in ("Date", "Time", *_AIR_COLUMNS)]
    body = rows[1:]
    times = np.empty(len(body), dtype="datetime64[s]")
    values = np.empty((len(body), len(_AIR_COLUMNS)), dtype=np.float64)
    for i, (line, row) in enumerate(body):
        if len(row) < len(header):
            raise DatasetError(f"{label}, line {line}: {len(row)} fields, expected {len(header)}.")
        cells = [row[k].strip() for k in index]
        times[i] = _air_time(cells[0], cells[1], day_first=uci_original, label=label, line=line)
        for j, cell in enumerate(cells[2:]):
            if uci_original:
                cell = cell.replace(",", ".")
            values[i, j] = _to_float(cell, label=label, line=line) if cell else np.nan
    values[values == _AIR_MISSING] = np.nan
    return times, list(_AIR_COLUMNS), values


def _read_air_quality_checked(
    path: Path, *, label: str | None = None
) -> tuple[np.ndarray, list[str], np.ndarray]:
    label = label or str(path)
    times, columns, values = _read_air_quality(path, label=label)
    if len(times) != _AIR_ROWS:
        raise DatasetError(
            f"{label} has {len(times):,} data rows, expected {_AIR_ROWS:,} "
            "(UCI's hourly records, March 2004 to April 2005)."
        )
    return times, columns, values


def _validate_air_download(path: Path) -> None:
    # UCI publishes no checksum for this file, so a download is checked by reading it.
    _read_air_quality_checked(path, label="the downloaded AirQualityUCI.csv")


def _fill_gaps(times: np.ndarray, values: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Fill NaNs column by column: linearly in time inside the series, median at its ends.

    Linear interpolation between the neighbouring hours follows the slow drift of the
    sensors without inventing structure; before the first and after the last observed value
    there is nothing to interpolate towards, so the column median is used instead.
    """
    order = np.argsort(times, kind="stable")
    t = times[order].astype(np.int64).astype(np.float64)
    filled = values.copy()
    for j, name in enumerate(names):
        column = values[order, j]
        known = ~np.isnan(column)
        if not known.any():
            raise DatasetError(f"Air quality column {name} has no values at all.")
        median = float(np.median(column[known]))
        guess = np.interp(t, t[known], column[known], left=median, right=median)
        filled[order, j] = np.where(known, column, guess)
    return filled


def _load_air_quality(spec: _Spec, paths: Mapping[str, Path]) -> Dataset:
    times, columns, values = _read_air_quality_checked(paths["csv"])
    keep = [j for j, c in enumerate(columns) if c not in _AIR_DROPPED]
    names = [columns[j] for j in keep]
    values = values[:, keep]
    missing = np.isnan(values)
    raw = _fill_gaps(times, values, names)
    hour = ((times - times.astype("datetime64[D]")) // np.timedelta64(1, "h")).astype(np.int64)
    return from_arrays(
        raw,
        hour // 6,
        class_names=_DAY_PARTS,
        feature_names=names,
        attributes={
            "datetime": np.datetime_as_string(times, unit="s").astype("U19"),
            "hour": hour,
            "missing_count": missing.sum(axis=1).astype(np.int64),
        },
        name=spec.name,
        title=spec.title,
        description=spec.description,
    )
