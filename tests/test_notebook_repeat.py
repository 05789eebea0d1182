"""The Python API's repeat: ``Explorer.retrain(repeat=N)``, ``forgetting()`` and ``strip()``."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.notebook import Explorer


def test_retrain_repeat_then_forgetting_and_strip():
    ex = Explorer("digits", model="ae", device="cpu", epochs=3, seed=1).train()
    ex.select_class(*[str(c) for c in range(10) if c not in (6, 8)])
    ex.retrain(repeat=3, epochs=2, measure=False)
    assert [it.parent for it in ex.experiment.iterations] == [None, 0, 1, 2]
    report = ex.forgetting()
    assert report["iterations"] == [0, 1, 2, 3]
    roles = {c["name"]: c["role"] for c in report["classes"]}
    assert roles["6"] == roles["8"] == "not selected" and roles["0"] == "selected"
    # The same report for an earlier iteration covers only its part of the chain.
    assert ex.forgetting(1)["iterations"] == [0, 1]
    strip = ex.strip(per_class=2)
    assert [g.size for g in strip["ids"]] == [2] * 10
    assert len(strip["reconstructions"]) == 4
    assert strip["reconstructions"][0].shape == (20, 64)
    assert np.array_equal(strip["ids"][0], ex.strip(1, per_class=2)["ids"][0])


def test_repeat_errors_name_the_rule():
    ex = Explorer("iris", model="ae", device="cpu", epochs=2).train().select_class("setosa")
    with pytest.raises(ValueError, match=r"repeat \(0\) must be from 1 to 20"):
        ex.retrain(repeat=0)
    with pytest.raises(ValueError, match="mode='finetune' or repeat=1"):
        ex.retrain(repeat=3, mode="scratch")


def test_readme_forgetting_example_runs(capsys):
    """The README's forgetting example (the python block that calls forgetting()), as written."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = [
        b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "forgetting()" in b
    ]
    assert len(blocks) == 1
    scope: dict = {}
    exec(compile(blocks[0], "README forgetting example", "exec"), scope)
    ex = scope["ex"]
    assert len(ex.experiment.iterations) == 11
    assert all(it.metrics is not None for it in ex.experiment.iterations)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 10 and printed[6].startswith("class 6: +")
    assert printed[6].endswith("not in the selection")
    assert len(scope["strip"]["reconstructions"]) == 11
