"""``latent-explorer retrain --repeat N``: N chained fine-tunes, each stored, and what each
class forgot in forgetting.json."""

from __future__ import annotations

import json

from latent_explorer.cli import main
from latent_explorer.core.persist import load_experiment


def test_retrain_repeat_chains_and_reports(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--dataset", "iris", "--epochs", "15", "--out", str(out), "--device", "cpu"]
    assert main(argv) == 0
    out2 = tmp_path / "run2"
    argv = ["retrain", "--from", str(out), "--select", "class=versicolor,virginica"]
    argv += ["--epochs", "2", "--repeat", "4", "--out", str(out2), "--device", "cpu"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "class setosa: " in printed and "not in the selection" in printed
    metrics = json.loads((out2 / "metrics.json").read_text())
    assert metrics["iteration"] == 4 and metrics["parent"] == 3
    exp = load_experiment(out2, device="cpu")
    assert [it.parent for it in exp.iterations] == [None, 0, 1, 2, 3]
    report = json.loads((out2 / "forgetting.json").read_text())
    assert report["iterations"] == [0, 1, 2, 3, 4]
    roles = [c["role"] for c in report["classes"]]
    assert roles == ["not selected", "selected", "selected"]
    assert all(len(c["reconstruction_error"]) == 5 for c in report["classes"])


def test_repeat_out_of_range_is_a_message(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--dataset", "iris", "--epochs", "2", "--out", str(out), "--device", "cpu"]
    assert main(argv) == 0
    argv = ["retrain", "--from", str(out), "--select", "class=setosa", "--repeat", "21"]
    assert main([*argv, "--out", str(tmp_path / "x"), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "--repeat (21) must be from 1 to 20" in err
