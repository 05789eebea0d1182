"""POST .../iterations with ``repeat``: one train job making N stored, measured iterations."""

from __future__ import annotations

import pytest

from tests.web.conftest import wait_for_job


def test_repeat_makes_a_chain_of_stored_measured_iterations(app, client, trained):
    r = client.post(
        f"/api/experiments/{trained}/iterations",
        json={"selected_ids": list(range(50, 150)), "epochs": 2, "repeat": 4},
    )
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["iteration"] == 1
    wait_for_job(app, trained)
    exp = client.get(f"/api/experiments/{trained}").get_json()
    its = exp["iterations"]
    assert [it["parent"] for it in its] == [None, 0, 1, 2, 3]
    assert all(it["mode"] == "finetune" and it["n_selected"] == 100 for it in its[1:])
    for k in range(1, 5):
        m = client.get(f"/api/experiments/{trained}/iterations/{k}/metrics").get_json()
        assert m["measured"], k
    # One train job for the whole sequence, one measure job per repetition.
    registry = app.extensions["latent_explorer.sessions"]
    jobs = registry.store.jobs_for(trained)
    trains = [j for j in jobs if j.kind == "train" and j.iteration > 0]
    assert len(trains) == 1 and trains[0].params["repeat"] == 4
    assert sorted(j.iteration for j in jobs if j.kind == "measure") == [0, 1, 2, 3, 4]
    report = client.get(f"/api/experiments/{trained}/iterations/4/forgetting").get_json()
    assert report["iterations"] == [0, 1, 2, 3, 4]
    assert report["classes"][0]["trustworthiness"][4] is not None  # measured


@pytest.mark.parametrize(
    ("body", "code", "needle"),
    [
        ({"repeat": 21}, "bad_request", "repeat"),
        ({"repeat": 0}, "bad_request", "repeat"),
        ({"repeat": 3, "mode": "scratch"}, "bad_repeat", "use mode 'finetune' or repeat 1"),
    ],
)
def test_bad_repeat_is_refused(client, trained, body, code, needle):
    r = client.post(
        f"/api/experiments/{trained}/iterations", json={"selected_ids": [0, 1, 2], **body}
    )
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert needle in error["message"]
    if code != "bad_request":
        assert error["code"] == code
