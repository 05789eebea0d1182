"""web/security.py: DNS rebinding (Host), cross-site requests (Origin), the access token off
loopback, the CSP, the JSON body limit and the cap on event streams."""

from __future__ import annotations

import io

import pytest

from latent_explorer.web import create_app
from latent_explorer.web.security import CSP, TOKEN_COOKIE, allowed_hosts, is_loopback

CSV = b"a,b,c,label\n" + b"".join(
    f"{i},{i % 3},{i % 5},{'xy'[i % 2]}\n".encode() for i in range(30)
)


def error_of(response, status):
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    return response.get_json()["error"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/experiments"),
        ("GET", "/api/datasets"),
        ("POST", "/api/experiments"),
        ("DELETE", "/api/experiments/" + "0" * 32),
        ("GET", "/"),
    ],
)
def test_dns_rebinding_host_gets_403(client, method, url):
    r = client.open(url, method=method, headers={"Host": "rebind.evil.example"}, json={})
    assert r.status_code == 403
    if url.startswith("/api/"):
        err = r.get_json()["error"]
        assert err["code"] == "bad_host" and "rebind.evil.example" in err["message"]


def test_rebinding_to_an_upload_gets_403(client):
    r = client.post(
        "/api/uploads",
        data={"file": (io.BytesIO(CSV), "x.csv")},
        headers={"Host": "rebind.evil.example:5000"},
    )
    assert error_of(r, 403)["code"] == "bad_host"


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:8080", "[::1]:5000"])
def test_loopback_hosts_are_served(client, host):
    assert client.get("/api/datasets", headers={"Host": host}).status_code == 200


def test_cross_site_json_post_gets_403(client):
    r = client.post(
        "/api/experiments",
        json={"dataset": "iris", "config": {"epochs": 2}},
        headers={"Origin": "https://evil.example"},
    )
    assert error_of(r, 403)["code"] == "cross_origin"


def test_cross_site_multipart_upload_gets_403(client):
    # A plain HTML form on another site can send this without any preflight.
    r = client.post(
        "/api/uploads",
        data={"file": (io.BytesIO(CSV), "x.csv")},
        headers={"Origin": "https://evil.example"},
    )
    assert error_of(r, 403)["code"] == "cross_origin"
    r = client.post(
        "/api/uploads",
        data={"file": (io.BytesIO(CSV), "x.csv")},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert error_of(r, 403)["code"] == "cross_origin"
    r = client.post(
        "/api/uploads", data={"file": (io.BytesIO(CSV), "x.csv")}, headers={"Origin": "null"}
    )
    assert error_of(r, 403)["code"] == "cross_origin"


def test_cross_site_delete_gets_403(client):
    r = client.delete("/api/datasets/user:x", headers={"Origin": "http://localhost:9999"})
    assert error_of(r, 403)["code"] == "cross_origin"


def test_same_origin_and_tools_are_let_through(client):
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    r = client.post("/api/uploads", data={"file": (io.BytesIO(CSV), "x.csv")}, headers=same)
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/uploads", data={"file": (io.BytesIO(CSV), "x.csv")})  # curl: no Origin
    assert r.status_code == 201
    # A cross-site GET (a link) is harmless: reads are not state-changing.
    assert (
        client.get("/api/datasets", headers={"Origin": "https://evil.example"}).status_code == 200
    )


def test_csp_forbids_foreign_form_targets(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert csp == CSP and "form-action 'self'" in csp and "frame-ancestors 'none'" in csp


def test_json_body_limit_is_small_and_uploads_keep_theirs(client):
    big = b'{"dataset": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    err = error_of(client.post("/api/experiments", data=big, content_type="application/json"), 413)
    assert "limit for JSON requests" in err["message"]
    # The same size as a CSV upload is under MAX_CONTENT_LENGTH (100 MB): parsed, not refused.
    rows = b"a,b,label\n" + b"1,2,x\n" * (5 * 1024 * 1024 // 6)
    r = client.post("/api/uploads", data={"file": (io.BytesIO(rows), "big.csv")})
    assert r.status_code != 413, r.get_json()


@pytest.fixture
def exposed(data_dir, tmp_path):
    """As served with --host 0.0.0.0: a token is required."""
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "STATE_DIR": str(tmp_path / "state"),
            "HOST": "0.0.0.0",
            "ACCESS_TOKEN": "s3cret-token",
        }
    )
    return app


def test_token_is_required_off_loopback(exposed):
    client = exposed.test_client()
    err = error_of(client.get("/api/datasets", headers={"Host": "192.168.1.20:5000"}), 403)
    assert err["code"] == "token_required" and "?token=" in err["message"]
    assert client.get("/", headers={"Host": "192.168.1.20:5000"}).status_code == 403
    bad = {"Host": "192.168.1.20:5000", "Authorization": "token wrong"}
    assert client.get("/api/datasets", headers=bad).status_code == 403


def test_token_in_the_url_becomes_a_cookie(exposed):
    client = exposed.test_client()
    host = {"Host": "192.168.1.20:5000"}
    r = client.get("/?token=s3cret-token", headers=host)
    assert r.status_code == 302 and r.headers["Location"] == "/"  # the token leaves the URL
    cookie = r.headers["Set-Cookie"]
    assert TOKEN_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/", headers=host).status_code == 200  # the cookie now carries it
    assert client.get("/api/datasets", headers=host).status_code == 200


def test_token_in_an_authorization_header(exposed):
    client = exposed.test_client()
    for scheme in ("token", "Bearer"):
        headers = {"Host": "10.0.0.2", "Authorization": f"{scheme} s3cret-token"}
        assert client.get("/api/datasets", headers=headers).status_code == 200


def test_allowed_hosts_and_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.0.0.2") and not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.2")
    hosts = allowed_hosts({"HOST": "192.168.1.2", "ALLOWED_HOSTS": ["Box.Local"]})
    assert hosts is not None and {"localhost", "192.168.1.2", "box.local"} <= hosts
    assert allowed_hosts({"HOST": "0.0.0.0", "ACCESS_TOKEN": "t"}) is None


def test_event_streams_are_capped(data_dir, tmp_path):
    app = create_app(
        {"DATA_DIR": str(data_dir), "STATE_DIR": str(tmp_path / "s"), "MAX_EVENT_STREAMS": 1}
    )
    client = app.test_client()
    exp_id = client.post(
        "/api/experiments", json={"dataset": "iris", "config": {"epochs": 2}}
    ).get_json()["id"]
    app.extensions["latent_explorer.sessions"].wait(exp_id, timeout=120)
    first = client.get(f"/api/experiments/{exp_id}/events", buffered=False)
    assert first.status_code == 200
    second = client.get(f"/api/experiments/{exp_id}/events")
    assert error_of(second, 503)["code"] == "too_many_streams"
    first.close()  # the slot is given back when the stream closes
    assert client.get(f"/api/experiments/{exp_id}/events").status_code == 200
