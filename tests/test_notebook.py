"""The notebook API: the README example runs as written; serve builds the app on the experiment."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.quality import PCA_KEYS
from latent_explorer.notebook import Explorer, load

REPO = Path(__file__).resolve().parents[1]

# The README's "Python API" example, verbatim (test_readme_holds_this_example keeps them equal).
EXAMPLE = """\
from latent_explorer.notebook import Explorer

ex = Explorer("iris", model="vae", epochs=40, seed=0)  # any training setting as a keyword
ex.train()                              # iteration 0: all points, then measured
print(ex.metrics()["all"])              # T, C, NH, Shepard, stress, errors; pca_* = PCA's

ex.select_class("versicolor")           # also select_random(30, seed=1), select_ids([...]),
                                        # select_box(x0, y0, x1, y1)
ex.retrain(mode="finetune", epochs=10)  # iteration 1: fine-tune on the selection
before, after = ex.metrics(before=True), ex.metrics()
print("selected T(7):", before["selected"]["trustworthiness"], "->",
      after["selected"]["trustworthiness"], "| PCA:", after["selected"]["pca_trustworthiness"])

xy = ex.coords()                        # (150, 2) latent coordinates of the latest iteration
ex.save("runs/iris-vae")                # Explorer.open("runs/iris-vae") reads it back
ex.report("iris-vae.html")              # one HTML file to share (see *Report*)
ex.serve(port=5000)                     # serves http://127.0.0.1:5000/?experiment=<id>
"""


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    served = []

    def serve(self, port=5000):  # serve() blocks: build the same app without running it
        served.append(self.to_app(port=port, config={"STATE_DIR": str(tmp_path / "state")}))

    monkeypatch.setattr(Explorer, "serve", serve)
    scope: dict = {}
    exec(compile(EXAMPLE, "README example", "exec"), scope)
    ex = scope["ex"]
    assert served and served[0][1].startswith("http://127.0.0.1:5000/?experiment=")
    assert len(ex.experiment.iterations) == 2 and scope["xy"].shape == (150, 2)
    assert set(scope["after"]) == {"all", "selected", "rest"}
    assert scope["after"]["selected"]["n_points"] == 50
    assert "selected T(7):" in capsys.readouterr().out
    back = Explorer.open(tmp_path / "runs" / "iris-vae")
    np.testing.assert_array_equal(back.coords(), scope["xy"])
    assert back.metrics() == scope["after"]
    assert (tmp_path / "iris-vae.html").read_text().lower().startswith("<!doctype html>")


def test_readme_holds_this_example():
    """Once the example is pasted into the README, the two must not drift apart."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    ours = [b for b in blocks if "latent_explorer.notebook" in b]
    assert ours, "README.md lost its latent_explorer.notebook example"
    assert ours[0] == EXAMPLE


@pytest.fixture(scope="module")
def iris_ae():
    return Explorer(load("iris"), model="ae", epochs=15, seed=1, device="cpu").train()


def test_selections(iris_ae):
    ds = iris_ae.dataset
    assert (
        iris_ae.select_class("setosa", 2).selection.ids.tolist()
        == np.flatnonzero(ds.y != 1).tolist()
    )
    a = iris_ae.select_random(20, seed=4).selection
    assert len(a) == 20 and iris_ae.select_random(20, seed=4).selection.ids.tolist() == (
        a.ids.tolist()
    )
    assert iris_ae.select_ids([3, 1, 2]).selection.ids.tolist() == [1, 2, 3]
    c = iris_ae.coords()
    x0, x1 = np.quantile(c[:, 0], [0.25, 0.75])
    box = iris_ae.select_box(x1, c[:, 1].max(), x0, c[:, 1].min()).selection  # any corner order
    assert box.ids.tolist() == np.flatnonzero((c[:, 0] >= x0) & (c[:, 0] <= x1)).tolist()
    assert box.method == "brush"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda ex: ex.select_class("rose"), "class"),
        (lambda ex: ex.select_ids([150]), "out of range"),
        (lambda ex: ex.select_box(100, 100, 101, 101), "no point"),
        (lambda ex: ex.coords(5), r"iteration \(5\)"),
        (lambda ex: ex.metrics(0, before=True), "no parent"),
    ],
)
def test_errors_name_the_problem(iris_ae, call, match):
    with pytest.raises(ValueError, match=match):
        call(iris_ae)


def test_unknown_config_is_refused():
    with pytest.raises(ValueError, match="epochz"):
        Explorer("iris", epochz=3)


def test_retrain_needs_a_selection():
    ex = Explorer("iris", epochs=2, device="cpu").train()
    with pytest.raises(ValueError, match="nothing is selected"):
        ex.retrain()


def test_pca_and_neighbours(iris_ae):
    xy, row = iris_ae.pca()
    assert xy.shape == (150, 2) and set(PCA_KEYS) <= set(row)
    rep = iris_ae.neighbours(0, k=5, space="latent")
    assert rep.ids.size == 5 and rep.space == "latent"


def test_module_imports_no_flask():
    import subprocess

    code = "import sys, latent_explorer.notebook; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_to_app_serves_this_experiment(iris_ae, tmp_path):
    from latent_explorer.web import create_app

    state = str(tmp_path / "state")
    app, url = iris_ae.to_app(port=5123, config={"STATE_DIR": state})
    match = re.fullmatch(r"http://127\.0\.0\.1:5123/\?experiment=([0-9a-f]{32})", url)
    assert match
    client = app.test_client()
    body = client.get(f"/api/experiments/{match[1]}").get_json()
    assert body["status"] == "ready" and len(body["iterations"]) == 1
    assert body["iterations"][0]["measured"]
    emb = client.get(f"/api/experiments/{match[1]}/iterations/0/embedding").get_json()
    assert emb["x"] == pytest.approx(iris_ae.coords()[:, 0].tolist())
    # Stored like a page-trained experiment: a new server process finds it.
    again = create_app({"STATE_DIR": state}).test_client()
    restored = again.get(f"/api/experiments/{match[1]}").get_json()
    assert restored["status"] == "ready" and len(restored["iterations"]) == 1
