"""Projection-quality metrics: exactness against scikit-learn and hand-computed cases."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.manifold import trustworthiness as sk_trustworthiness

from latent_explorer.core import metrics
from latent_explorer.core.metrics import (
    ShepardStress,
    TCResult,
    continuity,
    counting,
    distances,
    neighborhood_hit,
    plane,
    quality_report,
    ranks,
    reconstruction_error,
    sample_indices,
    shepard_stress,
    trustworthiness,
    trustworthiness_continuity,
)


def _data(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Clustered data and a noisy linear 2-D projection: imperfect, without ties."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(5, d))
    X = centers[rng.integers(0, 5, n)] + rng.normal(size=(n, d))
    Y = X @ rng.normal(size=(d, 2)) + rng.normal(scale=2.0, size=(n, 2))
    return X, Y


# --------------------------------------------------------------------------------------------
# Trustworthiness and continuity
# --------------------------------------------------------------------------------------------


def test_identity_projection_is_perfect(rng):
    X = rng.normal(size=(200, 2))
    res = trustworthiness_continuity(X, X, n_neighbors=7, per_point=True)
    assert res.trustworthiness == 1.0
    assert res.continuity == 1.0
    assert np.all(res.local_trustworthiness == 1.0)
    assert np.all(res.local_continuity == 1.0)


@pytest.mark.parametrize(
    ("seed", "n", "d", "k", "block_size"),
    [
        (0, 300, 10, 5, None),
        (1, 1000, 50, 7, 128),  # 8 blocks
        (2, 2000, 784, 10, 333),  # uneven last block
        (3, 500, 3, 1, 7),  # both spaces low-dimensional
        (4, 400, 20, 30, 1),  # one row per block, large k
    ],
)
def test_matches_sklearn(seed, n, d, k, block_size):
    X, Y = _data(seed, n, d)
    res = trustworthiness_continuity(X, Y, n_neighbors=k, block_size=block_size)
    assert abs(res.trustworthiness - sk_trustworthiness(X, Y, n_neighbors=k)) <= 1e-9
    assert abs(res.continuity - sk_trustworthiness(Y, X, n_neighbors=k)) <= 1e-9
    # Not only within 1e-9: the integer penalties and the final expression are the same.
    assert res.trustworthiness == sk_trustworthiness(X, Y, n_neighbors=k)


def test_continuity_is_trustworthiness_swapped():
    X, Y = _data(5, 600, 30)
    forward = trustworthiness_continuity(X, Y, n_neighbors=6, block_size=100)
    backward = trustworthiness_continuity(Y, X, n_neighbors=6, block_size=250)
    assert forward.continuity == backward.trustworthiness
    assert forward.trustworthiness == backward.continuity
    assert continuity(X, Y, n_neighbors=6) == trustworthiness(Y, X, n_neighbors=6)


def test_hand_computed_case():
    # k = 1, n = 4, both spaces on a line; point p sits at X[p] and Y[p].
    #   X = 0, 1, 3, 7     ranks in X:  p0: p1=1 p2=2 p3=3     p1: p0=1 p2=2 p3=3
    #                                   p2: p1=1 p0=2 p3=3     p3: p2=1 p1=2 p0=3
    #   Y = 0, 7, 3, 1     nearest in Y: p0->p3, p1->p2, p2->p3, p3->p0
    # Trustworthiness penalties max(r_X - k, 0): p0: 3-1=2, p1: 2-1=1, p2: 3-1=2, p3: 3-1=2,
    # sum 7, T = 1 - 2 / (n k (2n - 3k - 1)) * 7 = 1 - 2/16 * 7 = 0.125;
    # per point t_i = 1 - 2 / (k (2n - 3k - 1)) * pen_i = 1 - pen_i / 2 = [0, 0.5, 0, 0].
    # Continuity: nearest in X p0->p1, p1->p0, p2->p1, p3->p2 with ranks in Y 3, 3, 3, 2,
    # penalties 2, 2, 2, 1, so C = 0.125 and c_i = [0, 0, 0, 0.5].
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    Y = np.array([[0.0], [7.0], [3.0], [1.0]])
    res = trustworthiness_continuity(X, Y, n_neighbors=1, per_point=True)
    assert res.trustworthiness == pytest.approx(0.125, abs=1e-15)
    assert res.continuity == pytest.approx(0.125, abs=1e-15)
    np.testing.assert_allclose(res.local_trustworthiness, [0.0, 0.5, 0.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(res.local_continuity, [0.0, 0.0, 0.0, 0.5], atol=1e-15)
    assert res.trustworthiness == pytest.approx(sk_trustworthiness(X, Y, n_neighbors=1))


def test_local_values_average_to_global():
    X, Y = _data(6, 700, 40)
    res = trustworthiness_continuity(X, Y, n_neighbors=9, per_point=True, block_size=99)
    assert isinstance(res, TCResult)
    assert res.local_trustworthiness.shape == (700,)
    assert res.local_trustworthiness.mean() == pytest.approx(res.trustworthiness, abs=1e-12)
    assert res.local_continuity.mean() == pytest.approx(res.continuity, abs=1e-12)
    assert res.local_trustworthiness.max() <= 1.0
    no_arrays = trustworthiness_continuity(X, Y, n_neighbors=9)
    assert no_arrays.local_trustworthiness is None and no_arrays.local_continuity is None


def test_tree_and_dense_paths_agree(monkeypatch):
    # On CPU the 2-D side goes through the KD-tree; forcing everything dense (the GPU layout)
    # must give the same penalties.
    X, Y = _data(7, 500, 12)
    tree = trustworthiness_continuity(X, Y, n_neighbors=5, per_point=True)
    monkeypatch.setattr(ranks, "LOW_DIM", 0)
    dense = trustworthiness_continuity(X, Y, n_neighbors=5, per_point=True, block_size=64)
    assert (tree.trustworthiness, tree.continuity) == (dense.trustworthiness, dense.continuity)
    np.testing.assert_array_equal(tree.local_continuity, dense.local_continuity)


def test_exact_ties_are_resolved_the_same_on_both_paths(monkeypatch):
    # A grid is full of exactly equal 2-D distances, which the tree path settles from
    # explicit distances; ties get the smallest rank on either path.
    rng = np.random.default_rng(8)
    grid = np.array([(i, j) for i in range(12) for j in range(12)], dtype=float)
    X = np.hstack([grid, rng.normal(scale=0.3, size=(grid.shape[0], 4))])
    tree = trustworthiness_continuity(X, grid, n_neighbors=4)
    monkeypatch.setattr(ranks, "LOW_DIM", 0)
    dense = trustworthiness_continuity(X, grid, n_neighbors=4)
    assert tree.continuity == dense.continuity
    assert 0.0 <= tree.continuity <= 1.0


def test_collapsed_projection(monkeypatch):
    # A third of the codes identical (a saturated encoder): ranks among duplicates are tied.
    X, Y = _data(20, 300, 10)
    Y[:100] = 0.5
    tree = trustworthiness_continuity(X, Y, n_neighbors=5)
    monkeypatch.setattr(ranks, "LOW_DIM", 0)
    dense = trustworthiness_continuity(X, Y, n_neighbors=5)
    assert tree.continuity == dense.continuity
    assert 0.0 <= tree.trustworthiness <= 1.0 and 0.0 <= tree.continuity <= 1.0


def _tie_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """Projections without ties, full of exact ties (a grid) and with duplicates."""
    rng = np.random.default_rng(21)
    grid = np.array([(i, j) for i in range(12) for j in range(12)], dtype=float)
    X_grid = np.hstack([grid, rng.normal(scale=0.3, size=(grid.shape[0], 4))])
    X, Y = _data(22, 400, 10)
    Y_collapsed = Y.copy()
    Y_collapsed[:120] = 0.5
    return [(X, Y), (X_grid, grid), (X, Y_collapsed)]


@pytest.mark.parametrize("case", range(3))
def test_tree_rank_strategies_agree(monkeypatch, case):
    # The KD-tree ranks either list each point's disc or count it with radius queries,
    # chosen per point by expected cost; both must give the same penalties, ties included.
    X, Y = _tie_cases()[case]
    monkeypatch.setattr(plane, "LIST_CHUNK", 7)  # many chunks, shared by two threads
    results = []
    for list_max in (0, math.inf):
        monkeypatch.setattr(plane, "LIST_MAX_POINTS", list_max)
        results.append(trustworthiness_continuity(X, Y, n_neighbors=4, per_point=True, n_threads=2))
    counted, listed = results
    np.testing.assert_array_equal(counted.local_continuity, listed.local_continuity)
    assert counted.continuity == listed.continuity
    if case == 0:
        assert listed.continuity == sk_trustworthiness(Y, X, n_neighbors=4)


def test_whole_matrix_in_strips_matches_blocks(monkeypatch):
    # A block holding every row is formed from strips of the upper triangle and mirrored.
    X, Y = _data(23, 500, 30)
    monkeypatch.setattr(distances, "SYMMETRIC_STRIP_ROWS", 37)  # 14 strips of uneven height
    whole = trustworthiness_continuity(X, Y, n_neighbors=6, per_point=True)
    blocked = trustworthiness_continuity(X, Y, n_neighbors=6, per_point=True, block_size=128)
    np.testing.assert_array_equal(whole.local_trustworthiness, blocked.local_trustworthiness)
    np.testing.assert_array_equal(whole.local_continuity, blocked.local_continuity)
    assert whole.trustworthiness == sk_trustworthiness(X, Y, n_neighbors=6)
    assert whole.continuity == sk_trustworthiness(Y, X, n_neighbors=6)
    # The float32 values themselves: within the certified bound of the float64 reference,
    # symmetric (mirrored strips), inf on the diagonal.
    space = distances.FloatSpace(X, torch.device("cpu"))
    dist = space.block(None, torch.empty(500, 500, dtype=torch.float32)).numpy().astype(float)
    assert np.all(np.isinf(np.diag(dist)))
    np.fill_diagonal(dist, 0.0)
    expect = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2) * space.scale2
    assert np.all(np.abs(dist - expect) <= space.bound(None)[:, None])
    # Below the first strip everything is the mirror image of that strip.
    first = int(np.linspace(0, 500, round(500 / 37) + 1)[1])
    np.testing.assert_array_equal(dist[:first, first:], dist[first:, :first].T)


def test_torch_counter_matches_numpy_counter():
    # The GPU counting branch, exercised on CPU tensors.
    rng = np.random.default_rng(9)
    dist = torch.from_numpy(rng.random((50, 400)))
    thresholds = dist[:, :6].numpy().copy()
    dist[:, 6] = math.inf
    via_numpy = counting.count_less(dist, thresholds, 1, torch_loop=False)
    via_torch = counting.count_less(dist, thresholds, 1, torch_loop=True)
    np.testing.assert_array_equal(via_numpy, via_torch)
    # Brute force: the number strictly closer.
    d = dist.numpy()
    expect = [[int((d[r] < t).sum()) for t in thresholds[r]] for r in range(50)]
    np.testing.assert_array_equal(via_numpy, expect)


def test_threaded_numpy_counter_matches_brute_force(monkeypatch):
    # Rows are counted in chunks (one row each here) shared by threads.
    monkeypatch.setattr(counting, "COUNT_MASK_BYTES", 3000)
    rng = np.random.default_rng(24)
    dist = rng.integers(0, 50, size=(53, 400)).astype(float)  # many exact ties
    thresholds = dist[:, :6].copy()
    expect = (dist[:, None, :] < thresholds[:, :, None]).sum(axis=2)
    for threads in (1, 3):
        np.testing.assert_array_equal(counting.count_less_cpu(dist, thresholds, threads), expect)


def test_constant_columns_do_not_change_the_result():
    X, Y = _data(10, 300, 8)
    padded = np.hstack([np.full((300, 3), 0.7), X, np.zeros((300, 2))])
    a = trustworthiness_continuity(X, Y, n_neighbors=5)
    b = trustworthiness_continuity(padded, Y, n_neighbors=5)
    assert (a.trustworthiness, a.continuity) == (b.trustworthiness, b.continuity)


def test_n_threads_is_restored():
    X, Y = _data(11, 200, 5)
    before = torch.get_num_threads()
    trustworthiness_continuity(X, Y, n_neighbors=3, n_threads=1)
    assert torch.get_num_threads() == before


def test_block_size_never_needs_n_squared():
    assert ranks._auto_block_size(70_000, 8) * 70_000 * 8 <= ranks.BLOCK_BUDGET_BYTES
    assert ranks._auto_block_size(70_000, 4) * 70_000 * 4 <= ranks.BLOCK_BUDGET_BYTES
    assert ranks._auto_block_size(10) == 10


# --------------------------------------------------------------------------------------------
# Neighbourhood hit, Shepard/stress, sampling, reconstruction
# --------------------------------------------------------------------------------------------


def test_neighborhood_hit_separated_clusters():
    rng = np.random.default_rng(12)
    Y = np.vstack([rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 100.0])
    labels = np.repeat(["a", "b"], 50)
    assert neighborhood_hit(Y, labels, n_neighbors=5) == 1.0
    np.testing.assert_array_equal(neighborhood_hit(Y, labels, per_point=True), np.ones(100))


def test_neighborhood_hit_hand_case():
    # Points on a line at 0, 1, 3 | 10, 12, 13 with labels a a b | b b a, k = 2:
    #   p0 -> {p1, p2}: a, b vs a -> 1/2     p3 -> {p4, p5}: b, a vs b -> 1/2
    #   p1 -> {p0, p2}: a, b vs a -> 1/2     p4 -> {p5, p3}: a, b vs b -> 1/2
    #   p2 -> {p1, p0}: a, a vs b -> 0       p5 -> {p4, p3}: b, b vs a -> 0
    Y = np.array([[0.0, 0], [1, 0], [3, 0], [10, 0], [12, 0], [13, 0]])
    labels = [0, 0, 1, 1, 1, 0]
    np.testing.assert_allclose(
        neighborhood_hit(Y, labels, n_neighbors=2, per_point=True), [0.5, 0.5, 0, 0.5, 0.5, 0]
    )
    assert neighborhood_hit(Y, labels, n_neighbors=2) == pytest.approx(1 / 3)


def test_shepard_of_scaled_copy():
    rng = np.random.default_rng(13)
    X = rng.normal(size=(150, 2))
    res = shepard_stress(X, 3.7 * X)
    assert isinstance(res, ShepardStress)
    rho, stress = res
    assert rho == pytest.approx(1.0, abs=1e-12)
    assert stress == pytest.approx(0.0, abs=1e-12)  # scale-normalised: a scaled copy is perfect


def test_stress_and_rho_hand_case():
    # dx over the pairs (0,1), (0,2), (1,2) of a 3-4-5 triangle: 3, 4, 5.
    # dy of points 0, 1, 3 on a line: 1, 3, 2.
    # a = sum(dx dy) / sum(dy^2) = (3 + 12 + 10) / (1 + 9 + 4) = 25/14
    # residuals 3 - 25/14, 4 - 75/14, 5 - 50/14 = 17/14, -19/14, 20/14
    # stress = sqrt((289 + 361 + 400) / 196 / 50) = sqrt(21) / 14
    # Spearman: ranks 1,2,3 vs 1,3,2 -> 1 - 6 * 2 / (3 * 8) = 0.5
    X = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    Y = np.array([[0.0], [1.0], [3.0]])
    rho, stress = shepard_stress(X, Y)
    assert stress == pytest.approx(math.sqrt(21) / 14, abs=1e-14)
    assert rho == pytest.approx(0.5, abs=1e-14)


def test_fast_distances_and_spearman_match_scipy():
    from scipy.spatial.distance import pdist
    from scipy.stats import spearmanr

    rng = np.random.default_rng(19)
    X = rng.normal(size=(300, 40))  # > 16 columns: the Gram path
    np.testing.assert_allclose(metrics._condensed_distances(X), pdist(X), rtol=1e-12)
    # Heavy ties exercise the average ranks.
    a = rng.integers(0, 20, 2000).astype(float)
    b = a + rng.integers(0, 5, 2000)
    assert metrics.shepard._spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-13)


def test_shepard_uses_the_sample(rng):
    X = rng.normal(size=(300, 5))
    Y = X[:, :2]
    idx = sample_indices(300, max_points=40, seed=3)
    assert shepard_stress(X, Y, sample=idx) == shepard_stress(X[idx], Y[idx])


def test_shepard_degenerate_projection():
    X = np.arange(12.0).reshape(4, 3)
    rho, stress = shepard_stress(X, np.zeros((4, 2)))
    assert math.isnan(rho)
    assert stress == 1.0


def test_sample_indices():
    np.testing.assert_array_equal(sample_indices(10), np.arange(10))
    s = sample_indices(10_000, max_points=500, seed=1)
    assert s.dtype == np.int64 and s.size == 500
    assert np.all(np.diff(s) > 0) and s[0] >= 0 and s[-1] < 10_000
    np.testing.assert_array_equal(s, sample_indices(10_000, max_points=500, seed=1))
    assert not np.array_equal(s, sample_indices(10_000, max_points=500, seed=2))


def test_reconstruction_error():
    X = np.zeros((3, 2))
    X_rec = np.array([[1.0, 1.0], [0.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(reconstruction_error(X, X_rec, per_point=True), [1.0, 2.0, 0.0])
    assert reconstruction_error(X, X_rec) == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def test_quality_report_groups_are_consistent():
    X, Y = _data(14, 600, 20)
    labels = np.random.default_rng(14).integers(0, 4, 600)
    selected = np.arange(0, 600, 7)
    X_rec = X + 0.1
    kl = np.linspace(0.0, 1.0, 600)
    report = quality_report(
        X, Y, labels=labels, selected=selected, X_rec=X_rec, kl_per_point=kl, per_point=True
    )
    assert set(report) == {"all", "selected", "rest", "per_point"}
    whole, sel, rest = report["all"], report["selected"], report["rest"]
    assert sel["n_points"] == selected.size and rest["n_points"] == 600 - selected.size
    for key in ("trustworthiness", "continuity", "neighborhood_hit", "reconstruction_error", "kl"):
        weighted = (sel[key] * sel["n_points"] + rest[key] * rest["n_points"]) / 600
        assert whole[key] == pytest.approx(weighted, abs=1e-12), key
    assert whole["trustworthiness"] == sk_trustworthiness(X, Y, n_neighbors=7)
    assert whole["neighborhood_hit"] == neighborhood_hit(Y, labels, n_neighbors=3)
    np.testing.assert_allclose(
        report["per_point"]["trustworthiness"],
        trustworthiness_continuity(X, Y, per_point=True).local_trustworthiness,
    )
    # Shepard/stress of a group use that group's own points.
    rho, stress = shepard_stress(X, Y, sample=selected)
    assert (sel["shepard"], sel["stress"]) == (rho, stress)
    # Group dicts are JSON-ready.
    json.dumps({g: report[g] for g in ("all", "selected", "rest")}, allow_nan=False)


def test_quality_report_shared_sample_and_empty_group():
    X, Y = _data(15, 300, 6)
    labels = np.zeros(300, dtype=int)
    sample = sample_indices(300, max_points=100, seed=0)
    report = quality_report(X, Y, labels=labels, selected=np.arange(300), sample=sample)
    assert report["rest"] is None
    assert report["all"]["shepard"] == shepard_stress(X, Y, sample=sample).rho
    assert "reconstruction_error" not in report["all"] and "kl" not in report["all"]
    assert "per_point" not in report
    only_all = quality_report(X, Y, labels=labels)
    assert set(only_all) == {"all"}


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

_X, _Y = _data(16, 40, 3)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: trustworthiness_continuity(_X, _Y, n_neighbors=20), "n_neighbors"),
        (lambda: trustworthiness_continuity(_X, _Y, n_neighbors=0), "n_neighbors"),
        (lambda: trustworthiness_continuity(_X, _Y, n_neighbors=2.5), "n_neighbors"),
        (lambda: trustworthiness_continuity(_X, _Y, n_neighbors=True), "n_neighbors"),
        (lambda: trustworthiness_continuity(_X[:, 0], _Y), "X"),
        (lambda: trustworthiness_continuity(_X, _Y[:-1]), "Y"),
        (lambda: trustworthiness_continuity(np.where(_X > 1, np.nan, _X), _Y), "X"),
        (lambda: trustworthiness_continuity(_X, np.full_like(_Y, np.inf)), "Y"),
        (lambda: trustworthiness_continuity(_X, np.zeros((40, 0))), "Y"),
        (lambda: trustworthiness_continuity(_X, _Y, block_size=0), "block_size"),
        (lambda: trustworthiness_continuity(_X, _Y, device="tpu"), "device"),
        (lambda: trustworthiness_continuity(_X, _Y, n_threads=0), "n_threads"),
        (lambda: trustworthiness(_X, [["a", "b"]] * 40), "Y"),
        (lambda: neighborhood_hit(_Y, np.zeros(39)), "labels"),
        (lambda: neighborhood_hit(_Y, np.zeros((40, 1))), "labels"),
        (lambda: neighborhood_hit(_Y, np.full(40, np.nan)), "labels"),
        (lambda: neighborhood_hit(_Y, np.zeros(40), n_neighbors=40), "n_neighbors"),
        (lambda: shepard_stress(_X, _Y, sample=[0, 1]), "sample"),
        (lambda: shepard_stress(_X, _Y, sample=[0, 1, 1]), "sample"),
        (lambda: shepard_stress(_X, _Y, sample=[0, 1, 40]), "sample"),
        (lambda: shepard_stress(_X, _Y, sample=[0.0, 1.0, 2.0]), "sample"),
        (lambda: shepard_stress(np.zeros((10_001, 2)), np.zeros((10_001, 2))), "sample"),
        (lambda: sample_indices(-1), "n"),
        (lambda: sample_indices(10, max_points=0), "max_points"),
        (lambda: reconstruction_error(_X, _X[:, :2]), "X_rec"),
        (lambda: quality_report(_X, _Y, labels=np.zeros(40), selected=[3, 3]), "selected"),
        (lambda: quality_report(_X, _Y, labels=np.zeros(40), selected=[-1]), "selected"),
        (lambda: quality_report(_X, _Y, labels=np.zeros(40), n_neighbors_tc=20), "n_neighbors_tc"),
        (lambda: quality_report(_X, _Y, labels=np.zeros(40), n_neighbors_nh=40), "n_neighbors_nh"),
        (
            lambda: quality_report(_X, _Y, labels=np.zeros(40), kl_per_point=np.zeros(3)),
            "kl_per_point",
        ),
        (lambda: quality_report(_X, _Y, labels=np.zeros(40), X_rec=np.zeros((40, 1))), "X_rec"),
    ],
)
def test_errors_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b") as info:
        call()
    # The message also says how to fix it.
    assert "pass" in str(info.value) or "remove" in str(info.value) or "replace" in str(info.value)


def test_sklearn_rule_message():
    X = np.random.default_rng(17).normal(size=(150, 3))
    with pytest.raises(ValueError) as info:
        trustworthiness_continuity(X, X[:, :2], n_neighbors=80)
    assert str(info.value) == (
        "n_neighbors (80) must be less than n_samples / 2 (75); pass a smaller n_neighbors"
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_request_without_gpu():
    with pytest.raises(ValueError, match="device"):
        trustworthiness_continuity(_X, _Y, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    X, Y = _data(18, 3000, 100)
    cpu = trustworthiness_continuity(X, Y, device="cpu", per_point=True)
    gpu = trustworthiness_continuity(X, Y, device="cuda", per_point=True)
    assert (cpu.trustworthiness, cpu.continuity) == (gpu.trustworthiness, gpu.continuity)
    np.testing.assert_array_equal(cpu.local_trustworthiness, gpu.local_trustworthiness)


def test_metrics_module_does_not_import_flask():
    code = "import sys, latent_explorer.core.metrics; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_many_projections_equal_separate_calls():
    from latent_explorer.core.metrics import (
        trustworthiness_continuity,
        trustworthiness_continuity_many,
    )

    rng = np.random.default_rng(11)
    X = rng.normal(size=(300, 12))
    Ys = [X[:, :2] + rng.normal(scale=s, size=(300, 2)) for s in (0.1, 1.0, 3.0)]
    many = trustworthiness_continuity_many(X, Ys, n_neighbors=5, per_point=True)
    for Y, got in zip(Ys, many, strict=True):
        want = trustworthiness_continuity(X, Y, n_neighbors=5, per_point=True)
        assert got.trustworthiness == want.trustworthiness
        assert got.continuity == want.continuity
        assert np.array_equal(got.local_trustworthiness, want.local_trustworthiness)
    with pytest.raises(ValueError, match="Ys"):
        trustworthiness_continuity_many(X, [])
