"""``latent-explorer train``: train a model on a dataset (or a CSV file) and write the results."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .options import add_local_run, set_local_threads
from .outputs import ProgressBar, print_report, write_outputs


def add_parser(sub: Any) -> None:
    train = sub.add_parser("train", help="train a model and write coordinates and metrics")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset")
    # -- your own data (core/datasets/) ---------------------------------------------------
    source.add_argument("--csv", type=Path, help="train on a CSV file (UTF-8, header line)")
    train.add_argument("--features", help="CSV feature columns, a,b,c (default: numeric ones)")
    train.add_argument("--label", help="CSV label column (default: suggested; '' for none)")
    train.add_argument("--scaling", choices=["standard", "minmax", "none"], default="standard")
    train.add_argument("--delimiter", default=None, help="CSV delimiter (default: detected)")
    train.add_argument("--drop-bad-rows", action="store_true", help="drop rows with bad cells")
    # -- end of your own data -------------------------------------------------------------------
    train.add_argument("--model", choices=["ae", "vae"], default="ae")
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--lr", type=float, default=None)
    train.add_argument("--batch-size", type=int, default=None)
    train.add_argument("--beta", type=float, default=None, help="KL weight (VAE)")
    train.add_argument("--download", action="store_true", help="download a missing dataset")
    train.add_argument("--out", required=True, type=Path)
    add_local_run(train, threads_default="all cores")


def run(args: argparse.Namespace) -> int:
    from ..core.datasets import load_dataset
    from ..core.experiment import Experiment
    from ..core.training import default_config

    set_local_threads(args, None)
    if args.csv is not None:
        dataset = _csv_dataset(args)
    else:
        dataset = load_dataset(args.dataset, data_dir=args.data_dir, download=args.download)
    config = default_config(
        dataset.n_samples, dataset.n_features, data_kind=dataset.kind, model=args.model
    )
    changes = {
        "epochs": args.epochs,
        "seed": args.seed,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "beta": args.beta,
    }
    config = config.replace(**{k: v for k, v in changes.items() if v is not None})
    exp = Experiment(dataset, args.model, config=config, device=args.device)
    bar = ProgressBar(f"{args.model} on {dataset.name}")
    try:
        iteration = exp.train(progress=bar)
    finally:
        bar.close()
    write_outputs(exp, iteration.index, args.out)
    print_report(iteration, args.out)
    return 0


def _csv_dataset(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Build a dataset from ``--csv`` and keep it under ``OUT/dataset`` for ``retrain``."""
    from ..core.datasets import (
        CsvError,
        UserDatasetStore,
        build_dataset,
        inspect_csv,
        user_dataset_name,
    )

    data = args.csv.read_bytes()
    delimiter = {"tab": "\t", "\\t": "\t"}.get(args.delimiter, args.delimiter)
    preview = inspect_csv(data, filename=args.csv.name, delimiter=delimiter)
    features = [f.strip() for f in args.features.split(",")] if args.features else None
    features = features or preview.suggested_features
    label = args.label or None
    if args.label is None and preview.suggested_label not in features:
        label = preview.suggested_label
    try:
        name = args.csv.stem
        user_dataset_name(name)
    except CsvError:  # a file name without a letter or digit still makes a dataset
        name = "csv"
    dataset = build_dataset(
        data,
        name=name,
        features=features,
        label=label,
        scaling=args.scaling,
        drop_bad_rows=args.drop_bad_rows,
        delimiter=preview.delimiter,
        source_name=args.csv.name,
    )
    UserDatasetStore(args.out / "dataset").save(dataset, args.csv.name, overwrite=True)
    return dataset
