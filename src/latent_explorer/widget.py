"""The inline explorer for notebooks: ``Explorer(...).show()`` (an anywidget).

It works wherever Jupyter widgets do (JupyterLab, VS Code, Notebook 7) without opening a port:
the coordinates, labels and class names travel through the widget's model over the kernel's
comm, and the front end is the page's own scatterplot, legend and brush, bundled by
``tools/build_widget.mjs`` into ``web/static/widget/`` (``make`` builds it; wheels carry it).

The explorer's :attr:`~latent_explorer.notebook.Explorer.selection` is the one selection: a
brush in the widget sets it, and ``ex.select_*`` shows in the widget. A Submit in the widget
calls :meth:`~latent_explorer.notebook.Explorer.retrain` in the kernel; ``ex.train()`` and
``ex.retrain()`` from Python redraw the widget with the new iteration.

This module imports anywidget at the top; :meth:`Explorer.show` imports it only when called,
so the rest of the notebook API works without the ``notebook`` extra.
"""

from __future__ import annotations

import contextlib
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets

from .core.selection import Selection, validate_ids

if TYPE_CHECKING:
    from .notebook import Explorer

BUNDLE = Path(__file__).resolve().parent / "web" / "static" / "widget"
SUBMIT_MODES = ("finetune", "scratch")


def _bundle(name: str) -> str:
    path = BUNDLE / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the widget's front end is built from the page's modules. "
            "Run `make widget` (npm ci, then node tools/build_widget.mjs) in the source tree."
        )
    return path.read_text(encoding="utf-8")


def coordinate_bytes(coords: np.ndarray) -> bytes:
    """Little-endian float32 bytes of an (n, 2) array: every x, then every y."""
    columns = np.asarray(coords, dtype=np.float32).T
    return np.ascontiguousarray(columns, dtype="<f4").tobytes()


class ExplorerWidget(anywidget.AnyWidget):  # type: ignore[misc]
    """The widget of one :class:`~latent_explorer.notebook.Explorer` (made by ``show()``).

    Traits (synchronised with the front end): ``coords`` (:func:`coordinate_bytes` of the
    shown iteration), ``labels`` (int32 bytes, class index per point), ``class_names``,
    ``iteration`` (-1 before training), ``selected_ids`` (sorted ids: the explorer's
    selection), ``selection_params`` (how the widget made it), ``busy`` and ``status``.
    """

    _esm = _bundle("widget.js")
    _css = _bundle("widget.css")

    coords = traitlets.Bytes(b"").tag(sync=True)
    labels = traitlets.Bytes(b"").tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    iteration = traitlets.Int(-1).tag(sync=True)
    selected_ids = traitlets.List(traitlets.Int()).tag(sync=True)
    selection_params = traitlets.Dict().tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)

    def __init__(self, explorer: Explorer, **kwargs: Any) -> None:
        ds = explorer.dataset
        super().__init__(
            labels=np.ascontiguousarray(ds.y, dtype="<i4").tobytes(),
            class_names=[str(c) for c in ds.class_names],
            **kwargs,
        )
        self._explorer = explorer
        self._show_iteration()
        self._show_selection()
        # The explorer holds the widget weakly: a widget that was closed and dropped does not
        # keep receiving updates, nor stay alive through the explorer.
        ref = weakref.ref(self)

        def listener(what: str) -> None:
            widget = ref()
            if widget is None:
                explorer._listeners.remove(listener)
            elif what == "iteration":
                widget._show_iteration()
            else:
                widget._show_selection()

        explorer._listeners.append(listener)
        self.observe(self._selected_in_widget, names="selected_ids")
        self.on_msg(self._on_message)

    # -- Python -> widget ---------------------------------------------------------------------

    def _show_iteration(self) -> None:
        its = self._explorer.experiment.iterations
        if not its:
            self.status = "Not trained yet: run ex.train() in the notebook."
            return
        it = its[-1]
        with self.hold_sync():
            self.coords = coordinate_bytes(it.coords)
            self.iteration = int(it.index)
            self.status = _describe(it.index, len(its))

    def _show_selection(self) -> None:
        chosen = self._explorer.selection
        ids = [] if chosen is None else chosen.ids.tolist()
        if ids != self.selected_ids:
            self.selected_ids = ids

    # -- widget -> Python ---------------------------------------------------------------------

    def _selected_in_widget(self, change: dict[str, Any]) -> None:
        ids = list(change["new"])
        current = self._explorer.selection
        if current is not None and current.ids.tolist() == ids:
            return  # our own echo of the explorer's selection
        if not ids:
            self._explorer.selection = None
            return
        n = self._explorer.dataset.n_samples
        params = dict(self.selection_params)
        method = str(params.pop("method", "brush"))
        if method not in ("brush", "class"):
            method = "brush"
        self._explorer.selection = Selection(validate_ids(ids, n_samples=n), method, params)

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "submit":
            return
        mode = content.get("mode", "finetune")
        epochs = content.get("epochs")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            epochs = None  # the default, as an empty field on the page
        # submit() puts a failure's reason in the widget's status line, where it is read.
        with contextlib.suppress(Exception):
            self.submit(mode=mode if mode in SUBMIT_MODES else "finetune", epochs=epochs)

    def submit(self, *, mode: str = "finetune", epochs: int | None = None) -> None:
        """What the widget's Submit button does: retrain on the selection, in the kernel.

        The new iteration is drawn when it is ready; its quality tables are measured when
        first asked for (``ex.metrics()``), so the plot does not wait for them.
        """
        chosen = self._explorer.selection
        if chosen is None or not len(chosen):
            self.status = "Select some points first (brush, or click a class in the legend)."
            return
        self.busy = True
        self.status = f"Training on {len(chosen):,} selected points…"
        try:
            self._explorer.retrain(mode=mode, epochs=epochs, measure=False)
        except Exception as exc:  # shown in the widget: nobody reads a comm handler's traceback
            self.status = f"Training failed: {exc}"
            raise
        finally:
            self.busy = False


def _describe(index: int, count: int) -> str:
    if index == 0:
        return "Iteration 0: trained on all points. Brush to select, then Submit."
    return f"Iteration {index} of {count - 1}: trained on a selection. Brush and Submit again."
