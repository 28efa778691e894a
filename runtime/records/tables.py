"""System tables of the record runtime: field history and autonumber counters."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

record_history = sa.Table(
    "record_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("change_id", sa.String(32), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # create, update, delete, restore
    sa.Column("field", sa.String(63)),
    sa.Column("old_value", sa.Text),  # JSON
    sa.Column("new_value", sa.Text),  # JSON
    sa.Column("actor_id", sa.Integer),
    sa.Column("source", sa.String(32)),  # api, ui, import, automation, form
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_record_history_record", "object", "record_id", "at"),
)

autonumber_counters = sa.Table(
    "autonumber_counters", metadata,
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("field", sa.String(63), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)
