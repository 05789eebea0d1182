import pytest

from latent_explorer import contract
from latent_explorer.web import close_app, create_app


def _new_app(data_dir, state_dir):
    return create_app({"DATA_DIR": str(data_dir), "DEVICE": "cpu", "STATE_DIR": str(state_dir)})


@pytest.fixture
def app(data_dir, tmp_path):
    app = _new_app(data_dir, tmp_path / "state")
    yield app
    close_app(app)  # its job worker processes


@pytest.fixture
def client(app):
    return app.test_client()


def wait_for_job(app, experiment_id, timeout=120):
    """Wait until the experiment has no queued or running job; its newest job (after a
    train job that went well: the measure job that followed it)."""
    job = app.extensions["latent_explorer.sessions"].wait(experiment_id, timeout=timeout)
    assert job is not None
    return job


def replayed_events(client, exp_id):
    """Every event of the experiment's stream so far, each checked against the contract:
    [(name, EventData)]."""
    text = client.get(f"/api/experiments/{exp_id}/events", headers={"Last-Event-ID": "0"}).get_data(
        as_text=True
    )
    out = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            event = contract.Event.model_validate(fields)
            out.append((event.event, contract.EventData.model_validate_json(event.data)))
    return out


def _train_iris(app):
    r = app.test_client().post(
        "/api/experiments", json={"dataset": "iris", "model": "ae", "config": {"epochs": 20}}
    )
    assert r.status_code == 202, r.get_json()
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    return exp_id


@pytest.fixture
def trained(app, client):
    """An iris AE experiment with iteration 0 done (few epochs: the API is under test here)."""
    return _train_iris(app)


# For the cases of a parametrised test that only reads or is refused (validation, 4xx): one
# app and one trained experiment per module instead of one per case. A test that changes
# the experiment must use ``app`` and ``trained``.


@pytest.fixture(scope="module")
def shared_app(data_dir, tmp_path_factory):
    app = _new_app(data_dir, tmp_path_factory.mktemp("shared-state"))
    yield app
    close_app(app)


@pytest.fixture
def shared_client(shared_app):
    return shared_app.test_client()


@pytest.fixture(scope="module")
def shared_trained(shared_app):
    return _train_iris(shared_app)
