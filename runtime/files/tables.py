"""The ``files`` system table: one row per upload; the bytes live on disk under their checksum."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

files = sa.Table(
    "files", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content_type", sa.String(127), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),      # the uploader's file name, for display only
    sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("object", sa.String(63), nullable=False),      # the file field it was uploaded for
    sa.Column("field", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Integer),                      # NULL until a save attaches it
    sa.Index("ix_files_record", "object", "record_id"),
)
