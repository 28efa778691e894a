"""Fixtures every test package shares: real databases (SQLite file, PostgreSQL), Redis, apps."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import services

pytest_plugins = ["tests.fixtures_app"]


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session (per xdist worker), dropped afterwards."""
    try:
        url = services.create_pg_database()
    except Exception as exc:  # noqa: BLE001 - any connection problem means "not reachable"
        services.missing("PostgreSQL", exc)
    yield url
    services.drop_pg_database(url)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'crm.sqlite3'}"


@pytest.fixture
def pg_url(pg_database):
    """A URL to an empty schema of the session database, private to this test."""
    schema = services.unique("t")
    eng = sa.create_engine(pg_database)
    with eng.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))  # generated name
    yield services.pg_schema_url(pg_database, schema)
    with eng.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Each test using this runs twice: on a real SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")
