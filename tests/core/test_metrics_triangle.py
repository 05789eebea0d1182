"""The symmetric pass (core/metrics/triangle.py) gives the numbers of whole rows, from half
the distances.

Each case compares the per-point penalties of the symmetric pass with those of the pass
over whole rows (``_tc_penalties_many``) and with the float64 reference of
``test_metrics_exact``, for equality: on float data, 8-bit data, ties and duplicated rows,
and near-ties one unit of roundoff apart, with strips of 1 row, odd sizes and the
automatic size, and with two projections sharing one pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latent_explorer.core.metrics import counting, ranks, scan, triangle
from latent_explorer.core.metrics.distances import FloatSpace
from latent_explorer.core.metrics.eight_bit import INT_SELF, IntegerSpace

from .test_metrics_exact import _clustered, _near_ties, _sq_rows, _tie_heavy, reference


def _eight_bit(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    levels = rng.integers(0, 256, size=(n, 30))
    levels[n // 2 :] = levels[: n - n // 2] // 64 * 64  # coarse copies: many exact ties
    X = levels / 255.0
    return X, X[:, :2] @ rng.normal(size=(2, 2)) + rng.normal(scale=0.05, size=(n, 2))


CASES = {
    "float": lambda: _clustered(21, 230, 40),
    "eight-bit": lambda: _eight_bit(22, 200),
    "ties": _tie_heavy,
    "near-ties": _near_ties,
}


def _both_passes(X, Ys, k, block_size):
    x = np.asarray(X, dtype=np.float64)
    ys = [np.asarray(Y, dtype=np.float64) for Y in Ys]
    with torch.inference_mode():
        sym = ranks._tc_penalties_triangle(x, ys, k, block_size, 1)
        rows = ranks._tc_penalties_many(x, ys, k, block_size, torch.device("cpu"), 1)
    return sym, rows


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("block_size", [1, 7, 64, None])
@pytest.mark.parametrize("places", [0, 16], ids=["listed-again", "buffered"])
def test_symmetric_pass_equals_whole_rows_and_reference(monkeypatch, case, block_size, places):
    # Values to list kept in each point's small buffer, or (no places) all listed again.
    monkeypatch.setattr(scan, "LISTED_CAP", places)
    X, Y = CASES[case]()
    k = 3 if case == "near-ties" else 5
    Y2 = Y[:, ::-1] * np.array([1.0, 2.0])  # a second projection with other neighbours
    sym, rows = _both_passes(X, [Y, Y2], k, block_size)
    n = X.shape[0]
    scale = 2.0 / (k * (2.0 * n - 3.0 * k - 1.0))
    ref_X = np.round(X * 255.0) if case == "eight-bit" else X  # ranked on its levels
    for (pen_t, pen_c), (row_t, row_c), y in zip(sym, rows, [Y, Y2], strict=True):
        np.testing.assert_array_equal(pen_t, row_t)
        np.testing.assert_array_equal(pen_c, row_c)
        t, c = reference(ref_X, y, k)
        np.testing.assert_array_equal(1.0 - pen_t * scale, t)
        np.testing.assert_array_equal(1.0 - pen_c * scale, c)


def test_crowded_bands_counted_again_in_float64_once_their_strip_is_done(monkeypatch):
    # Every point's bands are "too crowded": all are counted again in float64 at the end
    # of their strip, and the numbers stay those of whole rows.
    monkeypatch.setattr(counting, "FINE_LIMIT", 0)
    for X, Y in (_clustered(23, 200, 30), _near_ties()):
        sym, rows = _both_passes(X, [Y], 3, 16)
        np.testing.assert_array_equal(sym[0][0], rows[0][0])
        np.testing.assert_array_equal(sym[0][1], rows[0][1])


@pytest.mark.parametrize("case", ["float", "eight-bit"])
def test_the_pass_forms_the_upper_triangle_once(monkeypatch, case):
    # Half the distances of whole rows: the tiles cover each unordered pair (and each point
    # itself) exactly once, and no whole row is formed.
    X, Y = CASES[case]()
    kind = FloatSpace if case == "float" else IntegerSpace
    seen: list[tuple[int, int, int]] = []
    tile = kind.tile

    def spy(self, lo, hi, out):
        seen.append((lo, hi, out.shape[1]))
        return tile(self, lo, hi, out)

    monkeypatch.setattr(kind, "tile", spy)
    monkeypatch.setattr(kind, "block", lambda *a: pytest.fail("a whole row was formed"))
    with torch.inference_mode():
        ranks._tc_penalties_triangle(np.asarray(X, dtype=np.float64), [Y], 5, 37, 1)
    n = X.shape[0]
    assert [(lo, hi) for lo, hi, _ in seen] == [(a, min(n, a + 37)) for a in range(0, n, 37)]
    assert all(width == n - lo for lo, _, width in seen)
    # The upper triangle and the lower halves of the diagonal tiles: 59 % of n^2 at n = 200
    # in strips of 37 (50.2 % at 70,000 points in strips of 319).
    formed = sum((hi - lo) * width for lo, hi, width in seen)
    assert formed <= n * (n + 1) // 2 + n * 37 // 2


def test_tiles_are_exact_integers_and_float32_within_their_bound():
    rng = np.random.default_rng(24)
    order = rng.permutation(90)
    levels = rng.integers(0, 256, size=(90, 20)).astype(np.uint8)
    ints = IntegerSpace(levels, torch.device("cpu"), order)
    ref = _sq_rows(levels.astype(np.float64))
    got = ints.tile(30, 45, torch.empty(15, 60, dtype=torch.int32)).numpy().astype(np.float64)
    expected = ref[np.ix_(order[30:45], order[30:])]
    np.fill_diagonal(expected, INT_SELF)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(ints.row(int(order[3])), np.where(
        np.isinf(ref[order[3]]), INT_SELF, ref[order[3]]))  # fmt: skip

    X = rng.normal(size=(90, 40)).astype(np.float32)
    floats = FloatSpace(X, torch.device("cpu"), order)
    ref = _sq_rows(X) * floats.scale2
    got = floats.tile(30, 45, torch.empty(15, 60)).numpy().astype(np.float64)
    expected = ref[np.ix_(order[30:45], order[30:])]
    assert np.all(np.isinf(np.diagonal(got)))
    np.fill_diagonal(got, 0.0)
    np.fill_diagonal(expected, 0.0)
    assert np.all(np.abs(got - expected) <= floats.bound(order[30:45])[:, None])


def test_estimates_come_per_strip_with_an_eta_from_the_work_left():
    X, Y = _clustered(25, 300, 20)
    seen: list = []
    with torch.inference_mode():
        ranks._tc_penalties_triangle(np.asarray(X), [Y], 5, 64, 1, lambda *a: seen.append(a), True)
    assert [done for done, _, _ in seen] == [64, 128, 192, 256, 300]
    rows = np.concatenate([est.rows for _, _, est in seen])
    assert sorted(rows.tolist()) == list(range(300))
    # Strips get narrower: after 64 of 300 rows, 38 % of the triangle's values are formed.
    assert triangle.work_done(64, 300) == pytest.approx(64 * 537 / (300 * 301))
    assert seen[-1][2].eta_seconds == 0.0


def test_strip_rows_keep_memory_and_give_several_strips():
    assert triangle.strip_rows(70_000, 4, 256 * 2**20) == 958  # the tiles' memory budget
    assert triangle.strip_rows(5_000, 4, 256 * 2**20) == 625  # eight strips
    assert triangle.strip_rows(300, 4, 256 * 2**20) == 256  # at least 256 rows
    assert triangle.strip_rows(100, 4, 256 * 2**20) == 100


@pytest.mark.parametrize("case", ["float", "eight-bit"])
def test_two_threads_give_the_numbers_of_one(case):
    # One thread runs the compiled scan serially (Numba's pool never starts); two run it
    # across threads. Same comparisons, same numbers.
    X, Y = CASES[case]()
    x = np.asarray(X, dtype=np.float64)
    with torch.inference_mode():
        one = ranks._tc_penalties_triangle(x, [Y], 5, 37, 1)
        two = ranks._tc_penalties_triangle(x, [Y], 5, 37, 2)
    np.testing.assert_array_equal(one[0][0], two[0][0])
    np.testing.assert_array_equal(one[0][1], two[0][1])
