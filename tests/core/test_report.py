"""The self-contained HTML report: the embedded data decodes to the stored values exactly,
every text from the experiment is escaped, the page can load nothing, and sizes stay bounded."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import re

import numpy as np
import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.report import build_report, decode_coords, decode_mask
from latent_explorer.core.report.page import json_for_script
from latent_explorer.core.report.payload import encode_coords, encode_mask, encode_pixels
from latent_explorer.core.selection import select_classes
from latent_explorer.core.training import TrainConfig

EVIL = "</script><script>alert(1)</script><!-- & \u2028"


def iris_chain(dataset=None) -> Experiment:
    """Iris, iteration 0 and a fine-tune on class 2 (few epochs: the report is under test)."""
    ds = dataset or load_dataset("iris")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=4, seed=3), device="cpu")
    exp.train()
    exp.retrain(select_classes(ds.y, [2], class_names=ds.class_names), epochs=2)
    return exp


def embedded_data(page: str) -> dict:
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S
    )
    assert found is not None
    return json.loads(found.group(1))


def inline_scripts(page: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", page, re.S)


@pytest.fixture(scope="module")
def iris_report():
    exp = iris_chain()
    return exp, build_report(exp, experiment_id="a" * 32)


def test_embedded_arrays_decode_to_the_stored_ones_exactly(iris_report):
    exp, page = iris_report
    data = embedded_data(page)
    n = exp.dataset.n_samples
    assert [it["index"] for it in data["iterations"]] == [0, 1]
    for it, stored in zip(data["iterations"], exp.iterations, strict=True):
        coords = decode_coords(it["coords"], n)
        assert coords.dtype == np.float32 and np.array_equal(coords, stored.coords)
        assert it["metrics"] == json.loads(json.dumps(stored.metrics))
        assert it["losses"] == pytest.approx(stored.losses)
    assert data["iterations"][0]["selected"] is None
    assert np.array_equal(decode_mask(data["iterations"][1]["selected"], n), np.arange(100, 150))
    labels = np.frombuffer(base64.b64decode(data["labels"]), dtype="<u1")
    assert data["label_dtype"] == "u1" and np.array_equal(labels, exp.dataset.y)
    assert data["dataset"]["fingerprint"] == exp.dataset.fingerprint
    assert data["config"] == exp.config.to_dict() and data["seed"] == 3
    assert set(data["versions"]) >= {"latent-explorer", "python", "numpy", "torch"}
    assert data["experiment"] == "a" * 32


def test_packing_round_trips_on_awkward_values():
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(13, 2)).astype(np.float32)
    coords[0] = [np.float32(1e-45), -0.0]  # a subnormal and a negative zero survive too
    back = decode_coords(encode_coords(coords), 13)
    assert back.tobytes() == coords.tobytes()
    for ids in ([], [0], [12], [1, 7, 8, 9]):  # byte boundaries of the bit mask
        assert decode_mask(encode_mask(np.array(ids, dtype=int), 13), 13).tolist() == ids


def test_the_page_can_load_nothing_and_runs_only_its_own_scripts(iris_report):
    _, page = iris_report
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None
    rules = dict(r.strip().split(" ", 1) for r in html.unescape(policy.group(1)).split(";"))
    assert rules["default-src"] == "'none'" and rules["img-src"] == "data:"
    scripts = inline_scripts(page)
    assert len(scripts) == 2  # d3, then the report's script
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    }
    assert set(rules["script-src"].split()) == hashes  # no 'unsafe-inline', nothing else
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)


def test_text_from_the_experiment_is_escaped():
    iris = load_dataset("iris")
    ds = dataclasses.replace(
        iris, name="user:" + EVIL, title=EVIL, class_names=[EVIL, "b", "c"], attributes={}
    )
    page = build_report(iris_chain(ds))
    assert EVIL not in page
    # Exactly three script elements open and close: nothing from the data ended one early.
    assert page.count("<script") == 3 and page.count("</script>") == 3
    assert "<!--" not in page
    assert html.escape(EVIL) in page  # the title and the dataset table, as text
    data = embedded_data(page)
    assert data["dataset"]["title"] == EVIL and data["dataset"]["class_names"][0] == EVIL


def test_json_for_script_escapes_what_could_end_or_bend_the_block():
    text = json_for_script({"a": "</script><!--\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!--\u2028&"}


def test_size_per_point_and_iteration(iris_report):
    """What the README states: about 10.8 bytes per point and iteration, 1.4 per point once
    (labels), ~21 KB per iteration of MNIST reconstructions, plus d3 and the script (~300 KB).
    So MNIST 10k with 30 iterations stays under 5 MB and 70k with 20 under 20 MB (the real
    encoders on arrays of those sizes; the fixed part measured on a real report)."""
    exp, page = iris_report
    n = exp.dataset.n_samples
    per_iteration = len(encode_coords(np.zeros((n, 2)))) + len(encode_mask(np.arange(0), n))
    fixed = len(page.encode()) - 2 * per_iteration  # iris: two iterations, no images
    assert fixed < 400_000
    images = len(encode_pixels(np.zeros((2 * 10, 28 * 28))))  # 2 digits per class
    assert images < 21_000
    for points, iterations, limit in ((10_000, 30, 5_000_000), (70_000, 20, 20_000_000)):
        coords = len(encode_coords(np.zeros((points, 2))))
        mask = len(encode_mask(np.arange(points // 2), points))
        assert (coords + mask) / points < 10.9
        labels = 4 * ((points + 2) // 3)
        size = fixed + labels + images + iterations * (coords + mask + images + 2_000)
        assert size <= limit, (points, iterations, size)


def test_image_data_carries_reconstructions_of_a_fixed_sample(iris_report):
    from latent_explorer.core.forgetting import strip_ids
    from latent_explorer.core.training import reconstruct

    assert embedded_data(iris_report[1])["reconstructions"] is None  # tabular: none
    ds = load_dataset("digits")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=2, seed=5), device="cpu")
    exp.train()
    exp.retrain(select_classes(ds.y, [0], class_names=ds.class_names), epochs=1)
    rec = embedded_data(build_report(exp))["reconstructions"]
    ids = np.concatenate(strip_ids(ds.y, per_class=2, seed=5))
    assert rec["ids"] == ids.tolist() and rec["shape"] == [8, 8]
    assert len(rec["by_iteration"]) == 2

    def pixels(text):
        return np.frombuffer(base64.b64decode(text), np.uint8).reshape(len(ids), 64)

    assert np.array_equal(pixels(rec["original"]), np.rint(ds.X[ids] * 255))
    for text, it in zip(rec["by_iteration"], exp.iterations, strict=True):
        expected = np.rint(np.clip(reconstruct(it.model, ds.X[ids], device="cpu"), 0, 1) * 255)
        assert np.array_equal(pixels(text), expected)


def test_the_wheel_declares_the_files_the_report_inlines():
    """pyproject's package-data must carry what page.py reads (test_wheel installs it too)."""
    import fnmatch
    from pathlib import Path

    from latent_explorer.core.report.page import ASSETS

    package = Path(__file__).resolve().parents[2] / "src" / "latent_explorer"
    text = (package.parents[1] / "pyproject.toml").read_text()  # no tomllib on Python 3.10
    block = re.search(
        r"\[tool\.setuptools\.package-data\][^\[]*?latent_explorer = \[(.*?)\]", text, re.S
    )
    assert block is not None
    patterns = re.findall(r'"([^"]+)"', block.group(1))
    assert "web/static/js/**/*.js" in patterns
    for path in ASSETS.values():
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, p) for p in patterns), relative


def test_the_notebook_writes_the_same_report(tmp_path):
    from latent_explorer.notebook import Explorer

    ex = Explorer("iris", epochs=2, seed=4, device="cpu").train()
    path = ex.report(tmp_path / "iris.html")
    data = embedded_data(path.read_text(encoding="utf-8"))
    assert np.array_equal(decode_coords(data["iterations"][0]["coords"], 150), ex.coords())
