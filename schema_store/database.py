"""The one way to get an engine: URL normalisation plus SQLite made transactional.

SQLite's Python driver commits before DDL on its own; the SQLAlchemy-documented pysqlite recipe
(``isolation_level=None`` on connect, ``BEGIN`` on begin) hands transaction control back to
SQLAlchemy so a publish (DDL + data + version row) commits or rolls back as one unit.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import event

SQLITE_BUSY_TIMEOUT_MS = 10_000
IMMEDIATE = "crm_sqlite_begin_immediate"  # execution option: BEGIN IMMEDIATE on SQLite


def normalize_url(url: str) -> str:
    """Map ``postgresql://`` (and ``postgres://``) to the psycopg 3 driver; leave others alone."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_engine(url: str | sa.URL, **kwargs: Any) -> sa.Engine:
    """An engine for ``url``; on SQLite: transactional DDL, foreign keys, WAL and a busy timeout."""
    if isinstance(url, str):
        url = normalize_url(url)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop pysqlite from issuing BEGIN/COMMIT itself (it would commit before every DDL).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")  # SQLITE_BUSY_TIMEOUT_MS
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # A writer that must not lose a race (publish) takes the write lock up front.
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextlib.contextmanager
def begin_write(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that will write: on SQLite it takes the write lock up front (BEGIN IMMEDIATE),
    so a read-then-write transaction waits its turn instead of failing with "database is locked"."""
    with engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
        yield conn


def is_sqlite(bind: sa.Engine | sa.Connection) -> bool:
    return bind.dialect.name == "sqlite"


def refresh_statistics(engine: sa.Engine, tables: list[sa.Table]) -> None:
    """PostgreSQL: ANALYZE these tables now. A bulk load into a fresh table otherwise runs on the
    planner's "nearly empty" estimate (sequential scans) until autovacuum catches up; SQLite needs
    nothing. Table names come from validated metadata and are quoted by the dialect."""
    if engine.dialect.name != "postgresql" or not tables:
        return
    prepare = engine.dialect.identifier_preparer
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(sa.text("ANALYZE " + prepare.format_table(table)))


COPY_FROM = 200  # rows from which a PostgreSQL batch insert goes through COPY


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (all with the same keys) in the caller's transaction: COPY on PostgreSQL
    for large batches (several times faster than executemany), executemany otherwise. Table and
    column names come from validated metadata and are quoted by the dialect."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) < COPY_FROM:
        conn.execute(table.insert(), rows)
        return
    _copy(conn, table, list(rows[0]), ([row[n] for n in rows[0]] for row in rows))


def insert_returning_ids(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows (all with the same keys, no ``id``) and return their new ids in row order.
    PostgreSQL, large batches: the ids are drawn from the table's sequence in one query and the
    rows are COPied with them (a multi-row INSERT of a few hundred rows costs more in building and
    parsing its statement than in writing); otherwise one INSERT .. RETURNING."""
    if not rows:
        return []
    if conn.dialect.name != "postgresql" or len(rows) < COPY_FROM:
        return list(conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
    ids = sorted(conn.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": conn.dialect.identifier_preparer.format_table(table), "n": len(rows)}).scalars())
    names = list(rows[0])
    _copy(conn, table, ["id", *names], ([record_id, *(row[n] for n in names)] for record_id, row in zip(ids, rows)))
    return ids


def _copy(conn: sa.Connection, table: sa.Table, names: list[str], values: Iterable[list[Any]]) -> None:
    """PostgreSQL COPY .. FROM STDIN of ``values`` (lists in ``names`` order) through the
    connection's driver. A constraint violation surfaces as SQLAlchemy's IntegrityError, as an
    INSERT's would."""
    import psycopg

    prepare = conn.dialect.identifier_preparer
    statement = f"COPY {prepare.format_table(table)} ({', '.join(prepare.quote(n) for n in names)}) FROM STDIN"
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except psycopg.IntegrityError as exc:
        raise sa.exc.IntegrityError(statement, None, exc) from exc
    finally:
        cursor.close()


def advisory_locks(conn: sa.Connection, keys: Iterable[int]) -> None:
    """PostgreSQL: hold transaction-scoped advisory locks on ``keys`` (signed 64-bit integers),
    taken in one statement in ascending order, so two transactions locking overlapping sets wait
    for each other instead of deadlocking. Elsewhere nothing: SQLite's BEGIN IMMEDIATE already
    serializes writers."""
    ordered = sorted(set(keys))
    if ordered and conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"),
                     {"keys": ordered})


def any_of(conn: sa.Connection, column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter however long the
    list (the driver then has no long statement to build and parse on every call)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)

