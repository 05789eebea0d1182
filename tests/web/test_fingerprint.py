"""Dataset fingerprints: an experiment records the sha256 of its dataset; a restore on changed
data is refused with a clear error (never a silent re-label), and a dataset that stored
experiments use cannot be deleted."""

from __future__ import annotations

import io

import numpy as np

from latent_explorer.core.datasets import Dataset, UserDatasetStore, from_arrays
from latent_explorer.web import create_app
from tests.web.conftest import wait_for_job


def _csv(shift: float = 0.0, flip: bool = False) -> bytes:
    rows = []
    for i in range(60):
        label = "ab"[(i % 2) ^ int(flip)]
        rows.append(f"{1 + i % 7 + shift:.2f},{2 + i % 5:.2f},{i % 3 * 0.5:.2f},{label}")
    return ("p,q,r,kind\n" + "\n".join(rows) + "\n").encode()


def _make_dataset(client, data: bytes, name: str = "flowers") -> str:
    r = client.post("/api/uploads", data={"file": (io.BytesIO(data), "flowers.csv")})
    assert r.status_code == 201, r.get_json()
    up = r.get_json()
    r = client.post(
        "/api/datasets",
        json={"upload_id": up["upload_id"], "name": name, "features": ["p", "q", "r"]},
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()["name"]


def _train(app, client, dataset: str) -> str:
    r = client.post("/api/experiments", json={"dataset": dataset, "config": {"epochs": 3}})
    assert r.status_code == 202, r.get_json()
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    return exp_id


def test_fingerprint_is_sha256_of_the_values_and_labels():
    X = np.arange(24, dtype=np.float32).reshape(12, 2)
    y = np.array([0, 1] * 6)
    a = from_arrays(X, y, scaling="none")
    assert len(a.fingerprint) == 64 and int(a.fingerprint, 16) >= 0
    assert from_arrays(X.copy(), y.copy(), scaling="none").fingerprint == a.fingerprint
    changed = X.copy()
    changed[3, 1] += 1e-3
    assert from_arrays(changed, y, scaling="none").fingerprint != a.fingerprint
    assert from_arrays(X, 1 - y, scaling="none").fingerprint != a.fingerprint  # re-labelled
    assert isinstance(a, Dataset)


def test_deleting_a_dataset_in_use_is_refused_and_lists_the_experiments(app, client):
    name = _make_dataset(client, _csv())
    exp_id = _train(app, client, name)
    r = client.delete(f"/api/datasets/{name}")
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "dataset_in_use" and exp_id in err["message"]
    assert "delete those experiments first" in err["message"]
    assert client.delete(f"/api/experiments/{exp_id}").status_code == 200
    assert client.delete(f"/api/datasets/{name}").status_code == 200


def test_restore_on_changed_data_is_refused(data_dir, tmp_path):
    config = {"DATA_DIR": str(data_dir), "DEVICE": "cpu", "STATE_DIR": str(tmp_path / "state")}
    app = create_app(config)
    client = app.test_client()
    name = _make_dataset(client, _csv())
    exp_id = _train(app, client, name)
    same = create_app(config).test_client()  # a restart: the experiment comes from the store
    assert same.get(f"/api/experiments/{exp_id}").status_code == 200

    # The file is replaced by one with the same rows and columns but other labels
    # (as `latent-explorer flowers.csv` does with an edited file).
    store = UserDatasetStore(tmp_path / "state" / "datasets")
    old = store.load(name)
    new = from_arrays(
        old.raw,
        1 - old.y,
        feature_names=old.feature_names,
        class_names=old.class_names,
        name=old.name,
    )
    store.save(new, "flowers.csv", overwrite=True)
    assert store.load(name).n_samples == old.n_samples  # n_samples alone would not notice

    restarted = create_app(config).test_client()
    r = restarted.get(f"/api/experiments/{exp_id}")
    assert r.status_code == 409, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "experiment_unavailable"
    assert "has changed since this experiment was trained" in err["message"]
