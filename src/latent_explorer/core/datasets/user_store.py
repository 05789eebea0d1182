"""Uploaded datasets on disk (``user:<slug>``): names, and a folder of .npz + .json files."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import threading
import unicodedata
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..files import atomic_write_bytes
from .csv_table import CsvError, _clip
from .dataset import Dataset, DatasetInfo
from .errors import DatasetError

__all__ = ["USER_PREFIX", "UserDatasetStore", "is_user_dataset", "user_dataset_name"]

log = logging.getLogger(__name__)

USER_PREFIX = "user:"
_SLUG_RE = re.compile(r"[a-z0-9_-]{1,40}")


def user_dataset_name(name: str) -> str:
    """``"user:<slug>"`` for a name the user typed: lower-case ASCII, ``[a-z0-9_-]{1,40}``.

    Raises
    ------
    CsvError
        With code ``bad_name`` when no letter or digit is left.
    """
    if name.startswith(USER_PREFIX):
        name = name[len(USER_PREFIX) :]
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_name).strip("-_")[:40].strip("-_")
    if not slug:
        raise CsvError(
            "bad_name", f"name ({_clip(name)!r}) needs a letter or a digit, e.g. 'my-data'"
        )
    return USER_PREFIX + slug


def is_user_dataset(name: str) -> bool:
    """Whether `name` is an uploaded dataset's name (``user:...``)."""
    return name.startswith(USER_PREFIX)


# --------------------------------------------------------------------------- store

_store_lock = threading.Lock()  # a name check and the write that follows it are one step


class UserDatasetStore:
    """Uploaded datasets as ``<slug>.npz`` (arrays) and ``<slug>.json`` (metadata) in a folder.

    Files are named by the slug alone, never by user input. Arrays load with
    ``allow_pickle=False`` and strings are stored as unicode arrays, so a file cannot run code.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def _paths(self, name: str) -> tuple[Path, Path]:
        slug = name[len(USER_PREFIX) :] if is_user_dataset(name) else ""
        if not _SLUG_RE.fullmatch(slug):
            raise KeyError(name)
        return self.folder / f"{slug}.npz", self.folder / f"{slug}.json"

    def save(self, dataset: Dataset, source_name: str, *, overwrite: bool = False) -> DatasetInfo:
        """Write `dataset`; raise FileExistsError if its name is taken and not `overwrite`."""
        npz, meta = self._paths(dataset.name)
        arrays = {
            "X": dataset.X,
            "raw": dataset.raw,
            "y": dataset.y,
            "class_names": np.asarray(dataset.class_names, dtype=str),
            "feature_names": np.asarray(dataset.feature_names, dtype=str),
        }
        if dataset.feature_mean is not None and dataset.feature_scale is not None:
            arrays.update(feature_mean=dataset.feature_mean, feature_scale=dataset.feature_scale)
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # type: ignore[arg-type]
        info = {
            "format": 1,
            "name": dataset.name,
            "title": dataset.title,
            "source_name": source_name,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "n_samples": dataset.n_samples,
            "n_features": dataset.n_features,
            "class_names": list(dataset.class_names),
            "description": dataset.description,
        }
        with _store_lock:
            if meta.exists() and not overwrite:
                raise FileExistsError(f"dataset {dataset.name!r} exists")
            self.folder.mkdir(parents=True, exist_ok=True)
            # Arrays first: the metadata file is what makes a dataset exist.
            atomic_write_bytes(npz, buf.getvalue())
            atomic_write_bytes(meta, json.dumps(info, indent=2).encode())
        return self.info(dataset.name)

    def names(self) -> list[str]:
        """Names of the stored datasets, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(
            USER_PREFIX + p.stem
            for p in self.folder.glob("*.json")
            if _SLUG_RE.fullmatch(p.stem) and p.with_suffix(".npz").is_file()
        )

    def info(self, name: str) -> DatasetInfo:
        """Describe one stored dataset from its metadata file (KeyError if unknown)."""
        npz, meta = self._paths(name)
        if not meta.is_file():
            raise KeyError(name)
        m = json.loads(meta.read_text(encoding="utf-8"))
        return DatasetInfo(
            name=name,
            title=str(m["title"]),
            kind="tabular",
            n_samples=int(m["n_samples"]),
            n_features=int(m["n_features"]),
            n_classes=len(m["class_names"]),
            class_names=[str(c) for c in m["class_names"]],
            availability="cached",
            files=[npz.name],
            how_to_get=f"Uploaded from {m.get('source_name')!r} on {m.get('created_at')}.",
            description=str(m.get("description", "")),
        )

    def infos(self) -> list[DatasetInfo]:
        """Describe every stored dataset; unreadable metadata is logged and skipped."""
        out = []
        for name in self.names():
            try:
                out.append(self.info(name))
            except (KeyError, ValueError, TypeError, OSError) as exc:
                log.warning("skipping %s: unreadable metadata (%s)", name, exc)
        return out

    def load(self, name: str) -> Dataset:
        """Load a stored dataset (KeyError if unknown, DatasetError if its files are broken)."""
        npz, meta = self._paths(name)
        if not meta.is_file():
            raise KeyError(name)
        try:
            info = self.info(name)
            with np.load(npz, allow_pickle=False) as z:
                arrays = {key: z[key] for key in z.files}
            if not all(isinstance(a, np.ndarray) for a in arrays.values()):
                raise ValueError("a member is not a .npy array")
            return Dataset(
                name=name,
                title=info.title,
                X=arrays["X"].astype(np.float32, copy=False),
                raw=arrays["raw"],
                y=arrays["y"].astype(np.int64, copy=False),
                class_names=[str(c) for c in arrays["class_names"]],
                feature_names=[str(c) for c in arrays["feature_names"]],
                kind="tabular",
                image_shape=None,
                attributes={},
                description=info.description,
                feature_mean=arrays.get("feature_mean"),
                feature_scale=arrays.get("feature_scale"),
            )
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise DatasetError(
                f"{name}: its stored files are unreadable ({exc}); delete it and upload the "
                "CSV again"
            ) from exc

    def delete(self, name: str) -> None:
        """Remove a stored dataset (KeyError if unknown)."""
        npz, meta = self._paths(name)
        with _store_lock:
            if not meta.is_file():
                raise KeyError(name)
            meta.unlink()
            npz.unlink(missing_ok=True)
