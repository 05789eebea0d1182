"""Squared distances of the high-dimensional side, computed fast and certified exact.

Trustworthiness and continuity only ever *compare* distances from one point: "is ``l``
strictly closer to ``i`` than ``j``?". The reference answer is the float64 direct distance
:func:`exact_sqdist` (``((x_i - x_l) ** 2).sum()`` over float64 copies of the rows). A space
here produces a whole block of rows at a time, in one of three ways:

- :class:`~.eight_bit.IntegerSpace` (8-bit data such as MNIST or any image CSV, detected from the values
  by :func:`~.eight_bit.eight_bit_codes`): products of the levels, which float32 forms exactly, and int32
  distances. Every value is an exact integer, so every comparison is exact and nothing
  needs checking.
- :class:`FloatSpace` (all other data): float32 products, about twice the float64 speed.
  Each value ``D~`` comes with a rigorous bound ``|D~ - D_ref| <= E_i`` (derivation below);
  a comparison the bound cannot decide is re-decided with :func:`exact_sqdist`, so the counts
  equal the reference's.
- :class:`ExplicitSpace` (a few columns, on a GPU): float64 sums of squared differences in
  the reference's own order, hence the reference's own values.

Error bound of :class:`FloatSpace` (``eps = 2**-24``, ``d'`` non-constant columns,
``u_i = fl32(s (x_i - c))`` the centred rows scaled by a power of two ``s`` so that the
largest row norm ``U`` is below 1; all distances are then in units of ``s**2``, which changes
no comparison). ``D~_il`` is one float32 dot product of ``d' + 2`` terms,
``[u_i, 1, n_i] . [-2 u_l, n_l, 1]`` with ``n_i = fl32(|u_i|^2)``:

1. the product, formed as ``q`` separate matrix products over chunks of at most
   ``K = PRODUCT_CHUNK`` terms whose results are then added one by one in float32: a chunk in
   any summation order, with or without FMA, errs by at most ``gamma(K) * sum |its terms|``
   (Higham, *Accuracy and Stability of Numerical Algorithms*, 3.1), ``gamma(m) = m eps /
   (1 - m eps)``, and the ``q - 1`` additions by ``gamma(q - 1) * sum |chunks|`` (recursive
   summation, 4.2); by Higham's lemma 3.3 together at most ``gamma(K + q - 1) * sum |terms|
   <= gamma(K + q - 1) (|u_i| + |u_l|)^2 (1 + eps)``. One product of all ``d' + 2`` terms would
   only be bounded by ``gamma(d' + 2)``: the kernel's own order is unknown, so its partial
   sums cannot be counted on. At 784 columns the chunks make the bound 6-10 times tighter
   and so leave 6-10 times fewer comparisons to re-decide, for a few percent more time;
2. the stored norms: ``|n_i - |u_i|^2| <= eps |u_i|^2 (1 + eps)``;
3. representing ``s (x - c)`` in float32: ``|u_i - s (x_i - c)| <= eps' |u_i|`` per row, which
   moves ``|u_i - u_l|^2`` by at most ``(2 eps' + eps'^2) (|u_i| + |u_l|)^2``;
4. the reference itself: ``|D_ref - D| <= gamma64(d + 2) D``, below ``1e-13 D``;
5. float32 underflow (entries below ``2**-126``): an absolute ``(d' + 2) 2**-140`` covers it.

Together ``|D~_il - D_ref_il| <= gamma(K + q + 5) (|u_i| + |u_l|)^2 + (d' + 2) 2**-140`` (items
2-4 add less than ``6 eps``); with ``|u_l| <= U`` this gives the per-row bound
``E_i = 1.01 gamma(K + q + 5) (|u_i| + U)^2 + A``
(the factor 1.01 also absorbs the float64 rounding of the bound's own arithmetic). Then
``D~_il < fl32_down(t - E_i)`` proves ``D_ref_il < t`` and ``D~_il >= fl32_up(t + E_i)``
proves ``D_ref_il >= t``; only values in between are recomputed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from .factors import float_factors
from .reference import exact_sqdist

__all__ = [
    "ExplicitSpace",
    "FloatSpace",
    "exact_sqdist",
    "float32_down",
    "float32_up",
]

#: Rows per strip when a whole distance matrix is formed at once (:meth:`FloatSpace.block`
#: without rows): large enough that each strip's product runs at full BLAS speed, small
#: enough that the strips skip most of the lower triangle.
SYMMETRIC_STRIP_ROWS = 640

#: Terms per separate float32 product (see the bound, item 1): smaller chunks tighten the
#: bound, larger ones keep the products efficient. 96 at 786 terms: 9 chunks, gamma(110)
#: instead of gamma(792); the products cost ~10-20 % more than one (measured, 1 thread).
PRODUCT_CHUNK = 96

#: Rows and columns per tile of a chunked product: the tile and its scratch (1.5 MiB each
#: in float32) stay in cache while the chunks' products are added, so the extra adds cost no
#: memory traffic even at 70,000 columns. Tall and narrow: 96-term chunks of a 958-row strip
#: ran at 93 GFLOP/s with 2 threads in 1024 x 384 tiles, 86 in 512 x 512, 49-51 in 256 x 1024
#: (the two threads split few rows); 1 thread, 43-47 for all.
PRODUCT_STRIP_ROWS = 1024
PRODUCT_TILE_COLS = 384

#: Unit roundoffs of float32 and float64.
EPS32 = 2.0**-24
EPS64 = 2.0**-53


def _gamma(m: int, eps: float) -> float:
    """Higham's ``gamma(m) = m eps / (1 - m eps)``: the error factor of an m-term dot product."""
    return m * eps / (1.0 - m * eps)


def float32_down(v: NDArray[np.float64]) -> NDArray[np.float32]:
    """The largest float32 values ``<= v``."""
    f = v.astype(np.float32)
    return np.where(f.astype(np.float64) > v, np.nextafter(f, np.float32(-np.inf)), f)


def float32_up(v: NDArray[np.float64]) -> NDArray[np.float32]:
    """The smallest float32 values ``>= v``."""
    f = v.astype(np.float32)
    return np.where(f.astype(np.float64) < v, np.nextafter(f, np.float32(np.inf)), f)


def _varying_columns(x: NDArray[Any]) -> NDArray[np.intp]:
    """Columns that are not constant (constant ones add exact zeros to every distance)."""
    columns = np.flatnonzero(np.any(x != x[:1], axis=0))
    return columns if columns.size else np.zeros(1, dtype=np.intp)


def _self_index(rows: NDArray[np.intp] | None, b: int, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.arange(b) if rows is None else rows, device=device)


class ExplicitSpace:
    """A few columns as dense float64 sums of squared differences (the GPU's 2-D side).

    Summed column by column from zero, the order of the reference, so values are identical.
    """

    dtype = torch.float64

    def __init__(self, data: NDArray[Any], device: torch.device) -> None:
        self.n = data.shape[0]
        self.points = torch.as_tensor(np.asarray(data, dtype=np.float64), device=device)

    def row(self, i: int) -> NDArray[np.float64]:
        """The values of :meth:`block` for point `i` alone."""
        out = torch.empty(1, self.n, dtype=torch.float64, device=self.points.device)
        return self.block(np.array([i]), out)[0].cpu().numpy()

    def block(self, rows: NDArray[np.intp] | None, out: torch.Tensor) -> torch.Tensor:
        left = self.points if rows is None else self.points[torch.as_tensor(rows)]
        out.zero_()
        for c in range(self.points.shape[1]):
            diff = left[:, c : c + 1] - self.points[:, c].unsqueeze(0)
            out.addcmul_(diff, diff)
        b = out.shape[0]
        out[torch.arange(b, device=out.device), _self_index(rows, b, out.device)] = math.inf
        return out


class FloatSpace:
    """Float data: float32 squared distances with a certified per-row error bound.

    See the module docstring for the bound. :meth:`exact` gives reference values for chosen
    pairs, in the same units as :meth:`block` (the scale ``s**2`` is a power of two, exact).
    """

    dtype = torch.float32

    def __init__(
        self,
        data: NDArray[Any],
        device: torch.device,
        order: NDArray[np.intp] | None = None,
        threads: int = 1,
    ) -> None:
        self.n = data.shape[0]
        self.data = data  # the reference rows (float32 or float64, never copied)
        self.device = device
        self.order = order  # the order of the stored factors (see IntegerSpace); None: own
        self.threads = threads  # of the compiled passes (factors, exact pairs)
        columns = _varying_columns(data)
        dim = columns.size
        # Right factors [-2 u_l, n_l, 1]; the left ones [u_i, 1, n_i] are recovered exactly
        # from them (scaling by powers of two is exact).
        aug, rnorm, mean, exponent = float_factors(data, columns, order, threads)
        self.scale2 = math.ldexp(1.0, -2 * exponent)  # s**2, s = 2**-exponent
        self.dim = dim
        self.rnorm = rnorm
        self._columns, self._mean, self._exponent = columns, mean, exponent
        width = dim + 2
        self._chunks = [
            slice(a, min(width, a + PRODUCT_CHUNK)) for a in range(0, width, PRODUCT_CHUNK)
        ]
        self._gamma = 1.01 * _gamma(min(width, PRODUCT_CHUNK) + len(self._chunks) + 5, EPS32)
        self._scratch: torch.Tensor | None = None
        self._absolute = (dim + 2) * 2.0**-140
        self._norm_max = float(rnorm.max())
        self.points = torch.as_tensor(aug, device=device)
        self._fine: torch.Tensor | None = None
        self._fine_out: torch.Tensor | None = None  # reused: fresh pages cost as much as a product
        self.settled = 0  # pairs recomputed by exact_sqdist (for benchmarks and tests)
        self.fine_blocks = 0  # blocks counted again in float64

    def fine_block(self, rows: NDArray[np.intp]) -> torch.Tensor:
        """float64 values of `rows`, within :meth:`fine_bound` of the reference.

        For blocks where the float32 band holds too many values to recompute one by one:
        the same derivation with float64's ``eps = 2**-53`` (and the reference's own
        rounding counted in full) leaves a band that continuous data almost never enters.
        """
        if self._fine is None:
            fine = np.empty((self.n, self.dim + 2), dtype=np.float64)
            chunk = max(1, 2**21 // max(1, self.data.shape[1]))
            for a in range(0, self.n, chunk):
                part = self.data[a : a + chunk][:, self._columns] - self._mean
                part *= math.ldexp(1.0, -self._exponent)
                fine[a : a + chunk, : self.dim] = -2.0 * part
                fine[a : a + chunk, self.dim] = np.einsum("ij,ij->i", part, part)
                fine[a : a + chunk, self.dim + 1] = 1.0
            self._fine = torch.as_tensor(fine, device=self.device)
        if self._fine_out is None or self._fine_out.shape[0] < rows.size:
            self._fine_out = torch.empty(rows.size, self.n, dtype=torch.float64, device=self.device)
        out = self._fine_out[: rows.size]
        idx = torch.as_tensor(rows, device=self.device)
        left = self._fine[idx].clone()
        left[:, : self.dim] *= -0.5
        left[:, self.dim :] = left[:, self.dim :].flip(1)
        torch.mm(left, self._fine.T, out=out)
        out[torch.arange(rows.size, device=out.device), idx] = math.inf
        return out

    def fine_bound(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        """``|fine - D_ref| <= E64_i`` for every value of row ``i`` of :meth:`fine_block`."""
        gamma = 1.01 * _gamma(self.dim + self.data.shape[1] + 8, EPS64)
        return gamma * (self.rnorm[rows] * (1 + 2 * EPS32) + self._norm_max * 1.01) ** 2 + 2.0**-900

    def bound(self, rows: NDArray[np.intp] | None) -> NDArray[np.float64]:
        """``E_i`` of `rows` (all when None): ``|D~_il - D_ref_il| <= E_i`` for every ``l``."""
        r = self.rnorm if rows is None else self.rnorm[rows]
        return self._gamma * (r + self._norm_max) ** 2 + self._absolute

    def pair_bound(self, i: NDArray[np.intp], j: NDArray[np.intp]) -> NDArray[np.float64]:
        """The bound of single pairs, ``|D~_ij - D_ref_ij| <= E_ij`` (``|u_j|`` in place of U)."""
        return self._gamma * (self.rnorm[i] + self.rnorm[j]) ** 2 + self._absolute

    def exact(self, i: NDArray[np.intp], j: NDArray[np.intp]) -> NDArray[np.float64]:
        """Reference squared distances of pairs ``(i[p], j[p])`` in this space's units."""
        return exact_sqdist(self.data, i, j, self.threads) * self.scale2

    def row(self, i: int) -> NDArray[np.float64]:
        """Reference squared distances of point `i` to every point (by index); itself = inf."""
        out = self.exact(np.full(self.n, i), np.arange(self.n))
        out[i] = math.inf
        return out

    def _left(self, idx: torch.Tensor | slice) -> torch.Tensor:
        rows = self.points[idx].clone()
        rows[:, : self.dim] *= -0.5
        rows[:, self.dim :] = rows[:, self.dim :].flip(1)
        return rows

    def tile(self, lo: int, hi: int, out: torch.Tensor) -> torch.Tensor:
        """float32 ``D~`` of stored points ``lo:hi`` to stored points ``lo:`` (``out`` of shape
        ``(hi - lo, n - lo)``); the diagonal (each point itself) = inf."""
        self._product(self._left(slice(lo, hi)), self.points[lo:], out)
        out.diagonal().fill_(math.inf)
        return out

    def block(self, rows: NDArray[np.intp] | None, out: torch.Tensor) -> torch.Tensor:
        """float32 ``D~`` of `rows` (all when None) to every point; self = inf."""
        assert self.order is None, "block() needs the points in their own order"
        if rows is None:
            self._fill_all(out)
        else:
            idx = torch.as_tensor(rows, device=self.device)
            self._product(self._left(idx), self.points, out)
        b = out.shape[0]
        out[torch.arange(b, device=out.device), _self_index(rows, b, out.device)] = math.inf
        return out

    def _product(self, left: torch.Tensor, right: torch.Tensor, out: torch.Tensor) -> None:
        """``out = left @ right.T`` as separate products of column chunks added in order
        (the bound's item 1), a cache-sized tile of the output at a time."""
        first, rest = self._chunks[0], self._chunks[1:]
        if not rest:
            torch.mm(left[:, first], right[:, first].T, out=out)
            return
        if self._scratch is None:
            self._scratch = torch.empty(
                PRODUCT_STRIP_ROWS * PRODUCT_TILE_COLS, dtype=out.dtype, device=out.device
            )
        for a in range(0, left.shape[0], PRODUCT_STRIP_ROWS):
            lrows = left[a : a + PRODUCT_STRIP_ROWS]
            for b in range(0, right.shape[0], PRODUCT_TILE_COLS):
                rcols = right[b : b + PRODUCT_TILE_COLS]
                tile = out[a : a + PRODUCT_STRIP_ROWS, b : b + PRODUCT_TILE_COLS]
                torch.mm(lrows[:, first], rcols[:, first].T, out=tile)
                part = self._scratch[: tile.numel()].view(tile.shape)
                for c in rest:
                    torch.mm(lrows[:, c], rcols[:, c].T, out=part)
                    tile.add_(part)

    def _fill_all(self, out: torch.Tensor) -> None:
        """All ``n x n`` values from the upper triangle's strips, mirrored below.

        The mirror is exact: ``D~_il`` and ``D~_li`` are the same dot product (the factors
        are swapped and negated by powers of two) and obey the same bound.
        """
        strips = max(1, round(self.n / SYMMETRIC_STRIP_ROWS))
        bounds = np.linspace(0, self.n, strips + 1).astype(int)
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            self._product(self._left(slice(lo, hi)), self.points[lo:], out[lo:hi, lo:])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            out[hi:, lo:hi].copy_(out[lo:hi, hi:].T)
