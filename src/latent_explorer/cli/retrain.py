"""``latent-explorer retrain``: train a saved experiment further on a selection of points."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .options import add_local_run, set_local_threads
from .outputs import ProgressBar, load_run_folder, print_report, write_outputs


def add_parser(sub: Any) -> None:
    retrain = sub.add_parser("retrain", help="train further on a selection of points")
    retrain.add_argument("--from", dest="source", required=True, type=Path)
    retrain.add_argument(
        "--select",
        required=True,
        help="class=LABEL[,LABEL] | random=N | random=P%% | ids=FILE (one id per line or JSON list)",
    )
    retrain.add_argument("--mode", choices=["finetune", "scratch"], default="finetune")
    retrain.add_argument("--epochs", type=int, default=None)
    retrain.add_argument("--seed", type=int, default=0, help="seed of a random selection")
    retrain.add_argument("--parent", type=int, default=None, help="iteration to start from")
    retrain.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="chain N fine-tunes on the same selection, each stored as an iteration "
        "(1-20, default 1); forgetting.json reports the change per class",
    )
    retrain.add_argument("--out", required=True, type=Path)
    add_local_run(retrain, threads_default="all cores")


def run(args: argparse.Namespace) -> int:
    from ..core.forgetting import check_repeat, forgetting_report

    set_local_threads(args, None)
    exp = load_run_folder(args.source, data_dir=args.data_dir, device=args.device)
    selection = parse_selection(args.select, exp.dataset, seed=args.seed)
    repeat = check_repeat(args.repeat, name="--repeat")
    bar = ProgressBar(f"{args.mode} on {len(selection)} points")
    try:
        iteration = exp.retrain(
            selection,
            parent=args.parent,
            mode=args.mode,
            epochs=args.epochs,
            repeat=repeat,
            progress=bar,
        )
    finally:
        bar.close()
    write_outputs(exp, iteration.index, args.out)
    kept = args.source / "dataset"  # a --csv run kept its data there (load_run_folder read it)
    if kept.is_dir() and args.out.resolve() != args.source.resolve():
        import shutil  # keep the CSV's data beside this run too, so it can be retrained

        shutil.copytree(kept, args.out / "dataset", dirs_exist_ok=True)
    print_report(iteration, args.out)
    report = forgetting_report(exp, iteration.index)
    (args.out / "forgetting.json").write_text(json.dumps(report, indent=2))
    if repeat > 1:
        for cls in report["classes"]:
            print(f"  {cls['change']['text']}")
    return 0


def parse_selection(spec: str, dataset, *, seed: int):  # type: ignore[no-untyped-def]
    """Turn ``class=...``, ``random=N``, ``random=P%`` or ``ids=FILE`` into a Selection."""
    from ..core.selection import Selection, select_classes, select_random, validate_ids

    kind, sep, value = spec.partition("=")
    if not sep or not value:
        raise ValueError(f"--select ({spec!r}) must look like class=3, random=100 or ids=FILE")
    if kind == "class":
        names = [v.strip() for v in value.split(",") if v.strip()]
        indices = []
        for name in names:
            if name in dataset.class_names:
                indices.append(dataset.class_names.index(name))
            else:
                raise ValueError(
                    f"class {name!r} is not a class of {dataset.name}; "
                    f"choose from {dataset.class_names}"
                )
        return select_classes(dataset.y, indices, class_names=dataset.class_names)
    if kind == "random":
        if value.endswith("%"):
            return select_random(dataset.n_samples, fraction=float(value[:-1]) / 100, seed=seed)
        return select_random(dataset.n_samples, count=int(value), seed=seed)
    if kind == "ids":
        text = Path(value).read_text()
        raw = json.loads(text) if text.lstrip().startswith("[") else text.split()
        ids = [int(v) for v in raw]
        return Selection(
            validate_ids(ids, n_samples=dataset.n_samples),
            method="ids",
            params={"file": Path(value).name},
        )
    raise ValueError(f"--select kind ({kind!r}) must be class, random or ids")
