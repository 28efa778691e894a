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


@pytest.mark.parametrize("count", [3, 450])
def test_insert_returning_ids_gives_each_row_its_id_in_row_order(db_url, count):
    """Record batches: on PostgreSQL 200 rows and more are COPied with ids drawn from the table's
    sequence. Every id names the row given at its position, every column type a record table
    uses reads back as written, and the sequence has moved on for the next plain INSERT."""
    import datetime as dt
    from decimal import Decimal

    from schema_store.database import insert_returning_ids
    engine = create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table("bulk_records", meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                     sa.Column("name", sa.Text), sa.Column("amount", sa.Numeric(18, 4)),
                     sa.Column("won", sa.Boolean(create_constraint=False)), sa.Column("due", sa.Date),
                     sa.Column("at", sa.DateTime(timezone=True)), sa.Column("owner", sa.Integer),
                     sqlite_autoincrement=True)
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), {"name": "first"})   # the sequence is not at 1
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone.utc)
    rows = [{"name": f"医院{i}\\n\n\t\"x\"", "amount": Decimal(i) / 8, "won": i % 3 == 0,
             "due": dt.date(2026, 1, 1) + dt.timedelta(days=i), "at": at + dt.timedelta(minutes=i),
             "owner": None if i % 2 else i} for i in range(count)]
    with engine.begin() as conn:
        ids = insert_returning_ids(conn, table, rows)
        later = conn.execute(table.insert().returning(table.c.id), {"name": "later"}).scalar_one()
    assert len(ids) == len(set(ids)) == count and later > max(ids) and min(ids) > 1
    with engine.connect() as conn:
        back = {r["id"]: dict(r) for r in conn.execute(sa.select(table).where(table.c.id.in_(ids))).mappings()}
    for record_id, row in zip(ids, rows):
        got = back[record_id]
        got["at"] = got["at"].replace(tzinfo=dt.timezone.utc) if got["at"].tzinfo is None else got["at"]
        assert {k: got[k] for k in row} == row
    meta.drop_all(engine)
    engine.dispose()


def test_a_copied_batch_that_breaks_a_unique_index_writes_nothing(db_url):
    """The COPY path fails the way an INSERT does: SQLAlchemy's IntegrityError, and the caller's
    transaction keeps none of the batch."""
    from schema_store.database import insert_returning_ids
    engine = create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table("bulk_unique", meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                     sa.Column("code", sa.Text, unique=True))
    meta.create_all(engine)
    rows = [{"code": f"c{i}"} for i in range(300)] + [{"code": "c7"}]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        insert_returning_ids(conn, table, rows)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
    meta.drop_all(engine)
    engine.dispose()


def test_any_of_matches_what_in_matches_for_long_lists(db_url):
    """``any_of`` (one array parameter on PostgreSQL) finds exactly the rows ``IN`` finds, with
    values that need quoting and a list longer than any statement cache."""
    from schema_store.database import any_of
    engine = create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table("any_keys", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("key", sa.Text))
    meta.create_all(engine)
    keys = [f"k'{i}\x1e\"{i}" for i in range(1200)]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"key": k} for k in keys])
        wanted = keys[::3] + ["absent", "k'1"]
        got = set(conn.execute(sa.select(table.c.key).where(any_of(conn, table.c.key, wanted))).scalars())
        assert got == set(keys[::3])
        assert conn.execute(sa.select(table.c.key).where(any_of(conn, table.c.key, []))).all() == []
    meta.drop_all(engine)
    engine.dispose()
