"""Routes of an experiment's seeds on the /api blueprint: how far the other seeds are, what
they say together (intervals, the paired verdict, stability), and cancelling them.

The main chain is seed 0; replicas 1..N-1 are artifacts written by seed jobs
(:mod:`latent_explorer.runtime.seeds`). The summary of iteration k is computed once all N
are in and kept per session, keyed by when each was made (a re-run replaces it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import jsonify

from ..contract import NoQuery
from ..contract.seeds import SeedsAlignedQuery
from ..core.seed_summary import seed_summary, stability_per_point
from ..core.stability import stability_report
from ..runtime.jobs import ACTIVE
from ..runtime.seeds import SEED_KIND
from .api import bp
from .binary import float32_answer
from .errors import ApiError
from .parsing import query
from .sessions import Session, current_registry, iteration_or_404

SEEDS_ROUTE = "/experiments/<experiment_id>/iterations/<int:k>/seeds"
#: The comparison the page states in words under its tables (others are in ``comparison``).
HEADLINE = (("selected", "trustworthiness"), ("all", "trustworthiness"))


def _progress(session: Session, k: int) -> dict[str, Any]:
    """Seeds of iteration k: the plan, how many are in, and each replica's job."""
    store = current_registry().store
    it = session.experiment.iterations[k]
    plan = store.seed_plan(session.id) or [session.experiment.config.seed]
    main_done = it.metrics is not None and not it.metrics_sampled
    jobs = [
        j for j in store.jobs_for(session.id, kinds=(SEED_KIND,), limit=10_000) if j.iteration == k
    ]
    replicas = []
    for r in range(1, len(plan)):
        meta = store.replica_meta(session.id, r, k)
        mine = [j for j in jobs if j.params.get("replica") == r]  # newest first
        job = mine[0] if mine else None
        state = "done" if meta is not None else (job.state if job is not None else "missing")
        replicas.append({"replica": r, "seed": plan[r], "state": state, "meta": meta,
                         "job_id": job.id if job else None,
                         "error": job.error if job is not None and meta is None else None})  # fmt: skip
    done = int(main_done) + sum(1 for rep in replicas if rep["meta"] is not None)
    waiting = (not main_done) or any(rep["state"] in ACTIVE for rep in replicas)
    if len(plan) == 1:
        status = "single"
    elif done == len(plan):
        status = "done"
    else:
        status = "running" if waiting else "incomplete"
    return {"plan": plan, "done": done, "status": status, "replicas": replicas}


def _complete(session: Session, k: int, progress: dict[str, Any]) -> dict[str, Any]:
    """Summary and per-point stability of iteration k once every seed is in (cached)."""
    it = session.experiment.iterations[k]
    token = (it.created_at, *(rep["meta"]["created_at"] for rep in progress["replicas"]))

    def build() -> dict[str, Any]:
        store = current_registry().store
        metas = [rep["meta"] for rep in progress["replicas"]]
        latents = [it.coords] + [
            store.replica_coords(session.id, rep["replica"], k) for rep in progress["replicas"]
        ]
        report = stability_report(latents)
        summary = seed_summary(
            [it.metrics or {}] + [m["metrics"] for m in metas],
            [it.parent_metrics] + [m["parent_metrics"] for m in metas],
            latents,
            report=report,
        )
        return {
            "summary": summary,
            "per_point": stability_per_point(report),
            "aligned": report.aligned,
        }

    value: dict[str, Any] = session.cached_for(f"seeds:{k}", token, build)
    return value


def _headline(comparison: dict[str, Any] | None) -> dict[str, Any] | None:
    for group, metric in HEADLINE:
        found = ((comparison or {}).get(group) or {}).get(metric)
        if found is not None:
            return {"group": group, "metric": metric, **found}
    return None


@bp.get(SEEDS_ROUTE)
def get_seeds(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    query(NoQuery)
    session = current_registry().get(experiment_id)
    iteration_or_404(session, k)
    progress = _progress(session, k)
    out: dict[str, Any] = {
        "iteration": k,
        "seeds": progress["plan"],
        "total": len(progress["plan"]),
        "done": progress["done"],
        "status": progress["status"],
        "replicas": [
            {key: rep[key] for key in ("replica", "seed", "state", "job_id", "error")}
            for rep in progress["replicas"]
        ],
        "metrics": None,
        "comparison": None,
        "headline": None,
        "stability": None,
    }
    if progress["status"] == "done":
        summary = _complete(session, k, progress)["summary"]
        out.update(summary)
        out["headline"] = _headline(summary["comparison"])
    return jsonify(out)


@bp.delete("/experiments/<experiment_id>/seeds")
def cancel_seeds(experiment_id: str):  # type: ignore[no-untyped-def]
    registry = current_registry()
    registry.get(experiment_id)
    return jsonify({"cancelled": registry.cancel_seeds(experiment_id)})


def _all_in(session: Session, k: int, key: str) -> dict[str, Any]:
    """The seeds of iteration k, all in; 404 with one seed, 409 while any is missing."""
    progress = _progress(session, k)
    if progress["status"] == "single":
        raise ApiError(
            404,
            "not_available",
            f"{key} needs an experiment trained with 2 or more seeds (seeds in POST "
            "/api/experiments); this one has 1",
        )
    if progress["status"] != "done":
        raise ApiError(
            409,
            "not_measured",
            f"{key} of iteration {k} needs every seed: {progress['done']} of "
            f"{len(progress['plan'])} are done ({progress['status']})",
        )
    return progress


def stability_values(session: Session, k: int, key: str) -> np.ndarray:
    """Per-point stability ``key`` of iteration k; 409 until every seed of k is in."""
    progress = _all_in(session, k, key)
    values: np.ndarray = _complete(session, k, progress)["per_point"][key]
    return values


@bp.get(SEEDS_ROUTE + "/aligned")
def get_seeds_aligned(experiment_id: str, k: int):  # type: ignore[no-untyped-def]
    """Every seed's coordinates of iteration k turned, mirrored, scaled and shifted onto the
    first seed's (orthogonal Procrustes, core/stability.py), so their shapes compare.

    Raw little-endian float32 like ``embedding?format=f32``, seed after seed, each
    ``[x_0..x_{n-1}, y_0..y_{n-1}]`` (8n bytes a seed), the first unchanged; headers
    ``X-Points``, ``X-Seeds``, ``X-Seed-Values`` and ``X-Iteration``.
    """
    query(SeedsAlignedQuery)
    session = current_registry().get(experiment_id)
    iteration_or_404(session, k)
    progress = _all_in(session, k, "Aligning the seeds")
    aligned = _complete(session, k, progress)["aligned"]
    # (seeds, n, 2) -> (seeds, 2, n): each seed's x and y are one contiguous run.
    return float32_answer(
        np.stack(aligned).transpose(0, 2, 1),
        {
            "X-Points": aligned[0].shape[0],
            "X-Seeds": len(aligned),
            "X-Seed-Values": ",".join(str(int(s)) for s in progress["plan"]),
            "X-Iteration": k,
        },
    )
