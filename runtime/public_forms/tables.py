"""The public forms' own tables: used idempotency tokens (with the record each created) and the
rate-limit counters used when no Redis is configured."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

form_submissions = sa.Table(
    "public_form_submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("form_key", sa.String(63), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

rate_hits = sa.Table(
    "public_form_rate_hits", metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
