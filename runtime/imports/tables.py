"""System tables of imports: the uploaded files (whose they are) and every problem found per row.
The bytes themselves live under ``<instance>/imports`` addressed by checksum (runtime/files/storage.py)."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.system_tables import metadata

import_uploads = sa.Table(
    "import_uploads", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),   # random; what the steps pass on
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),                   # csv | xlsx
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)

ISSUE_KINDS = ("error", "duplicate", "warning", "merged")

import_issues = sa.Table(
    "import_issues", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("row", sa.Integer, nullable=False),            # the row number in the file (header = 1)
    sa.Column("kind", sa.String(16), nullable=False),        # error: refused | duplicate: refused by a rule
    sa.Column("column", sa.String(255)),                     # warning: created, flagged | merged
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("record_id", sa.Integer),                      # the existing record it duplicates / merged into
    sa.Column("duplicate_of_row", sa.Integer),               # the earlier row of the file it duplicates
    sa.Column("cells", sa.JSON),                             # the row's original values, for the report
    sa.Index("ix_import_issues_job_row", "job_id", "row"),
    sa.CheckConstraint(sa.column("kind").in_(ISSUE_KINDS), name="ck_import_issues_kind"),
)
