"""The report as one HTML file: the payload as inert JSON, d3 and the report's script inlined.

The file must open anywhere, offline, and never reach out: every script is inline, and a
Content-Security-Policy meta tag allows exactly those scripts (by hash), inline styles and
``data:`` images, nothing else (no fetch, no frames, no forms). Text from the experiment (a
dataset's name, a class name, a selection's parameters) is either escaped here or put in
the DOM by the script with ``textContent``; in the JSON block ``<``, ``>`` and ``&`` are
written as ``\\u003c`` ..., so no ``</script>`` or ``<!--`` can end or bend it.

The front end's assets live beside the web layer's other static files (``static/js/report/``,
``static/css/report.css``, ``static/vendor/d3.min.js``) and are read as files: importing the
web package would import Flask, which the core never does.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"
ASSETS = {
    "d3": STATIC / "vendor" / "d3.min.js",
    "script": STATIC / "js" / "report" / "report.js",
    "style": STATIC / "css" / "report.css",
}
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def read_asset(key: str) -> str:
    path = ASSETS[key]
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the report inlines it (d3 comes from npm: run `make run`)"
        )
    return path.read_text(encoding="utf-8")


def json_for_script(value: Any) -> str:
    """``value`` as JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def script_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def csp(scripts: list[str]) -> str:
    """A policy that lets the page run its own inline scripts and load nothing at all."""
    hashes = " ".join(script_hash(s) for s in scripts)
    return (
        "default-src 'none'; "
        f"script-src {hashes}; "
        "style-src 'unsafe-inline'; "
        "img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "".join(
        f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{html.escape(_text(v))}</td></tr>"
        for k, v in pairs
    )


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def settings_tables(payload: dict[str, Any]) -> str:
    """Dataset, model and configuration, versions: static tables, escaped here."""
    ds = payload["dataset"]
    dataset = [
        ("name", ds["name"]),
        ("title", ds["title"]),
        ("points", ds["n_samples"]),
        ("features", ds["n_features"]),
        ("kind", ds["kind"]),
        ("classes", ", ".join(ds["class_names"])),
        ("fingerprint (sha256 of values and labels)", ds["fingerprint"]),
    ]
    model = [
        ("model", payload["model"]),
        ("device", payload["device"]),
        ("metric sample (Shepard, stress)", payload["metric_sample_size"]),
        *sorted(payload["config"].items()),
    ]
    versions = sorted(payload["versions"].items())
    out = []
    for title, pairs in (
        ("Dataset", dataset),
        ("Model and training configuration", model),
        ("Versions", versions),
    ):
        out.append(
            f"<section class='settings'><h2>{html.escape(title)}</h2>"
            f"<table class='kv'>{_rows(pairs)}</table></section>"
        )
    return "".join(out)


def render_page(payload: dict[str, Any], *, title: str) -> str:
    """The whole HTML document for ``payload`` (see :func:`.payload.report_payload`)."""
    d3_source, script, style = read_asset("d3"), read_asset("script"), read_asset("style")
    if "</script" in d3_source.lower() or "</script" in script.lower():
        raise ValueError("an inlined script contains '</script': it would end its own tag")
    data = json_for_script(payload)
    created = payload.get("created_at") or ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{html.escape(csp([d3_source, script]))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="latent-explorer {html.escape(payload["versions"]["latent-explorer"])}">
<title>{html.escape(title)}</title>
<style>{style}</style>
</head>
<body>
<header><h1>{html.escape(title)}</h1>
<p class="sub">Report written {html.escape(created)}. One file: it works offline and loads nothing.</p>
</header>
<main>
<section class="explore">
<div class="picker"><label for="iteration">Iteration</label> <select id="iteration"></select>
<span id="iteration-text" class="muted"></span></div>
<div id="legend" class="legend"></div>
<div id="plots" class="plots"></div>
<p class="muted">Hover a point for its id and class; scroll or pinch to zoom, drag to pan,
double-click to reset.</p>
</section>
<section><h2>Metrics</h2><div id="metrics"></div></section>
<section><h2>Training loss</h2><div id="losses"></div></section>
<section id="reconstructions-section" hidden><h2>Reconstructions</h2>
<p class="muted">The same seeded points of every class: the originals, then as the parent and
this iteration reconstruct them.</p><div id="reconstructions"></div></section>
{settings_tables(payload)}
</main>
<div id="tooltip" class="tooltip" role="status" hidden></div>
<script type="application/json" id="report-data">{data}</script>
<script>{d3_source}</script>
<script>{script}</script>
</body>
</html>
"""
