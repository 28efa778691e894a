"""Where the real services live for tests, and what to do when one is missing.

Under ``CI=true`` a missing service is a failure, never a skip.
"""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(service: str, why: object) -> None:
    """Fail under CI, skip with the reason elsewhere."""
    msg = f"{service} is not reachable: {why}"
    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def pg_admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        url = DEFAULT_PG
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def create_pg_database() -> str:
    """Create a fresh database for this test session; returns its URL."""
    admin = sa.make_url(pg_admin_url())
    name = unique("crm_test")
    eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # name is generated here, never input
    finally:
        eng.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    admin = sa.make_url(pg_admin_url())
    name = sa.make_url(url).database
    eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        eng.dispose()


def pg_schema_url(db_url: str, schema: str) -> str:
    """A URL whose connections use ``schema`` as search_path (works across processes too)."""
    u = sa.make_url(db_url)
    return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
