"""Tables of the automation engine, on the system metadata (created with the other system tables):
assignment decisions and round-robin cursors, approval requests and their history, tasks, and
the schedule cursor of time-triggered rules."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

TS = sa.DateTime(timezone=True)

assignment_decisions = sa.Table(
    "assignment_decisions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer, index=True),
    sa.Column("source", sa.String(200), nullable=False),   # rule:<key> | route:<key> | claim | release
    sa.Column("entry", sa.String(100)),                    # the routing entry that matched (or "fallback")
    sa.Column("kind", sa.String(20), nullable=False),      # user | team | field | pool | owner_manager | claim ...
    sa.Column("user_id", sa.Integer),
    sa.Column("team", sa.String(63)),
    sa.Column("pool", sa.String(63)),
    sa.Column("actor_id", sa.Integer),
    sa.Column("at", TS, nullable=False),
    sa.Index("ix_assignment_decisions_record", "object", "record_id"),
)

round_robin = sa.Table(
    "assignment_round_robin", metadata,
    sa.Column("team", sa.String(63), primary_key=True),
    sa.Column("counter", sa.Integer, nullable=False, server_default="0"),
)

pool_members = sa.Table(
    "assignment_pool_records", metadata,
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("pool", sa.String(63), nullable=False, index=True),
    sa.Column("since", TS, nullable=False),
)

approval_requests = sa.Table(
    "approval_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("process", sa.String(63), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),     # pending | approved | rejected
    sa.Column("step_index", sa.Integer, nullable=False, server_default="0"),
    sa.Column("step_key", sa.String(63)),
    sa.Column("approver_ids", sa.JSON, nullable=False),     # current approvers (user ids)
    sa.Column("forwarded", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("step_started_at", TS, nullable=False),
    sa.Column("due_at", TS, index=True),
    sa.Column("requested_by", sa.Integer),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("decided_at", TS),
    sa.Column("depth", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_approval_requests_record", "object", "record_id"),
)

approval_events = sa.Table(
    "approval_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.Integer, sa.ForeignKey("approval_requests.id"), nullable=False, index=True),
    sa.Column("event", sa.String(20), nullable=False),  # started | approved | rejected | forwarded | step
    sa.Column("step_key", sa.String(63)),
    sa.Column("user_id", sa.Integer),
    sa.Column("reason", sa.Text),
    sa.Column("at", TS, nullable=False),
)

tasks = sa.Table(
    "automation_tasks", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("assignee_id", sa.Integer, index=True),
    sa.Column("due_at", TS),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("rule", sa.String(200)),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_automation_tasks_record", "object", "record_id"),
)

schedule_cursor = sa.Table(
    "automation_schedule", metadata,
    sa.Column("rule", sa.String(63), primary_key=True),
    sa.Column("last_run_at", TS, nullable=False),
)
