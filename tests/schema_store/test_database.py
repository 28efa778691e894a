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


@pytest.mark.parametrize("count", [3, 450])
def test_insert_rows_writes_every_value_in_the_callers_transaction(db_url, count):
    """Batches of PostgreSQL rows go through COPY; what is read back is what was written, on both
    databases, and a rolled-back transaction keeps none of it."""
    import datetime as dt

    from schema_store.database import insert_rows, refresh_statistics
    engine = create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table("bulk_rows", meta, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("name", sa.String(50)), sa.Column("at", sa.DateTime(timezone=True)),
                     sa.Column("note", sa.Text))
    meta.create_all(engine)
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone.utc)
    rows = [{"name": f"医院{i}", "at": at + dt.timedelta(minutes=i), "note": None if i % 2 else 'a "quoted"\ttab'}
            for i in range(count)]
    with pytest.raises(RuntimeError), engine.begin() as conn:
        insert_rows(conn, table, rows)
        raise RuntimeError("rolled back")
    with engine.begin() as conn:
        insert_rows(conn, table, rows)
    refresh_statistics(engine, [table])
    with engine.connect() as conn:
        back = [dict(r) for r in conn.execute(sa.select(table.c.name, table.c.at, table.c.note)
                                              .order_by(table.c.id)).mappings()]
    for row in back:
        row["at"] = row["at"].replace(tzinfo=dt.timezone.utc) if row["at"].tzinfo is None else row["at"]
    assert back == rows
    meta.drop_all(engine)
    engine.dispose()
