"""Fixtures for schema_store tests: an engine per database URL (SQLite file and PostgreSQL)."""
from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

from schema_store import SchemaCache, create_engine


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def cache() -> SchemaCache:
    return SchemaCache()
