"""The ``jobs`` table: long-running work (imports, recomputes) with progress a user can watch."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

JOB_STATUSES = ("queued", "running", "done", "failed")

jobs = sa.Table(
    "jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(63), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("total", sa.Integer),
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("errors", sa.JSON, nullable=False),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("result", sa.JSON),
    sa.Column("params", sa.JSON),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(sa.column("status").in_(JOB_STATUSES), name="ck_jobs_status"),
)
