"""Reference projections that a learned latent space should beat: PCA.

An autoencoder with a 2-D bottleneck is only worth its training if its projection keeps more
of the data's structure than the best *linear* 2-D projection. The quality tables therefore
carry a PCA row beside every group (see :mod:`latent_explorer.core.quality`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.decomposition import PCA

__all__ = ["PCAProjection", "pca_projection", "pca_reconstruction_error"]

#: Rows per chunk when measuring reconstruction errors: a (chunk, d) float64 temporary stays
#: at ~32 MB even for 784 features, instead of a 440 MB n x d reconstruction.
_CHUNK_BYTES = 32 * 2**20


class PCAProjection:
    """A fitted PCA and the coordinates of the points it was fitted on.

    Attributes
    ----------
    coords : ndarray of shape (n_samples, n_components), float64
    mean : ndarray of shape (n_features,)
    components : ndarray of shape (n_components, n_features)
        Orthonormal rows (sklearn's ``components_``, signs fixed by sklearn's ``svd_flip``).
    explained_variance_ratio : ndarray of shape (n_components,)
    """

    def __init__(self, pca: PCA, coords: NDArray[np.float64]) -> None:
        self.coords = coords
        self.mean = np.asarray(pca.mean_, dtype=np.float64)
        self.components = np.asarray(pca.components_, dtype=np.float64)
        self.explained_variance_ratio = np.asarray(pca.explained_variance_ratio_, np.float64)


def pca_projection(X: ArrayLike, *, n_components: int = 2, seed: int = 0) -> PCAProjection:
    """Project ``X`` onto its first principal components with scikit-learn's PCA.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data in the model's units (standardised features or pixels).
    n_components : int, default=2
        Must be at most ``min(n_samples, n_features)``.
    seed : int, default=0
        ``random_state`` of the randomized SVD that sklearn picks for large inputs, so the
        same data and seed always give the same coordinates.

    Returns
    -------
    PCAProjection
        Its ``coords`` are float64 of shape (n_samples, n_components).
    """
    x = np.asarray(X)
    if x.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {x.shape}")
    limit = min(x.shape)
    if isinstance(n_components, bool) or not isinstance(n_components, int | np.integer):
        raise ValueError(f"n_components must be an integer; got {n_components!r}")
    if not 1 <= n_components <= limit:
        raise ValueError(
            f"n_components ({n_components}) must be in [1, min(n_samples, n_features) = "
            f"{limit}]; pass a smaller n_components or more data"
        )
    # Keep float32 data float32: a float64 copy of MNIST is 440 MB more memory.
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    pca = PCA(n_components=int(n_components), random_state=seed)
    coords = pca.fit_transform(x).astype(np.float64)
    return PCAProjection(pca, coords)


def pca_reconstruction_error(X: ArrayLike, projection: PCAProjection) -> NDArray[np.float64]:
    """Mean squared error per feature of each row's PCA reconstruction, like the model's.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows ``projection`` was fitted on, in the same order.
    projection : PCAProjection

    Returns
    -------
    ndarray of shape (n_samples,)
        ``mean((x - (mean + coords @ components)) ** 2)`` per row.
    """
    x = np.asarray(X)
    n, d = x.shape
    out = np.empty(n, dtype=np.float64)
    step = max(1, _CHUNK_BYTES // (8 * max(d, 1)))
    for lo in range(0, n, step):
        rec = projection.mean + projection.coords[lo : lo + step] @ projection.components
        diff = x[lo : lo + step].astype(np.float64) - rec
        out[lo : lo + step] = np.einsum("ij,ij->i", diff, diff) / d
    return out
