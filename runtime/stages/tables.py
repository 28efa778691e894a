"""System tables of the stage engine: stage history (one row per stage entry) and SLA alerts
(one row per level fired, unique per stage entry so a level fires exactly once)."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

stage_history = sa.Table(
    "stage_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(255), nullable=False),
    sa.Column("from_stage", sa.String(255)),
    sa.Column("entry_no", sa.Integer, nullable=False),          # 1, 2, ... per record
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("exited_at", sa.DateTime(timezone=True)),
    sa.Column("duration_seconds", sa.Integer),                  # set on exit
    sa.Column("entered_by", sa.Integer),
    sa.Column("source", sa.String(32)),                         # api, ui, automation, import
    sa.UniqueConstraint("object", "record_id", "entry_no", name="uq_stage_history_entry"),
    sa.Index("ix_stage_history_record", "object", "record_id", "entered_at"),
)

stage_alerts = sa.Table(
    "stage_alerts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(255), nullable=False),
    # the instant the SLA clock started: stage_entered_at, or last_activity_at for "no update" SLAs
    sa.Column("anchor_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("level", sa.String(63), nullable=False),
    sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("object", "record_id", "stage", "anchor_at", "level", name="uq_stage_alerts_once"),
)
