"""The runtime's estimates events: throttled, first and last always sent, JSON-ready."""

import math

import numpy as np

from latent_explorer.core.metrics import Estimate, TCEstimates
from latent_explorer.runtime.estimates import EstimateEvents


def _est(done: int, total: int, t: Estimate, eta: float | None) -> TCEstimates:
    empty = np.zeros(0)
    return TCEstimates(t, Estimate(0.5, 0.01), done, total, 1.0, eta, empty.astype(np.int64),
                       empty, empty)  # fmt: skip


def test_throttled_to_one_per_interval_with_first_and_last_sent():
    now = [0.0]
    sent: list[dict] = []
    report = EstimateEvents(sent.append, {"job_id": "j", "iteration": 3}, every_s=0.5,
                            clock=lambda: now[0])  # fmt: skip
    for done, at in ((10, 0.0), (20, 0.1), (30, 0.4), (40, 0.5), (50, 0.6), (60, 0.7)):
        now[0] = at
        report(done, 60, _est(done, 60, Estimate(0.9, 0.02), 1.5))
    assert [d["rows_done"] for d in sent] == [10, 40, 60]  # 60: the last, never held back
    last = sent[-1]
    assert last["exact"] is True and last["iteration"] == 3 and last["job_id"] == "j"
    assert last["trustworthiness"] == {"value": 0.9, "half_width": 0.02}
    assert (last["projection"], last["group"], last["rows_total"]) == ("model", "all", 60)


def test_unknown_interval_is_null_not_infinity():
    sent: list[dict] = []
    EstimateEvents(sent.append, {})(1, 100, _est(1, 100, Estimate(1.0, math.inf), None))
    assert sent[0]["trustworthiness"] == {"value": 1.0, "half_width": None}
    assert sent[0]["eta_s"] is None and sent[0]["exact"] is False
