"""``latent-explorer datasets``: the datasets there are, their size and how to get a missing one."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .options import add_data_dir


def add_parser(sub: Any) -> None:
    ds = sub.add_parser("datasets", help="list datasets with size and availability")
    add_data_dir(ds, help=None)
    ds.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from ..core.datasets import list_datasets

    infos = list_datasets(data_dir=args.data_dir)
    if args.json:
        print(json.dumps([_info_dict(i) for i in infos], indent=2))
        return 0
    print(f"{'name':<14}{'kind':<9}{'points':>8}{'features':>10}{'classes':>9}  availability")
    for i in infos:
        print(
            f"{i.name:<14}{i.kind:<9}{i.n_samples:>8}{i.n_features:>10}{i.n_classes:>9}  "
            f"{i.availability}"
        )
    missing = [i for i in infos if i.availability in ("missing", "downloadable")]
    for i in missing:
        print(f"\n{i.name}: {i.how_to_get}")
    return 0


def _info_dict(info: object) -> dict:
    from dataclasses import asdict

    return asdict(info)  # type: ignore[call-overload]
