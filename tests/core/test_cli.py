import csv
import io
import json

import numpy as np
import pytest

from latent_explorer.cli import main


def test_datasets_lists_everything(capsys, data_dir):
    assert main(["datasets", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    for name in ("iris", "wine_quality", "air_quality", "mnist", "digits"):
        assert name in out


def test_train_then_retrain(tmp_path, data_dir, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--dataset",
                "iris",
                "--model",
                "ae",
                "--epochs",
                "20",
                "--seed",
                "2",
                "--out",
                str(out),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO((out / "coordinates.csv").read_text())))
    assert len(rows) == 150 and list(rows[0]) == ["id", "x", "y", "label", "selected"]
    metrics = json.loads((out / "metrics.json").read_text())
    for key in (
        "trustworthiness",
        "continuity",
        "neighborhood_hit",
        "shepard",
        "stress",
        "reconstruction_error",
    ):
        assert 0 <= metrics["all"][key] < 10, key
    assert (out / "model.pt").is_file()

    out2 = tmp_path / "run2"
    assert (
        main(
            [
                "retrain",
                "--from",
                str(out),
                "--select",
                "class=setosa,virginica",
                "--epochs",
                "3",
                "--out",
                str(out2),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    m2 = json.loads((out2 / "metrics.json").read_text())
    assert m2["selected"]["n_points"] == 100 and m2["rest"]["n_points"] == 50
    rows = list(csv.DictReader(io.StringIO((out2 / "coordinates.csv").read_text())))
    assert sum(int(r["selected"]) for r in rows) == 100

    ids = tmp_path / "ids.txt"
    ids.write_text("0\n5\n7\n")
    out3 = tmp_path / "run3"
    assert (
        main(
            [
                "retrain",
                "--from",
                str(out2),
                "--select",
                f"ids={ids}",
                "--mode",
                "scratch",
                "--epochs",
                "2",
                "--out",
                str(out3),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    m3 = json.loads((out3 / "metrics.json").read_text())
    assert m3["iteration"] == 2 and m3["parent"] == 1 and m3["selected"]["n_points"] == 3
    assert (
        main(
            [
                "retrain",
                "--from",
                str(out3),
                "--select",
                "random=10%",
                "--epochs",
                "1",
                "--out",
                str(tmp_path / "run4"),
                "--device",
                "cpu",
            ]
        )
        == 0
    )


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["train", "--dataset", "nope", "--out", "x"], "nope"),
        (["train", "--dataset", "iris", "--epochs", "0", "--out", "x"], "epochs"),
        (
            ["retrain", "--from", "/nonexistent", "--select", "random=3", "--out", "x"],
            "experiment.json",
        ),
    ],
)
def test_errors_are_messages_not_tracebacks(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_bad_selection_spec(tmp_path, capsys):
    out = tmp_path / "run"
    main(["train", "--dataset", "iris", "--epochs", "1", "--out", str(out), "--device", "cpu"])
    assert (
        main(
            ["retrain", "--from", str(out), "--select", "class=rose", "--out", str(tmp_path / "b")]
        )
        == 2
    )
    assert "rose" in capsys.readouterr().err


def test_missing_dataset_says_where_to_get_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert (
        main(
            [
                "train",
                "--dataset",
                "wine_quality",
                "--out",
                str(tmp_path / "o"),
                "--data-dir",
                str(tmp_path),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "winequality-red.csv" in err and "archive.ics.uci.edu" in err and str(tmp_path) in err
    assert np.isfinite(1.0)
