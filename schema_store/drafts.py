"""The draft: one working copy of the document, saved with optimistic concurrency (revision)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from schema_store.diagnostics import DiagnosticsError, diag
from schema_store.meta import DRAFT_ROW, ensure_meta_tables, live_version, meta_draft, meta_versions

EMPTY_DOCUMENT: dict[str, Any] = {"objects": {}}


@dataclass(frozen=True)
class Draft:
    document: dict[str, Any]
    revision: int                    # 0: nothing saved yet (the document is the live one)
    updated_at: dt.datetime | None = None
    updated_by: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document, "revision": self.revision,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None,
                "updated_by": self.updated_by}


class DraftConflict(DiagnosticsError):
    """The draft was saved by someone else since ``expected`` was read."""

    def __init__(self, current: int, expected: int):
        self.current, self.expected = current, expected
        super().__init__([diag("draft.conflict", "", current=current, expected=expected)])


def get_draft(conn: sa.Connection) -> Draft:
    """The saved draft, or (revision 0) a copy of the live document, or an empty document."""
    ensure_meta_tables(conn)
    row = conn.execute(sa.select(meta_draft).where(meta_draft.c.id == DRAFT_ROW)).mappings().first()
    if row is not None:
        return Draft(json.loads(row["document"]), row["revision"], row["updated_at"], row["updated_by"])
    live = live_version(conn)
    if live is None:
        return Draft(json.loads(json.dumps(EMPTY_DOCUMENT)), 0)
    doc = conn.execute(sa.select(meta_versions.c.document).where(meta_versions.c.version == live)).scalar_one()
    return Draft(json.loads(doc), 0)


def save_draft(conn: sa.Connection, document: dict[str, Any], expected_revision: int,
               actor_id: int | None = None, *, now: dt.datetime | None = None) -> Draft:
    """Store ``document`` as the draft if nobody saved since ``expected_revision``; raises
    DraftConflict otherwise. Drafts may be invalid: validation is separate."""
    ensure_meta_tables(conn)
    now = now or dt.datetime.now(dt.timezone.utc)
    text = json.dumps(document, ensure_ascii=False)
    values = {"document": text, "revision": expected_revision + 1, "updated_at": now, "updated_by": actor_id}
    if expected_revision == 0:
        try:
            with conn.begin_nested():  # two first saves at once: the second one conflicts
                conn.execute(meta_draft.insert().values(id=DRAFT_ROW, **values))
        except sa.exc.IntegrityError:
            current = conn.execute(sa.select(meta_draft.c.revision).where(meta_draft.c.id == DRAFT_ROW)).scalar()
            raise DraftConflict(current or 0, expected_revision) from None
        return Draft(document, 1, now, actor_id)
    result = conn.execute(meta_draft.update().where(meta_draft.c.id == DRAFT_ROW,
                                                    meta_draft.c.revision == expected_revision).values(**values))
    if result.rowcount != 1:
        current = conn.execute(sa.select(meta_draft.c.revision).where(meta_draft.c.id == DRAFT_ROW)).scalar()
        raise DraftConflict(current or 0, expected_revision)
    return Draft(document, expected_revision + 1, now, actor_id)


def discard_draft(conn: sa.Connection) -> None:
    """Forget the draft (the next get_draft returns the live document)."""
    ensure_meta_tables(conn)
    conn.execute(meta_draft.delete().where(meta_draft.c.id == DRAFT_ROW))
