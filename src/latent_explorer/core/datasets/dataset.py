"""The Dataset every loader produces, and the DatasetInfo a listing gives without loading."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

__all__ = ["AVAILABILITY", "Dataset", "DatasetInfo"]

#: Values of :attr:`DatasetInfo.availability`.
AVAILABILITY = ("embedded", "cached", "downloadable", "missing")


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

    @classmethod
    def from_arrays(cls, X: Any, labels: Any = None, **options: Any) -> Dataset:
        """Build a Dataset from arrays or a pandas DataFrame, as uploads and built-ins are.

        ``Dataset.from_arrays(X, labels, feature_names=..., class_names=...)``; see
        :func:`latent_explorer.core.datasets.from_arrays` for every option.
        """
        from .arrays import from_arrays  # arrays builds Datasets, so it imports this module

        return from_arrays(X, labels, **options)

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, n_samples={self.n_samples}, n_features={self.n_features})"

    @cached_property
    def fingerprint(self) -> str:
        """sha256 (hex) of X as the model sees it, with its shape, and of the labels: what an
        experiment records so that a restore on a changed or re-labelled file is refused,
        never silently re-labelled. Computed once (a dataset never changes)."""
        digest = hashlib.sha256()
        X = np.ascontiguousarray(self.X, dtype="<f4")
        y = np.ascontiguousarray(self.y, dtype="<i8")
        digest.update(f"X{X.shape}".encode())
        digest.update(X.tobytes())
        digest.update(f"y{y.shape}".encode())
        digest.update(y.tobytes())
        return digest.hexdigest()

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
