"""Above the metric sample size, a sampled table comes first and the exact one replaces it."""

from latent_explorer.web import create_app
from tests.web.conftest import wait_for_job


def test_sampled_metrics_then_exact(data_dir, tmp_path):
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "DEVICE": "cpu",
            "STATE_DIR": str(tmp_path / "state"),
            "METRIC_SAMPLE_SIZE": 60,  # iris has 150 points: 60 are "the sample"
        }
    )
    client = app.test_client()
    r = client.post("/api/experiments", json={"dataset": "iris", "config": {"epochs": 5}})
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    text = client.get(f"/api/experiments/{exp_id}/events", headers={"Last-Event-ID": "0"}).get_data(
        as_text=True
    )
    order = [text.index(f"event: {name}") for name in ("projected", "measured", "done")]
    assert order == sorted(order)
    assert '"sampled": true' in text
    exact = client.get(f"/api/experiments/{exp_id}/iterations/0/metrics").get_json()
    assert exact["measured"] is True
    assert "sampled" not in exact["metrics"]["all"]
    assert exact["metrics"]["all"]["n_points"] == 150

    # The preview is what the exact table would be on the sample alone.
    exp = app.extensions["latent_explorer.sessions"].get(exp_id).experiment
    it = exp.iterations[0]
    it.metrics, it.metrics_sampled = None, False
    exp.preview(it)
    assert it.metrics_sampled and it.metrics["all"]["n_points"] == 60
    assert it.metrics["all"]["sampled"] == 1.0
    assert 0 < it.metrics["all"]["trustworthiness"] <= 1
    exp.measure(it)
    assert not it.metrics_sampled and it.metrics["all"]["n_points"] == 150
