"""Reading and changing the draft from the designer's pages: every change names the revision it
was made on, so two analysts editing at once get a conflict instead of overwriting each other."""
from __future__ import annotations

import copy
from typing import Any, Callable

from flask_login import current_user

import schema_store
from runtime.auth import requires_role
from runtime.services import services
from schema_store.database import begin_write

DESIGNERS = ("analyst",)  # admin always passes
designer_required = requires_role(*DESIGNERS)


def current() -> schema_store.Draft:
    """The saved draft (or, at revision 0, a copy of the live document)."""
    with services().engine.connect() as conn:
        return schema_store.get_draft(conn)


def change(revision: int, mutate: Callable[[dict[str, Any]], None]) -> schema_store.Draft:
    """Apply ``mutate`` to a copy of the draft document and save it, if the draft is still at
    ``revision``; raises ``schema_store.DraftConflict`` otherwise. ``mutate`` may raise to refuse
    the change (nothing is saved)."""
    with begin_write(services().engine) as conn:
        draft = schema_store.get_draft(conn)
        if draft.revision != revision:
            raise schema_store.DraftConflict(draft.revision, revision)
        document = copy.deepcopy(draft.document)
        mutate(document)
        return schema_store.save_draft(conn, document, revision, current_user.id, now=services().clock.now())


def discard(revision: int) -> None:
    """Forget the draft (the designer shows the live document again), if it is still at ``revision``."""
    from schema_store.drafts import discard_draft
    with begin_write(services().engine) as conn:
        draft = schema_store.get_draft(conn)
        if draft.revision != revision:
            raise schema_store.DraftConflict(draft.revision, revision)
        discard_draft(conn)
