"""Your own data over HTTP: upload a CSV, make a dataset of it, delete it.

``POST /api/uploads`` checks the file and keeps it in memory (an hour at most) under a uuid4
id; ``POST /api/datasets`` turns an upload into a dataset stored under
``<STATE_DIR>/datasets/``; ``DELETE /api/datasets/<name>`` removes one.

Settings: ``MAX_UPLOAD_MB`` (sets Flask's ``MAX_CONTENT_LENGTH``, 100 MB by default),
``UPLOAD_TTL_S`` (3600) and ``UPLOAD_CACHE_BYTES`` (twice the upload limit: older uploads are
dropped first beyond it).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import RequestEntityTooLarge

from ..contract import CreateDataset
from ..core.datasets import (
    CsvError,
    CsvPreview,
    Dataset,
    UserDatasetStore,
    build_dataset,
    dataset_names,
    inspect_csv,
    is_user_dataset,
    user_dataset_name,
)
from .errors import ApiError
from .parsing import body

bp = Blueprint("uploads", __name__, url_prefix="/api")

UPLOADS_KEY = "latent_explorer.uploads"
_DELIMITER_NAMES = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


@dataclass(frozen=True)
class Upload:
    data: bytes
    preview: CsvPreview
    created: float


class UploadCache:
    """Uploads waiting to become datasets: dropped after `ttl_s`, oldest first past `max_bytes`."""

    def __init__(self, *, ttl_s: float, max_bytes: int) -> None:
        self.ttl_s, self.max_bytes = ttl_s, max_bytes
        self._items: OrderedDict[str, Upload] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, data: bytes, preview: CsvPreview) -> str:
        key = uuid.uuid4().hex
        with self._lock:
            self._items[key] = Upload(data, preview, time.monotonic())
            self._evict()
        return key

    def get(self, key: str) -> Upload | None:
        with self._lock:
            self._evict()
            return self._items.get(key)

    def _evict(self) -> None:
        now = time.monotonic()
        total = sum(len(u.data) for u in self._items.values())
        while self._items:
            key, oldest = next(iter(self._items.items()))
            if now - oldest.created <= self.ttl_s and (
                total <= self.max_bytes or len(self._items) == 1
            ):
                break
            total -= len(oldest.data)
            del self._items[key]


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    config = state.app.config
    if config.get("MAX_UPLOAD_MB") is not None:
        config["MAX_CONTENT_LENGTH"] = int(float(config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    limit = config.get("MAX_CONTENT_LENGTH") or 100 * 1024 * 1024
    state.app.extensions[UPLOADS_KEY] = UploadCache(
        ttl_s=float(config.get("UPLOAD_TTL_S", 3600)),
        max_bytes=int(config.get("UPLOAD_CACHE_BYTES", 2 * limit)),
    )
    # Stored experiments are restored through the registry's loader; teach it "user:" names.
    registry = state.app.extensions.get("latent_explorer.sessions")
    builtin = getattr(registry, "load_dataset", None)
    if builtin is not None:
        store = UserDatasetStore(Path(config["STATE_DIR"]) / "datasets")

        def load(name: str) -> Dataset:
            return store.load(name) if is_user_dataset(name) else builtin(name)

        registry.load_dataset = load  # type: ignore[union-attr]


def user_store() -> UserDatasetStore:
    """The app's uploaded datasets, under ``<STATE_DIR>/datasets``."""
    return UserDatasetStore(Path(current_app.config["STATE_DIR"]) / "datasets")


def _uploads() -> UploadCache:
    return current_app.extensions[UPLOADS_KEY]


def _csv_error(exc: CsvError) -> ApiError:
    # A malformed option is a bad request; the rest is a file that cannot become a dataset.
    status = 400 if exc.code in ("bad_name", "bad_delimiter", "bad_scaling") else 422
    return ApiError(status, exc.code, exc.message)


@bp.post("/uploads")
def create_upload():  # type: ignore[no-untyped-def]
    try:
        file = request.files.get("file")
        delimiter = request.form.get("delimiter") or None
    except RequestEntityTooLarge:
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1024 / 1024
        raise ApiError(
            413,
            "upload_too_large",
            f"the file is larger than the upload limit ({limit:.3g} MB, setting MAX_UPLOAD_MB): "
            "upload a sample of the rows",
        ) from None
    if file is None:
        raise ApiError(400, "missing_file", 'send the CSV as multipart/form-data field "file"')
    delimiter = _DELIMITER_NAMES.get(delimiter or "", delimiter)
    # Shown back as plain text only; the folder part of a browser-given name is noise.
    filename = (file.filename or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1][:200]
    data = file.read()
    try:
        preview = inspect_csv(data, filename=filename, delimiter=delimiter)
    except CsvError as exc:
        raise _csv_error(exc) from exc
    upload_id = _uploads().put(data, preview)
    return jsonify({"upload_id": upload_id, **preview.to_dict()}), 201


@bp.post("/datasets")
def create_dataset():  # type: ignore[no-untyped-def]
    wanted = body(CreateDataset)
    upload = _uploads().get(wanted.upload_id)
    if upload is None:
        raise ApiError(
            404,
            "upload_not_found",
            f"upload ({wanted.upload_id!r:.80}) is unknown or expired: upload the file again",
        )
    preview = upload.preview
    name = wanted.name
    features = preview.suggested_features if wanted.features is None else wanted.features
    # Omitted: the suggested label; null: no label at all.
    label = wanted.label if "label" in wanted.model_fields_set else preview.suggested_label
    scaling, drop = wanted.scaling, wanted.drop_bad_rows
    store = user_store()
    try:
        if user_dataset_name(name) in store.names():
            raise ApiError(
                409,
                "dataset_exists",
                f"a dataset named {user_dataset_name(name)!r} exists: choose another name or "
                "delete it first",
            )
        dataset = build_dataset(
            upload.data,
            name=name,
            features=features,
            label=label,
            scaling=scaling,
            drop_bad_rows=drop,
            delimiter=preview.delimiter,
            source_name=preview.filename,
        )
    except CsvError as exc:
        raise _csv_error(exc) from exc
    try:
        info = store.save(dataset, preview.filename)
    except FileExistsError as exc:  # created by a concurrent request since the check above
        raise ApiError(409, "dataset_exists", f"{dataset.name!r} was just created") from exc
    return jsonify(asdict(info)), 201


def _refuse_if_used(name: str) -> None:
    """Deleting a dataset under stored experiments would leave them unrestorable (or, with a
    new file of the same name, shown with the wrong points): refuse, and list them."""
    store = getattr(current_app.extensions.get("latent_explorer.sessions"), "store", None)
    users = store.experiments_using(name) if store is not None else []
    if users:
        shown = ", ".join(f"{u['id']} (created {u['created_at'][:19]})" for u in users[:10])
        more = f" and {len(users) - 10} more" if len(users) > 10 else ""
        raise ApiError(
            409,
            "dataset_in_use",
            f"{name!r:.80} is used by {len(users)} stored experiment(s): {shown}{more}; "
            "delete those experiments first (DELETE /api/experiments/<id>)",
        )


@bp.delete("/datasets/<name>")
def delete_dataset(name: str):  # type: ignore[no-untyped-def]
    if name in dataset_names():
        raise ApiError(400, "builtin_dataset", f"{name!r} is built in; only uploads can go")
    _refuse_if_used(name)
    try:
        if not is_user_dataset(name):
            raise KeyError(name)
        user_store().delete(name)
    except KeyError:
        raise ApiError(
            404, "unknown_dataset", f"no uploaded dataset is named {name!r:.80}"
        ) from None
    return jsonify({"deleted": name})
