"""Every /api route through Flask's test client, with good and bad input."""

import csv
import io
import json

import numpy as np
import pytest

from tests.web.conftest import wait_for_job


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"]
    return body["error"]


def test_index_page_has_security_headers(client):
    r = client.get("/")
    assert r.status_code == 200
    assert b"<html" in r.data.lower()
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_datasets_list(client):
    r = client.get("/api/datasets")
    names = {d["name"]: d for d in r.get_json()["datasets"]}
    assert {"iris", "wine_quality", "air_quality", "mnist", "digits"} <= set(names)
    assert names["iris"]["availability"] == "embedded"
    assert names["wine_quality"]["n_samples"] == 6497
    assert names["mnist"]["availability"] in ("cached", "embedded")


def test_models_with_defaults(client):
    body = client.get("/api/models?dataset=digits").get_json()
    assert [m["kind"] for m in body["models"]] == ["ae", "vae"]
    assert {p["name"] for p in body["parameters"]} >= {
        "epochs",
        "lr",
        "batch_size",
        "hidden",
        "beta",
        "seed",
    }
    assert body["defaults"]["vae"]["hidden"] == [128, 64]
    assert error_of(client.get("/api/models?dataset=nope"))["code"] == "unknown_dataset"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"dataset": "nope"}, "unknown_dataset"),
        ({"model": "ae"}, "missing_dataset"),
        ({"dataset": "iris", "model": "pca"}, "unknown_model"),
        ({"dataset": "iris", "config": {"epochs": 0}}, "bad_config"),
        ({"dataset": "iris", "config": {"epochz": 3}}, "bad_config"),
        ({"dataset": "iris", "config": "fast"}, "bad_config"),
        ({"dataset": "iris", "config": {"hidden": "64"}}, "bad_config"),
    ],
)
def test_create_experiment_rejects_bad_input(client, body, code):
    r = client.post("/api/experiments", json=body)
    assert r.status_code == 400
    assert error_of(r)["code"] == code


def test_create_experiment_rejects_non_json(client):
    r = client.post("/api/experiments", data="dataset=iris", content_type="text/plain")
    assert r.status_code == 400 and error_of(r)["code"] == "bad_json"


def test_experiment_lifecycle(client, trained):
    body = client.get(f"/api/experiments/{trained}").get_json()
    assert body["status"] == "ready" and body["model"] == "ae"
    assert body["dataset"]["name"] == "iris" and len(body["dataset"]["feature_names"]) == 4
    (it0,) = body["iterations"]
    assert it0["index"] == 0 and it0["parent"] is None and it0["epochs"] == 20
    m = it0["metrics"]["all"]
    assert 0.5 < m["trustworthiness"] <= 1 and 0.5 < m["continuity"] <= 1
    assert m["n_points"] == 150

    emb = client.get(f"/api/experiments/{trained}/iterations/0/embedding").get_json()
    assert emb["n"] == 150 and len(emb["x"]) == len(emb["y"]) == len(emb["labels"]) == 150
    assert emb["selected"] is None

    ids = list(range(0, 50))
    r = client.post(
        f"/api/experiments/{trained}/iterations",
        json={
            "parent": 0,
            "selected_ids": ids,
            "selection": {"method": "class", "params": {"classes": [0]}},
            "mode": "finetune",
            "epochs": 5,
        },
    )
    assert r.status_code == 202 and r.get_json()["iteration"] == 1
    assert wait_for_job(client.application, trained).state == "done"
    emb1 = client.get(f"/api/experiments/{trained}/iterations/1/embedding").get_json()
    assert emb1["selected"] == ids and emb1["parent"] == 0
    met = client.get(f"/api/experiments/{trained}/iterations/1/metrics").get_json()
    assert set(met["metrics"]) == {"all", "selected", "rest"}
    assert met["metrics"]["selected"]["n_points"] == 50
    assert met["parent_metrics"]["rest"]["n_points"] == 100
    body = client.get(f"/api/experiments/{trained}").get_json()
    assert body["iterations"][1]["selection"] == {"method": "class", "params": {"classes": [0]}}
    assert body["iterations"][1]["n_selected"] == 50


def _events(text):
    """(id, name, data) of each event in an SSE body."""
    out = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append((int(fields.get("id", 0)), fields["event"], json.loads(fields["data"])))
    return out


def test_events_replay_the_finished_job(client, trained):
    r = client.get(f"/api/experiments/{trained}/events", headers={"Last-Event-ID": "0"})
    assert r.mimetype == "text/event-stream"
    events = _events(r.get_data(as_text=True))
    names = [name for _, name, _ in events]
    progress = [d for _, name, d in events if name == "progress" and d["kind"] == "train"]
    assert len(progress) == 20
    # The train job announces the coordinates, queues its measure job and ends; the
    # measure job's "done" means the iteration is complete.
    assert names.index("projected") < names.index("trained") < names.index("measured")
    assert names[-2:] == ["done", "idle"]
    first = progress[0]
    assert first["iteration"] == 0 and first["epoch"] == 1 and first["epochs"] == 20
    assert set(first) >= {"job_id", "loss", "parts"}
    ids = [i for i, name, _ in events if name != "idle"]
    assert ids == list(range(1, len(ids) + 1))


def test_events_resume_after_last_event_id(client, trained):
    events = _events(
        client.get(f"/api/experiments/{trained}/events", headers={"Last-Event-ID": "0"}).get_data(
            as_text=True
        )
    )
    train = [i for i, name, d in events if name == "progress" and d["kind"] == "train"]
    text = client.get(
        f"/api/experiments/{trained}/events", headers={"Last-Event-ID": str(train[17])}
    ).get_data(as_text=True)
    resumed = _events(text)
    epochs = [d["epoch"] for _, n, d in resumed if n == "progress" and d["kind"] == "train"]
    assert epochs == [19, 20]
    assert resumed[0][0] == train[17] + 1 and "event: done" in text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"selected_ids": []}, "bad_selected_ids"),
        ({"selected_ids": [1, 1]}, "bad_selected_ids"),
        ({"selected_ids": [150]}, "bad_selected_ids"),
        ({"selected_ids": [-1]}, "bad_selected_ids"),
        ({"selected_ids": ["3"]}, "bad_selected_ids"),
        ({"selected_ids": [1.5]}, "bad_selected_ids"),
        ({"selected_ids": [True]}, "bad_selected_ids"),
        ({"selected_ids": "1,2"}, "bad_selected_ids"),
        ({}, "missing_selected_ids"),
        ({"selected_ids": [1], "mode": "sideways"}, "bad_mode"),
        ({"selected_ids": [1], "epochs": 0}, "bad_epochs"),
        ({"selected_ids": [1], "parent": "0"}, "bad_parent"),
        ({"selected_ids": [1], "selection": {"method": "telepathy"}}, "bad_selection"),
    ],
)
def test_submit_rejects_bad_input(shared_client, shared_trained, body, code):
    r = shared_client.post(f"/api/experiments/{shared_trained}/iterations", json=body)
    assert r.status_code == 400, r.get_json()
    err = error_of(r)
    assert err["code"] == code


def test_submit_errors_name_the_problem(client, trained):
    msg = error_of(
        client.post(f"/api/experiments/{trained}/iterations", json={"selected_ids": [150]})
    )["message"]
    assert "out of range" in msg and "149" in msg
    r = client.post(
        f"/api/experiments/{trained}/iterations", json={"selected_ids": [1], "parent": 7}
    )
    assert r.status_code == 404 and error_of(r)["code"] == "iteration_not_found"


def test_second_submit_while_running_is_409(client, trained):
    url = f"/api/experiments/{trained}/iterations"
    first = client.post(url, json={"selected_ids": list(range(150)), "epochs": 3000})
    assert first.status_code == 202
    second = client.post(url, json={"selected_ids": [1, 2]})
    assert second.status_code == 409 and error_of(second)["code"] == "job_running"
    assert "still" in error_of(second)["message"]
    status = client.get(f"/api/experiments/{trained}").get_json()
    assert status["status"] == "training" and status["job"]["kind"] == "train"
    assert client.delete(f"/api/experiments/{trained}/job").get_json() == {"cancelled": True}
    assert wait_for_job(client.application, trained).state == "cancelled"
    # Cancelling a retrain keeps everything computed before it.
    body = client.get(f"/api/experiments/{trained}").get_json()
    assert body["status"] == "ready" and len(body["iterations"]) == 1
    assert client.delete(f"/api/experiments/{trained}/job").status_code == 409


def test_unknown_and_malformed_experiment_ids(client):
    r = client.get("/api/experiments/" + "0" * 32)
    assert r.status_code == 404 and error_of(r)["code"] == "experiment_not_found"
    r = client.get("/api/experiments/../../etc/passwd")
    assert r.status_code in (400, 404)
    r = client.get("/api/experiments/not-an-id")
    assert r.status_code == 400 and error_of(r)["code"] == "bad_experiment_id"
    assert client.get("/api/nothing").status_code == 404
    assert error_of(client.put("/api/datasets"))["code"] == "method_not_allowed"


def test_iteration_routes_404_for_missing_iteration(client, trained):
    for path in ("embedding", "metrics", "reconstructions?ids=1", "export.csv"):
        r = client.get(f"/api/experiments/{trained}/iterations/9/{path}")
        assert r.status_code == 404 and error_of(r)["code"] == "iteration_not_found"


def test_points_and_reconstructions_for_tabular(client, trained):
    pts = client.get(f"/api/experiments/{trained}/points?ids=0,149").get_json()
    assert pts["ids"] == [0, 149] and len(pts["values"]) == 2
    assert pts["values"][0] == pytest.approx([5.1, 3.5, 1.4, 0.2])
    rec = client.get(f"/api/experiments/{trained}/iterations/0/reconstructions?ids=3").get_json()
    assert len(rec["reconstruction"][0]) == 4
    for bad in ("ids=a", "ids=1,1", "ids=999", "ids="):
        r = client.get(f"/api/experiments/{trained}/points?{bad}")
        assert r.status_code == 400 and error_of(r)["code"] in ("bad_ids",)


def test_decode(client, trained):
    body = client.post(
        f"/api/experiments/{trained}/decode", json={"points": [[0, 0], [1.5, -2]]}
    ).get_json()
    assert len(body["values"]) == 2 and len(body["values"][0]) == 4
    for bad in ({"points": []}, {"points": [[0]]}, {"points": [["a", 1]]}, {"points": "x"}):
        r = client.post(f"/api/experiments/{trained}/decode", json=bad)
        assert r.status_code == 400 and error_of(r)["code"] == "bad_points"
    r = client.post(f"/api/experiments/{trained}/decode", json={})
    assert r.status_code == 400 and error_of(r)["code"] == "missing_points"


def test_export_csv(client, trained):
    r = client.get(f"/api/experiments/{trained}/iterations/0/export.csv")
    assert r.mimetype == "text/csv"
    assert 'filename="iris-ae-iteration0.csv"' in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 150 and set(rows[0]) == {"id", "x", "y", "label", "selected"}
    emb = client.get(f"/api/experiments/{trained}/iterations/0/embedding").get_json()
    assert np.allclose([float(r["x"]) for r in rows], emb["x"], rtol=1e-6)


def test_image_dataset_serves_pixels(app, client):
    r = client.post(
        "/api/experiments", json={"dataset": "digits", "model": "vae", "config": {"epochs": 2}}
    )
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    pts = client.get(f"/api/experiments/{exp_id}/points?ids=0").get_json()
    assert pts["shape"] == [8, 8] and len(pts["pixels"][0]) == 64 and max(pts["pixels"][0]) <= 255
    rec = client.get(f"/api/experiments/{exp_id}/iterations/0/reconstructions?ids=0,5").get_json()
    assert rec["shape"] == [8, 8] and len(rec["reconstruction"]) == 2
    dec = client.post(f"/api/experiments/{exp_id}/decode", json={"points": [[0, 0]]}).get_json()
    assert dec["shape"] == [8, 8] and len(dec["images"][0]) == 64
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    assert "kl" in body["iterations"][0]["metrics"]["all"]


def test_upload_limit_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 100 * 1024 * 1024
    assert app.debug is False
