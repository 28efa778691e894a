"""Saving a designer form into the draft: the revision the page was rendered from, the conflict
message when someone saved in between, and refusals the analyst must correct first.

Every editor POST goes through :func:`apply`: nothing is saved unless the whole change is
accepted, and the answer is either a redirect (saved) or the same page again with the reason."""
from __future__ import annotations

from typing import Any, Callable

from flask import flash, redirect, request
from flask_babel import gettext as _

import schema_store
from builder.designer import drafting

Mutate = Callable[[dict[str, Any]], None]
Rerender = Callable[[dict[str, str], int], Any]


class Refused(Exception):
    """A change the analyst must correct first; ``errors`` map input names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def posted_revision() -> int | None:
    value = request.form.get("revision", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def conflict_message(current: int) -> str:
    return _("Someone else saved the draft since you opened this page (it is now at revision %(n)s). "
             "Nothing was changed: check the current draft below and apply your change again.", n=current)


def apply(mutate: Mutate, done: str, rerender: Rerender, *, message: str | None = None):
    """Save ``mutate`` on the revision the form carries, then redirect to ``done``; on a conflict
    or a refusal render the page again (409 / 422) and change nothing."""
    revision = posted_revision()
    if revision is None:
        return rerender({"revision": _("The form did not say which draft revision it was made on; "
                                       "reload the page.")}, 400)
    try:
        drafting.change(revision, mutate)
    except schema_store.DraftConflict as exc:
        flash(conflict_message(exc.current), "error")
        return rerender({}, 409)
    except Refused as exc:
        return rerender(exc.errors, 422)
    flash(message or _("Saved to the draft."), "success")
    return redirect(done)


def label_from(form: Any, prefix: str) -> dict[str, str] | None:
    """``{prefix}_zh`` / ``{prefix}_en`` inputs as a label (None when both are empty)."""
    out = {}
    for key, lang in (("zh", "zh-CN"), ("en", "en")):
        text = (form.get(f"{prefix}_{key}") or "").strip()
        if text:
            out[lang] = text[:2000]
    return out or None
