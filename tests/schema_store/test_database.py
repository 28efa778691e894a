"""create_engine: PostgreSQL URLs go to psycopg 3; SQLite gets transactional DDL, FKs, WAL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from schema_store.database import begin_write, create_engine, normalize_url


def test_postgres_urls_use_psycopg3():
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_ddl_rolls_back_with_the_transaction(sqlite_url):
    engine = create_engine(sqlite_url)
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            conn.execute(sa.schema.CreateTable(sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer))))
            raise RuntimeError("abort")
    assert "t" not in sa.inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with begin_write(engine) as conn:  # BEGIN IMMEDIATE works through the same recipe
        conn.exec_driver_sql("CREATE TABLE u (id INTEGER)")
    assert "u" in sa.inspect(engine).get_table_names()
    engine.dispose()
