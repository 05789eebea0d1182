"""GET /api/openapi.json stays true: the same routes as Flask, 4xx documented, real answers fit.

Routes are compared in both directions, so a new route without a spec entry fails here with
its name, and so does a documented route that the app lacks.
"""

from __future__ import annotations

import io
import re

import pytest
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Err

from tests.web.conftest import wait_for_job

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def flask_routes(app) -> set[tuple[str, str]]:
    """(METHOD, /api/path/{param}) for every url rule under /api."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    return routes


def spec_routes(spec) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


@pytest.fixture
def spec(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


@pytest.fixture
def schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def conforms(schema, path: str, method: str, response) -> None:
    """Fail with schemathesis' report when ``response`` does not fit the documented one."""
    try:
        schema[path][method].validate_response(response)
    except (Failure, FailureGroup) as exc:
        pytest.fail(f"{method} {path} -> {response.status_code} does not fit the spec:\n{exc}")


def test_spec_is_openapi_31_and_every_operation_loads(spec, schema):
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] and spec["info"]["version"]
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    problems = [str(r.err()) for r in schema.get_all_operations() if isinstance(r, Err)]
    assert not problems, "operations schemathesis cannot use:\n" + "\n".join(problems)


def test_every_flask_route_is_documented_and_nothing_else(app, spec):
    in_app, in_spec = flask_routes(app), spec_routes(spec)
    missing = sorted(in_app - in_spec)
    extra = sorted(in_spec - in_app)
    lines = []
    if missing:
        lines.append("routes in the app but not in the spec (document them in web/openapi/):")
        lines += [f"  {m} {p}" for m, p in missing]
    if extra:
        lines.append("routes in the spec but not in the app (not merged yet, or renamed?):")
        lines += [f"  {m} {p}" for m, p in extra]
    assert not lines, "\n".join(lines)


def test_every_operation_documents_a_client_error(spec):
    lacking = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS and not any(str(s).startswith("4") for s in op["responses"])
    ]
    assert not lacking, f"operations without a documented 4xx response: {lacking}"


def test_every_operation_documents_success_and_error_bodies(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert op["operationId"] and op["summary"], (method, path)
            for status, response in op["responses"].items():
                assert response["description"], (method, path, status)
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_experiment_ids_are_32_lowercase_hex(spec):
    for path, item in spec["paths"].items():
        for op in item.values():
            for param in op.get("parameters", []):
                if param["name"] == "experiment_id":
                    assert param["in"] == "path" and param["required"] is True, path
                    assert param["schema"]["pattern"] == "^[0-9a-f]{32}$", path


def test_the_schema_check_catches_a_wrong_answer(schema, client):
    """The validation used below is not vacuous: a 200 with the wrong shape fails."""
    wrong = client.get("/api/models?dataset=iris")
    wrong.set_data(b'{"datasets": "not a list"}')
    with pytest.raises(Failure, match="is not of type"):
        schema["/api/datasets"]["GET"].validate_response(wrong)


def test_real_answers_fit_their_schemas(app, client, schema):
    conforms(schema, "/api/datasets", "GET", client.get("/api/datasets"))
    conforms(schema, "/api/models", "GET", client.get("/api/models?dataset=digits"))
    conforms(schema, "/api/models", "GET", client.get("/api/models?dataset=nope"))

    r = client.post(
        "/api/experiments", json={"dataset": "iris", "model": "vae", "config": {"epochs": 5}}
    )
    assert r.status_code == 202
    conforms(schema, "/api/experiments", "POST", r)
    exp_id = r.get_json()["id"]
    base = f"/api/experiments/{exp_id}"
    conforms(schema, "/api/experiments/{experiment_id}", "GET", client.get(base))
    assert wait_for_job(app, exp_id).state == "done"
    conforms(schema, "/api/experiments/{experiment_id}", "GET", client.get(base))

    it0 = "/api/experiments/{experiment_id}/iterations/{k}"
    conforms(schema, f"{it0}/embedding", "GET", client.get(f"{base}/iterations/0/embedding"))
    conforms(schema, f"{it0}/metrics", "GET", client.get(f"{base}/iterations/0/metrics"))
    r = client.get(f"{base}/iterations/0/reconstructions?ids=0,1")
    conforms(schema, f"{it0}/reconstructions", "GET", r)
    r = client.get(f"{base}/iterations/0/export.csv")
    conforms(schema, f"{it0}/export.csv", "GET", r)
    r = client.get(f"{base}/points?ids=3,4")
    conforms(schema, "/api/experiments/{experiment_id}/points", "GET", r)
    r = client.post(f"{base}/decode", json={"points": [[0, 0], [1, 2]]})
    conforms(schema, "/api/experiments/{experiment_id}/decode", "POST", r)
    r = client.get(f"{base}/events")
    assert r.mimetype == "text/event-stream"
    conforms(schema, "/api/experiments/{experiment_id}/events", "GET", r)

    # A retrain: iteration 1 has selected/rest metrics and parent metrics.
    r = client.post(
        f"{base}/iterations",
        json={"selected_ids": list(range(50)), "epochs": 3, "selection": {"method": "class"}},
    )
    assert r.status_code == 202
    conforms(schema, "/api/experiments/{experiment_id}/iterations", "POST", r)
    assert wait_for_job(app, exp_id).state == "done"
    conforms(schema, "/api/experiments/{experiment_id}", "GET", client.get(base))
    conforms(schema, f"{it0}/metrics", "GET", client.get(f"{base}/iterations/1/metrics"))
    conforms(schema, f"{it0}/embedding", "GET", client.get(f"{base}/iterations/1/embedding"))


def test_error_answers_fit_their_schemas(client, schema, trained):
    cases = [
        ("/api/experiments/{experiment_id}", "GET", "/api/experiments/" + "0" * 32, 404),
        ("/api/experiments/{experiment_id}", "GET", "/api/experiments/not-an-id", 400),
        ("/api/models", "GET", "/api/models?dataset=nope", 400),
        (
            "/api/experiments/{experiment_id}/iterations/{k}/embedding",
            "GET",
            f"/api/experiments/{trained}/iterations/7/embedding",
            404,
        ),
        (
            "/api/experiments/{experiment_id}/points",
            "GET",
            f"/api/experiments/{trained}/points?ids=x",
            400,
        ),
        (
            "/api/experiments/{experiment_id}/job",
            "DELETE",
            f"/api/experiments/{trained}/job",
            409,
        ),
    ]
    for path, method, url, status in cases:
        r = client.open(url, method=method)
        assert r.status_code == status, (url, r.get_json())
        conforms(schema, path, method, r)
    r = client.post("/api/experiments", json={"dataset": "iris", "model": "pca"})
    assert r.status_code == 400
    conforms(schema, "/api/experiments", "POST", r)


def test_binary_and_insight_answers_fit_their_schemas(client, schema, trained):
    base = f"/api/experiments/{trained}"
    it = "/api/experiments/{experiment_id}/iterations/{k}"
    r = client.get(f"{base}/iterations/0/embedding?format=f32")
    assert r.status_code == 200 and r.mimetype == "application/octet-stream"
    assert len(r.data) == 8 * 150 and r.headers["X-Points"] == "150"
    conforms(schema, f"{it}/embedding", "GET", r)
    r = client.get(f"{base}/iterations/0/embedding?fields=labels,selected")
    assert set(r.get_json()) == {"iteration", "parent", "n", "labels", "selected"}
    conforms(schema, f"{it}/embedding", "GET", r)
    r = client.get(f"{base}/iterations/0/embedding?format=png")
    assert r.status_code == 400
    conforms(schema, f"{it}/embedding", "GET", r)

    answers = {
        f"{it}/neighbors": f"{base}/iterations/0/neighbors?id=3&k=5",
        f"{it}/per_point": f"{base}/iterations/0/per_point?key=trustworthiness",
        "/api/experiments/{experiment_id}/attributes": f"{base}/attributes",
        "/api/experiments/{experiment_id}/attributes/{name}": f"{base}/attributes/label",
        "/api/experiments/{experiment_id}/pca": f"{base}/pca",
        "/api/experiments/{experiment_id}/feature_stats": f"{base}/feature_stats",
    }
    for path, url in answers.items():
        r = client.get(url)
        assert r.status_code == 200, (url, r.get_json())
        conforms(schema, path, "GET", r)
    r = client.get(f"{base}/attributes/sepal length (cm)")
    assert r.status_code == 200 and r.get_json()["kind"] == "numeric"
    conforms(schema, "/api/experiments/{experiment_id}/attributes/{name}", "GET", r)
    r = client.get(f"{base}/iterations/0/per_point?key=trustworthiness&format=f32")
    assert r.status_code == 200 and len(r.data) == 4 * 150
    conforms(schema, f"{it}/per_point", "GET", r)
    r = client.get(f"{base}/iterations/0/neighbors?id=150")
    assert r.status_code == 400
    conforms(schema, f"{it}/neighbors", "GET", r)


# -- routes added in the same round (experiments list/delete, files, uploads, datasets) ----------


def test_experiment_list_files_and_delete_fit_their_schemas(app, client, schema, trained):
    r = client.get("/api/experiments?limit=5")
    assert r.status_code == 200, r.get_json()
    conforms(schema, "/api/experiments", "GET", r)
    assert trained in [e["id"] for e in r.get_json()["experiments"]]
    assert client.get("/api/experiments?limit=0").status_code == 400

    base = f"/api/experiments/{trained}"
    r = client.post(f"{base}/iterations", json={"selected_ids": [0, 1, 2], "epochs": 2})
    assert r.status_code == 202
    assert wait_for_job(app, trained).state == "done"
    it = "/api/experiments/{experiment_id}/iterations/{k}"
    for name in ("selection.json", "metrics.json", "checkpoint.pt"):
        r = client.get(f"{base}/iterations/1/{name}")
        assert r.status_code == 200, (name, r.status_code)
        conforms(schema, f"{it}/{name}", "GET", r)
    r = client.get(f"{base}/iterations/0/selection.json")
    assert r.status_code == 404
    conforms(schema, f"{it}/selection.json", "GET", r)

    r = client.delete(base)
    assert r.status_code == 200 and r.get_json() == {"deleted": True}
    conforms(schema, "/api/experiments/{experiment_id}", "DELETE", r)
    r = client.delete(base)
    assert r.status_code == 404
    conforms(schema, "/api/experiments/{experiment_id}", "DELETE", r)


def test_upload_and_dataset_answers_fit_their_schemas(client, schema):
    csv_text = "a,b,kind\n" + "".join(f"{i},{i * 2 % 7},{'xy'[i % 2]}\n" for i in range(30))
    r = client.post(
        "/api/uploads",
        data={"file": (io.BytesIO(csv_text.encode()), "tiny.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_json()
    conforms(schema, "/api/uploads", "POST", r)
    upload = r.get_json()
    r = client.post("/api/uploads", data={}, content_type="multipart/form-data")
    assert r.status_code == 400
    conforms(schema, "/api/uploads", "POST", r)
    r = client.post(
        "/api/uploads",
        data={"file": (io.BytesIO(b"%PDF-1.4 not a table"), "paper.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    conforms(schema, "/api/uploads", "POST", r)

    body = {
        "upload_id": upload["upload_id"],
        "name": "tiny_upload",
        "features": ["a", "b"],
        "label": "kind",
        "scaling": "standard",
        "drop_bad_rows": False,
    }
    r = client.post("/api/datasets", json=body)
    assert r.status_code == 201, r.get_json()
    conforms(schema, "/api/datasets", "POST", r)
    name = r.get_json()["name"]
    conforms(schema, "/api/datasets", "GET", client.get("/api/datasets"))
    for bad, status in (({"scaling": "log"}, 400), ({"upload_id": "0" * 32}, 404), ({}, 409)):
        r = client.post("/api/datasets", json={**body, **bad})
        assert r.status_code == status, (bad, r.get_json())
        conforms(schema, "/api/datasets", "POST", r)

    r = client.delete(f"/api/datasets/{name}")
    assert r.status_code == 200, r.get_json()
    conforms(schema, "/api/datasets/{name}", "DELETE", r)
    for gone in (name, "iris"):
        r = client.delete(f"/api/datasets/{gone}")
        assert 400 <= r.status_code < 500
        conforms(schema, "/api/datasets/{name}", "DELETE", r)


def test_component_schemas_are_generated_from_the_contract(spec):
    """Every component schema (requests, errors, events, the resources the answers describe)
    is declared once, as a pydantic model in latent_explorer.contract, never restated."""
    from latent_explorer import contract

    declared = {}
    models = (
        *contract.REQUEST_MODELS,
        *contract.RESPONSE_MODELS,
        *contract.RESOURCE_MODELS,
        *contract.INSIGHT_MODELS,
    )
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        declared.update(schema.pop("$defs", {}))
        declared[model.__name__] = schema
    for name, schema in spec["components"]["schemas"].items():
        assert name in declared, f"{name} is written in the document, not declared in the contract"
        if name != "TrainConfig":  # the document adds a description to the settings
            assert schema == declared[name], name
