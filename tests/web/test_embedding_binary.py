"""GET .../embedding?format=f32: raw little-endian float32 columns, equal to the JSON form."""

from __future__ import annotations

import numpy as np


def test_f32_bytes_equal_json_values(client, trained):
    base = f"/api/experiments/{trained}/iterations/0/embedding"
    emb = client.get(base).get_json()
    r = client.get(base + "?format=f32")
    assert r.status_code == 200
    assert r.mimetype == "application/octet-stream"
    n = emb["n"]
    assert r.headers["X-Points"] == str(n) == "150"
    assert r.headers["X-Iteration"] == "0"
    assert r.headers["X-Parent"] == ("none" if emb["parent"] is None else str(emb["parent"]))
    assert len(r.data) == 8 * n
    values = np.frombuffer(r.data, dtype="<f4")
    np.testing.assert_array_equal(values[:n], np.asarray(emb["x"], dtype=np.float32))
    np.testing.assert_array_equal(values[n:], np.asarray(emb["y"], dtype=np.float32))


def test_fields_skip_coordinates(client, trained):
    base = f"/api/experiments/{trained}/iterations/0/embedding"
    full = client.get(base).get_json()
    part = client.get(base + "?fields=labels,selected").get_json()
    assert part == {k: full[k] for k in ("iteration", "parent", "n", "labels", "selected")}
    assert client.get(base + "?format=json").get_json() == full


def test_bad_format_or_fields_is_a_400_naming_the_allowed_values(client, trained):
    base = f"/api/experiments/{trained}/iterations/0/embedding"
    r = client.get(base + "?format=f64")
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "bad_format"
    assert "'f64'" in error["message"] and "json" in error["message"] and "f32" in error["message"]
    r = client.get(base + "?fields=labels,colour")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_fields"
    assert "colour" in r.get_json()["error"]["message"]
    r = client.get(base + "?format=f32&fields=labels")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_fields"
    # An unknown iteration is still a JSON 404 in the binary form.
    r = client.get(f"/api/experiments/{trained}/iterations/9/embedding?format=f32")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "iteration_not_found"
