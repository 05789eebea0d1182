"""The command line as a tool: --version, ``python -m latent_explorer``, ``latent-explorer
FILE.csv``, a free port when 5000 is taken, and the access token off loopback (real servers in
subprocesses, real HTTP)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from latent_explorer import __version__, cli
from latent_explorer.cli import serve
from tests.local_server import REPO, free_port, stop_server


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "LATENT_EXPLORER_DATA": str(data_dir), "LATENT_EXPLORER_THREADS": "1"}
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("LATENT_EXPLORER_STATE", None)
    env.pop("LATENT_EXPLORER_TOKEN", None)
    return env


def _serve(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """Start ``python -m latent_explorer ARGS``; return it and the URL it printed."""
    fh = open(log, "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        [sys.executable, "-m", "latent_explorer", *args],
        stdout=fh,
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"open (http://\S+)", log.read_text())
        if found:
            url = found.group(1)
            port = int(re.search(r":(\d+)/", url).group(1))
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
            except urllib.error.HTTPError:
                return proc, url  # answering (403 without the token off loopback)
            except OSError:
                time.sleep(0.2)
                continue
            return proc, url
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"server did not start:\n{log.read_text()}")


def test_version_and_module_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "latent_explorer", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        check=True,
    )
    assert out.stdout.strip() == f"latent-explorer {__version__}"


def test_a_file_argument_means_serve_that_file():
    assert cli._file_shortcut(["data.csv", "--open"]) == ["serve", "--file", "data.csv", "--open"]
    assert cli._file_shortcut(["x.parquet"])[:2] == ["serve", "--file"]
    assert cli._file_shortcut(["train", "--dataset", "iris"])[0] == "train"
    assert cli._file_shortcut(["--version"]) == ["--version"]


def test_free_port_when_the_default_is_taken(monkeypatch):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        monkeypatch.setattr(serve, "DEFAULT_PORT", taken)
        port = serve._port("127.0.0.1", None)
        assert port != taken and port > 0
    assert serve._port("127.0.0.1", 6123) == 6123  # an explicit --port is kept as given


def test_open_a_csv_file(tmp_path, data_dir):
    csv = tmp_path / "flowers.csv"
    rows = [f"{1 + i % 7},{2 + i % 5},{i % 3 * 0.5},{'abc'[i % 3]}" for i in range(60)]
    csv.write_text("length,width,depth,kind\n" + "\n".join(rows) + "\n")
    port = free_port()
    args = [str(csv), "--port", str(port), "--state-dir", str(tmp_path / "state")]
    proc, url = _serve(args, _env(data_dir), tmp_path / "log.txt")
    try:
        assert url == f"http://127.0.0.1:{port}/"
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "user:flowers" in page  # the page opens on the file
        names = json.load(urllib.request.urlopen(url + "api/datasets", timeout=10))
        found = [d for d in names["datasets"] if d["name"] == "user:flowers"]
        assert found and found[0]["n_samples"] == 60 and found[0]["n_classes"] == 3
    finally:
        stop_server(proc)


def test_token_required_when_listening_on_all_addresses(tmp_path, data_dir):
    port = free_port()
    args = ["serve", "--host", "0.0.0.0", "--port", str(port), "--state-dir", str(tmp_path / "s")]
    proc, url = _serve(args, _env(data_dir), tmp_path / "log.txt")
    try:
        token = re.search(r"\?token=([0-9a-f]+)$", url)
        assert token, url
        base = f"http://127.0.0.1:{port}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/api/datasets", timeout=10)
        assert refused.value.code == 403
        assert json.load(refused.value)["error"]["code"] == "token_required"
        request = urllib.request.Request(
            base + "/api/datasets", headers={"Authorization": f"token {token.group(1)}"}
        )
        assert urllib.request.urlopen(request, timeout=10).status == 200
        ok = urllib.request.urlopen(f"{base}/api/datasets?token={token.group(1)}", timeout=10)
        assert ok.status == 200
    finally:
        stop_server(proc)


def test_npy_and_parquet_files_become_datasets(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    np.save(tmp_path / "points.npy", X)
    ds = serve._file_dataset(tmp_path / "points.npy")
    assert ds.n_samples == 40 and ds.n_features == 3
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(kind=["u", "v"] * 20)
    try:
        frame.to_parquet(tmp_path / "table.parquet")
    except ImportError:  # no Parquet engine: the CLI names the fix instead
        with pytest.raises(ValueError, match="pyarrow"):
            serve._file_dataset(tmp_path / "table.parquet")
        return
    ds = serve._file_dataset(tmp_path / "table.parquet")
    assert ds.n_samples == 40 and list(ds.feature_names) == ["a", "b", "c"]
    assert list(ds.class_names) == ["u", "v"]


def test_build_backend_packages_every_vendored_script_the_page_loads():
    """The page's <script src="/static/vendor/..."> files are what the build insists on."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import build_backend
    finally:
        sys.path.pop(0)
    page = (REPO / "src/latent_explorer/web/templates/index.html").read_text()
    loaded = set(re.findall(r'src="/static/vendor/([^"]+)"', page))
    assert loaded == set(build_backend.REQUIRED)


def test_extras_name_this_distribution_not_the_other_latent_explorer():
    """ "latent-explorer" on the package index is an unrelated project: a self-reference in
    the extras must use this distribution's own name, or pip fetches the other one."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    name = project["name"]
    for extra in project["optional-dependencies"].values():
        for requirement in extra:
            base = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()
            assert base != "latent-explorer", (requirement, f"use {name}[...]")
