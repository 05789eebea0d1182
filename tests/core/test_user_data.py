"""Uploaded CSVs: inspection, dataset building, names and the on-disk store."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.datasets import (
    CsvError,
    DatasetError,
    UserDatasetStore,
    build_dataset,
    inspect_csv,
    user_dataset_name,
)

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "good_csv"
BAD = DATA / "bad_csv"
XSS = ["<script>alert(1)</script>", "'\"><img src=x onerror=alert(1)>", "=1+2"]


def good(name: str) -> bytes:
    return (GOOD / name).read_bytes()


def table(n: int = 20, *, sep: str = ",") -> bytes:
    rng = np.random.default_rng(0)
    rows = [f"a{sep}b{sep}kind"]
    rows += [f"{rng.normal():.4f}{sep}{rng.normal():.4f}{sep}{'pq'[i % 2]}" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "delimiter", "n_rows", "features", "label"),
    [
        ("blobs.csv", ",", 60, ["a", "b", "c", "d"], "species"),  # index column left out
        ("bom_semicolon.csv", ";", 30, ["alcohol", "acidity"], "quality"),
        ("tabs.csv", "\t", 20, ["p", "q"], "group"),
        ("xss.csv", ",", 24, [*XSS[:2], "plain"], "label"),
    ],
)
def test_inspect_good_files(name, delimiter, n_rows, features, label):
    preview = inspect_csv(good(name), filename=name)
    assert (preview.delimiter, preview.n_rows) == (delimiter, n_rows)
    assert preview.suggested_features == features and preview.suggested_label == label
    body = json.loads(json.dumps(preview.to_dict()))
    assert set(body["columns"][0]) == {
        "name",
        "numeric",
        "n_bad",
        "first_bad_row",
        "n_missing",
        "first_missing_row",
        "n_distinct",
        "examples",
    }


def test_inspect_reports_bad_cells_with_their_lines():
    cols = {c.name: c for c in inspect_csv(good("dirty.csv"), filename="d.csv").columns}
    assert cols["x"].numeric and (cols["x"].n_bad, cols["x"].first_bad_row) == (1, 5)
    assert (cols["y"].n_missing, cols["y"].first_missing_row) == (1, 12)
    assert not cols["kind"].numeric and cols["kind"].examples == ["a", "b"]


def test_build_standardises_and_keeps_raw_values():
    ds = build_dataset(
        good("blobs.csv"), name="Blobs", features=["a", "b", "c", "d"], label="species"
    )
    assert ds.name == "user:blobs" and ds.title == "Blobs" and ds.kind == "tabular"
    assert ds.X.dtype == np.float32 and ds.X.shape == (60, 4) and ds.raw.dtype == np.float64
    np.testing.assert_allclose(ds.X.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(ds.to_raw(ds.X), ds.raw, rtol=1e-5, atol=1e-5)
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert np.bincount(ds.y).tolist() == [20, 20, 20]


def test_bom_is_dropped_and_numeric_labels_sort_as_numbers():
    ds = build_dataset(
        good("bom_semicolon.csv"), name="wine", features=["alcohol"], label="quality"
    )
    assert ds.feature_names == ["alcohol"]  # not "\ufeffalcohol"
    assert ds.class_names == ["3", "5", "10"]


@pytest.mark.parametrize("scaling", ["minmax", "none"])
def test_other_scalings(scaling):
    ds = build_dataset(table(), name="t", features=["a", "b"], scaling=scaling)
    if scaling == "minmax":
        assert ds.X.min() == 0 and ds.X.max() == pytest.approx(1)
    else:
        np.testing.assert_allclose(ds.X, ds.raw, rtol=1e-6)
        assert ds.feature_mean is None
    assert ds.class_names == ["all"] and not ds.y.any()


def test_constant_column_scales_to_zero_not_nan():
    data = b"a,b\n" + b"".join(f"{i},5\n".encode() for i in range(12))
    ds = build_dataset(data, name="c", features=["a", "b"])
    assert np.isfinite(ds.X).all() and not ds.X[:, 1].any()


def test_drop_bad_rows_drops_and_says_which():
    ds = build_dataset(
        good("dirty.csv"), name="d", features=["x", "y", "z"], label="kind", drop_bad_rows=True
    )
    assert ds.n_samples == 27
    assert "Dropped 3 rows" in ds.description and "lines 5, 12, 22" in ds.description


def test_drop_bad_rows_still_needs_enough_rows():
    data = b"a,b\n" + b"".join(f"{i},{'x' if i > 7 else i}\n".encode() for i in range(12))
    with pytest.raises(CsvError, match="8 rows are left") as info:
        build_dataset(data, name="d", features=["a", "b"], drop_bad_rows=True)
    assert info.value.code == "csv_too_few_rows"


def test_markup_and_formulas_stay_plain_strings():
    ds = build_dataset(good("xss.csv"), name=XSS[0], features=XSS[:2], label="label")
    assert ds.feature_names == XSS[:2] and sorted(ds.class_names) == sorted(XSS)
    assert ds.title == XSS[0] and ds.name == "user:script-alert-1-script"


def test_errors_are_value_errors_with_where():
    with pytest.raises(ValueError, match="line 5"):
        build_dataset((BAD / "non_numeric_cells.csv").read_bytes(), name="n", features=["y"])
    try:
        build_dataset((BAD / "non_numeric_cells.csv").read_bytes(), name="n", features=["y"])
    except CsvError as exc:
        assert (exc.code, exc.line, exc.column) == ("csv_non_numeric", 5, "y")


def test_limits_are_options():
    with pytest.raises(CsvError, match="at most 2 are allowed"):
        inspect_csv(table(), filename="t", max_columns=2)
    with pytest.raises(CsvError, match="more than 5 data rows"):
        inspect_csv(table(), filename="t", max_rows=5)
    huge = b"a\n" + b"".join(f"{i}e300\n".encode() for i in range(1, 13))
    with pytest.raises(CsvError, match="too large for 32-bit"):
        build_dataset(huge, name="t", features=["a"], scaling="none")


def test_forced_delimiter():
    assert inspect_csv(table(sep="|"), filename="t", delimiter="|").delimiter == "|"
    with pytest.raises(CsvError, match="looks '\\|'-separated"):
        inspect_csv(table(sep="|"), filename="t", delimiter=";")


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("My Data!", "user:my-data"),
        ("../../etc/passwd", "user:etc-passwd"),
        ("Café ñandú", "user:cafe-nandu"),
        ("user:wine_2", "user:wine_2"),
        ("x" * 60, "user:" + "x" * 40),
    ],
)
def test_dataset_names_are_slugs(given, name):
    assert user_dataset_name(given) == name


@pytest.mark.parametrize("given", ["", "!!!", "   ", "日本語"])
def test_names_without_letters_are_refused(given):
    with pytest.raises(CsvError, match="needs a letter or a digit") as info:
        user_dataset_name(given)
    assert info.value.code == "bad_name"


def test_store_round_trip(tmp_path):
    store = UserDatasetStore(tmp_path / "datasets")
    assert store.names() == [] and store.infos() == []
    ds = build_dataset(good("xss.csv"), name="X <b>", features=XSS[:2], label="label")
    info = store.save(ds, "../evil.csv")
    assert info.name == "user:x-b" and info.availability == "cached" and info.n_samples == 24
    assert sorted(p.name for p in (tmp_path / "datasets").iterdir()) == ["x-b.json", "x-b.npz"]
    with np.load(tmp_path / "datasets" / "x-b.npz", allow_pickle=False) as z:
        assert z["class_names"].dtype.kind == "U"
    back = store.load("user:x-b")
    np.testing.assert_array_equal(back.X, ds.X)
    np.testing.assert_array_equal(back.y, ds.y)
    assert back.class_names == ds.class_names and back.feature_names == XSS[:2]
    np.testing.assert_allclose(back.to_raw(back.X), ds.raw, rtol=1e-5, atol=1e-5)
    assert [i.name for i in store.infos()] == ["user:x-b"]
    with pytest.raises(FileExistsError):
        store.save(ds, "again.csv")
    store.delete("user:x-b")
    assert store.names() == []
    with pytest.raises(KeyError):
        store.delete("user:x-b")


@pytest.mark.parametrize("name", ["user:nope", "user:../x", "iris", "user:", "user:A"])
def test_store_unknown_names(tmp_path, name):
    with pytest.raises(KeyError):
        UserDatasetStore(tmp_path).load(name)


def test_store_broken_file_is_a_dataset_error(tmp_path):
    store = UserDatasetStore(tmp_path)
    store.save(build_dataset(table(), name="t", features=["a"]), "t.csv")
    (tmp_path / "t.npz").write_bytes(b"not a zip")
    with pytest.raises(DatasetError, match="upload the CSV again"):
        store.load("user:t")
    with zipfile.ZipFile(tmp_path / "t.npz", "w") as z:
        z.writestr("X.npy", b"junk")
    with pytest.raises(DatasetError):
        store.load("user:t")


def test_cli_trains_and_retrains_on_a_csv(tmp_path, capsys):
    from latent_explorer.cli import main

    out, again = tmp_path / "run", tmp_path / "run2"
    common = ["--epochs", "3", "--device", "cpu"]
    assert main(["train", "--csv", str(GOOD / "blobs.csv"), "--out", str(out), *common]) == 0
    lines = (out / "coordinates.csv").read_text().splitlines()
    assert len(lines) == 61 and lines[1].endswith(",setosa,0")
    assert json.loads((out / "metrics.json").read_text())["dataset"] == "user:blobs"
    retrain = ["retrain", "--from", str(out), "--select", "class=setosa", "--out", str(again)]
    assert main([*retrain, *common]) == 0
    assert (again / "dataset" / "blobs.npz").is_file()
    bad = ["train", "--csv", str(GOOD / "blobs.csv"), "--label", "nope", "--out", str(out)]
    assert main(bad) == 2
    assert "'nope' is not a column" in capsys.readouterr().err
