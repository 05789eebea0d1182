"""The one interface every job backend implements (in-process pool, Celery workers).

The web process writes a job row in state ``queued`` and calls :meth:`Backend.submit` with
its id; the backend arranges for :func:`latent_explorer.runtime.execute.run_job` to run it
somewhere. Cancelling is not part of the interface: it is the row's ``cancel_requested``
flag, which the worker polls, so it works the same whichever backend runs the job.
"""

from __future__ import annotations

from typing import Protocol


class Backend(Protocol):
    def submit(self, job_id: str) -> None:
        """Run the queued job ``job_id`` (its row already exists) as soon as a worker is free."""
        ...

    def close(self) -> None:
        """Stop the workers; jobs still running end ``interrupted``."""
        ...
