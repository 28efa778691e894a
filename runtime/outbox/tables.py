"""The outbox tables: ``outbox`` (one row per action to deliver) and ``outbox_runs`` (one row per
execution, for the run log). Defined on the runtime's system metadata so ``create_all`` makes them."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

STATUSES = ("pending", "running", "done", "failed", "dead")
RUN_OUTCOMES = ("running", "done", "failed", "lost")

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("current_run_id", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("depth", sa.Integer, nullable=False, server_default="0"),
    sa.Column("origin", sa.String(255)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("duration_ms", sa.Integer),
    sa.CheckConstraint(sa.column("status").in_(STATUSES), name="ck_outbox_status"),
    sa.Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
)

outbox_runs = sa.Table(
    "outbox_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("runner", sa.String(200)),
)
