"""setuptools' build backend, plus one check: a wheel or sdist without d3 serves a blank page
(and one without the widget's bundle has no ``Explorer.show()``).

d3 comes from npm (``make`` copies ``node_modules/d3/dist/d3.min.js`` into
``web/static/vendor/``; it is git-ignored, never committed). ``python -m build`` and
``pip wheel .`` run through here and stop with the fix when it is missing, instead of
packaging a page that cannot draw. Editable installs skip the check: ``make`` vendors d3 after.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (every hook this module does not wrap)

VENDOR = Path("src/latent_explorer/web/static/vendor")
# Every script index.html loads from vendor/ (the Makefile copies each from node_modules).
REQUIRED = ("d3.min.js",)
# The notebook widget's bundle (Explorer.show()), built by tools/build_widget.mjs.
WIDGET = Path("src/latent_explorer/web/static/widget")
WIDGET_FILES = ("widget.js", "widget.css")


def _check_vendor() -> None:
    missing = [name for name in REQUIRED if not (VENDOR / name).is_file()]
    if missing:
        raise SystemExit(
            f"latent-explorer build: {', '.join(missing)} missing from {VENDOR}/; the page "
            "needs it. Run `make src/latent_explorer/web/static/vendor/d3.min.js` (npm ci, "
            "then a copy from node_modules; likewise each REQUIRED file) and build again."
        )
    missing = [name for name in WIDGET_FILES if not (WIDGET / name).is_file()]
    if missing:
        raise SystemExit(
            f"latent-explorer build: {', '.join(missing)} missing from {WIDGET}/; the "
            "notebook widget needs it. Run `make widget` (npm ci, then node "
            "tools/build_widget.mjs) and build again."
        )


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):  # type: ignore[no-untyped-def]
    _check_vendor()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):  # type: ignore[no-untyped-def]
    _check_vendor()
    return _setuptools.build_sdist(sdist_directory, config_settings)
