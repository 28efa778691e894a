"""The schema store's own tables: published versions, the draft, the live pointer, the archive."""
from __future__ import annotations

import sqlalchemy as sa

meta_metadata = sa.MetaData()

meta_versions = sa.Table(
    "meta_versions", meta_metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_by", sa.Integer),
    sa.Column("note", sa.Text),
    sa.Column("rollback_of", sa.Integer),
    sa.Column("ops", sa.Text),  # JSON: the applied operations, for history pages
)

# One row (id = 1): the version runtime processes must serve. Also the publish lock row.
meta_live = sa.Table(
    "meta_live", meta_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)

meta_draft = sa.Table(
    "meta_draft", meta_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Integer),
)

meta_archive = sa.Table(
    "meta_archive", meta_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("field", sa.String(63), nullable=False),  # "*" for a whole archived record
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("value", sa.Text),                        # JSON
    sa.Column("field_type", sa.String(32), nullable=False),
    sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),   # the version whose publish archived it
    sa.Index("ix_meta_archive_object_field", "object", "field"),
)

WHOLE_RECORD = "*"
LIVE_ROW = 1
DRAFT_ROW = 1


def ensure_meta_tables(conn: sa.Connection) -> None:
    """Create the meta tables and the live row if missing (idempotent, inside the caller's txn)."""
    meta_metadata.create_all(conn, checkfirst=True)
    if conn.execute(sa.select(meta_live.c.id).where(meta_live.c.id == LIVE_ROW)).first() is None:
        conn.execute(meta_live.insert().values(id=LIVE_ROW, version=None))


_LIVE_QUERY = sa.select(meta_live.c.version).where(meta_live.c.id == LIVE_ROW)


def live_version(conn: sa.Connection) -> int | None:
    """The published version processes must serve, or None before the first publish.

    One primary-key read; cheap enough to run on every request."""
    try:
        return conn.execute(_LIVE_QUERY).scalar()
    except (sa.exc.ProgrammingError, sa.exc.OperationalError):
        if conn.dialect.name == "postgresql" and conn.in_transaction():
            conn.rollback()  # the failed statement aborted the transaction anyway
        if sa.inspect(conn).has_table("meta_live"):
            raise
        return None  # meta tables not created yet: nothing published
