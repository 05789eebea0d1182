"""Tests for the dataset registry, loaders and downloads.

The real files come from the shared data folder (``LATENT_EXPLORER_DATA``, default
``/work/shared/datasets``); they are never copied into the repository. The network is never
used: downloads go through a fake :func:`_download.fetch_url` or a ``file://`` URL.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core import datasets as ds
from latent_explorer.core.datasets import (
    Dataset,
    DatasetError,
    DatasetUnavailable,
    dataset_names,
    folders,
    list_datasets,
    load_dataset,
    registry,
    resolve_data_dirs,
    tabular,
)
from latent_explorer.core.datasets import download as _download

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
AIR_HEADER = (
    "Date,Time,CO(GT),PT08.S1(CO),NMHC(GT),C6H6(GT),PT08.S2(NMHC),NOx(GT),PT08.S3(NOx),"
    "NO2(GT),PT08.S4(NO2),PT08.S5(O3),T,RH,AH"
)


# Read at import, before the autouse fixture below clears the variable for each test.
SHARED_DATA = Path(os.environ.get("LATENT_EXPLORER_DATA", "/work/shared/datasets"))


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """The shared folder with the real dataset files; its absence is a failure, not a skip."""
    if not SHARED_DATA.is_dir():
        pytest.fail(
            f"Dataset folder {SHARED_DATA} is missing: set LATENT_EXPLORER_DATA to the folder "
            "holding winequality-*.csv, airquality.csv and mnist/.",
            pytrace=False,
        )
    return SHARED_DATA


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keep tests off the real user cache and the caller's environment; return the cache."""
    cache = tmp_path / "user-cache"
    monkeypatch.setattr(folders, "default_cache_dir", lambda: cache)
    monkeypatch.delenv(ds.ENV_VAR, raising=False)
    return cache


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    path = tmp_path / "empty"
    path.mkdir()
    return path


def _has_mnist_train(data_dir: Path) -> bool:
    return any((data_dir / sub / "train-images-idx3-ubyte.gz").is_file() for sub in ("mnist", ""))


def _comma_to_uci(text: str) -> str:
    """Rewrite the comma-separated air quality layout in UCI's original one."""
    lines = [line for line in text.splitlines() if line.strip()]
    out = [lines[0].replace(",", ";") + ";;"]
    for line in lines[1:]:
        date, time, *values = line.split(",")
        month, day, year = date.split("/")
        fields = [f"{int(day):02d}/{int(month):02d}/{year}", time.replace(":", ".")]
        fields += [v.replace(".", ",") for v in values]
        out.append(";".join(fields) + ";;")
    # UCI's file ends with lines of bare separators and blank lines, with CRLF endings.
    out += [";" * 16, ";" * 16, ""]
    return "\r\n".join(out) + "\r\n"


# --------------------------------------------------------------------------- registry


def test_dataset_names() -> None:
    assert dataset_names() == [
        "iris",
        "wine_quality",
        "air_quality",
        "mnist",
        "fashion_mnist",
        "digits",
    ]


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="iris.*wine_quality.*air_quality.*mnist.*digits"):
        load_dataset("cifar")


def test_resolve_data_dirs_order(
    tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv(ds.ENV_VAR, os.pathsep.join([str(b), str(a)]))
    assert resolve_data_dirs(a) == [a, b, isolated]
    assert resolve_data_dirs() == [b, a, isolated]
    monkeypatch.delenv(ds.ENV_VAR)
    assert resolve_data_dirs() == [isolated]


def test_core_does_not_import_flask() -> None:
    code = "import sys, latent_explorer.core.datasets; assert 'flask' not in sys.modules"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# --------------------------------------------------------------------------- loaders


def _check_common(dataset: Dataset, n: int, d: int) -> None:
    assert dataset.X.shape == (n, d) and dataset.X.dtype == np.float32
    assert dataset.raw.shape == (n, d)
    assert dataset.y.shape == (n,) and dataset.y.dtype == np.int64
    assert dataset.y.min() >= 0 and dataset.y.max() < dataset.n_classes
    assert len(dataset.feature_names) == d
    assert np.isfinite(dataset.X).all()
    assert (dataset.n_samples, dataset.n_features) == (n, d)
    json.dumps(dataset.info())  # the summary must be JSON-ready for the web layer


def test_iris() -> None:
    iris = load_dataset("iris")
    _check_common(iris, 150, 4)
    assert iris.raw.dtype == np.float64 and iris.kind == "tabular"
    assert iris.class_names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(iris.X.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(iris.X.std(axis=0), 1, atol=1e-5)
    np.testing.assert_allclose(iris.to_raw(iris.X), iris.raw, atol=1e-5)


def test_digits() -> None:
    digits = load_dataset("digits")
    _check_common(digits, 1797, 64)
    assert digits.kind == "image" and digits.image_shape == (8, 8)
    assert digits.X.min() == 0 and digits.X.max() == 1


def test_wine_quality(data_dir: Path) -> None:
    wine = load_dataset("wine_quality", data_dir=data_dir)
    _check_common(wine, 6497, 11)
    assert wine.raw.dtype == np.float64
    wine_type = wine.attributes["type"]
    assert (wine_type == "red").sum() == 1599 and (wine_type == "white").sum() == 4898
    assert (wine_type[:1599] == "red").all()  # red rows first: ids follow the files
    assert wine.class_names == ["3", "4", "5", "6", "7", "8", "9"]
    scores = np.array(wine.class_names, dtype=int)[wine.y]
    np.testing.assert_array_equal(scores, wine.attributes["quality"])
    assert wine.feature_names[0] == "fixed acidity" and "quality" not in wine.feature_names
    np.testing.assert_allclose(wine.raw[0, :3], [7.4, 0.7, 0.0])
    np.testing.assert_allclose(wine.X.mean(axis=0), 0, atol=1e-4)


def test_air_quality(data_dir: Path) -> None:
    air = load_dataset("air_quality", data_dir=data_dir)
    _check_common(air, 9357, 12)
    assert "NMHC(GT)" not in air.feature_names
    assert not np.isnan(air.raw).any() and not (air.raw == -200).any()
    assert air.class_names == ["night", "morning", "afternoon", "evening"]
    assert air.attributes["datetime"][0] == "2004-03-10T18:00:00"
    hour = air.attributes["hour"]
    np.testing.assert_array_equal(air.y, hour // 6)
    assert np.bincount(air.y).tolist() == [2340, 2340, 2337, 2340]
    # Every -200 in a kept column is counted once in missing_count, and only there.
    rows = [line.split(",") for line in (data_dir / "airquality.csv").read_text().split()[1:]]
    kept = [i for i, name in enumerate(AIR_HEADER.split(",")) if i >= 2 and name != "NMHC(GT)"]
    expected = [sum(float(row[i]) == -200 for i in kept) for row in rows]
    np.testing.assert_array_equal(air.attributes["missing_count"], expected)
    # Observed values pass through untouched.
    assert air.raw[0, air.feature_names.index("CO(GT)")] == 2.6


def test_mnist(data_dir: Path) -> None:
    mnist = load_dataset("mnist", data_dir=data_dir)
    n = 70_000 if _has_mnist_train(data_dir) else 10_000
    _check_common(mnist, n, 784)
    assert mnist.kind == "image" and mnist.image_shape == (28, 28)
    assert mnist.X.min() == 0 and mnist.X.max() == 1
    test = slice(n - 10_000, n)  # test images come last
    assert mnist.y[test][0] == 7
    assert np.bincount(mnist.y[test]).tolist() == MNIST_TEST_COUNTS
    assert (mnist.attributes["split"][test] == "test").all()


def test_ids_are_stable_and_cache_is_reused(data_dir: Path) -> None:
    for name in ("wine_quality", "air_quality"):
        first = load_dataset(name, data_dir=data_dir, cache=False)
        second = load_dataset(name, data_dir=data_dir, cache=False)
        assert first is not second
        np.testing.assert_array_equal(first.X, second.X)
        np.testing.assert_array_equal(first.y, second.y)
    assert load_dataset("mnist", data_dir=data_dir) is load_dataset("mnist", data_dir=data_dir)


# --------------------------------------------------------------------------- bad files


def test_red_file_with_white_rows_appended_is_rejected(data_dir: Path, tmp_path: Path) -> None:
    red = (data_dir / "winequality-red.csv").read_text()
    white = (data_dir / "winequality-white.csv").read_text()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "winequality-red.csv").write_text(red + white.split("\n", 1)[1])
    (bad / "winequality-white.csv").write_text(white)
    with pytest.raises(DatasetError, match=r"winequality-red\.csv.*6,497.*1,599.*appended"):
        load_dataset("wine_quality", data_dir=bad)


def test_unparsable_wine_file_is_rejected(data_dir: Path, tmp_path: Path) -> None:
    lines = (data_dir / "winequality-white.csv").read_text().splitlines()
    lines[5] = lines[5].replace(";", ";oops", 1)
    shutil.copy(data_dir / "winequality-red.csv", tmp_path)
    (tmp_path / "winequality-white.csv").write_text("\n".join(lines))
    with pytest.raises(DatasetError, match=r"winequality-white\.csv, line 6: 'oops"):
        load_dataset("wine_quality", data_dir=tmp_path)


def test_uci_original_air_layout_parses_like_comma_variant(tmp_path: Path) -> None:
    comma = "\n".join(
        [
            AIR_HEADER,
            "3/10/2004,18:00:00,2.6,1360,150,11.9,1046,166,1056,113,1692,1268,13.6,48.9,0.7578",
            "3/10/2004,19:00:00,-200,1292,112,9.4,955,103,1174,92,1559,972,13.3,47.7,0.7255",
            "3/10/2004,20:00:00,2.2,1402,88,9.0,939,131,1140,114,1555,1074,11.9,54.0,0.7502",
            "12/1/2004,0:00:00,1.5,-200,-200,5.1,800,-200,900,80,1400,900,-1.9,60.5,0.3",
        ]
    )
    (tmp_path / "airquality.csv").write_text(comma + "\n")
    (tmp_path / "AirQualityUCI.csv").write_text(_comma_to_uci(comma), newline="")
    t1, c1, v1 = tabular._read_air_quality(tmp_path / "airquality.csv")
    t2, c2, v2 = tabular._read_air_quality(tmp_path / "AirQualityUCI.csv")
    np.testing.assert_array_equal(t1, t2)
    assert c1 == c2
    np.testing.assert_array_equal(v1, v2)  # NaNs in the same places compare equal here
    assert str(t1[3]) == "2004-12-01T00:00:00" and np.isnan(v1[1, 0]) and v1[3, -3] == -1.9


def test_whole_air_file_in_uci_layout_loads_the_same(data_dir: Path, tmp_path: Path) -> None:
    text = (data_dir / "airquality.csv").read_text()
    (tmp_path / "AirQualityUCI.csv").write_text(_comma_to_uci(text), newline="")
    original = load_dataset("air_quality", data_dir=tmp_path, cache=False)
    variant = load_dataset("air_quality", data_dir=data_dir, cache=False)
    np.testing.assert_array_equal(original.raw, variant.raw)
    np.testing.assert_array_equal(original.attributes["datetime"], variant.attributes["datetime"])


def test_short_air_file_is_rejected(data_dir: Path, tmp_path: Path) -> None:
    lines = (data_dir / "airquality.csv").read_text().splitlines()
    (tmp_path / "airquality.csv").write_text("\n".join(lines[:100]))
    with pytest.raises(DatasetError, match=r"airquality\.csv has 99 data rows, expected 9,357"):
        load_dataset("air_quality", data_dir=tmp_path)


def _write_idx(path: Path, magic: int, dims: tuple[int, ...], payload: bytes) -> None:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    path.write_bytes(gzip.compress(header + payload))


@pytest.mark.parametrize(
    ("magic", "payload_size", "message"),
    [
        (2049, 10_000 * 4, "magic number 2049, expected 2051"),
        (2051, 10_000 * 4 - 1, "truncated"),
    ],
)
def test_bad_idx_images_are_rejected(
    data_dir: Path, tmp_path: Path, magic: int, payload_size: int, message: str
) -> None:
    (tmp_path / "mnist").mkdir()
    _write_idx(
        tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz",
        magic,
        (10_000, 2, 2),
        b"\0" * payload_size,
    )
    shutil.copy(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz", tmp_path / "mnist")
    with pytest.raises(DatasetError, match=message):
        load_dataset("mnist", data_dir=tmp_path)


# --------------------------------------------------------------------------- missing data


def test_missing_dataset_message_names_files_urls_and_folders(empty_dir: Path) -> None:
    with pytest.raises(DatasetUnavailable) as caught:
        load_dataset("wine_quality", data_dir=empty_dir)
    message = str(caught.value)
    for needed in (
        "winequality-red.csv",
        "winequality-white.csv",
        "https://archive.ics.uci.edu/static/public/186/wine+quality.zip",
        str(empty_dir),
        "--data-dir",
        "LATENT_EXPLORER_DATA",
    ):
        assert needed in message

    with pytest.raises(DatasetUnavailable) as caught:
        load_dataset("mnist", data_dir=empty_dir)
    message = str(caught.value)
    assert "t10k-images-idx3-ubyte.gz" in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz" in message
    assert str(empty_dir / "mnist") in message


def test_list_datasets_availability(data_dir: Path, empty_dir: Path) -> None:
    found = {info.name: info for info in list_datasets(data_dir=data_dir)}
    assert list(found) == dataset_names()
    assert {n: i.availability for n, i in found.items()} == {
        "iris": "embedded",
        "wine_quality": "cached",
        "air_quality": "cached",
        "mnist": "cached",
        "fashion_mnist": "cached",  # Debian's package, in /usr/share/datasets
        "digits": "embedded",
    }
    assert found["mnist"].n_samples == (70_000 if _has_mnist_train(data_dir) else 10_000)
    assert found["wine_quality"].n_samples == 6497 and found["wine_quality"].n_classes == 7
    assert found["air_quality"].files == ["AirQualityUCI.csv"]

    absent = {info.name: info for info in list_datasets(data_dir=empty_dir)}
    assert absent["mnist"].availability == "downloadable" and absent["mnist"].n_samples == 70_000
    assert absent["air_quality"].availability == "downloadable"
    assert "https://archive.ics.uci.edu/static/public/360/air+quality.zip" in (
        absent["air_quality"].how_to_get
    )


def test_dataset_without_download_address_is_missing(
    empty_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = registry._REGISTRY["air_quality"]
    no_url = replace(spec, files=tuple(replace(f, urls=()) for f in spec.files))
    monkeypatch.setitem(registry._REGISTRY, "air_quality", no_url)
    (info,) = [i for i in list_datasets(data_dir=empty_dir) if i.name == "air_quality"]
    assert info.availability == "missing"
    assert "no download address" in info.how_to_get


# --------------------------------------------------------------------------- downloads


def _fake_fetch(source: Callable[[str], Path | None], log: list[str]) -> Callable[..., None]:
    """A stand-in for fetch_url: copy the file `source` maps a URL to, or fail like a network."""

    def fetch(url: str, dest: Path, *, timeout: float = 0) -> None:
        log.append(url)
        path = source(url)
        if path is None:
            raise urllib.error.URLError(f"no route to {url}")
        shutil.copyfile(path, dest)

    return fetch


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


def test_mnist_download_lands_in_cache(
    data_dir: Path, empty_dir: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def source(url: str) -> Path | None:
        # The first mirror is down and the training files exist nowhere: the loader must
        # fail over to the second mirror and carry on with the test images alone.
        name = url.rsplit("/", 1)[1]
        if "ossci" in url or name.startswith("train"):
            return None
        return data_dir / "mnist" / name

    log: list[str] = []
    monkeypatch.setattr(_download, "fetch_url", _fake_fetch(source, log))
    with pytest.warns(UserWarning, match="train-images"):
        mnist = load_dataset("mnist", data_dir=empty_dir, download=True)
    assert mnist.n_samples == 10_000 and mnist.y[0] == 7
    assert sorted(p.name for p in (isolated / "mnist").iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    assert any("storage.googleapis.com" in url for url in log)
    (info,) = [i for i in list_datasets(data_dir=empty_dir) if i.name == "mnist"]
    assert info.availability == "cached" and info.n_samples == 10_000


def test_corrupt_download_is_rejected_and_deleted(
    data_dir: Path, empty_dir: Path, isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt = tmp_path / "corrupt.gz"
    data = bytearray((data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    data[100] ^= 0xFF
    corrupt.write_bytes(bytes(data))

    def source(url: str) -> Path | None:
        name = url.rsplit("/", 1)[1]
        if name.startswith("train"):
            return None
        return corrupt if "labels" in name else data_dir / "mnist" / name

    monkeypatch.setattr(_download, "fetch_url", _fake_fetch(source, []))
    with pytest.raises(DatasetError, match="sha256 checksum mismatch"):
        load_dataset("mnist", data_dir=empty_dir, download=True)
    assert not (isolated / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    assert _leftovers(isolated) == []


def test_network_failure_raises_unavailable(
    empty_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_download, "fetch_url", _fake_fetch(lambda url: None, []))
    with pytest.raises(DatasetUnavailable, match=r"(?s)winequality-red\.csv.*download failed"):
        load_dataset("wine_quality", data_dir=empty_dir, download=True)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


def test_wine_and_air_downloads_extract_from_zip(
    data_dir: Path, empty_dir: Path, isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wine_zip = _zip(
        tmp_path / "wine.zip",
        {
            "winequality-red.csv": (data_dir / "winequality-red.csv").read_bytes(),
            "winequality-white.csv": (data_dir / "winequality-white.csv").read_bytes(),
            "winequality.names": b"notes",
        },
    )
    air_text = _comma_to_uci((data_dir / "airquality.csv").read_text())
    air_zip = _zip(tmp_path / "air.zip", {"AirQualityUCI.csv": air_text.encode()})
    log: list[str] = []
    archives = {tabular._WINE_URL: wine_zip, tabular._AIR_URL: air_zip}
    monkeypatch.setattr(_download, "fetch_url", _fake_fetch(archives.get, log))

    wine = load_dataset("wine_quality", data_dir=empty_dir, download=True)
    air = load_dataset("air_quality", data_dir=empty_dir, download=True)
    assert log == [tabular._WINE_URL, tabular._AIR_URL]  # one archive fetch serves both wine files
    assert (wine.n_samples, air.n_samples) == (6497, 9357)
    assert sorted(p.name for p in isolated.iterdir()) == [
        "AirQualityUCI.csv",
        "winequality-red.csv",
        "winequality-white.csv",
    ]


def test_wine_zip_with_wrong_member_is_rejected(
    data_dir: Path, empty_dir: Path, isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    red = (data_dir / "winequality-red.csv").read_bytes()
    bad_zip = _zip(
        tmp_path / "wine.zip",
        {
            "winequality-red.csv": red + b"7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n",
            "winequality-white.csv": (data_dir / "winequality-white.csv").read_bytes(),
        },
    )
    monkeypatch.setattr(_download, "fetch_url", _fake_fetch(lambda url: bad_zip, []))
    with pytest.raises(DatasetError, match=r"winequality-red\.csv: sha256 checksum mismatch"):
        load_dataset("wine_quality", data_dir=empty_dir, download=True)
    assert not (isolated / "winequality-red.csv").exists()
    assert _leftovers(isolated) == []


def test_fetch_url_reads_file_urls(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"payload" * 1000)
    dest = tmp_path / "out" / "copy.bin"
    check = _download.checksum_check("copy.bin", md5=_download.file_digest(source, "md5"))
    _download.download_file([source.as_uri()], dest, check=check, timeout=5)
    assert dest.read_bytes() == source.read_bytes()

    wrong = _download.checksum_check("copy.bin", sha256="0" * 64)
    with pytest.raises(DatasetError, match="checksum mismatch"):
        _download.download_file([source.as_uri()], tmp_path / "out" / "bad.bin", check=wrong)
    with pytest.raises(_download.DownloadFailed, match="missing.bin"):
        _download.download_file([(tmp_path / "missing.bin").as_uri()], dest, check=check)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["copy.bin"]


def test_fashion_mnist_from_the_debian_package():
    # .ci/run and `make test` install Debian's dataset-fashion-mnist, which puts the four IDX
    # files in /usr/share/datasets/fashion-mnist/.
    from latent_explorer.core.datasets import load_dataset

    ds = load_dataset("fashion_mnist", cache=False)
    assert ds.X.shape == (70_000, 784) and ds.kind == "image" and ds.image_shape == (28, 28)
    assert float(ds.X.min()) >= 0.0 and float(ds.X.max()) <= 1.0
    assert np.bincount(ds.y).tolist() == [7_000] * 10
    assert ds.class_names[9] == "Ankle boot"
    assert (ds.attributes["split"][:60_000] == "train").all()
