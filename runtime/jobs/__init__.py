"""Background work: long jobs with progress, the RQ queue, job functions and ``crm worker``.

Runs outbox items too (``runtime.jobs.tasks.run_outbox_item``); see docs/jobs.md.
"""
from __future__ import annotations

from runtime.jobs.kinds import (JOB_KINDS, JobContext, JobKind, dispatch_job, execute_job,
                                register_job_kind, start_job)
from runtime.jobs.progress import MAX_ERRORS, JobView, Progress, create_job, get_job
from runtime.jobs.tables import jobs

__all__ = ["JOB_KINDS", "JobContext", "JobKind", "JobView", "MAX_ERRORS", "Progress", "create_job",
           "dispatch_job", "execute_job", "get_job", "jobs", "register_job_kind", "start_job"]
