"""The notebook widget's model side (src/latent_explorer/widget.py), without a browser: what
the traits carry, and the one selection shared with the Explorer. tests/browser/test_widget.py
drives the same widget in JupyterLab."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from latent_explorer.notebook import Explorer

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
    w._on_message(w, {"type": "submit", "mode": "finetune"}, [])
    assert len(ex.experiment.iterations) == 2
    assert ex.experiment.iterations[1].selection.ids.tolist() == list(range(50, 100))
    assert w.iteration == 1 and not w.busy
    assert w.coords == ex.iteration(1).coords.T.astype("<f4").tobytes()
    assert w.coords != before
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
