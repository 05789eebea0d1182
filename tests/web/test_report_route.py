"""GET /api/experiments/<id>/report: the HTML report as a download, declared in the OpenAPI."""

from __future__ import annotations

import numpy as np

from latent_explorer.core.report import decode_coords
from tests.core.test_report import embedded_data


def test_report_is_an_html_attachment_of_the_stored_experiment(app, client, trained):
    r = client.get(f"/api/experiments/{trained}/report")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="iris-ae-report.html"'
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    page = r.get_data(as_text=True)
    assert page.startswith("<!doctype html>")
    data = embedded_data(page)
    assert data["experiment"] == trained
    exp = app.extensions["latent_explorer.sessions"].get(trained).experiment
    assert len(data["iterations"]) == len(exp.iterations) == 1
    coords = decode_coords(data["iterations"][0]["coords"], exp.dataset.n_samples)
    assert np.array_equal(coords, exp.iterations[0].coords)


def test_report_of_an_unknown_experiment_is_404(client):
    r = client.get(f"/api/experiments/{'0' * 32}/report")
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "experiment_not_found"
    assert client.get("/api/experiments/nope/report").status_code == 400


def test_report_route_is_declared_once_in_the_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/experiments/{experiment_id}/report"]["get"]
    assert op["operationId"] == "getReport"
    assert "text/html" in op["responses"]["200"]["content"]
    assert {"400", "404", "409"} <= set(op["responses"])
