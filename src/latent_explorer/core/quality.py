"""Quality tables of an experiment's projections: all points, the selected points, the rest.

Definitions (the metrics panel and ``metrics.json`` use these):

- **all**: the projection of every point. Trustworthiness and continuity are exact over all
  points; neighbourhood hit, reconstruction error and KL are means over all points.
- **selected** and **rest**: the projection *restricted to that group*, measured as if the
  group were the whole dataset (its own kNN sets in both spaces). This is what plot 2 shows
  for the selected points, and it is what a Submit tries to improve. Reconstruction error and
  KL are the group's means.
- Shepard correlation and stress use the pairs of the experiment's fixed sample (at most 2,000
  points) that fall in the group, so the numbers of every iteration are comparable.

A Submit's "before" table measures the parent's projection on the same groups. Its T and C
come from the same pass over the data-space distances as the "after" table.

**PCA reference.** Every row also carries ``pca_<metric>`` keys (:data:`PCA_KEYS`: T, C,
neighbourhood hit, Shepard, stress, reconstruction error): the same metrics, on the same
points, for a 2-D PCA of those points (:func:`~latent_explorer.core.reference.pca_projection`).
For *all* it is the PCA of the whole dataset; for *selected* and *rest* it is a PCA fitted on
the group's own points, because those rows measure the group as if it were the whole dataset,
so the fair linear rival is the best linear projection of that group. The PCA keys are the
same in the "before" and "after" tables (they do not depend on the model), ``None`` where a
metric is undefined (fewer than 3 points). PCA T and C share the pass over the data-space
distances with the model's: the full-data PCA's with iteration 0's per-point values, a
group's with the group's rows. Flat keys rather than a nested ``"pca"`` dict keep each row
a flat ``{name: number | null}`` and the group keys ``all``/``selected``/``rest`` unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import numpy as np

from . import metrics
from .pairwise import RankedDistances, SampledPairs
from .reference import PCAProjection, pca_projection, pca_reconstruction_error

T_NEIGHBORS = 7
NH_NEIGHBORS = 3
# 2,000 points = 2 million pairs: Shepard and stress in well under a second per group. With
# 5,000 (12.5 million pairs) each sort took about a second and a Submit on wine waited
# 30 s for its table; the same sample serves every iteration, so comparisons stay fair.
METRIC_SAMPLE = 2_000

Row = dict[str, float | None]
GroupReport = dict[str, Row | None]

#: Metrics of the PCA reference, stored in every row as ``pca_<key>``.
PCA_KEYS = (
    "trustworthiness",
    "continuity",
    "neighborhood_hit",
    "shepard",
    "stress",
    "reconstruction_error",
)
#: Projections whose ranked sampled 2-D distances are kept (least recently used goes first).
_RANKED_CACHE = 3
#: Group PCA rows kept, keyed by the group's ids: a re-Submit of one selection reuses them.
_PCA_GROUP_CACHE = 4


def pca_keys(pca_row: Row | None) -> Row:
    """The ``pca_<metric>`` entries that a PCA row adds to a table row."""
    return {f"pca_{key}": (pca_row or {}).get(key) for key in PCA_KEYS}


def tc_neighbors(n: int, wanted: int = T_NEIGHBORS) -> int | None:
    """The largest k <= ``wanted`` that T and C allow for n points (k < n / 2), or None."""
    k = min(wanted, (n - 1) // 2)
    return k if k >= 1 else None


@dataclass
class Projection:
    """One projection of all points with its per-point values (see :meth:`QualityMeter.per_point`)."""

    coords: np.ndarray
    per_point: dict[str, np.ndarray]
    all_row: Row | None = None  # its "all" row, when already measured


class QualityMeter:
    """Measures the projections of one dataset; caches what every iteration reuses."""

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        sample_size: int = METRIC_SAMPLE,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.X, self.y, self.device = X, y, device
        self.sample = metrics.sample_indices(X.shape[0], max_points=sample_size, seed=seed)
        self._pairs: SampledPairs | None = None
        self._ranked: dict[int, RankedDistances] = {}
        self.seed = seed
        # Web requests (the PCA route) read these while a job measures: one thread computes,
        # the other waits. Two locks, so the fit (seconds) never waits behind a T/C pass
        # (minutes on MNIST); the row lock may take the fit lock, never the reverse.
        self._fit_lock = threading.Lock()
        self._row_lock = threading.Lock()
        self._pca: PCAProjection | None = None
        self._pca_tc: metrics.TCResult | None = None
        self._pca_row: Row | None = None
        self._pca_groups: dict[str, Row | None] = {}

    # -- per point -------------------------------------------------------------------------

    def per_point(
        self,
        coords: np.ndarray,
        recon_error: np.ndarray,
        kl: np.ndarray | None,
        *,
        on_progress: metrics.ProgressCallback | None = None,
        block_size: int | None = None,
    ) -> dict[str, np.ndarray]:
        """Local T and C (for colouring points), neighbourhood hit, reconstruction error, KL.

        `on_progress` follows the exact T/C pass over all points (the long part):
        ``on_progress(rows_done, rows_total, estimates)`` with the projection's
        :class:`~latent_explorer.core.metrics.TCEstimates`, after every `block_size` rows
        (default: automatic, see :func:`~latent_explorer.core.metrics.trustworthiness_continuity`).
        """
        n = self.X.shape[0]
        out: dict[str, np.ndarray] = {}
        k = tc_neighbors(n)
        if k is not None:
            tc = self._tc_with_pca(coords, k, on_progress, block_size)
            out["trustworthiness"] = np.asarray(tc.local_trustworthiness, dtype=np.float64)
            out["continuity"] = np.asarray(tc.local_continuity, dtype=np.float64)
        if n > 1:
            out["neighborhood_hit"] = np.asarray(
                metrics.neighborhood_hit(
                    coords, self.y, n_neighbors=min(NH_NEIGHBORS, n - 1), per_point=True
                ),
                dtype=np.float64,
            )
        out["reconstruction_error"] = np.asarray(recon_error, dtype=np.float64)
        if kl is not None:
            out["kl"] = np.asarray(kl, dtype=np.float64)
        return out

    # -- tables ----------------------------------------------------------------------------

    def tables(
        self,
        after: Projection,
        *,
        key: int,
        selected: np.ndarray | None = None,
        before: Projection | None = None,
        before_key: int | None = None,
    ) -> tuple[GroupReport, GroupReport | None]:
        """The "after" table and, given the parent's projection, the "before" table.

        ``key`` / ``before_key`` identify the projections (iteration numbers) so their ranked
        2-D distances can be reused by the next Submit.
        """
        n = self.X.shape[0]
        ranked_after = self._ranking(key, after.coords)
        pca = pca_keys(self.pca_row())
        # New dicts: an all_row passed in is the parent's stored row, not ours to change.
        after_all = after.all_row or self._all_row(after, ranked_after)
        after_table: GroupReport = {"all": {**after_all, **pca}}
        before_table: GroupReport | None = None
        ranked_before = None
        if before is not None:
            assert before_key is not None
            ranked_before = self._ranking(before_key, before.coords)
            before_all = before.all_row or self._all_row(before, ranked_before)
            before_table = {"all": {**before_all, **pca}}
        if selected is None:
            return after_table, before_table
        mask = np.zeros(n, dtype=bool)
        mask[selected] = True
        for name, ids in (("selected", np.flatnonzero(mask)), ("rest", np.flatnonzero(~mask))):
            projections = [after] + ([before] if before is not None else [])
            rankings = [ranked_after] + ([ranked_before] if ranked_before is not None else [])
            n_models = len(projections)
            cache_key = hashlib.sha1(ids.astype(np.int64).tobytes()).hexdigest()
            pca_row = self._pca_groups.get(cache_key)
            if cache_key not in self._pca_groups:
                # The group's own PCA joins the same pass over the group's distances.
                extra = self._group_pca(ids)
                if extra is not None:
                    projections.append(extra)
                    rankings.append(self.pairs().project(extra.coords))
            rows = self._group_rows(ids, projections, rankings)  # type: ignore[arg-type]
            if cache_key not in self._pca_groups:
                pca_row = rows[n_models] if len(rows) > n_models else None
                self._remember_group(cache_key, pca_row)
            group_pca = pca_keys(pca_row)
            after_table[name] = None if rows[0] is None else {**rows[0], **group_pca}
            if before_table is not None:
                before_table[name] = None if rows[1] is None else {**rows[1], **group_pca}
        return after_table, before_table

    def _all_row(self, proj: Projection, ranked: RankedDistances) -> Row:
        n = self.X.shape[0]
        row: Row = {"n_points": float(n)}
        for key, values in proj.per_point.items():
            row[key] = float(values.mean())
        row.update(self._shepard(np.ones(self.sample.size, dtype=bool), [ranked])[0])
        return row

    def _group_rows(
        self, ids: np.ndarray, projections: list[Projection], rankings: list[RankedDistances]
    ) -> list[Row | None]:
        if ids.size == 0:
            return [None for _ in projections]
        rows: list[Row] = [{"n_points": float(ids.size)} for _ in projections]
        X_sub, y_sub = self.X[ids], self.y[ids]
        k = tc_neighbors(ids.size)
        if k is not None:
            # One pass over the group's data-space distances serves before and after.
            found = metrics.trustworthiness_continuity_many(
                X_sub, [p.coords[ids] for p in projections], n_neighbors=k, device=self.device
            )
            for row, tc in zip(rows, found, strict=True):
                row["trustworthiness"], row["continuity"] = tc.trustworthiness, tc.continuity
                if k != T_NEIGHBORS:
                    row["k"] = float(k)
        for row, proj in zip(rows, projections, strict=True):
            if ids.size > 1:
                row["neighborhood_hit"] = metrics.neighborhood_hit(
                    proj.coords[ids], y_sub, n_neighbors=min(NH_NEIGHBORS, ids.size - 1)
                )
            for key in ("reconstruction_error", "kl"):
                if key in proj.per_point:
                    row[key] = float(proj.per_point[key][ids].mean())
        members = np.isin(self.sample, ids, assume_unique=True)
        for row, shepard in zip(rows, self._shepard(members, rankings), strict=True):
            row.update(shepard)
        return list(rows)

    def _shepard(self, members: np.ndarray, rankings: list[RankedDistances]) -> list[Row]:
        count = int(members.sum())
        if count < 3:
            return [{"shepard": None, "stress": None, "n_sampled": float(count)} for _ in rankings]
        pairs = self.pairs()
        rows: list[Row] = []
        for rho, stress in pairs.shepard_stress_many(rankings, pairs.group_mask(members)):
            # NaN (e.g. all 2-D points of a group coincide) becomes None: JSON has no NaN.
            rows.append(
                {
                    "shepard": rho if np.isfinite(rho) else None,
                    "stress": stress if np.isfinite(stress) else None,
                    "n_sampled": float(count),
                }
            )
        return rows

    # -- PCA reference -----------------------------------------------------------------------

    def pca(self) -> PCAProjection:
        """The 2-D PCA of all points (fitted once, seeded with the experiment's seed)."""
        with self._fit_lock:
            if self._pca is None:
                self._pca = _padded_pca(self.X, seed=self.seed)
            return self._pca

    def pca_row(self) -> Row:
        """The "all" row of the full-data PCA, with the same keys as a model's (no KL)."""
        with self._row_lock:
            if self._pca_row is None:
                n = self.X.shape[0]
                pca = self.pca()
                row: Row = {"n_points": float(n)}
                k = tc_neighbors(n)
                if k is not None:
                    tc = self._pca_tc or metrics.trustworthiness_continuity(
                        self.X, pca.coords, n_neighbors=k, device=self.device
                    )
                    row["trustworthiness"], row["continuity"] = tc.trustworthiness, tc.continuity
                if n > 1:
                    row["neighborhood_hit"] = metrics.neighborhood_hit(
                        pca.coords, self.y, n_neighbors=min(NH_NEIGHBORS, n - 1)
                    )
                row["reconstruction_error"] = float(pca_reconstruction_error(self.X, pca).mean())
                ranked = self.pairs().project(pca.coords)
                row.update(self._shepard(np.ones(self.sample.size, dtype=bool), [ranked])[0])
                self._pca_row = row
            return self._pca_row

    def cached_pca_row(self) -> Row | None:
        """:meth:`pca_row` when already computed, else None (never computes)."""
        return self._pca_row

    def _tc_with_pca(
        self,
        coords: np.ndarray,
        k: int,
        on_progress: metrics.ProgressCallback | None = None,
        block_size: int | None = None,
    ) -> metrics.TCResult:
        """Per-point T and C of ``coords``; the full-data PCA's T and C join the first pass."""
        with self._row_lock:
            if self._pca_tc is None and self._pca_row is None:
                # Only the model's projection is reported (the PCA rides along).
                first = (
                    None
                    if on_progress is None
                    else lambda done, total, est: on_progress(done, total, est[0])
                )
                tc, self._pca_tc = metrics.trustworthiness_continuity_many(
                    self.X,
                    [coords, self.pca().coords],
                    n_neighbors=k,
                    per_point=True,
                    device=self.device,
                    on_progress=first,
                    block_size=block_size,
                )
                return tc
        return metrics.trustworthiness_continuity(
            self.X,
            coords,
            n_neighbors=k,
            per_point=True,
            device=self.device,
            on_progress=on_progress,
            block_size=block_size,
        )

    def _group_pca(self, ids: np.ndarray) -> Projection | None:
        """A PCA fitted on the group's points, placed at their ids in an all-points array."""
        if ids.size < 3:
            return None  # no T, C or Shepard below 3 points; the PCA keys stay None
        X_sub = self.X[ids]
        pca = _padded_pca(X_sub, seed=self.seed)
        coords = np.zeros((self.X.shape[0], 2), dtype=np.float64)
        coords[ids] = pca.coords
        error = np.zeros(self.X.shape[0], dtype=np.float64)
        error[ids] = pca_reconstruction_error(X_sub, pca)
        return Projection(coords, {"reconstruction_error": error})

    def _remember_group(self, key: str, row: Row | None) -> None:
        self._pca_groups[key] = row
        while len(self._pca_groups) > _PCA_GROUP_CACHE:
            del self._pca_groups[next(iter(self._pca_groups))]

    # -- caches ----------------------------------------------------------------------------

    def pairs(self) -> SampledPairs:
        """Data-space distances of the fixed sample, ranked once per experiment."""
        with self._fit_lock:  # a web request (the PCA route) may ask while a job measures
            if self._pairs is None:
                self._pairs = SampledPairs(self.X, self.sample)
            return self._pairs

    def _ranking(self, key: int, coords: np.ndarray) -> RankedDistances:
        """Ranked sampled 2-D distances of projection ``key``; the three last used are kept.

        Least recently used, not lowest numbered, goes: a Submit from iteration 0 after
        iterations 1-3 must not evict the ranking it is about to read.
        """
        ranked = self._ranked.pop(key, None)
        if ranked is None:
            ranked = self.pairs().project(coords)
        self._ranked[key] = ranked  # re-inserted: dicts keep insertion order, newest last
        while len(self._ranked) > _RANKED_CACHE:
            del self._ranked[next(iter(self._ranked))]
        return ranked


def _padded_pca(X: np.ndarray, *, seed: int) -> PCAProjection:
    """2-D PCA; with fewer than 2 features or points the missing axis is 0 (a 1-D PCA)."""
    pca = pca_projection(X, n_components=min(2, *X.shape), seed=seed)
    if pca.coords.shape[1] < 2:
        pca.coords = np.column_stack([pca.coords, np.zeros(pca.coords.shape[0])])
        pca.components = np.vstack([pca.components, np.zeros_like(pca.components)])
    return pca
