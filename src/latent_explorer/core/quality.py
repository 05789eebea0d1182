"""Quality tables of an experiment's projections: all points, the selected points, the rest.

Definitions (the metrics panel and ``metrics.json`` use these):

- **all**: the projection of every point. Trustworthiness and continuity are exact over all
  points; neighbourhood hit, reconstruction error and KL are means over all points.
- **selected** and **rest**: the projection *restricted to that group*, measured as if the
  group were the whole dataset (its own kNN sets in both spaces). This is what plot 2 shows
  for the selected points, and it is what a Submit tries to improve. Reconstruction error and
  KL are the group's means.
- Shepard correlation and stress use the pairs of the experiment's fixed sample (at most 5,000
  points) that fall in the group, so the numbers of every iteration are comparable.

A Submit's "before" table measures the parent's projection on the same groups. Its T and C
come from the same pass over the data-space distances as the "after" table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import metrics
from .pairwise import RankedDistances, SampledPairs

T_NEIGHBORS = 7
NH_NEIGHBORS = 3
METRIC_SAMPLE = 5_000

Row = dict[str, float | None]
GroupReport = dict[str, Row | None]


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

    # -- per point -------------------------------------------------------------------------

    def per_point(
        self, coords: np.ndarray, recon_error: np.ndarray, kl: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """Local T and C (for colouring points), neighbourhood hit, reconstruction error, KL."""
        n = self.X.shape[0]
        out: dict[str, np.ndarray] = {}
        k = tc_neighbors(n)
        if k is not None:
            tc = metrics.trustworthiness_continuity(
                self.X, coords, n_neighbors=k, per_point=True, device=self.device
            )
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
        after_table: GroupReport = {"all": after.all_row or self._all_row(after, ranked_after)}
        before_table: GroupReport | None = None
        ranked_before = None
        if before is not None:
            assert before_key is not None
            ranked_before = self._ranking(before_key, before.coords)
            before_table = {"all": before.all_row or self._all_row(before, ranked_before)}
        if selected is None:
            return after_table, before_table
        mask = np.zeros(n, dtype=bool)
        mask[selected] = True
        for name, ids in (("selected", np.flatnonzero(mask)), ("rest", np.flatnonzero(~mask))):
            projections = [after] + ([before] if before is not None else [])
            rankings = [ranked_after] + ([ranked_before] if ranked_before is not None else [])
            rows = self._group_rows(ids, projections, rankings)  # type: ignore[arg-type]
            after_table[name] = rows[0]
            if before_table is not None:
                before_table[name] = rows[1]
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

    # -- caches ----------------------------------------------------------------------------

    def pairs(self) -> SampledPairs:
        """Data-space distances of the fixed sample, ranked once per experiment."""
        if self._pairs is None:
            self._pairs = SampledPairs(self.X, self.sample)
        return self._pairs

    def _ranking(self, key: int, coords: np.ndarray) -> RankedDistances:
        """Ranked sampled 2-D distances of projection ``key``; the latest three are kept."""
        if key not in self._ranked:
            self._ranked[key] = self.pairs().project(coords)
            for old in sorted(self._ranked)[:-3]:
                del self._ranked[old]
        return self._ranked[key]
