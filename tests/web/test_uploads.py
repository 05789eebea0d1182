"""Your own data over HTTP: uploads, user datasets, the bad-file corpus, training on one."""

import io
import json
from pathlib import Path

import pytest

from latent_explorer.web import create_app
from tests.web.conftest import wait_for_job

DATA = Path(__file__).resolve().parents[1] / "data"
BAD = DATA / "bad_csv"
GOOD = DATA / "good_csv"
EXPECTED = json.loads((BAD / "expected.json").read_text())
XSS = ["<script>alert(1)</script>", "'\"><img src=x onerror=alert(1)>", "=1+2"]


def upload(client, data: bytes, filename="data.csv", **form):
    body = {"file": (io.BytesIO(data), filename), **form}
    return client.post("/api/uploads", data=body, content_type="multipart/form-data")


def upload_ok(client, name: str, **form) -> dict:
    r = upload(client, (GOOD / name).read_bytes(), name, **form)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def error_of(r, status=None):
    body = r.get_json()
    assert set(body) == {"error"}, body
    if status is not None:
        assert r.status_code == status, body
    return body["error"]


def test_corpus_is_big_enough():
    assert len(EXPECTED) >= 20
    assert sorted(EXPECTED) == sorted(p.name for p in BAD.iterdir() if p.suffix == ".csv")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_files_get_specific_errors(client, name):
    case = EXPECTED[name]
    r = upload(client, (BAD / name).read_bytes(), name, **case.get("form", {}))
    if "dataset" in case:
        assert r.status_code == 201, r.get_json()
        request = {"upload_id": r.get_json()["upload_id"], "name": "bad", **case["dataset"]}
        r = client.post("/api/datasets", json=request)
    assert 400 <= r.status_code < 500
    error = error_of(r)
    assert error["code"] == case["code"], error
    assert case["message"] in error["message"], error
    assert client.get("/api/datasets").status_code == 200  # the server carries on


def test_upload_preview(client):
    body = upload_ok(client, "blobs.csv")
    assert len(body["upload_id"]) == 32 and body["filename"] == "blobs.csv"
    assert body["n_rows"] == 60 and body["delimiter"] == ","
    assert body["suggested_features"] == ["a", "b", "c", "d"]
    assert body["suggested_label"] == "species"
    first = body["columns"][0]
    assert first["name"] == "column_1" and first["numeric"] and first["n_bad"] == 0
    assert {"examples", "first_bad_row", "n_missing"} <= set(first)
    assert upload_ok(client, "tabs.csv", delimiter="tab")["delimiter"] == "\t"


def test_oversize_upload_is_413_then_the_server_carries_on(data_dir, tmp_path):
    app = create_app(
        {"DATA_DIR": str(data_dir), "STATE_DIR": str(tmp_path), "MAX_UPLOAD_MB": 0.001}
    )
    client = app.test_client()
    assert app.config["MAX_CONTENT_LENGTH"] == 1048
    r = upload(client, b"a,b\n" + b"1,2\n" * 1000)
    assert error_of(r, 413)["code"] == "upload_too_large"
    assert "MAX_UPLOAD_MB" in error_of(r)["message"]
    assert client.get("/api/datasets").status_code == 200
    assert upload(client, (GOOD / "tabs.csv").read_bytes()).status_code == 201


def test_train_on_an_uploaded_dataset(app, client, data_dir):
    upload_id = upload_ok(client, "blobs.csv")["upload_id"]
    r = client.post(
        "/api/datasets",
        json={
            "upload_id": upload_id,
            "name": "Blobs",
            "features": ["a", "b", "c", "d"],
            "label": "species",
            "scaling": "standard",
            "drop_bad_rows": False,
        },
    )
    assert r.status_code == 201, r.get_json()
    info = r.get_json()
    assert info["name"] == "user:blobs" and info["title"] == "Blobs"
    assert (info["n_samples"], info["n_features"], info["n_classes"]) == (60, 4, 3)
    assert info["availability"] == "cached" and info["kind"] == "tabular"
    listed = {d["name"]: d for d in client.get("/api/datasets").get_json()["datasets"]}
    assert listed["user:blobs"] == info and "iris" in listed
    assert client.get("/api/models?dataset=user:blobs").status_code == 200

    r = client.post(
        "/api/experiments", json={"dataset": "user:blobs", "model": "ae", "config": {"epochs": 5}}
    )
    assert r.status_code == 202, r.get_json()
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    emb = client.get(f"/api/experiments/{exp_id}/iterations/0/embedding").get_json()
    assert emb["n"] == 60 and len(emb["x"]) == 60 and set(emb["labels"]) == {0, 1, 2}
    exp = client.get(f"/api/experiments/{exp_id}").get_json()
    assert exp["dataset"]["name"] == "user:blobs"
    assert exp["dataset"]["class_names"] == ["setosa", "versicolor", "virginica"]

    # A fresh server on the same state folder still has the dataset and the experiment.
    again = create_app({"DATA_DIR": str(data_dir), "DEVICE": "cpu", **_state(app)})
    other = again.test_client()
    names = [d["name"] for d in other.get("/api/datasets").get_json()["datasets"]]
    assert "user:blobs" in names
    r = other.get(f"/api/experiments/{exp_id}/iterations/0/embedding")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["n"] == 60


def _state(app) -> dict:
    return {"STATE_DIR": app.config["STATE_DIR"]}


def test_markup_survives_as_plain_strings(client):
    body = upload_ok(client, "xss.csv")
    assert [c["name"] for c in body["columns"]][:2] == XSS[:2]
    r = client.post(
        "/api/datasets",
        json={
            "upload_id": body["upload_id"],
            "name": XSS[1],
            "features": XSS[:2],
            "label": "label",
        },
    )
    assert r.status_code == 201 and r.mimetype == "application/json"
    info = r.get_json()
    assert info["title"] == XSS[1] and info["name"] == "user:img-src-x-onerror-alert-1"
    assert sorted(info["class_names"]) == sorted(XSS)
    listed = client.get("/api/datasets").get_json()["datasets"]
    assert any(d["title"] == XSS[1] for d in listed)


def test_drop_bad_rows(client):
    upload_id = upload_ok(client, "dirty.csv")["upload_id"]
    request = {"upload_id": upload_id, "name": "dirty", "features": ["x", "y", "z"]}
    error = error_of(client.post("/api/datasets", json=request), 422)
    assert error["code"] == "csv_non_numeric" and "drop_bad_rows=true" in error["message"]
    r = client.post("/api/datasets", json={**request, "drop_bad_rows": True})
    assert r.status_code == 201 and r.get_json()["n_samples"] == 27
    assert "lines 5, 12, 22" in r.get_json()["description"]


def test_defaults_are_the_suggestions(client):
    upload_id = upload_ok(client, "bom_semicolon.csv")["upload_id"]
    r = client.post("/api/datasets", json={"upload_id": upload_id, "name": "wine"})
    info = r.get_json()
    assert r.status_code == 201 and info["class_names"] == ["3", "5", "10"]
    assert info["n_features"] == 2


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"upload_id": "0" * 32}, 404, "upload_not_found"),
        ({"upload_id": 7}, 400, "bad_upload_id"),
        ({"name": None}, 400, "bad_name"),
        ({"name": "!!!"}, 400, "bad_name"),
        ({"name": "x" * 101}, 400, "bad_name"),
        ({"features": "a,b"}, 400, "bad_features"),
        ({"features": []}, 400, "bad_features"),
        ({"features": [1]}, 400, "bad_features"),
        ({"label": 3}, 400, "bad_label"),
        ({"scaling": "log"}, 400, "bad_scaling"),
        ({"drop_bad_rows": "yes"}, 400, "bad_drop_bad_rows"),
        ({"features": ["a", "a"]}, 422, "csv_duplicate_features"),
    ],
)
def test_create_dataset_rejects_bad_requests(client, change, status, code):
    upload_id = upload_ok(client, "blobs.csv")["upload_id"]
    body = {"upload_id": upload_id, "name": "b", "features": ["a", "b"], **change}
    assert error_of(client.post("/api/datasets", json=body), status)["code"] == code


def test_request_shape_errors(client):
    assert error_of(client.post("/api/datasets", data="x"), 400)["code"] == "bad_json"
    r = client.post("/api/uploads", data={}, content_type="multipart/form-data")
    assert error_of(r, 400)["code"] == "missing_file"


def test_names_clash_and_delete(client, app):
    upload_id = upload_ok(client, "tabs.csv")["upload_id"]
    request = {"upload_id": upload_id, "name": "../../Tabs", "features": ["p"], "label": None}
    assert client.post("/api/datasets", json=request).get_json()["name"] == "user:tabs"
    folder = Path(app.config["STATE_DIR"]) / "datasets"
    assert sorted(p.name for p in folder.iterdir()) == ["tabs.json", "tabs.npz"]
    r = client.post("/api/datasets", json={**request, "name": "TABS"})
    assert error_of(r, 409)["code"] == "dataset_exists"

    assert error_of(client.delete("/api/datasets/iris"), 400)["code"] == "builtin_dataset"
    assert error_of(client.delete("/api/datasets/user:nope"), 404)["code"] == "unknown_dataset"
    assert error_of(client.delete("/api/datasets/nope"), 404)["code"] == "unknown_dataset"
    r = client.delete("/api/datasets/user:tabs")
    assert r.status_code == 200 and r.get_json() == {"deleted": "user:tabs"}
    assert error_of(client.delete("/api/datasets/user:tabs"), 404)["code"] == "unknown_dataset"
    names = [d["name"] for d in client.get("/api/datasets").get_json()["datasets"]]
    assert "user:tabs" not in names
    r = client.post("/api/experiments", json={"dataset": "user:tabs"})
    assert error_of(r, 400)["code"] == "unknown_dataset"


def test_bad_delimiter_option_is_a_bad_request(client):
    r = upload(client, (GOOD / "tabs.csv").read_bytes(), delimiter="x")
    assert error_of(r, 400)["code"] == "bad_delimiter"


def test_upload_cache_expires_and_stays_bounded():
    from latent_explorer.web.uploads import UploadCache

    cache = UploadCache(ttl_s=3600, max_bytes=25)
    keys = [cache.put(b"x" * 10, None) for _ in range(3)]  # type: ignore[arg-type]
    assert [cache.get(k) is not None for k in keys] == [False, True, True]
    expired = UploadCache(ttl_s=-1, max_bytes=100)
    assert expired.get(expired.put(b"x", None)) is None  # type: ignore[arg-type]
