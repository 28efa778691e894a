"""The notification tables, on the runtime's system metadata (created with the other system tables).

``notifications`` holds one row per recipient and event: the in-app inbox reads it. Each channel a
notification goes out on has a ``notification_deliveries`` row tracking that delivery's attempts.
"""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

STATUSES = ("pending", "sent", "failed", "dead")

notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(63), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("object", sa.String(63)),
    sa.Column("record_id", sa.BigInteger),
    sa.Column("link", sa.String(1000)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("read_at", sa.DateTime(timezone=True)),
    # The same event notifies each user once: NULLs never collide, so keys are optional.
    sa.Column("dedupe_key", sa.String(300)),
    sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_dedupe"),
)

notification_deliveries = sa.Table(
    "notification_deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("notification_id", sa.Integer, sa.ForeignKey("notifications.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("channel", sa.String(63), nullable=False),
    sa.Column("target", sa.String(1000)),
    sa.Column("secret", sa.String(300)),  # the webhook target's signing secret; never shown
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.String(1000)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'dead')", name="ck_deliveries_status"),
    sa.Index("ix_deliveries_due", "status", "next_attempt_at"),
)
