"""The installed-packs table (owned by builder/packs), defined on the runtime's system metadata."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

installed_packs = sa.Table(
    "installed_packs", metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("title", sa.Text),                 # JSON label
    sa.Column("namespace", sa.String(63)),
    sa.Column("fragment", sa.Text, nullable=False),  # JSON: the pack's metadata as installed (merge base)
    sa.Column("data_sets", sa.Text),             # JSON: [{object, file, key}]
    sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("installed_by", sa.Integer),
    sa.Column("demo_size", sa.Integer),          # set when the demo generator ran (crm demo is idempotent)
)


def create_tables(bind: sa.Engine | sa.Connection) -> None:
    installed_packs.create(bind, checkfirst=True)


def ensure_table(conn: sa.Connection) -> None:
    """Create ``installed_packs`` when missing, inside the caller's transaction (DDL is
    transactional on SQLite and PostgreSQL here, so a rolled-back import leaves no table either)."""
    if not sa.inspect(conn).has_table(installed_packs.name):
        installed_packs.create(conn, checkfirst=True)
