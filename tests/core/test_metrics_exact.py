"""Trustworthiness and continuity equal a float64 reference from direct pairwise distances.

The reference below is written from the definition alone: direct distances
``((x_i - x) ** 2).sum(axis=1)`` in float64, ranks = 1 + the number of strictly closer
points, neighbour sets = the first k by distance then index (a stable sort). Every case
asserts equality of the per-point values, not closeness: on tie-heavy data (rounded values,
duplicated rows), on 8-bit images, and on near-ties one unit of roundoff apart, where the
float32 pass cannot decide and must re-decide in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.manifold import trustworthiness as sk_trustworthiness

from latent_explorer.core.metrics import (
    TCEstimates,
    eight_bit_codes,
    ranks,
    trustworthiness_continuity,
    trustworthiness_continuity_many,
)
from latent_explorer.core.metrics.distances import FloatSpace


def _sq_rows(A: np.ndarray) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    D = np.array([((A[i] - A) ** 2).sum(axis=1) for i in range(A.shape[0])])
    np.fill_diagonal(D, np.inf)
    return D


def reference(X: np.ndarray, Y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-point (t_i, c_i) from direct float64 distances and the stated tie rule."""
    DX, DY = _sq_rows(X), _sq_rows(Y)
    n = DX.shape[0]
    scale = 2.0 / (k * (2.0 * n - 3.0 * k - 1.0))

    def penalties(ranked: np.ndarray, other: np.ndarray) -> np.ndarray:
        nn = np.argsort(other, axis=1, kind="stable")[:, :k]
        pen = np.zeros(n, dtype=np.int64)
        for i in range(n):
            for j in nn[i]:
                rank = 1 + int(np.count_nonzero(ranked[i] < ranked[i, j]))
                pen[i] += max(rank - k, 0)
        return pen

    return 1.0 - penalties(DX, DY) * scale, 1.0 - penalties(DY, DX) * scale


def assert_equals_reference(X, Y, k, ref_X=None, ref_Y=None, **kw):
    got = trustworthiness_continuity(X, Y, n_neighbors=k, per_point=True, **kw)
    t, c = reference(X if ref_X is None else ref_X, Y if ref_Y is None else ref_Y, k)
    np.testing.assert_array_equal(got.local_trustworthiness, t)
    np.testing.assert_array_equal(got.local_continuity, c)
    assert got.trustworthiness == pytest.approx(t.mean(), abs=1e-14)
    assert got.continuity == pytest.approx(c.mean(), abs=1e-14)
    return got


def _clustered(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(6, d))
    X = centres[rng.integers(0, 6, n)] + rng.normal(size=(n, d))
    Y = X @ rng.normal(size=(d, 2)) + rng.normal(scale=2.0, size=(n, 2))
    return X, Y


@pytest.mark.parametrize("block_size", [None, 97])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float_data_equals_reference(block_size, dtype):
    X, Y = _clustered(0, 400, 60)
    X = X.astype(dtype)
    assert_equals_reference(X, Y, 7, block_size=block_size)


def test_random_projection_of_random_data_equals_sklearn():
    # Tie-free data: the reference, sklearn and ours agree to the last bit.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 100))
    Y = rng.normal(size=(500, 2))
    got = assert_equals_reference(X, Y, 7, block_size=128)
    assert got.trustworthiness == sk_trustworthiness(X, Y, n_neighbors=7)
    assert got.continuity == sk_trustworthiness(Y, X, n_neighbors=7)


@pytest.mark.parametrize("block_size", [None, 50])
def test_tie_heavy_data_equals_reference(block_size):
    # Rounded values (more than 256 levels: the float32 path) and duplicated rows: exact
    # ties in both spaces, at every rank.
    rng = np.random.default_rng(2)
    X = np.round(rng.normal(size=(150, 12)), 2)
    X = np.vstack([X, X[:60]])  # 60 duplicated rows
    Y = np.round(X[:, :2] + rng.normal(scale=0.3, size=(210, 2)), 2)
    assert eight_bit_codes(X) is None
    assert_equals_reference(X, Y, 5, block_size=block_size)
    # Both spaces dense (the GPU layout), certified float32 on the 2-D side too.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ranks, "LOW_DIM", 0)
        assert_equals_reference(X, Y, 5, block_size=block_size)


@pytest.mark.parametrize("block_size", [None, 50])
def test_coarsely_rounded_data_is_ranked_on_its_levels(block_size):
    # Values on one grid of at most 256 levels are 8-bit data: their distances are those of
    # the levels, exact (the float64 distances of 0.1-steps would break true ties by noise).
    rng = np.random.default_rng(12)
    X = np.round(rng.normal(size=(150, 12)), 1)
    X = np.vstack([X, X[:60]])
    Y = np.round(X[:, :2] + rng.normal(scale=0.3, size=(210, 2)), 1)
    levels = eight_bit_codes(X)
    assert levels is not None
    assert_equals_reference(X, Y, 5, ref_X=levels, block_size=block_size)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ranks, "LOW_DIM", 0)
        assert_equals_reference(
            X, Y, 5, ref_X=levels, ref_Y=eight_bit_codes(Y), block_size=block_size
        )


def _near_ties(n_far: int = 120, d: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Point 0 at the origin, and points whose float64 distances from it are 1, 1 + 1 ulp,
    1 + 4 ulp, ... and exact duplicates; far points around them; a random projection."""
    rng = np.random.default_rng(3)
    near = np.zeros((12, d))
    near[:, 0] = 1.0
    # (1, j 2^-26): squared distance 1 + j^2 2^-52, i.e. j^2 units of roundoff above 1.
    near[:, 1] = np.arange(12) * 2.0**-26
    near[6:, 2] = 0.0
    near[11] = near[10]  # an exact tie as well
    far = rng.normal(scale=3.0, size=(n_far, d)) + 4.0
    X = np.vstack([np.zeros((1, d)), near, far])
    D0 = ((X[0] - X) ** 2).sum(axis=1)
    assert D0[2] == np.nextafter(1.0, 2.0)  # one unit of roundoff apart, as built
    Y = rng.normal(size=(X.shape[0], 2))
    return X, Y


@pytest.mark.parametrize("block_size", [None, 16])
def test_near_ties_one_roundoff_apart_equal_reference(block_size):
    X, Y = _near_ties()
    made: list = []
    make = ranks._make_space
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ranks, "_make_space", lambda *a: made.append(make(*a)) or made[-1])
        assert_equals_reference(X, Y, 3, block_size=block_size)
    # The float32 pass cannot tell 1 from 1 + 2^-52: those comparisons were re-decided.
    assert isinstance(made[0], FloatSpace) and made[0].settled > 0
    assert made[0].bound(np.array([0]))[0] > 2.0**-52 * made[0].scale2
    assert_equals_reference(Y, X, 3, block_size=block_size)  # swapped: C(X, Y) = T(Y, X)


def _images(seed: int, n: int, d: int = 64) -> np.ndarray:
    """8-bit 'images': blobs of levels 0..255 with noise, clipped (many exact ties)."""
    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 256, size=(5, d))
    raw = protos[rng.integers(0, 5, n)] + rng.integers(-30, 31, size=(n, d))
    return np.clip(raw, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("block_size", [None, 64])
def test_eight_bit_data_is_exact_on_its_levels(block_size):
    codes = _images(4, 300)
    X = (codes / np.float32(255.0)).astype(np.float32)  # what a model sees
    np.testing.assert_array_equal(eight_bit_codes(X), codes)
    rng = np.random.default_rng(5)
    Y = X.astype(np.float64) @ rng.normal(size=(64, 2))
    # The reference of 8-bit data is that of its levels (exact integers, exact ties).
    assert_equals_reference(X, Y, 7, ref_X=codes, block_size=block_size)
    assert_equals_reference(codes.astype(np.float64), Y, 7, block_size=block_size)


def test_eight_bit_detection_needs_one_grid():
    rng = np.random.default_rng(6)
    assert eight_bit_codes(rng.normal(size=(50, 10))) is None
    assert eight_bit_codes(rng.integers(0, 1000, size=(50, 10)).astype(float)) is None
    # Columns scaled differently (standardised pixels) are not one 8-bit grid.
    q = rng.integers(0, 256, size=(50, 3)).astype(float)
    assert eight_bit_codes(q * np.array([1.0, 0.5, 0.3])) is None
    levels = eight_bit_codes(q * 0.25 - 3.0)
    assert levels is not None and np.array_equal(levels, q - q.min())


def test_progress_estimates_cover_and_end_exact():
    X, Y = _clustered(7, 600, 30)
    calls: list[tuple[int, int, TCEstimates]] = []
    got = trustworthiness_continuity(
        X, Y, n_neighbors=7, per_point=True, block_size=100, on_progress=lambda *a: calls.append(a)
    )
    assert [c[0] for c in calls] == [100, 200, 300, 400, 500, 600]
    assert all(c[1] == 600 for c in calls)
    seen = np.concatenate([c[2].rows for c in calls])
    assert np.array_equal(np.sort(seen), np.arange(600))  # every row once, in random order
    assert not np.array_equal(seen, np.arange(600))
    for _, _, est in calls:
        np.testing.assert_array_equal(
            est.local_trustworthiness, got.local_trustworthiness[est.rows]
        )
        assert est.trustworthiness.half_width >= 0.0 and est.eta_seconds is not None
    last = calls[-1][2]
    assert last.trustworthiness.half_width == 0.0 and last.eta_seconds == 0.0
    # The last estimate is the mean of the per-point values in point order (what the
    # quality tables show), not a mean in visiting order that may differ in the last place.
    assert last.trustworthiness.value == got.local_trustworthiness.mean()
    assert last.continuity.value == got.local_continuity.mean()
    assert last.trustworthiness.value == pytest.approx(got.trustworthiness, abs=1e-12)
    first = calls[0][2]
    # The estimate from the first sixth of the rows: the interval holds the exact value
    # (a seeded order, so this is deterministic; the interval is not vacuous either).
    t = first.trustworthiness
    assert abs(t.value - got.trustworthiness) <= t.half_width < 0.05
    assert first.summary()["fraction"] == pytest.approx(1 / 6)


def test_many_reports_one_estimate_per_projection():
    X, Y = _clustered(8, 300, 20)
    seen: list = []
    trustworthiness_continuity_many(
        X, [Y, Y[:, ::-1]], n_neighbors=5, block_size=150, on_progress=lambda *a: seen.append(a)
    )
    assert len(seen) == 2 and all(len(est) == 2 for _, _, est in seen)


def test_crowded_bands_recounted_in_float64_equal_reference(monkeypatch):
    # Blocks whose float32 band holds too many values are counted again from float64 values
    # (with their own bound); forced here for every block.
    from latent_explorer.core.metrics import counting

    monkeypatch.setattr(counting, "FINE_LIMIT", 0)
    X, Y = _clustered(9, 400, 60)
    assert_equals_reference(X, Y, 7, block_size=97)
    X, Y = _near_ties()
    assert_equals_reference(X, Y, 3, block_size=16)


def test_quality_meter_forwards_the_pass_progress():
    # What a measure job forwards: the model projection's estimates, ending exact.
    from latent_explorer.core.quality import QualityMeter

    X, Y = _clustered(10, 300, 20)
    labels = np.arange(300) % 3
    seen: list = []
    meter = QualityMeter(X, labels)
    pp = meter.per_point(Y, np.zeros(300), None, on_progress=lambda *a: seen.append(a))
    done, total, est = seen[-1]
    assert (done, total) == (300, 300) and isinstance(est, TCEstimates)
    assert est.trustworthiness.half_width == 0.0
    assert est.trustworthiness.value == pytest.approx(pp["trustworthiness"].mean(), abs=1e-12)


def _tie_heavy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    X = np.round(rng.normal(size=(150, 12)), 2)
    X = np.vstack([X, X[:60]])  # 60 duplicated rows
    Y = np.round(X[:, :2] + rng.normal(scale=0.3, size=(210, 2)), 2)
    return X, Y


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("strategy", ["dense", "counted"])
def test_projection_counted_by_dense_rows_or_tree_equals_reference(strategy, threads):
    # The 2-D side's strategies, each forced for every point, on ties, duplicates and a
    # clustered cloud: dense rows of explicit distances (compiled, serial and parallel, in
    # blocks), or KD-tree radius counts.
    from latent_explorer.core.metrics import plane

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plane, "LIST_MAX_POINTS", -1)
        mp.setattr(plane, "ROW_NS", 0.0 if strategy == "dense" else 1e12)
        mp.setattr(plane, "DENSE_BLOCK", 17)  # rows formed in several blocks
        for X, Y in (_tie_heavy(), _clustered(11, 300, 20)):
            assert_equals_reference(X, Y, 5, block_size=64, n_threads=threads)


def test_dense_projection_rows_are_the_reference_bit_for_bit():
    # Every point's own threshold is its exact distance: a row value one rounding off (an
    # FMA, another order) would count the neighbour as closer than itself, or miss a tie.
    from latent_explorer.core.metrics import plane

    rng = np.random.default_rng(4)
    for dims in (1, 2, 3):
        y = rng.normal(size=(500, dims)) * rng.random((500, 1)) * 1e3
        space = plane.PlaneSpace(y, 1)
        points = rng.integers(0, 500, 300)
        others = rng.integers(0, 500, (300, 6))
        t = ((y[points][:, None, :] - y[others]) ** 2).sum(axis=2)  # the reference's values
        t[others == points[:, None]] = -np.inf
        closer = np.zeros(t.shape, dtype=np.int64)
        plane._DENSE_COUNTS[0](space.columns, points, t, 64, closer)
        rows = ((y[points][:, None, :] - y[None, :, :]) ** 2).sum(axis=2)
        rows[np.arange(300), points] = np.inf
        np.testing.assert_array_equal(closer, (rows[:, None, :] < t[:, :, None]).sum(axis=2))


def test_chunked_float32_products_stay_within_their_bound(monkeypatch):
    # The float32 distances come from separate products of column chunks added in order;
    # the (tighter) per-row bound must hold for every entry, and the results stay exact.
    from latent_explorer.core.metrics import distances

    monkeypatch.setattr(distances, "PRODUCT_CHUNK", 7)
    monkeypatch.setattr(distances, "PRODUCT_STRIP_ROWS", 5)
    monkeypatch.setattr(distances, "PRODUCT_TILE_COLS", 11)
    rng = np.random.default_rng(13)
    X = rng.random((120, 40), dtype=np.float32)
    space = FloatSpace(X, torch.device("cpu"))
    assert len(space._chunks) == 6
    ref = _sq_rows(X) * space.scale2
    np.fill_diagonal(ref, 0.0)  # the self pair (inf in both) is not a distance
    block = space.block(None, torch.empty(120, 120)).numpy().astype(np.float64)
    np.fill_diagonal(block, 0.0)
    assert np.all(np.abs(block - ref) <= space.bound(None)[:, None])
    rows = np.array([3, 50, 7])
    part = space.block(rows, torch.empty(3, 120)).numpy().astype(np.float64)
    part[np.arange(3), rows] = 0.0
    assert np.all(np.abs(part - ref[rows]) <= space.bound(rows)[:, None])
    X2, Y2 = _near_ties()
    assert_equals_reference(X2, Y2, 3, block_size=16)
    assert_equals_reference(X, X[:, :2] @ rng.normal(size=(2, 2)), 5)
