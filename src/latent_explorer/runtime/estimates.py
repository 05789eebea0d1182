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
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the web process imports this module's constant, not torch
    from ..core.metrics import TCEstimates

#: Fewest seconds between two estimates events of one job (about 2 a second at most).
EVERY_S = 0.5

Send = Callable[[dict[str, Any]], object]


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
    """

    def __init__(
        self,
        send: Send,
        base: dict[str, Any],
        *,
        every_s: float = EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.send, self.base, self.every_s, self.clock = send, base, every_s, clock
        self.last: dict[str, Any] | None = None  # the last event sent
        self._sent_at: float | None = None

    def __call__(self, rows_done: int, rows_total: int, estimates: TCEstimates) -> None:
        now = self.clock()
        final = rows_done >= rows_total
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
        self.send(data)
