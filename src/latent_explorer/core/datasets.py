"""Datasets the explorer can show: a registry, file lookup, downloads and loaders.

Five datasets are known. ``iris`` and ``digits`` ship with scikit-learn. ``wine_quality``,
``air_quality`` and ``mnist`` are read from files found in the data folders (see
:func:`resolve_data_dirs`) and can be downloaded into the user cache folder.

Every loader keeps the row order of its source files, so a point's id is its row index and
stays the same from one load to the next.
"""

from __future__ import annotations

import csv
import gzip
import logging
import os
import threading
import warnings
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs

from . import _download
from ._download import DatasetError, DatasetUnavailable

__all__ = [
    "AVAILABILITY",
    "ENV_VAR",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "DatasetUnavailable",
    "clear_cache",
    "dataset_names",
    "default_cache_dir",
    "list_datasets",
    "load_dataset",
    "resolve_data_dirs",
]

log = logging.getLogger(__name__)

#: Environment variable naming data folders (several joined with ``os.pathsep``).
ENV_VAR = "LATENT_EXPLORER_DATA"

#: Values of :attr:`DatasetInfo.availability`.
AVAILABILITY = ("embedded", "cached", "downloadable", "missing")

_APP_NAME = "latent-explorer"


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled dataset, ready for a model and for display.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"wine_quality"``.
    title : str
        Human name, e.g. ``"Wine Quality"``.
    X : numpy.ndarray
        float32, shape (n, d): what the model sees. Tabular features are standardised
        (z-scores over all rows); images are pixels in [0, 1].
    raw : numpy.ndarray
        Shape (n, d), original units for tooltips. float64, except for MNIST, where it is `X`
        itself (float32 pixels in [0, 1]) to spare a second 440 MB array.
    y : numpy.ndarray
        int64, shape (n,), class index in ``0 .. n_classes - 1``.
    class_names : list of str
        Name of each class index.
    feature_names : list of str
        Name of each column of `X` and `raw`.
    kind : {"tabular", "image"}
    image_shape : tuple of int or None
        (height, width) of image datasets; None for tabular ones.
    attributes : dict of str to numpy.ndarray
        Extra per-point columns, each of length n, for colouring and tooltips.
    description : str
        Source and preprocessing, in a few sentences.
    feature_mean, feature_scale : numpy.ndarray or None
        The standardisation ``X = (raw - feature_mean) / feature_scale``; None where `X` is
        not standardised. See :meth:`to_raw`.

    Notes
    -----
    Loads are cached in-process, so several callers may share one Dataset: treat its arrays
    as read-only, or load with ``cache=False`` for a private copy. (They are not flagged
    read-only because ``torch.as_tensor`` warns about such arrays.)
    """

    name: str
    title: str
    X: np.ndarray
    raw: np.ndarray
    y: np.ndarray
    class_names: list[str]
    feature_names: list[str]
    kind: str
    image_shape: tuple[int, int] | None
    attributes: dict[str, np.ndarray]
    description: str = ""
    feature_mean: np.ndarray | None = None
    feature_scale: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Loaders are the only producers, so a mismatch here is a bug worth failing loudly on.
        n = len(self.y)
        if self.X.ndim != 2 or self.X.shape[0] != n or self.raw.shape != self.X.shape:
            raise ValueError(
                f"{self.name}: X {self.X.shape}, raw {self.raw.shape} and y ({n},) disagree"
            )
        if len(self.feature_names) != self.X.shape[1]:
            raise ValueError(
                f"{self.name}: {len(self.feature_names)} feature names for d={self.X.shape[1]}"
            )
        for key, column in self.attributes.items():
            if len(column) != n:
                raise ValueError(f"{self.name}: attribute {key!r} has {len(column)} rows, not {n}")

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, n_samples={self.n_samples}, n_features={self.n_features})"

    @property
    def n_samples(self) -> int:
        """Number of points."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of model inputs per point."""
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    def to_raw(self, X: np.ndarray) -> np.ndarray:
        """Map rows in model space, e.g. decoder output, back to original units.

        Parameters
        ----------
        X : array_like
            Shape (m, d) in the units of :attr:`X`.

        Returns
        -------
        numpy.ndarray
            float64, shape (m, d), in the units of :attr:`raw`.
        """
        values = np.asarray(X, dtype=np.float64)
        if self.feature_mean is None or self.feature_scale is None:
            return values
        return values * self.feature_scale + self.feature_mean

    def info(self) -> dict[str, Any]:
        """Summarise the dataset as a JSON-friendly dict (no per-point arrays)."""
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "n_samples": self.n_samples,
            "n_features": self.n_features,
            "n_classes": self.n_classes,
            "class_names": list(self.class_names),
            "class_counts": np.bincount(self.y, minlength=self.n_classes).tolist(),
            "feature_names": list(self.feature_names),
            "image_shape": list(self.image_shape) if self.image_shape else None,
            "attributes": sorted(self.attributes),
            "description": self.description,
        }


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`list_datasets` knows about a dataset without loading it.

    Attributes
    ----------
    name, title, kind, description : str
        As in :class:`Dataset`.
    n_samples, n_features, n_classes : int
        From a static table. MNIST's `n_samples` is 10,000 when only its test files are
        present and 70,000 otherwise (what a download would give).
    class_names : list of str
    availability : {"embedded", "cached", "downloadable", "missing"}
        ``embedded``: ships with a library. ``cached``: its files were found in a data
        folder. ``downloadable``: absent, but :func:`load_dataset` can fetch it with
        ``download=True``. ``missing``: absent and no download address is known.
    files : list of str
        File names the dataset reads; empty when embedded.
    how_to_get : str
        Where the files were found, or how to get them.
    """

    name: str
    title: str
    kind: str
    n_samples: int
    n_features: int
    n_classes: int
    class_names: list[str]
    availability: str
    files: list[str]
    how_to_get: str
    description: str


# --------------------------------------------------------------------------- data folders


def default_cache_dir() -> Path:
    """Return the per-user folder where downloads go (and which is always searched)."""
    return Path(platformdirs.user_cache_dir(_APP_NAME))


def resolve_data_dirs(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """List the folders searched for dataset files, in order of precedence.

    Parameters
    ----------
    data_dir : str or path-like, optional
        A folder given explicitly (e.g. the CLI's ``--data-dir``); searched first.

    Returns
    -------
    list of Path
        `data_dir`, then each folder in the ``LATENT_EXPLORER_DATA`` environment variable
        (``os.pathsep``-separated), then :func:`default_cache_dir`. Duplicates are dropped;
        folders need not exist.
    """
    candidates: list[Path] = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    candidates.extend(Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p)
    candidates.append(default_cache_dir())
    dirs: list[Path] = []
    for candidate in candidates:
        path = Path(os.path.abspath(candidate.expanduser()))
        if path not in dirs:
            dirs.append(path)
    return dirs


# --------------------------------------------------------------------------- registry types


@dataclass(frozen=True)
class _File:
    """One file a dataset reads: its local names and how to fetch it."""

    key: str  # what the loader calls it
    names: tuple[str, ...]  # accepted local names; the first is the canonical one
    urls: tuple[str, ...] = ()  # mirrors of the file, or of the zip archive holding it
    member: str | None = None  # the file's name inside that zip archive
    sha256: str | None = None
    md5: str | None = None
    validate: Callable[[Path], None] | None = None  # for downloads without a known checksum
    required: bool = True

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class _Spec:
    """A registry entry: static facts, files and the loader."""

    name: str
    title: str
    kind: str
    n_samples: int
    n_features: int
    class_names: tuple[str, ...]
    description: str
    load: Callable[[_Spec, Mapping[str, Path]], Dataset]
    files: tuple[_File, ...] = ()  # none: embedded in a library
    subdirs: tuple[str, ...] = ("",)  # where inside a data folder to look; downloads use [0]
    system_dirs: tuple[Path, ...] = ()  # searched after the data folders (OS packages)
    n_samples_required_only: int | None = None  # when the optional files are absent
    note: str = ""  # an extra line for the how-to-get message


# --------------------------------------------------------------------------- helpers


def _standardise(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = raw.mean(axis=0)
    scale = raw.std(axis=0)
    # A constant column carries no information; dividing by 1 keeps it at 0 instead of NaN.
    scale[scale == 0] = 1.0
    return ((raw - mean) / scale).astype(np.float32), mean, scale


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


def _image_feature_names(height: int, width: int) -> list[str]:
    return [f"pixel_{r}_{c}" for r in range(height) for c in range(width)]


# --------------------------------------------------------------------------- embedded


def _load_iris(spec: _Spec, paths: Mapping[str, Path]) -> Dataset:
    # Imported here: scikit-learn costs a noticeable fraction of a second to import.
    from sklearn.datasets import load_iris

    bunch = load_iris()
    raw = np.asarray(bunch.data, dtype=np.float64)
    X, mean, scale = _standardise(raw)
    return Dataset(
        name=spec.name,
        title=spec.title,
        X=X,
        raw=raw,
        y=np.asarray(bunch.target, dtype=np.int64),
        class_names=[str(c) for c in bunch.target_names],
        feature_names=list(bunch.feature_names),
        kind=spec.kind,
        image_shape=None,
        attributes={},
        description=spec.description,
        feature_mean=mean,
        feature_scale=scale,
    )


def _load_digits(spec: _Spec, paths: Mapping[str, Path]) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    raw = np.asarray(bunch.data, dtype=np.float64) / 16.0  # grey levels are 0..16
    return Dataset(
        name=spec.name,
        title=spec.title,
        X=raw.astype(np.float32),
        raw=raw,
        y=np.asarray(bunch.target, dtype=np.int64),
        class_names=[str(d) for d in range(10)],
        feature_names=_image_feature_names(8, 8),
        kind=spec.kind,
        image_shape=(8, 8),
        attributes={},
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
    # Classes are the scores that occur (3..9 in the UCI files), in increasing order.
    scores = np.unique(quality)
    X, mean, scale = _standardise(raw)
    wine_type = np.array(["red"] * len(red) + ["white"] * len(white))
    return Dataset(
        name=spec.name,
        title=spec.title,
        X=X,
        raw=raw,
        y=np.searchsorted(scores, quality).astype(np.int64),
        class_names=[str(s) for s in scores],
        feature_names=header[:-1],
        kind=spec.kind,
        image_shape=None,
        attributes={"type": wine_type, "quality": quality},
        description=spec.description,
        feature_mean=mean,
        feature_scale=scale,
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
    X, mean, scale = _standardise(raw)
    hour = ((times - times.astype("datetime64[D]")) // np.timedelta64(1, "h")).astype(np.int64)
    return Dataset(
        name=spec.name,
        title=spec.title,
        X=X,
        raw=raw,
        y=hour // 6,
        class_names=list(_DAY_PARTS),
        feature_names=names,
        kind=spec.kind,
        image_shape=None,
        attributes={
            "datetime": np.datetime_as_string(times, unit="s").astype("U19"),
            "hour": hour,
            "missing_count": missing.sum(axis=1).astype(np.int64),
        },
        description=spec.description,
        feature_mean=mean,
        feature_scale=scale,
    )


# --------------------------------------------------------------------------- MNIST

_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049


_FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
# Debian's package dataset-fashion-mnist installs the four IDX files here.
_FASHION_SYSTEM_DIR = Path("/usr/share/datasets")


def _mnist_file(
    key: str,
    name: str,
    *,
    md5: str,
    sha256: str | None = None,
    mirrors: tuple[str, ...] = _MNIST_MIRRORS,
) -> _File:
    return _File(
        key=key,
        names=(name, name.removesuffix(".gz")),  # torchvision keeps unpacked copies too
        urls=tuple(mirror + name for mirror in mirrors),
        sha256=sha256,
        md5=md5,
        required=key.startswith("test"),
    )


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
    return Dataset(
        name=spec.name,
        title=spec.title,
        X=X,
        raw=X,
        y=np.concatenate(labels).astype(np.int64),
        class_names=list(spec.class_names),
        feature_names=_image_feature_names(height, width),
        kind=spec.kind,
        image_shape=(height, width),
        attributes={"split": np.concatenate(splits)},
        description=spec.description,
    )


# --------------------------------------------------------------------------- the registry

_DIGIT_NAMES = tuple(str(d) for d in range(10))

_REGISTRY: dict[str, _Spec] = {
    spec.name: spec
    for spec in (
        _Spec(
            name="iris",
            title="Iris",
            kind="tabular",
            n_samples=150,
            n_features=4,
            class_names=("setosa", "versicolor", "virginica"),
            description=(
                "Fisher's 150 iris flowers, 50 per species, measured in centimetres "
                "(bundled with scikit-learn). Features are standardised."
            ),
            load=_load_iris,
        ),
        _Spec(
            name="wine_quality",
            title="Wine Quality",
            kind="tabular",
            n_samples=sum(_WINE_ROWS.values()),
            n_features=11,
            class_names=tuple(str(s) for s in range(3, 10)),
            description=(
                "Physicochemical tests of 1,599 red and 4,898 white Vinho Verde wines "
                "(Cortez et al., 2009; UCI 186). Label: the sensory quality score; "
                "attribute 'type' is red or white. Features are standardised."
            ),
            load=_load_wine,
            files=tuple(
                _File(
                    key=colour,
                    names=(f"winequality-{colour}.csv",),
                    urls=(_WINE_URL,),
                    member=f"winequality-{colour}.csv",
                    sha256=sha256,
                )
                for colour, sha256 in (
                    ("red", "4a402cf041b025d4566d954c3b9ba8635a3a8a01e039005d97d6a710278cf05e"),
                    ("white", "76c3f809815c17c07212622f776311faeb31e87610d52c26d87d6e361b169836"),
                )
            ),
        ),
        _Spec(
            name="air_quality",
            title="Air Quality",
            kind="tabular",
            n_samples=_AIR_ROWS,
            n_features=len(_AIR_COLUMNS) - len(_AIR_DROPPED),
            class_names=_DAY_PARTS,
            description=(
                "Hourly readings of a gas multisensor device in an Italian city, March 2004 "
                "to April 2005 (De Vito et al., 2008; UCI 360). Label: time of day (night "
                "0-5 h, morning 6-11 h, afternoon 12-17 h, evening 18-23 h). NMHC(GT), about "
                "90 % missing, is dropped; other missing values (-200) are interpolated "
                "linearly in time, or set to the column median before the first and after "
                "the last reading; attribute 'missing_count' counts a row's filled values. "
                "Features are standardised."
            ),
            load=_load_air_quality,
            files=(
                _File(
                    key="csv",
                    names=("AirQualityUCI.csv", "airquality.csv"),
                    urls=(_AIR_URL,),
                    member="AirQualityUCI.csv",
                    validate=_validate_air_download,
                ),
            ),
            note="airquality.csv, the comma-separated re-export, is read as well.",
        ),
        _Spec(
            name="mnist",
            title="MNIST",
            kind="image",
            n_samples=70_000,
            n_features=28 * 28,
            class_names=_DIGIT_NAMES,
            description=(
                "LeCun et al.'s 28x28 handwritten digits: the 60,000 training images then the "
                "10,000 test images when the training files are present, else the test images "
                "alone; attribute 'split' tells which. Pixels are scaled to [0, 1]."
            ),
            load=_load_mnist,
            files=(
                _mnist_file(
                    "train_images",
                    "train-images-idx3-ubyte.gz",
                    md5="f68b3c2dcbeaaa9fbdd348bbdeb94873",
                ),
                _mnist_file(
                    "train_labels",
                    "train-labels-idx1-ubyte.gz",
                    md5="d53e105ee54ea40749a09fcbcd1e9432",
                ),
                _mnist_file(
                    "test_images",
                    "t10k-images-idx3-ubyte.gz",
                    md5="9fb629c4189551a2d022fa330f9573f3",
                    sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                ),
                _mnist_file(
                    "test_labels",
                    "t10k-labels-idx1-ubyte.gz",
                    md5="ec29112dd5afa0611ce80d1b7f02629c",
                    sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                ),
            ),
            subdirs=("mnist", ""),
            n_samples_required_only=10_000,
            note=(
                "The t10k-* files give the 10,000 test images; add the train-* files "
                "for all 70,000."
            ),
        ),
        _Spec(
            name="fashion_mnist",
            title="Fashion-MNIST",
            kind="image",
            n_samples=70_000,
            n_features=28 * 28,
            class_names=(
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ),
            description=(
                "Zalando's 28x28 grey images of clothing in 10 classes (Xiao et al., 2017): "
                "the 60,000 training images then the 10,000 test images; attribute 'split' "
                "tells which. Pixels are scaled to [0, 1]."
            ),
            load=_load_mnist,
            # Checksums are upstream's, for downloads; local copies (Debian recompresses
            # them) are checked by structure: IDX magic numbers, counts and sizes.
            files=tuple(
                _mnist_file(key, name, md5=md5, mirrors=_FASHION_MIRRORS)
                for key, name, md5 in (
                    (
                        "train_images",
                        "train-images-idx3-ubyte.gz",
                        "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                    ),
                    (
                        "train_labels",
                        "train-labels-idx1-ubyte.gz",
                        "25c81989df183df01b3e8a0aad5dffbe",
                    ),
                    (
                        "test_images",
                        "t10k-images-idx3-ubyte.gz",
                        "bef4ecab320f06d8554ea6380940ec79",
                    ),
                    (
                        "test_labels",
                        "t10k-labels-idx1-ubyte.gz",
                        "bb300cfdad3c16e7a12a480ee83cd310",
                    ),
                )
            ),
            subdirs=("fashion-mnist", "fashion_mnist"),
            system_dirs=(_FASHION_SYSTEM_DIR,),
            n_samples_required_only=10_000,
            note=(
                "On Debian, 'apt-get install dataset-fashion-mnist' puts them in "
                "/usr/share/datasets/fashion-mnist/."
            ),
        ),
        _Spec(
            name="digits",
            title="Digits (8x8)",
            kind="image",
            n_samples=1797,
            n_features=64,
            class_names=_DIGIT_NAMES,
            description=(
                "1,797 handwritten digits as 8x8 grey images (UCI optical recognition, bundled "
                "with scikit-learn). Pixels are scaled from 0..16 to [0, 1]."
            ),
            load=_load_digits,
        ),
    )
}


# --------------------------------------------------------------------------- lookup


def _spec(name: str) -> _Spec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"Unknown dataset {name!r}; valid names: {', '.join(_REGISTRY)}."
        ) from None


def _locate(spec: _Spec, dirs: Sequence[Path]) -> dict[str, Path]:
    """Map each file key of `spec` to its first match in `dirs`; absent keys were not found."""
    found: dict[str, Path] = {}
    dirs = [*dirs, *spec.system_dirs]
    for file in spec.files:
        candidates = (d / sub / n for d in dirs for sub in spec.subdirs for n in file.names)
        path = next((p for p in candidates if p.is_file()), None)
        if path is not None:
            found[file.key] = path
    return found


def _usable(spec: _Spec, found: Mapping[str, Path]) -> dict[str, Path] | None:
    """Return the files a load would read, or None while a required one is missing.

    Optional files only count as a complete group: training images need their labels.
    """
    if any(f.required and f.key not in found for f in spec.files):
        return None
    if all(f.key in found for f in spec.files):
        return dict(found)
    return {f.key: found[f.key] for f in spec.files if f.required}


def _how_to_get(spec: _Spec, files: Sequence[_File], dirs: Sequence[Path], *, intro: str) -> str:
    lines = [intro]
    for file in files:
        others = f" (or {', '.join(file.names[1:])})" if len(file.names) > 1 else ""
        lines.append(f"  {file.name}{others}{'' if file.required else '  [optional]'}")
    lines.append("Get them from:")
    archives_listed: set[tuple[str, ...]] = set()
    for file in files:
        if not file.urls:
            lines.append(f"  {file.name}: no download address is known")
        elif file.member is None:
            lines.append(f"  {file.urls[0]}")
            lines.extend(f"    or {url}" for url in file.urls[1:])
        elif file.urls not in archives_listed:
            archives_listed.add(file.urls)
            members = [f.member for f in files if f.urls == file.urls and f.member]
            lines.append(f"  {file.urls[0]}  (a zip archive: extract {', '.join(members)})")
    if spec.note:
        lines.append(spec.note)
    where = " (or in its parent)" if "" in spec.subdirs[1:] else ""
    lines.append(f"Put them in one of these folders{where}:")
    lines.extend(f"  {d / spec.subdirs[0]}" for d in dirs)
    lines.append(
        f"Choose a folder with --data-dir DIR or the {ENV_VAR} environment variable, or allow "
        f"downloading (download=True) to fetch them into {default_cache_dir() / spec.subdirs[0]}."
    )
    return "\n".join(lines)


def _missing_intro(spec: _Spec) -> str:
    return f"The {spec.title} dataset ({spec.name!r}) needs files that were not found:"


# --------------------------------------------------------------------------- downloads


def _file_check(file: _File) -> _download.Check:
    checks: list[_download.Check] = []
    if file.sha256 or file.md5:
        checks.append(_download.checksum_check(file.name, sha256=file.sha256, md5=file.md5))
    if file.validate is not None:
        checks.append(file.validate)

    def check(path: Path) -> None:
        for each in checks:
            each(path)

    return check


def _fetch(files: Sequence[_File], target: Path) -> None:
    """Download `files` into `target`; each zip archive is fetched once for all its members."""
    archives: dict[tuple[str, ...], dict[str, tuple[Path, _download.Check]]] = {}
    for file in files:
        dest = target / file.name
        if file.member is None:
            _download.download_file(file.urls, dest, check=_file_check(file))
        else:
            archives.setdefault(file.urls, {})[file.member] = (dest, _file_check(file))
    for urls, members in archives.items():
        _download.download_zip_members(urls, members)


def _download_missing(spec: _Spec, missing: Sequence[_File], dirs: Sequence[Path]) -> None:
    target = default_cache_dir() / spec.subdirs[0]
    required = [f for f in missing if f.required]
    optional = [f for f in missing if not f.required]
    if required:
        try:
            _fetch(required, target)
        except _download.DownloadFailed as exc:
            message = _how_to_get(spec, missing, dirs, intro=_missing_intro(spec))
            raise DatasetUnavailable(f"{message}\nThe download failed: {exc}") from exc
    if optional:
        try:
            _fetch(optional, target)
        except _download.DownloadFailed as exc:
            # The dataset still works without them, so this is not worth failing over.
            names = ", ".join(f.name for f in optional)
            warnings.warn(
                f"Could not download {names} ({exc}); {spec.title} is loaded without them.",
                stacklevel=3,
            )


# --------------------------------------------------------------------------- in-process cache

_CACHE_SIZE = 4  # MNIST is the only big one (about 220 MB)
_cache: OrderedDict[tuple[Any, ...], Dataset] = OrderedDict()
_cache_lock = threading.Lock()


def _cache_key(spec: _Spec, paths: Mapping[str, Path]) -> tuple[Any, ...]:
    # Size and mtime make a replaced file a new key, so a stale copy is never served.
    parts = []
    for key in sorted(paths):
        stat = paths[key].stat()
        parts.append((key, str(paths[key].resolve()), stat.st_mtime_ns, stat.st_size))
    return (spec.name, tuple(parts))


def _load_cached(spec: _Spec, paths: Mapping[str, Path], *, cache: bool) -> Dataset:
    if not cache:
        return spec.load(spec, paths)
    key = _cache_key(spec, paths)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    # Loaded outside the lock so that one slow load does not hold up every other dataset.
    dataset = spec.load(spec, paths)
    with _cache_lock:
        _cache[key] = dataset
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return dataset


def clear_cache() -> None:
    """Forget every dataset held by the in-process cache of :func:`load_dataset`."""
    with _cache_lock:
        _cache.clear()


# --------------------------------------------------------------------------- public API


def dataset_names() -> list[str]:
    """Return the names :func:`load_dataset` accepts, in display order."""
    return list(_REGISTRY)


def list_datasets(*, data_dir: str | os.PathLike[str] | None = None) -> list[DatasetInfo]:
    """Describe every dataset and whether it can be loaded, without reading any data file.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Extra folder to search first, as in :func:`resolve_data_dirs`.

    Returns
    -------
    list of DatasetInfo
        In :func:`dataset_names` order.
    """
    dirs = resolve_data_dirs(data_dir)
    infos = []
    for spec in _REGISTRY.values():
        n_samples = spec.n_samples
        if not spec.files:
            availability, how = "embedded", "Bundled with scikit-learn; always available."
        else:
            found = _locate(spec, dirs)
            usable = _usable(spec, found)
            missing = [f for f in spec.files if f.key not in found]
            if usable is not None:
                availability = "cached"
                how = "Found: " + ", ".join(str(p) for p in usable.values())
                unused = [f for f in spec.files if f.key not in usable]
                if unused and spec.n_samples_required_only is not None:
                    n_samples = spec.n_samples_required_only
                if unused:
                    intro = "Optional files, for the full dataset:"
                    how += "\n" + _how_to_get(spec, unused, dirs, intro=intro)
            else:
                needed = [f for f in missing if f.required]
                availability = "downloadable" if all(f.urls for f in needed) else "missing"
                how = _how_to_get(spec, missing, dirs, intro=_missing_intro(spec))
        infos.append(
            DatasetInfo(
                name=spec.name,
                title=spec.title,
                kind=spec.kind,
                n_samples=n_samples,
                n_features=spec.n_features,
                n_classes=len(spec.class_names),
                class_names=list(spec.class_names),
                availability=availability,
                files=[f.name for f in spec.files],
                how_to_get=how,
                description=spec.description,
            )
        )
    return infos


def load_dataset(
    name: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = False,
    cache: bool = True,
) -> Dataset:
    """Load a dataset by name.

    Parameters
    ----------
    name : str
        One of :func:`dataset_names`.
    data_dir : str or path-like, optional
        Folder to search first, as in :func:`resolve_data_dirs`.
    download : bool, optional
        Fetch missing files into :func:`default_cache_dir` (checksums verified). MNIST's
        optional training files are fetched too; if that fails, a warning is issued and the
        test images are used alone.
    cache : bool, optional
        Reuse the in-process copy from an earlier load of the same files. Cached datasets are
        shared: do not modify their arrays.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        Unknown `name`; the message lists the valid names.
    DatasetUnavailable
        Files are missing and `download` is False, or the download failed on the network.
    DatasetError
        A file is present but wrong, or a download failed its checksum.
    """
    spec = _spec(name)
    if not spec.files:
        return _load_cached(spec, {}, cache=cache)
    dirs = resolve_data_dirs(data_dir)
    found = _locate(spec, dirs)
    missing = [f for f in spec.files if f.key not in found]
    if download and missing:
        _download_missing(spec, missing, dirs)
        found = _locate(spec, dirs)
    usable = _usable(spec, found)
    if usable is None:
        missing = [f for f in spec.files if f.key not in found]
        raise DatasetUnavailable(_how_to_get(spec, missing, dirs, intro=_missing_intro(spec)))
    unused = [f.name for f in spec.files if f.key in found and f.key not in usable]
    if unused:
        warnings.warn(f"Ignoring {', '.join(unused)}: its companion file is missing.", stacklevel=2)
    log.debug("Loading %s from %s", name, usable)
    return _load_cached(spec, usable, cache=cache)
