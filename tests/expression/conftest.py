"""Fixtures for the expression tests: a SQLite file and a PostgreSQL schema of our own."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests import services

@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("expr") / "expressions.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine():
    """An engine whose connections use a temporary schema (random name), dropped at the end."""
    url = services.pg_admin_url()
    schema = f"expr_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.CreateSchema(schema))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        services.missing(f"PostgreSQL at {url}", exc)  # fails under CI=true, skips elsewhere
    engine.dispose()
    scoped = sa.create_engine(url, execution_options={"schema_translate_map": {None: schema}},
                              connect_args={"connect_timeout": 3, "options": f"-csearch_path={schema}"})
    yield scoped
    scoped.dispose()
    with engine.begin() as conn:
        conn.execute(sa.schema.DropSchema(schema, cascade=True))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest):
    """Each differential test runs once per dialect."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
