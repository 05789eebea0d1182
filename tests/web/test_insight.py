"""Neighbours, per-point values, attributes, PCA and feature statistics through the test client."""

import dataclasses

import numpy as np
import pytest
from sklearn.decomposition import PCA

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.neighbours import neighbour_report
from latent_explorer.core.quality import PCA_KEYS
from latent_explorer.web.insight import _catalogue
from latent_explorer.web.openapi.insight import insight_paths as openapi_paths
from tests.web.conftest import wait_for_job


def error_of(response, status):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]


def experiment(app, exp_id):
    return app.extensions["latent_explorer.sessions"].get(exp_id).experiment


def untrained(app, name, data_dir):
    """An experiment registered without training: enough for dataset-only routes."""
    exp = Experiment(load_dataset(name, data_dir=data_dir), "ae", device="cpu")
    return app.extensions["latent_explorer.sessions"].create(exp).id


# -- neighbours -----------------------------------------------------------------------------


@pytest.mark.parametrize("space", ["original", "latent"])
def test_neighbours_match_the_core(shared_app, shared_client, shared_trained, space):
    r = shared_client.get(
        f"/api/experiments/{shared_trained}/iterations/0/neighbors?id=7&k=5&space={space}"
    )
    assert r.status_code == 200
    body = r.get_json()
    exp = experiment(shared_app, shared_trained)
    want = neighbour_report(exp.dataset.X, exp.iterations[0].coords, 7, k=5, space=space)
    assert set(body) == {
        "id",
        "k",
        "space",
        "neighbors",
        "distances_original",
        "distances_latent",
        "rank_in_other_space",
    }
    assert (body["id"], body["k"], body["space"]) == (7, 5, space)
    assert body["neighbors"] == want.ids.tolist()
    assert body["distances_original"] == pytest.approx(want.distances_original.tolist())
    assert body["distances_latent"] == pytest.approx(want.distances_latent.tolist())
    assert body["rank_in_other_space"] == want.rank_in_other_space.tolist()


def test_neighbours_defaults(client, trained):
    body = client.get(f"/api/experiments/{trained}/iterations/0/neighbors?id=0").get_json()
    assert body["k"] == 10 and body["space"] == "original" and len(body["neighbors"]) == 10


@pytest.mark.parametrize(
    ("query", "code", "names"),
    [
        ("", "missing_id", "id is required"),
        ("id=abc", "bad_id", "id ('abc')"),
        ("id=150", "bad_id", "[0, 149]"),
        ("id=-1", "bad_id", "id ('-1')"),
        ("id=1&k=0", "bad_k", "k ('0') must be an integer in [1, 100]"),
        ("id=1&k=101", "bad_k", "k ('101')"),
        ("id=1&k=2.5", "bad_k", "k ('2.5')"),
        ("id=1&space=pixels", "bad_space", "space ('pixels')"),
    ],
)
def test_neighbours_validation(shared_client, shared_trained, query, code, names):
    r = shared_client.get(f"/api/experiments/{shared_trained}/iterations/0/neighbors?{query}")
    err = error_of(r, 400)
    assert err["code"] == code and names in err["message"]


def test_neighbours_of_a_missing_iteration_or_experiment(client, trained):
    r = client.get(f"/api/experiments/{trained}/iterations/9/neighbors?id=1")
    assert error_of(r, 404)["code"] == "iteration_not_found"
    r = client.get(f"/api/experiments/{'0' * 32}/iterations/0/neighbors?id=1")
    assert error_of(r, 404)["code"] == "experiment_not_found"


# -- per-point values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["trustworthiness", "continuity", "neighborhood_hit", "reconstruction_error"]
)
def test_per_point_json_and_f32(shared_app, shared_client, shared_trained, key):
    values = experiment(shared_app, shared_trained).iterations[0].per_point[key]
    base = f"/api/experiments/{shared_trained}/iterations/0/per_point?key={key}"
    body = shared_client.get(base).get_json()
    assert body["key"] == key and body["n"] == 150
    assert body["values"] == pytest.approx(values.tolist())
    assert (body["min"], body["max"]) == pytest.approx((values.min(), values.max()))
    r = shared_client.get(base + "&format=f32")
    assert r.status_code == 200 and r.mimetype == "application/octet-stream"
    got = np.frombuffer(r.data, dtype="<f4")
    np.testing.assert_allclose(got, values.astype(np.float32))
    assert r.headers["X-Points"] == "150" and r.headers["X-Key"] == key
    assert r.headers["X-Iteration"] == "0" and len(r.data) == 4 * 150
    assert float(r.headers["X-Min"]) == pytest.approx(values.min())


def test_per_point_errors(app, client, trained):
    base = f"/api/experiments/{trained}/iterations/0/per_point"
    assert error_of(client.get(f"{base}?key=colour"), 400)["code"] == "bad_key"
    assert error_of(client.get(f"{base}?key=kl&format=png"), 400)["code"] == "bad_format"
    assert error_of(client.get(f"{base}?key=kl"), 404)["code"] == "not_available"  # an AE


def test_per_point_before_measuring(app, client, trained):
    exp = experiment(app, trained)
    it = exp.iterations[0]
    # An iteration as it is between "projected" and "done": coordinates and errors only.
    pending = dataclasses.replace(
        it,
        index=1,
        parent=0,
        metrics=None,
        per_point={"reconstruction_error": it.per_point["reconstruction_error"]},
    )
    exp.iterations.append(pending)
    base = f"/api/experiments/{trained}/iterations/1/per_point"
    err = error_of(client.get(f"{base}?key=trustworthiness"), 409)
    assert err["code"] == "not_measured"
    assert client.get(f"{base}?key=reconstruction_error").status_code == 200


# -- attributes ---------------------------------------------------------------------------------


def test_iris_attributes(app, client, trained):
    ds = experiment(app, trained).dataset
    listed = client.get(f"/api/experiments/{trained}/attributes").get_json()["attributes"]
    assert listed[0] == {"name": "label", "kind": "categorical", "source": "label"}
    assert [a["name"] for a in listed[1:]] == ds.feature_names
    assert all(a["kind"] == "numeric" and a["source"] == "feature" for a in listed[1:])
    label = client.get(f"/api/experiments/{trained}/attributes/label").get_json()
    assert label == {
        "name": "label",
        "kind": "categorical",
        "categories": ds.class_names,
        "codes": ds.y.tolist(),
    }
    name = ds.feature_names[2]
    feature = client.get(f"/api/experiments/{trained}/attributes/{name}").get_json()
    assert feature["kind"] == "numeric" and feature["values"] == pytest.approx(ds.raw[:, 2])
    assert (feature["min"], feature["max"]) == (ds.raw[:, 2].min(), ds.raw[:, 2].max())


@pytest.mark.parametrize("name", ["nope", "../../etc/passwd", "label/..", "%2e%2e"])
def test_unknown_attribute_is_404_json(shared_client, shared_trained, name):
    r = shared_client.get(f"/api/experiments/{shared_trained}/attributes/{name}")
    assert error_of(r, 404)["code"] == "attribute_not_found"


def test_wine_and_air_attributes(app, client, data_dir):
    wine = untrained(app, "wine_quality", data_dir)
    listed = client.get(f"/api/experiments/{wine}/attributes").get_json()["attributes"]
    kinds = {a["name"]: (a["kind"], a["source"]) for a in listed}
    assert kinds["type"] == ("categorical", "attribute")
    assert kinds["quality"] == ("numeric", "attribute")
    assert kinds["alcohol"] == ("numeric", "feature")
    body = client.get(f"/api/experiments/{wine}/attributes/type").get_json()
    assert body["categories"] == ["red", "white"]
    assert np.bincount(body["codes"]).tolist() == [1599, 4898]

    air = untrained(app, "air_quality", data_dir)
    listed = client.get(f"/api/experiments/{air}/attributes").get_json()["attributes"]
    names = {a["name"]: a["kind"] for a in listed}
    assert names["hour"] == "numeric" and "datetime" not in names  # one category per row
    hour = client.get(f"/api/experiments/{air}/attributes/hour").get_json()
    assert (hour["min"], hour["max"]) == (0, 23)


def test_name_clashes_get_their_source(app, data_dir):
    ds = load_dataset("iris")
    clash = dataclasses.replace(
        ds,
        attributes={"label": np.arange(150), ds.feature_names[0]: np.zeros(150)},
    )
    names = [(a.name, a.source) for a in _catalogue(clash)]
    assert names[:3] == [
        ("label", "label"),
        ("label (attribute)", "attribute"),
        (ds.feature_names[0], "attribute"),
    ]
    assert (f"{ds.feature_names[0]} (feature)", "feature") in names


# -- PCA, feature statistics, metric tables ----------------------------------------------------


def test_pca_route(app, client, trained):
    body = client.get(f"/api/experiments/{trained}/pca").get_json()
    X = experiment(app, trained).dataset.X
    want = PCA(n_components=2, random_state=experiment(app, trained).config.seed).fit_transform(X)
    assert body["x"] == pytest.approx(want[:, 0].tolist(), abs=1e-5)
    assert body["y"] == pytest.approx(want[:, 1].tolist(), abs=1e-5)
    assert set(PCA_KEYS) <= set(body["metrics"]) and body["metrics"]["n_points"] == 150
    assert len(body["explained_variance_ratio"]) == 2


def test_pca_metrics_wait_for_a_running_job(app, client, data_dir, monkeypatch):
    exp_id = untrained(app, "iris", data_dir)
    # While a job of the experiment is queued or running, the route skips PCA's metrics.
    store = app.extensions["latent_explorer.sessions"].store
    real = store.jobs_for
    monkeypatch.setattr(
        store, "jobs_for", lambda *a, active=False, **k: [object()] if active else real(*a, **k)
    )
    body = client.get(f"/api/experiments/{exp_id}/pca").get_json()
    assert body["metrics"] is None and len(body["x"]) == 150
    monkeypatch.undo()
    assert client.get(f"/api/experiments/{exp_id}/pca").get_json()["metrics"] is not None


def test_metric_tables_hold_pca_keys_in_every_group(client, trained):
    r = client.post(
        f"/api/experiments/{trained}/iterations",
        json={"selected_ids": list(range(50)), "epochs": 2},
    )
    assert r.status_code == 202
    assert wait_for_job(client.application, trained).state == "done"
    body = client.get(f"/api/experiments/{trained}/iterations/1/metrics").get_json()
    assert set(body["metrics"]) == {"all", "selected", "rest"}
    for table in (body["metrics"], body["parent_metrics"]):
        for group in ("all", "selected", "rest"):
            assert all(f"pca_{key}" in table[group] for key in PCA_KEYS)
            assert table[group]["pca_trustworthiness"] > 0.5


def test_feature_stats_and_decode_conversion(app, client, trained):
    ds = experiment(app, trained).dataset
    stats = client.get(f"/api/experiments/{trained}/feature_stats").get_json()
    assert stats["feature_names"] == ds.feature_names
    assert stats["mean_raw"] == pytest.approx(ds.raw.mean(axis=0).tolist())
    assert stats["std_raw"] == pytest.approx(ds.raw.std(axis=0).tolist())
    assert stats["mean_scaled"] == pytest.approx([0.0] * 4, abs=1e-6)
    decoded = client.post(f"/api/experiments/{trained}/decode", json={"points": [[0.1, 0.2]]})
    values = np.asarray(decoded.get_json()["values"])
    raw = values * np.asarray(stats["feature_scale"]) + np.asarray(stats["feature_mean"])
    np.testing.assert_allclose(raw, ds.to_raw(values), rtol=1e-12)


def test_feature_stats_of_images_have_no_scaling(app, client, data_dir):
    exp_id = untrained(app, "digits", data_dir)
    stats = client.get(f"/api/experiments/{exp_id}/feature_stats").get_json()
    assert len(stats["mean_raw"]) == 64
    assert stats["feature_mean"] is None and stats["feature_scale"] is None


# -- OpenAPI fragment (for web/openapi's build_spec) ---------------------------------------------


def test_openapi_fragment_documents_exactly_these_routes(app):
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("insight.")}
    documented = {p.replace("{", "<").replace("}", ">") for p in openapi_paths()}
    rules = {r.replace("<int:k>", "<k>").replace("<path:name>", "<name>") for r in rules}
    assert rules == documented


def test_real_answers_fit_the_fragment(app, client, trained, monkeypatch):
    import schemathesis
    from schemathesis.core.failures import Failure, FailureGroup

    from latent_explorer.web import openapi

    full = openapi.build_spec
    monkeypatch.setattr(openapi, "build_spec", lambda: _merged(full()))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    it, exp = "/api/experiments/{experiment_id}/iterations/{k}", "/api/experiments/{experiment_id}"
    base = f"/api/experiments/{trained}"
    cases = [
        (f"{it}/neighbors", f"{base}/iterations/0/neighbors?id=3&k=4&space=latent"),
        (f"{it}/neighbors", f"{base}/iterations/0/neighbors?id=x"),
        (f"{it}/per_point", f"{base}/iterations/0/per_point?key=continuity"),
        (f"{it}/per_point", f"{base}/iterations/0/per_point?key=continuity&format=f32"),
        (f"{it}/per_point", f"{base}/iterations/0/per_point?key=kl"),
        (f"{exp}/attributes", f"{base}/attributes"),
        (f"{exp}/attributes/{{name}}", f"{base}/attributes/label"),
        (f"{exp}/attributes/{{name}}", f"{base}/attributes/sepal length (cm)"),
        (f"{exp}/attributes/{{name}}", f"{base}/attributes/nope"),
        (f"{exp}/pca", f"{base}/pca"),
        (f"{exp}/feature_stats", f"{base}/feature_stats"),
    ]
    for path, url in cases:
        response = client.get(url)
        try:
            schema[path]["GET"].validate_response(response)
        except (Failure, FailureGroup) as exc:
            pytest.fail(f"GET {url} -> {response.status_code} does not fit the spec:\n{exc}")


def _merged(spec):
    spec["paths"].update(openapi_paths())
    return spec
