"""The saved list views table (per user, optionally shared), on the runtime's system metadata."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

saved_views = sa.Table(
    "ui_saved_views", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_ui_saved_views_object", "object", "user_id"),
)
