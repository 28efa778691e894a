"""The dedup system tables, on the runtime's system metadata (created with the other system tables).

``dedup_keys``: each record's normalized key under each duplicate rule (kind ``k``) and, for fuzzy
rules, its blocking grams (kind ``g``). ``rule`` is ``name:checksum`` so a changed rule never reads
keys built by its older definition. ``dedup_rule_state``: how far the backfill of a rule version
has come. ``dedup_flags``: possible duplicates found by ``warn`` rules, shown on the record.
``dedup_merges``: which record was merged into which, so a merged record stays findable.
"""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

dedup_keys = sa.Table(
    "dedup_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(1), nullable=False),
    sa.Column("key", sa.String(1100), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Index("ix_dedup_keys_lookup", "rule", "kind", "key"),
    sa.Index("ix_dedup_keys_record", "object", "record_id"),
)

dedup_rule_state = sa.Table(
    "dedup_rule_state", metadata,
    sa.Column("rule", sa.String(100), primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("last_id", sa.Integer, nullable=False, server_default="0"),
    sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
)

dedup_flags = sa.Table(
    "dedup_flags", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("other_id", sa.Integer, nullable=False),
    sa.Column("rule", sa.String(63), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_dedup_flags_record", "object", "record_id"),
    sa.Index("ix_dedup_flags_other", "object", "other_id"),
)

dedup_merges = sa.Table(
    "dedup_merges", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("merged_id", sa.Integer, nullable=False),
    sa.Column("survivor_id", sa.Integer, nullable=False),
    sa.Column("actor_id", sa.Integer),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("object", "merged_id", name="uq_dedup_merges_merged"),
)
