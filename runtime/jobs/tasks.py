"""RQ job functions. They receive ids only and rebuild their context from the environment."""
from __future__ import annotations

from typing import Any

from runtime.jobs.context import job_services
from runtime.jobs.kinds import execute_job
from runtime.outbox.dispatch import dispatch
from runtime.outbox.runner import run_item


def run_outbox_item(item_id: int) -> dict[str, Any]:
    """Deliver one outbox item (a no-op when it is done, running elsewhere or not due), then hand
    over the follow-up items its action recorded."""
    svc = job_services()
    result = run_item(svc.engine, item_id, svc.clock)
    if result.follow_ups:
        dispatch(svc, result.follow_ups)
    return {"item": item_id, "outcome": result.outcome, "attempt": result.attempt}


def run_job(job_id: int) -> dict[str, Any]:
    """Run one long job to the end (a no-op when another runner already took it)."""
    return {"job": job_id, "status": execute_job(job_services(), job_id)}
