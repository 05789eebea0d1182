"""The notebook widget's model side (src/latent_explorer/widget.py), without a browser: what
the traits carry, and the one selection shared with the Explorer. tests/browser/test_widget.py
drives the same widget in JupyterLab."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.notebook import Explorer

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("anywidget")


@pytest.fixture
def trained():
    return Explorer("iris", model="ae", epochs=3, seed=0).train()


def test_coordinates_are_the_iterations_float32_x_then_y(trained):
    w = trained.show()
    coords = trained.coords()
    raw = np.frombuffer(w.coords, dtype="<f4")
    assert raw.size == 2 * coords.shape[0]
    # Exactly the iteration's float32 values, bit for bit: every x, then every y.
    assert raw[:150].tobytes() == np.ascontiguousarray(coords[:, 0], "<f4").tobytes()
    assert raw[150:].tobytes() == np.ascontiguousarray(coords[:, 1], "<f4").tobytes()
    labels = np.frombuffer(w.labels, dtype="<i4")
    assert labels.tolist() == trained.dataset.y.tolist()
    assert w.class_names == ["setosa", "versicolor", "virginica"]
    assert w.iteration == 0


def test_a_brush_in_the_widget_is_the_explorers_selection():
    ex = Explorer("iris", model="ae", epochs=3, seed=0)
    w = ex.show()
    assert w.iteration == -1 and "ex.train()" in w.status
    # What the front end sends: the params first, then the ids, in one update.
    with w.hold_trait_notifications():
        w.selection_params = {"method": "brush", "x": [0.0, 1.0], "y": [0.0, 1.0]}
        w.selected_ids = [7, 3, 5]
    assert ex.selection is not None
    assert ex.selection.ids.tolist() == [3, 5, 7]
    assert ex.selection.method == "brush"
    assert ex.selection.params == {"x": [0.0, 1.0], "y": [0.0, 1.0]}
    # Python's selection shows in the widget (and does not bounce back as a new one).
    ex.select_class("setosa")
    assert w.selected_ids == list(range(50))
    assert ex.selection.method == "class"
    w.selected_ids = []
    assert ex.selection is None
    with pytest.raises(Exception, match="out of range"):
        w.selected_ids = [150]


def test_submit_message_trains_a_new_iteration_and_redraws(trained):
    ex = trained
    w = ex.show()
    before = w.coords
    w._on_message(w, {"type": "submit", "mode": "finetune"}, [])
    assert len(ex.experiment.iterations) == 1  # nothing selected: nothing trained
    assert "Select some points first" in w.status

    ex.select_ids(range(50, 100))
    w._on_message(w, {"type": "submit", "mode": "finetune", "epochs": 2}, [])
    assert len(ex.experiment.iterations) == 2
    assert ex.experiment.iterations[1].selection.ids.tolist() == list(range(50, 100))
    first = ex.experiment.iterations[1]
    assert first.epochs == 2 and first.mode == "finetune"
    assert w.iteration == 1 and not w.busy
    assert w.coords == ex.iteration(1).coords.T.astype("<f4").tobytes()
    assert w.coords != before
    # A refused setting is said in the widget, in words, and nothing is trained.
    w._on_message(w, {"type": "submit", "mode": "scratch", "epochs": 10**9}, [])
    assert len(ex.experiment.iterations) == 2 and not w.busy
    assert w.status.startswith("Training failed: "), w.status
    # And from Python: retrain() redraws the widget too.
    ex.retrain(epochs=1, measure=False)
    assert w.iteration == 2
    assert np.frombuffer(w.coords, "<f4")[:150].tolist() == ex.coords()[:, 0].tolist()


def test_show_without_anywidget_names_the_extra(monkeypatch):
    monkeypatch.delitem(sys.modules, "latent_explorer.widget", raising=False)
    monkeypatch.setitem(sys.modules, "anywidget", None)
    ex = Explorer("iris", model="ae", epochs=1)
    with pytest.raises(ModuleNotFoundError, match=r"latent-space-explorer\[notebook\]"):
        ex.show()


def test_example_notebook_runs_headless_and_stores_the_widget(tmp_path, monkeypatch):
    """docs/examples/widget.ipynb in a real kernel (nbclient + ipykernel), as CI runs it."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # This environment's own python3 kernel, never one from the user's Jupyter folders.
    for name in ("JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    nb = nbformat.read(REPO / "docs" / "examples" / "widget.ipynb", as_version=4)
    # Generous: the kernel imports torch and trains on a loaded 2-core CI machine.
    client = nbclient.NotebookClient(
        nb, timeout=300, startup_timeout=120, kernel_name="python3", store_widget_state=True
    )
    client.execute(cwd=str(REPO))

    shown = nb.cells[1].outputs
    views = [o for o in shown if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, f"the widget cell displayed no widget: {shown}"
    model_id = views[0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    model = state[model_id]
    assert model["model_name"] == "AnyModel"
    fields = model["state"]
    assert fields["class_names"] == ["setosa", "versicolor", "virginica"]
    # The last cell selected versicolor and retrained: the stored state is iteration 1's.
    assert fields["iteration"] == 1
    assert fields["selected_ids"] == list(range(50, 100))
    # The bundle itself (no import left to resolve from a blob URL), and the coordinates.
    assert "default" in fields["_esm"] and "import " not in fields["_esm"]
    buffers = {tuple(b["path"]): b for b in model.get("buffers", [])}
    assert ("coords",) in buffers and ("labels",) in buffers, model.get("buffers")
    assert nb.cells[5].outputs[-1]["text"].strip() == "iteration 1 trained on 50 points"
