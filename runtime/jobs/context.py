"""How an RQ job rebuilds its context: settings from the environment (``CRM_INSTANCE_PATH``,
``DATABASE_URL``, ``REDIS_URL``), one engine per database URL and process, the system clock."""
from __future__ import annotations

import functools

import sqlalchemy as sa

from runtime.clock import SystemClock
from runtime.config import load_settings
from runtime.outbox.registry import load_action_modules
import runtime.automation.actions  # noqa: F401,E402 - registers the automation outbox actions in workers
import runtime.scoring.band_actions  # noqa: F401,E402 - and the scoring band actions
from runtime.services import Services
from schema_store.database import create_engine


@functools.lru_cache(maxsize=8)
def engine_for(database_url: str) -> sa.Engine:
    """The process's engine for ``database_url`` (built on first use, after any fork)."""
    return create_engine(database_url)


def job_services() -> Services:
    """The services a job runs with; raises ConfigError on bad configuration."""
    settings = load_settings()
    load_action_modules()
    return Services(settings=settings, engine=engine_for(settings.database_url), clock=SystemClock())
