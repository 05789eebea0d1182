"""Loading the built-in datasets by name: file lookup, downloads and an in-process cache."""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import download as _download
from . import folders
from .dataset import Dataset, DatasetInfo
from .errors import DatasetUnavailable
from .folders import ENV_VAR, resolve_data_dirs
from .registry import _REGISTRY, _File, _Spec

__all__ = ["clear_cache", "dataset_names", "list_datasets", "load_dataset"]

log = logging.getLogger(__name__)

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
    cache = folders.default_cache_dir() / spec.subdirs[0]
    lines.append(
        f"Choose a folder with --data-dir DIR or the {ENV_VAR} environment variable, or allow "
        f"downloading (download=True) to fetch them into {cache}."
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
    target = folders.default_cache_dir() / spec.subdirs[0]
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
