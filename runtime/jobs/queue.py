"""The RQ side: one Redis client per URL and process, the ``crm`` queue, and enqueueing a job under
an id derived from what it works on, so enqueueing the same work twice leaves one job waiting."""
from __future__ import annotations

import functools
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

QUEUE_NAME = "crm"
JOB_TIMEOUT_SECONDS = 270  # below the outbox lease (300 s): a stuck job dies before its lease ends
RESULT_TTL_SECONDS = 3600
FAILURE_TTL_SECONDS = 7 * 24 * 3600
_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}

QueueUnavailable = redis.exceptions.RedisError
"""Raised by the functions here when Redis cannot be reached."""


@functools.lru_cache(maxsize=8)
def redis_connection(url: str) -> redis.Redis:
    """A client for ``url``; short timeouts and one quick retry, so a save never waits long on a
    Redis that is down (the work stays in the database for the sweep)."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                                retry=Retry(NoBackoff(), 1))


def crm_queue(url: str, name: str = QUEUE_NAME) -> Queue:
    return Queue(name, connection=redis_connection(url))


def enqueue_once(queue: Queue, func: str, *args: Any, job_id: str,
                 timeout: int = JOB_TIMEOUT_SECONDS) -> bool:
    """Enqueue ``func(*args)`` as job ``job_id`` unless a job of that id is already waiting.

    A finished, failed or stale started job of the same id (a worker killed mid-job) is replaced.
    Returns True when a job was enqueued now. Raises :data:`QueueUnavailable` when Redis is down."""
    options = dict(job_id=job_id, unique=True, job_timeout=timeout, result_ttl=RESULT_TTL_SECONDS,
                   failure_ttl=FAILURE_TTL_SECONDS, description=f"{func}{args!r}")
    try:
        queue.enqueue(func, *args, **options)
        return True
    except DuplicateJobError:
        pass
    try:
        old = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        old = None
    if old is not None:
        if old.get_status(refresh=False) in _WAITING:
            return False
        try:
            old.delete()
        except ValueError:  # rq: its execution record vanished as the job finished; it is gone anyway
            pass
    try:
        queue.enqueue(func, *args, **options)
        return True
    except DuplicateJobError:  # someone else enqueued it in between
        return False
