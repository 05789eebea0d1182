"""The widget's built module in Chromium without JupyterLab: imported from a blob URL as
anywidget does, rendered with a small model object whose state is a real ExplorerWidget's
(get_state), and bridged back by hand: what the module saves goes into the Python widget's
set_state, what it sends into its message handler. Fast, so it can check what the JupyterLab
test (test_widget.py) does not: class names are shown as text, never parsed as HTML.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from latent_explorer.core.datasets import Dataset
from latent_explorer.notebook import Explorer
from latent_explorer.widget import BUNDLE, ExplorerWidget

pytestmark = pytest.mark.browser

HOSTILE = ['<img src=x onerror="window.pwned=1">', "a & b </script>", "<b>bold</b>"]
TRAITS = ("coords", "labels", "class_names", "iteration", "selected_ids", "busy", "status")

# The page side: the module from a blob URL, and a model with anywidget's small API.
MOUNT = """
async ({esm, css, state}) => {
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
  const widget = (await import(url)).default;
  const bytes = (b64) => new DataView(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer);
  const decode = (s) => {
    const out = {...s};
    for (const k of ["coords", "labels"]) if (k in s) out[k] = bytes(s[k]);
    return out;
  };
  let values = decode(state);
  const handlers = {};
  window.saved = [];
  window.sent = [];
  const model = {
    get: (k) => values[k],
    set: (k, v) => { values[k] = v; },
    save_changes: () => window.saved.push({
      selected_ids: values.selected_ids, selection_params: values.selection_params,
    }),
    send: (msg) => window.sent.push(msg),
    on: (name, fn) => { (handlers[name] ||= []).push(fn); },
    off: () => {},
  };
  // The kernel's side of a state update (base64 bytes, as this test sends them).
  window.update = (next) => {
    values = {...values, ...decode(next)};
    for (const k of Object.keys(next)) for (const fn of handlers[`change:${k}`] || []) fn();
  };
  const host = document.createElement("div");
  document.body.append(host);
  widget.render({model, el: host});
}
"""


def _state(widget: ExplorerWidget, names=TRAITS) -> dict:
    out = {}
    for name in names:
        value = getattr(widget, name)
        out[name] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
    return out


@pytest.fixture(scope="module")
def explorer():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(c * 3.0, 1.0, size=(20, 4)) for c in range(3)])
    labels = np.repeat(np.arange(3), 20)
    ds = Dataset.from_arrays(X, labels, class_names=HOSTILE)
    return Explorer(ds, model="ae", epochs=3, seed=0).train()


def test_module_draws_shows_names_as_text_and_bridges_brush_and_submit(explorer, page):
    from playwright.sync_api import expect

    w = explorer.show()
    page.set_content("<!doctype html><html><body style='width:700px'></body></html>")
    esm = (BUNDLE / "widget.js").read_text()
    css = (BUNDLE / "widget.css").read_text()
    page.evaluate(MOUNT, {"esm": esm, "css": css, "state": _state(w)})

    root = page.locator(".latent-widget")
    expect(root).to_have_attribute("data-iteration", "0")
    expect(root).to_have_attribute("data-points-drawn", "60")
    # Shown as text, exactly, and nothing in them was parsed as markup.
    expect(root.locator(".legend-name")).to_have_text(HOSTILE)
    assert root.locator("img, b").count() == 0
    assert page.evaluate("window.pwned") is None

    # A brush over the left half: what the module saves is the explorer's selection.
    box = root.locator(".brush-layer .overlay").bounding_box()
    assert box and box["width"] > 100, box
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] - 2, steps=8)
    page.mouse.up()
    expect(root).not_to_have_attribute("data-selected", "0")
    saved = page.evaluate("window.saved.at(-1)")
    assert saved["selection_params"]["method"] == "brush"
    w.set_state(saved)  # what ipywidgets does with the front end's update
    assert explorer.selection is not None
    assert explorer.selection.ids.tolist() == saved["selected_ids"]
    assert 0 < len(explorer.selection) < 60
    shown = page.evaluate("Number(document.querySelector('.latent-widget').dataset.selected)")
    assert shown == len(explorer.selection)

    # Submit sends a message; the kernel trains and sends the new iteration back.
    page.locator(".widget-submit").click()
    sent = page.evaluate("window.sent")
    assert sent == [{"type": "submit", "mode": "finetune", "epochs": None}]
    w._on_message(w, sent[0], [])
    assert w.iteration == 1 and len(explorer.experiment.iterations) == 2
    page.evaluate("(next) => window.update(next)", _state(w, ("coords", "iteration", "status")))
    expect(root).to_have_attribute("data-iteration", "1")
    expect(root.locator(".plot-title")).to_have_text("Latent space, iteration 1")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
