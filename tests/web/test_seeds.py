"""Seeds as jobs of the runtime: an iris experiment with 3 seeds through the API (SQLite and
the in-process pool) stores, for every iteration, each other seed's metrics, equal to the
core's Repeats trained directly with the same seeds, and answers GET .../seeds."""

import time

import numpy as np
import pytest
import schemathesis

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.repeats import Repeats
from latent_explorer.core.stability import stability_report
from latent_explorer.core.training import TrainConfig

from .conftest import wait_for_job
from .test_openapi import conforms

CONFIG = {"epochs": 8, "patience": 0}
SELECTED = list(range(50, 100))


def _store(app):
    return app.extensions["latent_explorer.sessions"].store


def test_three_seeds_equal_the_cores_repeats(app, client, data_dir):
    r = client.post("/api/experiments", json={"dataset": "iris", "config": CONFIG, "seeds": 3})
    assert r.status_code == 202, r.get_json()
    exp_id = r.get_json()["id"]
    wait_for_job(app, exp_id)
    r = client.post(
        f"/api/experiments/{exp_id}/iterations",
        json={"selected_ids": SELECTED, "epochs": 3, "mode": "finetune"},
    )
    assert r.status_code == 202, r.get_json()
    wait_for_job(app, exp_id)

    config = TrainConfig.from_dict(client.get(f"/api/experiments/{exp_id}").get_json()["config"])
    reps = Repeats(load_dataset("iris", data_dir=data_dir), "ae", seeds=3, config=config,
                   device="cpu")  # fmt: skip
    reps.train().retrain(SELECTED, epochs=3)

    store = _store(app)
    assert store.seed_plan(exp_id) == reps.seeds
    for k in (0, 1):
        for r_ in (1, 2):
            meta = store.replica_meta(exp_id, r_, k)
            assert meta is not None, (k, r_)
            it = reps.experiments[r_].iterations[k]
            assert meta["seed"] == reps.seeds[r_]
            assert meta["metrics"] == it.metrics  # the same computation: equal, not close
            assert meta["parent_metrics"] == it.parent_metrics
            assert np.array_equal(store.replica_coords(exp_id, r_, k), it.coords)
        answer = client.get(f"/api/experiments/{exp_id}/iterations/{k}/seeds").get_json()
        assert (answer["status"], answer["done"], answer["total"]) == ("done", 3, 3)
        assert answer["seeds"] == reps.seeds
        for group, rows in answer["metrics"].items():
            expected = reps.metrics(k, group=group)
            assert rows.keys() == expected.keys()
            for name, value in rows.items():
                assert value == pytest.approx(expected[name].to_dict(), nan_ok=True)
        summary = reps.stability(k).summary
        assert answer["stability"] == pytest.approx(summary)

    # The paired verdict of iteration 1 against its parent, seed by seed.
    response = client.get(f"/api/experiments/{exp_id}/iterations/1/seeds")
    spec = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    conforms(spec, "/api/experiments/{experiment_id}/iterations/{k}/seeds", "GET", response)
    answer = response.get_json()
    verdict = reps.compare("trustworthiness", iteration=1, group="selected")
    assert answer["headline"]["sentence"] == verdict.sentence
    assert answer["headline"]["group"] == "selected"
    assert answer["comparison"]["selected"]["trustworthiness"]["effect_size"] == pytest.approx(
        verdict.effect_size, nan_ok=True
    )
    assert (
        client.get(f"/api/experiments/{exp_id}/iterations/0/seeds").get_json()["comparison"] is None
    )

    # The aligned repeats, raw float32 seed after seed: exactly the core's aligned arrays.
    path = f"/api/experiments/{exp_id}/iterations/1/seeds/aligned"
    response = client.get(path + "?format=f32")
    assert response.status_code == 200, response.get_json()
    conforms(spec, "/api/experiments/{experiment_id}/iterations/{k}/seeds/aligned", "GET", response)
    h = response.headers
    n = 150
    assert (h["X-Points"], h["X-Seeds"], h["X-Iteration"]) == (str(n), "3", "1")
    assert h["X-Seed-Values"] == ",".join(map(str, reps.seeds))
    got = np.frombuffer(response.data, dtype="<f4").reshape(3, 2, n).transpose(0, 2, 1)
    latents = [reps.experiments[0].iterations[1].coords] + [
        store.replica_coords(exp_id, r_, 1) for r_ in (1, 2)
    ]
    expected = np.stack(stability_report(latents).aligned).astype(np.float32)
    assert np.array_equal(got, expected)
    assert np.allclose(got, np.stack(reps.stability(1).aligned), atol=1e-5)
    assert np.array_equal(got[0], latents[0].astype(np.float32))  # the first is unchanged
    assert client.get(path + "?format=json").status_code == 400

    # Per-point stability, a colour mode like the others.
    r = client.get(f"/api/experiments/{exp_id}/iterations/1/per_point?key=stability_displacement")
    assert r.status_code == 200, r.get_json()
    expected = reps.stability(1).displacement
    assert np.allclose(r.get_json()["values"], expected)
    r = client.get(f"/api/experiments/{exp_id}/iterations/1/per_point?key=stability_agreement")
    assert np.allclose(r.get_json()["values"], reps.stability(1).agreement)

    # The main chain's status never counts the seeds; the jobs are kind "seed".
    kinds = {j.kind for j in store.jobs_for(exp_id, limit=100)}
    assert kinds == {"train", "measure", "seed"}


def test_one_seed_has_no_seed_jobs(app, client, trained):
    answer = client.get(f"/api/experiments/{trained}/iterations/0/seeds").get_json()
    assert (answer["status"], answer["total"], answer["done"]) == ("single", 1, 1)
    assert answer["metrics"] is None
    assert {j.kind for j in _store(app).jobs_for(trained)} == {"train", "measure"}
    r = client.get(f"/api/experiments/{trained}/iterations/0/per_point?key=stability_agreement")
    assert r.status_code == 404
    assert "2 or more seeds" in r.get_json()["error"]["message"]
    r = client.get(f"/api/experiments/{trained}/iterations/0/seeds/aligned")
    assert r.status_code == 404


@pytest.mark.parametrize("seeds", [0, 11, "3", 2.5])
def test_seeds_out_of_range_is_refused_by_name(shared_client, seeds):
    r = shared_client.post("/api/experiments", json={"dataset": "iris", "seeds": seeds})
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "bad_seeds"
    assert error["message"].startswith(f"seeds ({seeds!r}) must be")


def test_cancelling_the_seeds_cancels_their_jobs(app, client):
    r = client.post(
        "/api/experiments",
        json={"dataset": "iris", "config": {"epochs": 1500, "patience": 0}, "seeds": 4},
    )
    exp_id = r.get_json()["id"]
    store = _store(app)
    deadline = time.monotonic() + 300
    while not store.jobs_for(exp_id, kinds=("seed",)) and time.monotonic() < deadline:
        time.sleep(0.05)
    # The main chain's status never waits for the other seeds: ready once its metrics are in.
    body = client.get(f"/api/experiments/{exp_id}").get_json()
    while body["status"] != "ready" and time.monotonic() < deadline:
        time.sleep(0.05)
        body = client.get(f"/api/experiments/{exp_id}").get_json()
    assert body["status"] == "ready" and body["jobs"] == []
    seeds_now = client.get(f"/api/experiments/{exp_id}/iterations/0/seeds").get_json()
    assert seeds_now["status"] == "running" and seeds_now["done"] < 4
    waiting = client.get(f"/api/experiments/{exp_id}/iterations/0/seeds/aligned")
    assert waiting.status_code == 409, waiting.data
    assert waiting.get_json()["error"]["message"].startswith(
        "Aligning the seeds of iteration 0 needs every seed:"
    )
    response = client.delete(f"/api/experiments/{exp_id}/seeds")
    spec = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    conforms(spec, "/api/experiments/{experiment_id}/seeds", "DELETE", response)
    assert response.get_json()["cancelled"] >= 1
    wait_for_job(app, exp_id)
    states = {j.state for j in store.jobs_for(exp_id, kinds=("seed",))}
    assert states <= {"cancelled", "done"} and "cancelled" in states
    answer = client.get(f"/api/experiments/{exp_id}/iterations/0/seeds").get_json()
    assert answer["status"] == "incomplete"


def test_a_repeated_submit_trains_every_repetition_under_every_seed(app, client, data_dir):
    """× 2 with 2 seeds: each repetition is an iteration, and seed 1 chains its own."""
    r = client.post("/api/experiments", json={"dataset": "iris", "config": CONFIG, "seeds": 2})
    exp_id = r.get_json()["id"]
    wait_for_job(app, exp_id)
    r = client.post(
        f"/api/experiments/{exp_id}/iterations",
        json={"selected_ids": SELECTED, "epochs": 2, "repeat": 2},
    )
    assert r.status_code == 202, r.get_json()
    wait_for_job(app, exp_id)
    config = TrainConfig.from_dict(client.get(f"/api/experiments/{exp_id}").get_json()["config"])
    reps = Repeats(load_dataset("iris", data_dir=data_dir), "ae", seeds=2, config=config,
                   device="cpu")  # fmt: skip
    reps.train().retrain(SELECTED, epochs=2).retrain(SELECTED, epochs=2)
    for k in (1, 2):
        meta = _store(app).replica_meta(exp_id, 1, k)
        assert meta is not None and meta["parent"] == k - 1
        assert meta["metrics"] == reps.experiments[1].iterations[k].metrics
        answer = client.get(f"/api/experiments/{exp_id}/iterations/{k}/seeds").get_json()
        assert answer["status"] == "done" and answer["headline"]["sentence"]
