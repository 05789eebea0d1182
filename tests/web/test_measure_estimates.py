"""A measure job forwards the exact T/C pass's estimates as ``estimates`` events."""

import json

from latent_explorer.web import create_app
from tests.web.conftest import wait_for_job


def test_estimates_events_end_with_the_exact_values(data_dir, tmp_path):
    app = create_app(
        {"DATA_DIR": str(data_dir), "DEVICE": "cpu", "STATE_DIR": str(tmp_path / "state")}
    )
    client = app.test_client()
    r = client.post("/api/experiments", json={"dataset": "iris", "config": {"epochs": 5}})
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    text = client.get(f"/api/experiments/{exp_id}/events").get_data(as_text=True)
    events = [
        json.loads(chunk.split("data: ", 1)[1])
        for chunk in text.split("\n\n")
        if "event: estimates" in chunk
    ]
    assert events, "no estimates event"
    last = events[-1]
    assert last["rows_done"] == last["rows_total"] == 150 and last["fraction"] == 1.0
    assert last["trustworthiness"]["half_width"] == 0.0 and last["eta_seconds"] == 0.0
    exact = client.get(f"/api/experiments/{exp_id}/iterations/0/metrics").get_json()
    t = exact["metrics"]["all"]["trustworthiness"]
    assert abs(last["trustworthiness"]["value"] - t) <= 1e-12
    assert text.index("event: estimates") < text.index("event: done")
