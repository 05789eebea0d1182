"""``latent-explorer report``: from a ``train --out`` folder and from a server's store."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from latent_explorer.cli import main
from latent_explorer.core.persist import load_experiment
from latent_explorer.core.report import decode_coords
from latent_explorer.store import Store
from tests.core.test_report import embedded_data, iris_chain


def _coords_in(path, n):
    data = embedded_data(path.read_text(encoding="utf-8"))
    return data, [decode_coords(it["coords"], n) for it in data["iterations"]]


def test_report_of_a_train_out_folder(tmp_path, data_dir, capsys):
    run = tmp_path / "run"
    args = ["--dataset", "iris", "--epochs", "3", "--device", "cpu", "--out", str(run)]
    assert main(["train", *args]) == 0
    out = tmp_path / "iris.html"
    assert main(["report", str(run), "-o", str(out)]) == 0
    assert "1 iterations" in capsys.readouterr().out
    exp = load_experiment(run, device="cpu")
    data, coords = _coords_in(out, 150)
    assert data["experiment"] is None
    assert np.array_equal(coords[0], exp.iterations[0].coords)


def test_report_of_a_stored_experiment_by_id_and_latest(tmp_path, capsys):
    state = tmp_path / "state"
    exp = iris_chain()
    exp_id = uuid.uuid4().hex
    store = Store(state)
    store.create_experiment(exp_id, exp, created_at="2026-01-01T00:00:00+00:00")
    for it in exp.iterations:
        store.save_iteration(exp_id, it)
    store.close()
    for which in (exp_id, "latest"):
        out = tmp_path / f"{which}.html"
        assert main(["report", which, "--state-dir", str(state), "-o", str(out)]) == 0
        data, coords = _coords_in(out, 150)
        assert data["experiment"] == exp_id
        for got, it in zip(coords, exp.iterations, strict=True):
            assert np.array_equal(got, it.coords)

    assert main(["report", "f" * 32, "--state-dir", str(state), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"no experiment {'f' * 32!r}" in err and exp_id in err  # names the ids there are


@pytest.mark.parametrize("stored", [False, True])
def test_report_says_what_experiment_means(tmp_path, capsys, stored):
    state = tmp_path / "state"
    if stored:
        Store(state).close()
    out = tmp_path / "x.html"
    assert main(["report", "nothing-here", "--state-dir", str(state), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nothing-here" in err and not out.exists()
