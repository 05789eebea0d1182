"""Arrays, DataFrames and .npy files to a Dataset: the path uploads and built-ins share."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from sklearn.datasets import load_iris

from latent_explorer.core.datasets import (
    DataInputError,
    Dataset,
    build_dataset,
    from_arrays,
    from_npy,
    load_dataset,
)
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.training import TrainConfig

pd = pytest.importorskip("pandas")  # a dev dependency: missing means a broken environment


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    bunch = load_iris()
    species = [str(s) for s in bunch.target_names]
    return bunch.data.astype(np.float64), bunch.target, species, list(bunch.feature_names)


def test_from_arrays_equals_the_builtin_loader(iris):
    data, target, species, features = iris
    mine = Dataset.from_arrays(data, target, class_names=species, feature_names=features)
    builtin = load_dataset("iris", cache=False)
    assert np.array_equal(mine.X, builtin.X)
    assert np.array_equal(mine.raw, builtin.raw)
    assert np.array_equal(mine.y, builtin.y)
    assert np.array_equal(mine.feature_mean, builtin.feature_mean)
    assert np.array_equal(mine.feature_scale, builtin.feature_scale)
    assert mine.class_names == builtin.class_names == species
    assert mine.feature_names == builtin.feature_names
    assert mine.X.dtype == np.float32 and mine.raw.dtype == np.float64 and mine.y.dtype == np.int64


@pytest.mark.parametrize("scaling", ["standard", "minmax", "none"])
def test_from_arrays_equals_an_upload_of_the_same_table(iris, scaling):
    data, target, species, features = iris
    names = np.array(species)[target]
    lines = [",".join([*features, "species"])]
    lines += [
        ",".join([*(repr(float(v)) for v in row), s]) for row, s in zip(data, names, strict=True)
    ]
    upload = build_dataset(
        "\n".join(lines).encode(), name="iris", features=features, label="species", scaling=scaling
    )
    mine = from_arrays(data, names, feature_names=features, scaling=scaling)
    assert np.array_equal(mine.X, upload.X)
    assert np.array_equal(mine.raw, upload.raw)
    assert np.array_equal(mine.y, upload.y)
    assert mine.class_names == upload.class_names == species  # distinct values, sorted
    if scaling == "none":
        assert mine.feature_mean is None and upload.feature_mean is None
    else:
        assert np.array_equal(mine.feature_scale, upload.feature_scale)


def test_dataframe_with_a_label_column(iris):
    data, target, species, features = iris
    frame = pd.DataFrame(data, columns=features)
    frame.insert(2, "species", pd.Categorical(np.array(species)[target]))
    ds = Dataset.from_arrays(frame, "species", name="frame")
    assert ds.feature_names == features  # the label column left the features
    assert ds.class_names == species
    assert np.array_equal(ds.y, target)
    assert np.array_equal(ds.raw, data)
    series = Dataset.from_arrays(pd.DataFrame(data, columns=features), frame["species"])
    assert np.array_equal(series.X, ds.X) and np.array_equal(series.y, ds.y)


def test_dataframe_with_a_text_feature_names_the_column(iris):
    data, target, species, features = iris
    frame = pd.DataFrame(data, columns=features).assign(note="x")
    with pytest.raises(DataInputError, match="column 'note' holds object values") as info:
        from_arrays(frame, target)
    assert info.value.code == "arrays_non_numeric" and info.value.column == "note"
    with pytest.raises(DataInputError, match=r"labels \('kind'\) is not a column") as info:
        from_arrays(frame, "kind")
    assert info.value.code == "arrays_unknown_column"


def test_label_orders_and_names():
    X = np.arange(40, dtype=np.float64).reshape(20, 2)
    as_text = from_arrays(X, ["10", "2"] * 10)
    assert as_text.class_names == ["2", "10"]  # numbers in text sort as numbers
    assert as_text.y[:2].tolist() == [1, 0]
    as_ints = from_arrays(X, np.array([9, 3] * 10))
    assert as_ints.class_names == ["3", "9"] and as_ints.y[:2].tolist() == [1, 0]
    ordered = from_arrays(X, ["b", "a"] * 10, class_names=["b", "a", "c"])
    assert ordered.class_names == ["b", "a", "c"] and ordered.y[:2].tolist() == [0, 1]
    unlabelled = from_arrays(X)
    assert unlabelled.class_names == ["all"] and not unlabelled.y.any()
    assert unlabelled.feature_names == ["x0", "x1"]


@pytest.mark.parametrize(
    ("X", "labels", "options", "code", "words"),
    [
        (np.full((12, 2), np.nan), None, {}, "arrays_nonfinite", "row 0, feature 'x0'"),
        (np.ones((12, 2)), [0, 1] * 5, {}, "arrays_label_shape", "expected (12,)"),
        (np.ones((12, 2)), [0] * 12, {}, "arrays_single_class", "pass labels=None"),
        (np.ones((12, 2)), [0, 5] * 6, {"class_names": ["a", "b"]}, "arrays_label_range", "0..1"),
        (np.ones((12, 2)), ["a", "z"] * 6, {"class_names": ["a"]}, "arrays_unknown_class", "'z'"),
        (np.ones((12, 2)), None, {"feature_names": ["a"]}, "arrays_feature_names", "1 names"),
        (np.ones((5, 2)), None, {}, "arrays_too_few_rows", "at least 10"),
        (np.array([["a", "b"]] * 12), None, {}, "arrays_non_numeric", "must be numbers"),
        (np.full((12, 2, 2), 255.0), None, {}, "arrays_pixel_range", "divide 8-bit pixels"),
        (np.ones((12, 2)), None, {"scaling": "zscore"}, "bad_scaling", "must be one of"),
        (
            np.ones((12, 4)),
            None,
            {"image_shape": (2, 2), "scaling": "minmax"},
            "arrays_scaling",
            "does not apply to images",
        ),
    ],
)
def test_bad_arrays_are_refused_with_the_rule_and_the_fix(X, labels, options, code, words):
    with pytest.raises(DataInputError, match=re.escape(words)) as info:
        from_arrays(X, labels, **options)
    assert info.value.code == code


def test_images_keep_their_float32_pixels_as_raw():
    rng = np.random.default_rng(0)
    pixels = rng.random((20, 4, 3), dtype=np.float32)
    ds = from_arrays(pixels, np.arange(20) % 2, name="tiny-images")
    assert ds.kind == "image" and ds.image_shape == (4, 3) and ds.n_features == 12
    assert ds.raw is ds.X  # no second copy of a large image set
    assert np.array_equal(ds.X, pixels.reshape(20, 12))
    assert ds.feature_mean is None  # images are never rescaled


def test_npy_files_round_trip_and_refuse_pickles(iris):
    data, target, species, features = iris
    buf = io.BytesIO()
    np.save(buf, np.column_stack([data, target]))
    ds = from_npy(buf.getvalue(), label_column=-1, feature_names=features)
    assert np.array_equal(ds.raw, data) and np.array_equal(ds.y, target)
    assert ds.class_names == ["0.0", "1.0", "2.0"]  # float labels keep their printed form
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}] * 12, dtype=object), allow_pickle=True)
    with pytest.raises(DataInputError, match="without pickled objects") as info:
        from_npy(pickled.getvalue())
    assert info.value.code == "npy_unreadable"


def test_an_experiment_trains_on_arrays(iris):
    data, target, species, features = iris
    ds = Dataset.from_arrays(data, target, class_names=species, feature_names=features)
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=2, seed=0, batch_size=32))
    it = exp.train()
    assert it.coords.shape == (150, 2) and np.isfinite(it.coords).all()
    assert it.metrics is not None and 0.0 <= it.metrics["all"]["trustworthiness"] <= 1.0
