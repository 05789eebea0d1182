"""8-bit data (MNIST, Fashion-MNIST, any image CSV): exact integer squared distances.

When every value of the data is one of 256 evenly spaced levels (:func:`eight_bit_codes`,
decided from the values, never from a dataset's name), distances are ``step**2`` times those
of the integer levels. Those are formed exactly (:class:`IntegerSpace`), so every comparison
is exact and nothing needs re-checking: the ranks of the ideal values, exact ties included.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import torch
from numpy.typing import NDArray

from .distances import _self_index, _varying_columns
from .reference import exact_sqdist
from .scan import compiled

__all__ = ["INT_SELF", "IntegerSpace", "eight_bit_codes"]

#: The self pair of an integer space: larger than any 8-bit squared distance (784 features
#: reach 784 * 255^2 = 5.1e7), so a point is never its own neighbour nor closer than anything.
INT_SELF = np.iinfo(np.int32).max


def eight_bit_codes(x: NDArray[Any]) -> NDArray[np.uint8] | None:
    """The 8-bit levels behind `x`, or None when `x` is not 8-bit data.

    `x` is 8-bit data when every value is ``offset + step * q`` with one ``offset`` and
    ``step`` for the whole array and integers ``q`` in 0..255, up to the rounding of a float32
    copy (pixels divided by 255, say). Distances of such data are ``step**2`` times those of
    ``q``, which are exact integers: the ranks of the ideal values, exact ties included. The
    test looks at the values only, never at where they came from.
    """
    if x.size == 0:
        return None
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        return None
    # Candidate step: the smallest gap between distinct values in a sample of rows (a few
    # rows first: continuous data shows more than 256 values at once, for little sorting).
    for size in (16, 2000):
        rows = np.linspace(0, x.shape[0] - 1, min(x.shape[0], size)).astype(np.intp)
        values = np.unique(x[rows])
        if values.size > 256:
            return None
    gaps = np.diff(values.astype(np.float64))
    ratio = (hi - lo) / float(gaps.min())
    if ratio > 255.5 or abs(ratio - round(ratio)) > 1e-3:
        return None
    step = (hi - lo) / round(ratio)  # averaged over the whole range: more precise
    codes = np.empty(x.shape, dtype=np.uint8)
    chunk = max(1, 2**21 // max(1, x.shape[1]))
    for a in range(0, x.shape[0], chunk):
        part = x[a : a + chunk].astype(np.float64)
        part -= lo
        part /= step
        q = np.rint(part)
        if q.max() > 255 or np.abs(part - q).max() > 1e-3:
            return None
        codes[a : a + chunk] = q
    return codes


#: Columns of distances formed from one float32 product at a time: the products' buffer
#: stays small (the int32 distances are the only full-size buffer).
PRODUCT_COLUMNS = 4096


class IntegerSpace:
    """8-bit data: exact int32 squared distances (no checks needed).

    The levels are shifted to -128..127 (distances are shift-invariant). Their products are
    formed by float32 matrix products, which are *exact* here: every product and every
    partial sum, in whatever order the kernel adds them, is an integer of magnitude at most
    ``d * 128^2``, below float32's 2^24 (the limit of exact integers) for up to 1,024
    columns; wider data uses float64 products (exact below 2^53). ``torch._int_mm`` and
    bfloat16 products would be the natural kernels, but on a CPU without AVX-512 (this
    project's 2-core machine: AVX2 only) they run at 2-4 and 8-15 GOP/s against float32's
    46-86 GFLOP/s (measured, 1-2 threads). The int32 distances ``n_i + n_l - 2 p_il`` are
    then formed from the exact products.

    With `order`, the levels are stored in that order of the points (a seeded random order,
    so that :meth:`tile` can serve contiguous slices of it); :meth:`block` then is not
    available, and everything else still takes and returns points by their own index.
    """

    dtype = torch.int32

    def __init__(
        self,
        codes: NDArray[np.uint8],
        device: torch.device,
        order: NDArray[np.intp] | None = None,
        threads: int = 1,
    ) -> None:
        self.n = codes.shape[0]
        self.order = order
        self.threads = threads  # of the compiled pass forming int32 distances
        # Where each point is stored (the inverse of `order`).
        self._position: NDArray[np.intp] | None = None
        if order is not None:
            self._position = np.empty(self.n, dtype=np.intp)
            self._position[order] = np.arange(self.n)
        columns = _varying_columns(codes)
        exact32 = columns.size * 128 * 128 < 2**24
        q = np.empty((self.n, columns.size), dtype=np.float32 if exact32 else np.float64)
        chunk = max(1, 2**22 // max(1, columns.size))
        for a in range(0, self.n, chunk):
            at = slice(a, a + chunk) if order is None else order[a : a + chunk]
            q[a : a + chunk] = codes[at][:, columns].astype(np.int16) - 128
        self.device = device
        self.codes = torch.as_tensor(q, device=device)
        # Squared norms, exact integers (float64 sums far below 2^53), a chunk at a time: a
        # float64 copy of all the levels would be twice their size (440 MB at 70k x 784).
        norms = np.empty(self.n, dtype=np.int32)
        for a in range(0, self.n, chunk):
            part = q[a : a + chunk].astype(np.float64)
            norms[a : a + chunk] = np.einsum("ij,ij->i", part, part)
        self.norms = torch.as_tensor(norms, device=device)
        self._products: torch.Tensor | None = None

    def exact(self, i: NDArray[np.intp], j: NDArray[np.intp]) -> NDArray[np.float64]:
        """Exact squared distances of the pairs ``(i[p], j[p])``: :func:`~.distances.exact_sqdist`
        of the levels (float64 sums of exact squares, integers far below 2^53)."""
        at = np.asarray(i) if self._position is None else self._position[i]
        to = np.asarray(j) if self._position is None else self._position[j]
        return exact_sqdist(self.codes.cpu().numpy(), at, to, self.threads)

    def row(self, i: int) -> NDArray[np.float64]:
        """Exact squared distances of point `i` to every point (by index); itself = INT_SELF."""
        out = self.exact(np.full(self.n, i), np.arange(self.n))
        out[i] = INT_SELF
        return out

    def block(self, rows: NDArray[np.intp] | None, out: torch.Tensor) -> torch.Tensor:
        """Exact squared distances of `rows` (all when None) to every point; self = INT_SELF."""
        assert self.order is None, "block() needs the points in their own order"
        idx = None if rows is None else torch.as_tensor(rows, device=self.device)
        left = self.codes if idx is None else self.codes[idx]
        left_norms = self.norms if idx is None else self.norms[idx]
        self._distances(left, left_norms, self.codes, self.norms, out)
        b = out.shape[0]
        out[torch.arange(b, device=out.device), _self_index(rows, b, out.device)] = INT_SELF
        return out

    def tile(self, lo: int, hi: int, out: torch.Tensor) -> torch.Tensor:
        """Exact squared distances of stored points ``lo:hi`` to stored points ``lo:``
        (``out`` of shape ``(hi - lo, n - lo)``); the diagonal (each point itself) = INT_SELF."""
        self._distances(self.codes[lo:hi], self.norms[lo:hi], self.codes[lo:], self.norms[lo:], out)
        out.diagonal()[:] = INT_SELF
        return out

    def _distances(
        self,
        left: torch.Tensor,
        left_norms: torch.Tensor,
        right: torch.Tensor,
        right_norms: torch.Tensor,
        out: torch.Tensor,
    ) -> None:
        b, width = out.shape
        step = min(width, PRODUCT_COLUMNS)
        if self._products is None or self._products.numel() < b * step:
            self._products = torch.empty(b * step, dtype=self.codes.dtype, device=self.device)
        for a in range(0, width, step):
            z = min(width, a + step)
            products = self._products[: b * (z - a)].view(b, z - a)
            torch.mm(left, right[a:z].T, out=products)
            part = out[:, a:z]
            if self.device.type == "cpu":
                _COMBINE[self.threads > 1](
                    products.numpy(), left_norms.numpy(), right_norms[a:z].numpy(), part.numpy()
                )
                continue
            part.copy_(products)  # exact integers, so the conversion is exact too
            part.mul_(-2)
            part.add_(right_norms[a:z].unsqueeze(0))
            part.add_(left_norms.unsqueeze(1))


def _combine(products, left_norms, right_norms, out):  # type: ignore[no-untyped-def]
    """``out = left_norms + right_norms - 2 products`` in int32, in one pass (the products
    are exact integers in float32, so their conversion is exact too)."""
    for i in numba.prange(products.shape[0]):
        for j in range(products.shape[1]):
            out[i, j] = left_norms[i] + right_norms[j] - np.int32(2) * np.int32(products[i, j])


_COMBINE = compiled(_combine)
