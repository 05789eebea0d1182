"""Where dataset files are looked for, and where downloads go."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["ENV_VAR", "default_cache_dir", "resolve_data_dirs"]

#: Environment variable naming data folders (several joined with ``os.pathsep``).
ENV_VAR = "LATENT_EXPLORER_DATA"

_APP_NAME = "latent-explorer"


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
