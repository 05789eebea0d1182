"""t-SNE and UMAP as references beside PCA: the maps analysts judge a latent space against.

PCA (:mod:`latent_explorer.core.reference`) is the linear bar; t-SNE (openTSNE) and UMAP
(umap-learn) are the non-linear neighbour embeddings most maps are compared with. Both are an
optional extra (``pip install "latent-explorer[references]"``): they are imported only when
asked for, and a missing package is reported with the command that installs it.

Each runs on the same data the model sees (``Dataset.X``) with the experiment's seed, and is
measured by the experiment's own :class:`~latent_explorer.core.quality.QualityMeter`: the same
k for T and C, the same neighbourhood-hit k and the same fixed sample of pairs for Shepard and
stress, so its row is comparable with the model's and PCA's. Neither has a decoder, so there is
no reconstruction error.

Both run single-threaded (``n_jobs=1``; UMAP is single-threaded whenever it is seeded), so a
seed gives the same map on every machine.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import numpy as np

from . import metrics
from .quality import NH_NEIGHBORS, QualityMeter, Row, tc_neighbors

if TYPE_CHECKING:
    from .experiment import Experiment

__all__ = ["METHODS", "available", "embed", "embedding_row", "references"]

#: Reference method -> (module to import, the package that provides it, its title).
METHODS = {
    "tsne": ("openTSNE", "openTSNE", "t-SNE"),
    "umap": ("umap", "umap-learn", "UMAP"),
}
_INSTALL = 'pip install "latent-explorer[references]"'


def available() -> dict[str, bool]:
    """Which reference methods can run here (without importing them)."""
    return {m: importlib.util.find_spec(module) is not None for m, (module, *_) in METHODS.items()}


def _require(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method ({method!r}) must be one of {list(METHODS)}")
    module, package, title = METHODS[method]
    if importlib.util.find_spec(module) is None:
        raise ImportError(
            f"{title} needs the {package} package, which is not installed: {_INSTALL}"
        )


def embed(method: str, X: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """A 2-D t-SNE or UMAP map of the rows of `X`.

    Parameters
    ----------
    method : {"tsne", "umap"}
    X : numpy.ndarray
        (n, d), as the model sees the data.
    seed : int, optional
        Fixes the initialisation and every random draw.

    Returns
    -------
    numpy.ndarray
        float64 (n, 2).

    Notes
    -----
    t-SNE: openTSNE's defaults (PCA initialisation, perplexity 30, capped at (n - 1) / 3 for
    small sets). UMAP: umap-learn's defaults (15 neighbours, capped at n - 1; min_dist 0.1).
    """
    _require(method)
    data = np.ascontiguousarray(X, dtype=np.float64)
    n = data.shape[0]
    if n < 5:
        raise ValueError(f"X has {n} rows; t-SNE and UMAP need at least 5")
    if method == "tsne":
        from openTSNE import TSNE

        perplexity = min(30.0, (n - 1) / 3.0)
        model = TSNE(perplexity=perplexity, random_state=seed, n_jobs=1, verbose=False)
        coords = np.asarray(model.fit(data))
    else:
        import umap

        reducer = umap.UMAP(n_neighbors=min(15, n - 1), random_state=seed, n_jobs=1)
        coords = reducer.fit_transform(data)
    return np.asarray(coords, dtype=np.float64)


def embedding_row(meter: QualityMeter, coords: np.ndarray) -> Row:
    """The "all" row of a reference map, measured as the model's and PCA's rows are.

    T and C over all points (k as for the model), neighbourhood hit, and Shepard correlation
    and stress on the meter's fixed sample of pairs.
    """
    n = meter.X.shape[0]
    row: Row = {"n_points": float(n)}
    k = tc_neighbors(n)
    if k is not None:
        tc = metrics.trustworthiness_continuity(meter.X, coords, n_neighbors=k, device=meter.device)
        row["trustworthiness"], row["continuity"] = tc.trustworthiness, tc.continuity
    if n > 1:
        row["neighborhood_hit"] = metrics.neighborhood_hit(
            coords, meter.y, n_neighbors=min(NH_NEIGHBORS, n - 1)
        )
    pairs = meter.pairs()
    if meter.sample.size >= 3:
        everyone = pairs.group_mask(np.ones(meter.sample.size, dtype=bool))
        ((rho, stress),) = pairs.shepard_stress_many([pairs.project(coords)], everyone)
        row["shepard"] = rho if np.isfinite(rho) else None
        row["stress"] = stress if np.isfinite(stress) else None
    row["n_sampled"] = float(meter.sample.size)
    return row


def references(
    experiment: Experiment, methods: tuple[str, ...] = ("tsne", "umap")
) -> dict[str, tuple[np.ndarray, Row]]:
    """t-SNE and UMAP of an experiment's data with its seed, each with its metrics row.

    Returns
    -------
    dict
        method -> (coords float64 (n, 2), row with the keys of the model's "all" row but the
        reconstruction error).
    """
    for method in methods:
        _require(method)
    out = {}
    for method in methods:
        coords = embed(method, experiment.dataset.X, seed=experiment.config.seed)
        out[method] = (coords, embedding_row(experiment.quality, coords))
    return out
