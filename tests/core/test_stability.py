"""Procrustes alignment and per-point stability against known answers and direct references."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from scipy.spatial import procrustes as scipy_procrustes

from latent_explorer.core.stability import (
    align_repeats,
    displacement,
    knn_indices,
    layout_scale,
    neighbour_agreement,
    procrustes,
    stability_report,
)


def _rotation(theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


MIRROR = np.array([[1.0, 0.0], [0.0, -1.0]])


def test_procrustes_recovers_a_known_rotation_reflection_scale_and_shift():
    rng = np.random.default_rng(1)
    reference = rng.normal(size=(60, 2))
    M = _rotation(0.7) @ MIRROR  # a rotation and a reflection: det -1
    moved = 2.5 * reference @ M + np.array([3.0, -1.0])
    fit = procrustes(moved, reference)
    np.testing.assert_allclose(fit.aligned, reference, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fit.rotation, M.T, rtol=0, atol=1e-12)  # M is orthogonal
    assert fit.scale == pytest.approx(1 / 2.5, abs=1e-14)
    np.testing.assert_allclose(fit.translation, -np.array([3.0, -1.0]) @ M.T / 2.5, atol=1e-12)
    assert fit.reflected and fit.residual < 1e-13
    np.testing.assert_allclose(fit.apply(moved[:5]), reference[:5], atol=1e-12)


def test_without_reflection_a_mirror_image_cannot_be_undone():
    rng = np.random.default_rng(2)
    reference = rng.normal(size=(40, 2))
    mirrored = reference @ MIRROR
    fit = procrustes(mirrored, reference, reflection=False)
    assert not fit.reflected and fit.residual > 0.1
    rotated = procrustes(reference @ _rotation(2.0), reference, reflection=False)
    assert not rotated.reflected and rotated.residual < 1e-13


def test_procrustes_residual_is_scipys_disparity():
    rng = np.random.default_rng(3)
    reference = rng.normal(size=(80, 2))
    noisy = 0.3 * reference @ _rotation(-1.1) + rng.normal(scale=0.2, size=(80, 2))
    _, _, disparity = scipy_procrustes(reference, noisy)
    assert procrustes(noisy, reference).residual ** 2 == pytest.approx(disparity, rel=1e-12)


def test_procrustes_refuses_mismatched_or_collapsed_layouts():
    with pytest.raises(ValueError, match="same points"):
        procrustes(np.zeros((5, 2)), np.zeros((6, 2)))
    with pytest.raises(ValueError, match="one place"):
        procrustes(np.ones((5, 2)), np.arange(10.0).reshape(5, 2))


def _brute_knn(coords: np.ndarray, k: int) -> list[list[int]]:
    out = []
    for i in range(len(coords)):
        d = [
            (math.sqrt((coords[j, 0] - coords[i, 0]) ** 2 + (coords[j, 1] - coords[i, 1]) ** 2), j)
            for j in range(len(coords))
            if j != i
        ]
        out.append([j for _, j in sorted(d)[:k]])  # by distance, ties to the lower index
    return out


@pytest.mark.parametrize("kind", ["continuous", "duplicates and ties"])
def test_knn_indices_equal_a_brute_force_reference(kind):
    rng = np.random.default_rng(4)
    if kind == "continuous":
        coords = rng.normal(size=(120, 2))
    else:  # a coarse grid: many equal distances, and a stack of 15 identical points
        coords = rng.integers(0, 4, size=(120, 2)).astype(np.float64)
        coords[:15] = [1.0, 1.0]
    assert knn_indices(coords, 7).tolist() == _brute_knn(coords, 7)


def test_stability_measures_equal_a_direct_reference():
    rng = np.random.default_rng(5)
    base = rng.normal(size=(90, 2))
    latents = [base]
    for r in range(1, 4):  # each seed: another pose of the map, plus its own noise
        pose = (0.5 + r) * base @ _rotation(r) + r
        latents.append(pose + rng.normal(scale=0.15 * r, size=base.shape))
    k = 5
    report = stability_report(latents, k=k)

    # Displacement: align each repeat to the first, distance per point, mean, over the scale.
    ref = latents[0]
    centre = ref.mean(axis=0)
    scale = math.sqrt(sum(((p - centre) ** 2).sum() for p in ref) / len(ref))
    expected_move = np.zeros(len(ref))
    for coords in latents[1:]:
        aligned = procrustes(coords, ref).aligned
        expected_move += [math.dist(aligned[i], ref[i]) for i in range(len(ref))]
    expected_move /= (len(latents) - 1) * scale
    np.testing.assert_allclose(report.displacement, expected_move, rtol=1e-12, atol=0)
    assert layout_scale(ref) == pytest.approx(scale, rel=1e-14)

    # Agreement: Jaccard of brute-force neighbour sets, mean over the pairs of repeats.
    sets = [[set(row) for row in _brute_knn(c, k)] for c in latents]
    pairs = list(combinations(range(len(latents)), 2))
    expected_agree = [
        sum(len(sets[a][i] & sets[b][i]) / len(sets[a][i] | sets[b][i]) for a, b in pairs)
        / len(pairs)
        for i in range(len(ref))
    ]
    np.testing.assert_array_equal(report.agreement, expected_agree)
    assert report.summary["agreement_mean"] == pytest.approx(np.mean(expected_agree), rel=1e-15)
    assert report.summary["displacement_mean"] == pytest.approx(expected_move.mean(), rel=1e-12)
    assert report.per_point().keys() == {"displacement", "neighbour_agreement"}


def test_identical_maps_in_other_poses_are_perfectly_stable():
    rng = np.random.default_rng(6)
    base = rng.normal(size=(50, 2))
    poses = [base, -3 * base @ _rotation(1.0) + 7, 0.1 * base @ MIRROR - 2]
    report = stability_report(poses)
    np.testing.assert_allclose(report.displacement, 0.0, atol=1e-12)
    np.testing.assert_array_equal(report.agreement, 1.0)
    for aligned in report.aligned:
        np.testing.assert_allclose(aligned, base, atol=1e-12)


def test_unstable_points_stand_out():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(200, 2))
    other = base @ _rotation(0.4) + 0.01 * rng.normal(size=base.shape)
    jumpers = np.arange(10)
    other[jumpers] = other[np.roll(jumpers, 1)]  # these points trade places in seed 2
    report = stability_report([base, other])
    rest = np.setdiff1d(np.arange(200), jumpers)
    assert report.displacement[jumpers].mean() > 20 * report.displacement[rest].mean()
    assert report.agreement[jumpers].mean() < 0.3 < 0.7 < report.agreement[rest].mean()


def test_measures_need_two_repeats():
    one = [np.random.default_rng(0).normal(size=(20, 2))]
    assert len(align_repeats(one)) == 1
    with pytest.raises(ValueError, match="at least 2 repeats"):
        displacement(one)
    with pytest.raises(ValueError, match="at least 2 repeats"):
        neighbour_agreement(one)
