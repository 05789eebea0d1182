"""Artifacts through fsspec: the same tests on a local folder and on S3 (moto_server)."""

from __future__ import annotations

import io
import os
import threading

import numpy as np
import pytest

from latent_explorer.store import Artifacts
from latent_explorer.store.artifacts import check_key


def test_round_trip_of_bytes_and_arrays(artifacts_root):
    store = Artifacts(artifacts_root)
    coords = np.arange(12, dtype=np.float32).reshape(6, 2)
    buf = io.BytesIO()
    np.save(buf, coords, allow_pickle=False)
    store.write_bytes("experiments/abc/iter_0/coords.npy", buf.getvalue())
    store.write_bytes("experiments/abc/iter_0/model.pt", b"\x00weights")
    store.write_bytes("experiments/abd/iter_0/model.pt", b"other")

    back = np.load(io.BytesIO(store.read_bytes("experiments/abc/iter_0/coords.npy")))
    assert back.dtype == np.float32
    assert np.array_equal(back, coords)
    assert store.read_bytes("experiments/abc/iter_0/model.pt") == b"\x00weights"
    assert store.exists("experiments/abc/iter_0/model.pt")
    assert not store.exists("experiments/abc/iter_1/model.pt")
    assert store.keys("experiments/abc") == [
        "experiments/abc/iter_0/coords.npy",
        "experiments/abc/iter_0/model.pt",
    ]


def test_overwrite_replaces_the_whole_object(artifacts_root):
    store = Artifacts(artifacts_root)
    store.write_bytes("a/b.bin", b"x" * 100_000)
    store.write_bytes("a/b.bin", b"short")
    assert store.read_bytes("a/b.bin") == b"short"


def test_delete_removes_a_folder_and_only_it(artifacts_root):
    store = Artifacts(artifacts_root)
    store.write_bytes("experiments/one/iter_0/coords.npy", b"1")
    store.write_bytes("experiments/one/iter_1/coords.npy", b"2")
    store.write_bytes("experiments/two/iter_0/coords.npy", b"3")
    store.delete("experiments/one")
    assert store.keys("experiments/one") == []
    assert store.keys("experiments") == ["experiments/two/iter_0/coords.npy"]
    store.delete("experiments/never")  # absent: nothing to do, no error


def test_a_missing_key_names_its_url(artifacts_root):
    store = Artifacts(artifacts_root)
    with pytest.raises(FileNotFoundError, match=r"nothing/here\.npy does not exist"):
        store.read_bytes("nothing/here.npy")


def test_a_second_client_sees_what_the_first_wrote(artifacts_root):
    # The web server reads what a worker (another process, another client) wrote.
    writer, reader = Artifacts(artifacts_root), Artifacts(artifacts_root)
    assert reader.keys("shared") == []
    writer.write_bytes("shared/x.bin", b"from the worker")
    assert reader.keys("shared") == ["shared/x.bin"]
    assert reader.read_bytes("shared/x.bin") == b"from the worker"


def test_readers_never_see_half_a_write(artifacts_root):
    store = Artifacts(artifacts_root)
    versions = [bytes([i]) * 300_000 for i in range(1, 6)]
    store.write_bytes("race/blob.bin", versions[0])
    seen: list[bytes] = []
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            seen.append(store.read_bytes("race/blob.bin"))

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for data in versions[1:]:
            store.write_bytes("race/blob.bin", data)
    finally:
        stop.set()
        reader.join()
    assert seen, "the reader never read"
    assert all(blob in versions for blob in seen)


@pytest.mark.parametrize(
    "key", ["", "/abs", "a//b", "../up", "a/../b", ".hidden", "a/.tmp", "sp ace", "a\\b"]
)
def test_keys_that_could_escape_the_root_are_refused(key):
    with pytest.raises(ValueError, match="must be '/'-separated names"):
        check_key(key)


def test_local_writes_leave_no_temporary_files(tmp_path):
    store = Artifacts(tmp_path / "root")
    for i in range(3):
        store.write_bytes("f/data.bin", bytes([i]) * 10)
    assert os.listdir(tmp_path / "root" / "f") == ["data.bin"]
    assert store.url("f/data.bin") == f"file://{tmp_path / 'root' / 'f' / 'data.bin'}"


def test_local_root_accepts_a_file_url(tmp_path):
    Artifacts(f"file://{tmp_path / 'r'}").write_bytes("k.bin", b"v")
    assert (tmp_path / "r" / "k.bin").read_bytes() == b"v"
