"""Seeds as jobs: every iteration of an experiment trained with N seeds runs N-1 ``seed``
jobs beside its main chain (seed 0, stored as always).

Seed job ``(r, k)`` trains replica ``r`` of iteration ``k`` from replica ``r``'s own parent
(paired across seeds: the same selection, mode and epochs as the main chain's step) and
measures it exactly, then stores it (:class:`~latent_explorer.store.seeds.SeedsMixin`).

Ordering without a scheduler: a replica's iterations are numbered like the main chain's, so
``(r, k)`` needs ``(r, k - 1)``. The main chain's train job creates the rows of iteration k
(queued, lowest priority) once it has stored k, and hands to the backend only those whose
predecessor is stored; a seed job that ends hands over its successor. The row is created
before the check and the replica stored before the hand-over, so one of the two sides always
sees the other (both may: the claim runs a job once). A successor whose predecessor ended
without storing (failed, cancelled) is cancelled, and so on down the replica's chain.

Seed jobs send no events on the experiment's stream: the page follows the main chain there
and asks GET .../iterations/<k>/seeds for the seeds (they never hold up a plot).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.experiment import Experiment, Iteration
from ..core.quality import QualityMeter
from ..core.training import Progress, TrainingCancelled
from .jobs import PRIORITY, Job

if TYPE_CHECKING:
    from ..store import Store

SEED_KIND = "seed"
_MANY = 10_000  # every seed job of one experiment (at most 9 per iteration)


def queue_seeds(
    store: Store,
    experiment_id: str,
    index: int,
    *,
    epochs: int | None,
    submit: Callable[[str], None],
) -> list[Job]:
    """Create the seed jobs of iteration ``index`` (none for a one-seed experiment) and hand
    the ready ones to the backend; ``epochs``: what the Submit asked (None: the default)."""
    plan = store.seed_plan(experiment_id)
    if plan is None:
        return []
    created = []
    for replica in range(1, len(plan)):
        job = Job(
            experiment_id=experiment_id,
            kind=SEED_KIND,
            iteration=index,
            params={"replica": replica, "seed": plan[replica], "epochs": epochs},
            priority=PRIORITY[SEED_KIND],
        )
        store.create_job(job)
        created.append(job)
    for job in created:
        release(store, job, submit)
    return created


def _seed_jobs(store: Store, experiment_id: str, *, active: bool) -> list[Job]:
    return store.jobs_for(experiment_id, active=active, kinds=(SEED_KIND,), limit=_MANY)


def release(store: Store, job: Job, submit: Callable[[str], None]) -> None:
    """Hand a queued seed job to the backend once its replica's previous iteration is
    stored; cancel it when that iteration can no longer come."""
    replica, index = int(job.params["replica"]), job.iteration
    if index == 0 or store.replica_meta(job.experiment_id, replica, index - 1) is not None:
        submit(job.id)
        return
    earlier = [
        j
        for j in _seed_jobs(store, job.experiment_id, active=True)
        if j.iteration == index - 1 and j.params.get("replica") == replica
    ]
    if earlier:
        return  # that job hands this one over when it ends
    seed = job.params.get("seed")
    error = (
        f"seed {seed} did not finish iteration {index - 1} (failed or cancelled), so it "
        f"cannot train iteration {index} from it"
    )
    if store.finish_job(job.id, state="cancelled", error=error):
        ended(store, job, submit)


def ended(store: Store, job: Job, submit: Callable[[str], None]) -> None:
    """After seed job ``job`` ended (any state): hand over, or cancel, its successor."""
    replica = job.params.get("replica")
    for successor in _seed_jobs(store, job.experiment_id, active=True):
        if (
            successor.state == "queued"
            and successor.iteration == job.iteration + 1
            and successor.params.get("replica") == replica
        ):
            release(store, successor, submit)


def replica_experiment(main: Experiment, seed: int, *, metric_sample_size: int) -> Experiment:
    """An experiment like ``main`` but for the seed, measuring Shepard correlation and stress
    on ``main``'s sample (as :class:`~latent_explorer.core.repeats.Repeats` does)."""
    replica = Experiment(
        main.dataset,
        main.model_kind,
        config=main.config.replace(seed=seed),
        device=main.device,
        metric_sample_size=metric_sample_size,
    )
    # A fresh meter, never main's: it caches rankings by iteration number.
    replica.quality = QualityMeter(
        main.dataset.X,
        main.dataset.y,
        sample_size=metric_sample_size,
        seed=main.config.seed,
        device=replica.device,
    )
    return replica


class QuietEvents:
    """The event log of a seed job: it says nothing on the experiment's stream."""

    def append(self, stream: str, name: str, data: dict[str, Any]) -> int:
        return 0


def run_seed(
    job: Job,
    main: Experiment,
    *,
    store: Store,
    cancel: Any,
    on_progress: Callable[[dict[str, Any]], None],
) -> Iteration:
    """Train and measure replica ``job.params['replica']`` of iteration ``job.iteration``,
    store it, and return it. ``cancel``: the job's CancelToken."""
    replica_no, seed = int(job.params["replica"]), int(job.params["seed"])
    index = job.iteration
    if not 0 <= index < len(main.iterations):
        raise ValueError(f"iteration {index} is not stored; its seeds have nothing to follow")
    row = store.experiment(job.experiment_id) or {}
    sample = int(row.get("metric_sample_size") or main.metric_sample.size)
    replica = replica_experiment(main, seed, metric_sample_size=sample)
    for k in range(index):
        it = store.load_replica(job.experiment_id, replica_no, k, n_samples=main.dataset.n_samples)
        if it is None:
            raise ValueError(f"seed {seed} has no iteration {k}; it cannot train iteration {index}")
        replica.iterations.append(it)

    def report(p: Progress) -> None:
        on_progress({"kind": SEED_KIND, "replica": replica_no, "seed": seed,
                     "iteration": index, "epoch": p.epoch, "epochs": p.epochs})  # fmt: skip

    step = main.iterations[index]
    if index == 0:
        it = replica.train(progress=report, cancel=cancel, measure=False)
    else:
        assert step.selection is not None and step.parent is not None
        it = replica.retrain(
            step.selection,
            parent=step.parent,
            mode=step.mode,
            epochs=job.params.get("epochs"),
            progress=report,
            cancel=cancel,
            measure=False,
        )
    if cancel.is_set():
        raise TrainingCancelled("cancelled after the last epoch")
    replica.measure(it)
    store.save_replica(job.experiment_id, replica_no, seed, it)
    return it
