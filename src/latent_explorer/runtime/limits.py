"""Caps on jobs, each refusal naming the limit, the value asked for and the fix.

Per job: parameter count, batch size (at most the number of points trained on), total
optimiser steps (epochs x batches per epoch) and wall-clock seconds. Globally: how many jobs
run at once (the worker pool's size; the rest wait in a visible queue), how many may wait,
and how many experiments the web process keeps in memory (least recently used ones are
dropped and restored from the store when asked for again).

Every value can be set by environment variable (``LATENT_EXPLORER_MAX_<NAME>``) or app config
(``MAX_<NAME>``), so a bigger machine raises them without code changes.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields
from typing import Any


class LimitExceeded(ValueError):
    """A request beyond a limit. ``status`` is the HTTP status the web layer answers with."""

    def __init__(
        self, limit: str, value: Any, maximum: Any, fix: str, *, status: int = 422
    ) -> None:
        self.limit, self.value, self.maximum, self.status = limit, value, maximum, status
        super().__init__(f"{limit} ({value:,}) is over the limit of {maximum:,}; {fix}")


def default_workers() -> int:
    """Two processes (one trains while the other measures) and up to half the cores."""
    return max(2, min(4, (os.cpu_count() or 2) // 2))


@dataclass(frozen=True)
class Limits:
    workers: int = 0  # jobs running at once; 0: default_workers()
    queued: int = 64  # jobs waiting in total
    parameters: int = 20_000_000  # model parameters
    steps: int = 500_000  # optimiser steps per train job (iris at batch 1 x 100,000 epochs: 15M)
    wall_seconds: int = 3_600  # per job, training or measuring
    experiments_in_memory: int = 8  # web process; older ones are restored lazily
    streams_per_experiment: int = 16  # open event streams on one experiment (tabs, viewers)
    streams: int = 32  # open event streams in total (each holds a request thread)

    @property
    def running(self) -> int:
        return self.workers or default_workers()

    @classmethod
    def from_config(cls, config: Any = None) -> Limits:
        """Defaults, then ``LATENT_EXPLORER_MAX_<NAME>``, then ``config["MAX_<NAME>"]``."""
        values: dict[str, int] = {}
        for f in fields(cls):
            key = f"MAX_{f.name.upper()}"
            raw = os.environ.get(f"LATENT_EXPLORER_{key}")
            if config is not None and config.get(key) is not None:
                raw = config[key]
            if raw is not None:
                value = int(raw)
                if value < 0:
                    raise ValueError(f"{key} ({value}) must be a non-negative integer")
                values[f.name] = value
        return cls(**values)

    # -- per job ---------------------------------------------------------------------------

    def check_train(
        self,
        *,
        n_points: int,
        batch_size: int,
        epochs: int,
        n_parameters: int,
    ) -> None:
        """Refuse a train job beyond a cap (``n_points``: the points it trains on)."""
        if n_parameters > self.parameters:
            raise LimitExceeded(
                "parameter count",
                n_parameters,
                self.parameters,
                "use smaller hidden layers (config.hidden)",
            )
        if batch_size > n_points:
            raise LimitExceeded(
                "batch_size",
                batch_size,
                n_points,
                f"a batch cannot hold more than the {n_points:,} points trained on; "
                f"set config.batch_size to {n_points:,} or less",
            )
        steps = epochs * math.ceil(n_points / batch_size)
        if steps > self.steps:
            raise LimitExceeded(
                "optimiser steps (epochs x batches per epoch)",
                steps,
                self.steps,
                "use fewer epochs or a larger batch_size",
            )

    def check_queue(self, queued: int) -> None:
        if queued >= self.queued:
            raise LimitExceeded(
                "queued jobs",
                queued + 1,
                self.queued,
                "wait for running jobs to finish, then try again",
                status=429,
            )
