"""The "estimates" events of a measure job: where the exact T/C pass stands, while it runs.

The core's pass (:mod:`latent_explorer.core.metrics.progress`) reports after every block of
rows an unbiased estimate of trustworthiness and continuity with a 95 % interval, and an
ETA. :class:`EstimateEvents` turns those reports into events on the experiment's stream, at
most one per :data:`EVERY_S` (a pass over small blocks reports hundreds of times a second;
the page redraws a table per event and the stream keeps a bounded number of events). The
first report and the last (all rows done: the exact values) always go out, so a reader
sees the estimates start and sees them end on the value the tables will show.

The core knows nothing of events; this module knows nothing of HTTP.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the web process imports this module's constant, not torch
    from ..core.metrics import TCEstimates
    from .partial_values import MeasuredRows

#: Fewest seconds between two estimates events of one job (about 2 a second at most).
EVERY_S = 0.5

Send = Callable[[dict[str, Any]], object]


@dataclass(frozen=True)
class MeasureTuning:
    """How a measure job's exact pass reports, the same for every backend's workers.

    ``block_rows``: rows per block of the pass, hence how often it reports estimates (None:
    the core's automatic size, by memory); ``every_s``: the fewest seconds between two
    estimates events of a job (0: one per block)."""

    block_rows: int | None = None
    every_s: float = EVERY_S

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MeasureTuning:
        """``config["MEASURE_BLOCK_ROWS"]`` and ``["MEASURE_ESTIMATES_EVERY_S"]``, else
        ``LATENT_EXPLORER_MEASURE_...`` (``serve`` and ``worker`` have no flags for them),
        else the defaults above."""

        def setting(key: str) -> Any:
            value = config.get(key)
            return value if value is not None else os.environ.get(f"LATENT_EXPLORER_{key}") or None

        rows, every = setting("MEASURE_BLOCK_ROWS"), setting("MEASURE_ESTIMATES_EVERY_S")
        return cls(
            block_rows=None if rows is None else int(rows),
            every_s=EVERY_S if every is None else float(every),
        )


def _estimate(value: float, half_width: float) -> dict[str, float | None]:
    # JSON has no inf: an interval not known yet (fewer than 2 rows done) is null.
    return {
        "value": value if math.isfinite(value) else None,
        "half_width": half_width if math.isfinite(half_width) else None,
    }


class EstimateEvents:
    """An ``on_progress(rows_done, rows_total, estimates)`` for the core's measure pass that
    hands throttled ``estimates`` event data to ``send(data)``.

    ``base`` goes into every event (job_id, kind, iteration); the event adds ``projection``
    ("model": the iteration's own projection; the PCA reference rides along unreported),
    ``group`` ("all": the pass over all points; groups are measured after it), the rows done
    and in total, ``trustworthiness`` and ``continuity`` as ``{value, half_width}`` (the
    95 % interval is ``value +/- half_width``; 0 when exact), ``eta_s``, ``elapsed_s`` and
    ``exact`` (all rows done).

    ``rows`` (optional) takes every block's finished rows and is written to the store just
    before each event is sent: the page fetches the partial distortion map on the event.
    """

    def __init__(
        self,
        send: Send,
        base: dict[str, Any],
        *,
        every_s: float = EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        rows: MeasuredRows | None = None,
    ) -> None:
        self.send, self.base, self.every_s, self.clock = send, base, every_s, clock
        self.rows = rows
        self.last: dict[str, Any] | None = None  # the last event sent
        self._sent_at: float | None = None

    def __call__(self, rows_done: int, rows_total: int, estimates: TCEstimates) -> None:
        now = self.clock()
        final = rows_done >= rows_total
        if self.rows is not None:
            self.rows.add(estimates)
        if not final and self._sent_at is not None and now - self._sent_at < self.every_s:
            return
        self._sent_at = now
        data = {
            **self.base,
            "projection": "model",
            "group": "all",
            "rows_done": int(rows_done),
            "rows_total": int(rows_total),
            "trustworthiness": _estimate(
                estimates.trustworthiness.value, estimates.trustworthiness.half_width
            ),
            "continuity": _estimate(estimates.continuity.value, estimates.continuity.half_width),
            "eta_s": None if estimates.eta_seconds is None else round(estimates.eta_seconds, 3),
            "elapsed_s": round(estimates.elapsed_seconds, 3),
            "exact": final,
        }
        self.last = data
        if self.rows is not None:
            self.rows.write(int(rows_done), int(rows_total))
        self.send(data)
