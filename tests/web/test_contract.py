"""The declared contract: every bad input the issue lists gets a 4xx naming field, rule, value
and fix; unknown keys are refused; the page's form and the core's TrainConfig share limits."""

from __future__ import annotations

from dataclasses import fields

import pytest

from latent_explorer import contract
from latent_explorer.core.training import TrainConfig, default_config


def error_of(response, status=400):
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]


def test_unknown_top_level_key_is_refused_and_says_where_it_belongs(client):
    err = error_of(
        client.post("/api/experiments", json={"dataset": "iris", "model": "ae", "seed": 5})
    )
    assert err["code"] == "unknown_field"
    assert "seed" in err["message"] and "belongs in config" in err["message"]
    assert '{"config": {"seed": 5}}' in err["message"]


def test_unknown_config_key_names_the_valid_ones(client):
    err = error_of(client.post("/api/experiments", json={"dataset": "iris", "config": {"sed": 5}}))
    assert err["code"] == "bad_config" and "config.sed" in err["message"]
    assert "seed" in err["message"]  # the valid keys are listed


@pytest.mark.parametrize(
    ("config", "names"),
    [
        ({"epochs": 0}, "config.epochs (0) must be an integer in [1, 100000]; e.g. 50"),
        ({"lr": 0}, "config.lr (0) must be a number in (0, 1]"),
        ({"seed": 2**32}, "config.seed (4294967296) must be an integer in [0, 4294967295]"),
        ({"seed": "5"}, "config.seed ('5') must be an integer"),
        ({"epochs": True}, "config.epochs (true) must be an integer"),
        ({"latent_dim": 3}, "the explorer's plots are 2-D"),
        ({"hidden": [0]}, "config.hidden[0] (0) must be >= 1"),
        ({"precision": "fp16"}, "config.precision ('fp16') must be one of"),
    ],
)
def test_bad_settings_name_field_rule_value_and_fix(client, config, names):
    err = error_of(client.post("/api/experiments", json={"dataset": "iris", "config": config}))
    assert err["code"] == "bad_config" and names in err["message"], err


@pytest.mark.parametrize(
    ("method", "url", "code"),
    [
        ("GET", "/api/experiments?limit=%C2%B2", "bad_limit"),  # "²": isdigit() but not int()
        ("GET", "/api/experiments?limit=" + "9" * 4301, "bad_limit"),
        ("GET", "/api/experiments?limit=0", "bad_limit"),
        ("GET", "/api/experiments?limit=5&limit=6", "bad_limit"),
        ("GET", "/api/experiments?limt=5", "unknown_field"),
        ("GET", "/api/models?dataset=" + "x" * 300, "bad_dataset"),
    ],
)
def test_bad_query_strings_get_400(client, method, url, code):
    err = error_of(client.open(url, method=method))
    assert err["code"] == code, err


def test_inputs_from_the_issue_on_a_trained_experiment(client, trained):
    exp = f"/api/experiments/{trained}"
    cases = [
        ("GET", f"{exp}/iterations/0/neighbors?id=" + "1" * 4301, None, "bad_id"),
        ("GET", f"{exp}/iterations/0/neighbors?id=%C2%B2", None, "bad_id"),
        ("GET", f"{exp}/points?ids=" + "1" * 4301, None, "bad_ids"),
        ("GET", f"{exp}/points?ids=%C2%B2", None, "bad_ids"),
        ("POST", f"{exp}/decode", {"points": [[float("1" + "0" * 300), 0.0]]}, "bad_points"),
        ("POST", f"{exp}/iterations", {"selected_ids": [2**63]}, "bad_selected_ids"),
        ("POST", f"{exp}/iterations", {"selected_ids": [1], "seed": 3}, "unknown_field"),
        ("POST", f"{exp}/iterations", {"selected_ids": [1], "epochs": 0}, "bad_epochs"),
        ("POST", f"{exp}/iterations", {"selected_ids": [1, True]}, "bad_selected_ids"),
    ]
    for method, url, body, code in cases:
        err = error_of(client.open(url, method=method, json=body))
        assert err["code"] == code, (url[:80], err)
    # A 400-digit coordinate, written as JSON text (Python's json would send a float).
    raw = '{"points": [[1' + "0" * 400 + ", 0]]}"
    r = client.post(f"{exp}/decode", data=raw, content_type="application/json")
    assert error_of(r)["code"] == "bad_points"


def test_deeply_nested_json_is_a_400_not_a_crash(client):
    raw = "[" * 200_000 + "]" * 200_000
    err = error_of(client.post("/api/experiments", data=raw, content_type="application/json"))
    assert err["code"] == "bad_json" and "recursion" in err["message"]
    deep = '{"dataset": "iris", "config": ' + '{"a": ' * 5_000 + "1" + "}" * 5_001
    err = error_of(client.post("/api/experiments", data=deep, content_type="application/json"))
    assert err["code"] == "bad_json"


def test_non_json_bodies_are_refused(client):
    err = error_of(client.post("/api/experiments", data="dataset=iris"))
    assert err["code"] == "bad_json" and "Content-Type: application/json" in err["message"]
    err = error_of(client.post("/api/experiments", data="[1]", content_type="application/json"))
    assert err["code"] == "bad_json" and "JSON object" in err["message"]


def test_non_ascii_last_event_id_is_clamped(client, trained):
    r = client.get(f"/api/experiments/{trained}/events", headers={"Last-Event-ID": "١٢"})
    assert r.status_code == 200
    assert "event: done" in r.get_data(as_text=True)  # replayed from 0, not stuck past the end


def test_last_event_id_past_the_end_still_ends_the_stream(client, trained):
    r = client.get(f"/api/experiments/{trained}/events", headers={"Last-Event-ID": "9" * 40})
    assert r.status_code == 200 and "event: done" in r.get_data(as_text=True)


def test_clamp_event_id():
    assert contract.clamp_event_id(None, upper=5) == 0
    assert contract.clamp_event_id("3", upper=5) == 3
    assert contract.clamp_event_id("30", upper=5) == 5
    assert contract.clamp_event_id("²", upper=5) == 0
    assert contract.clamp_event_id("-1", upper=5) == 0


def test_form_parameters_come_from_train_config(client):
    """The page's limits are TrainConfig's: the same bounds the core enforces."""
    body = client.get("/api/models?dataset=iris").get_json()
    by_field = {f.name: f.metadata for f in fields(TrainConfig)}
    for p in body["parameters"]:
        meta = by_field[p["name"]]
        assert p["min"] == meta.get("ge", meta.get("gt")) and p["max"] == meta.get(
            "le", meta.get("lt")
        )
        assert p["help"] == meta["help"]
    seed = next(p for p in body["parameters"] if p["name"] == "seed")
    with pytest.raises(ValueError, match="seed"):
        TrainConfig(seed=seed["max"] + 1)
    TrainConfig(seed=seed["max"])
    lr = next(p for p in body["parameters"] if p["name"] == "lr")
    assert lr["exclusive_min"] is True and lr["min"] == 0
    assert body["submit_parameters"] == [
        {
            "name": "epochs",
            "type": "int",
            "min": 1,
            "max": 10_000,
            "help": contract.RETRAIN_EPOCHS_HELP,
        }
    ]


def test_input_schema_derives_from_train_config():
    schema = contract.TrainConfigInput.model_json_schema()
    assert set(schema["properties"]) == {f.name for f in fields(TrainConfig)}
    assert schema["additionalProperties"] is False
    assert schema["properties"]["epochs"]["minimum"] == 1
    assert schema["properties"]["epochs"]["maximum"] == 100_000
    assert schema["properties"]["lr"]["exclusiveMinimum"] == 0
    # Every dataset default passes the contract (so the page's defaults are never refused).
    for kind in ("tabular", "image"):
        for n in (150, 70_000):
            cfg = default_config(n, 13, data_kind=kind, model="vae").to_dict()
            contract.TrainConfigInput.model_validate(cfg)


def test_every_event_of_a_real_job_is_declared(client, trained):
    """The stream's events (measured included) are the contract's, with data it declares."""
    import json

    text = client.get(
        f"/api/experiments/{trained}/events", headers={"Last-Event-ID": "0"}
    ).get_data(as_text=True)
    seen = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" not in lines:
            continue
        event = contract.Event.model_validate(lines)
        contract.EventData.model_validate(json.loads(event.data))
        seen.append(event.event)
    assert {"progress", "projected", "done"} <= set(seen), seen
    # Every event the server code can emit (measured only comes with a sampled table first).
    import re
    from pathlib import Path

    package = Path(contract.__file__).parent.parent  # the whole latent_explorer package
    emitted = {
        name
        for f in package.rglob("*.py")
        for name in re.findall(r'(?:append|_publish)\(\s*[\w.\[\]"]+,\s*"(\w+)"', f.read_text())
    }
    assert "measured" in emitted and emitted <= set(contract.EVENT_NAMES), emitted
    spec = client.get("/api/openapi.json").get_json()
    assert "measured" in spec["components"]["schemas"]["Event"]["properties"]["event"]["enum"]
