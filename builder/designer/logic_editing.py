"""One round of the generic editor: render an item of the draft as a widget tree with every
diagnostic beside its input, or take a posted form, apply the row operation it asks for and save
the item into the draft (optimistically: a stale revision is a conflict, and nothing changes)."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

import schema_store
from builder.designer import drafting
from builder.designer.logic_form import MISSING, Widget, apply_op, attach, build, caret, parse
from builder.designer.logic_schema import Shape
from builder.designer.logic_sections import editor_context
from runtime.i18n import current_language


@dataclass
class Item:
    """Where an item lives and how to read and replace it in a document."""

    shape: Shape
    pointer: Callable[[dict[str, Any]], str | None]             # document -> JSON pointer (None: gone)
    read: Callable[[dict[str, Any]], Any]
    write: Callable[[dict[str, Any], Any], None]                # (document, value or MISSING)
    object_of: Callable[[Any], str]                              # value -> the object its expressions run on
    hidden: frozenset[str] = frozenset()
    after_parse: Callable[[Any, Any], Any] = lambda value, before: value


def problems_for(document: dict[str, Any], item_pointer: str | None, lang: str) -> list[dict[str, Any]]:
    """Diagnostics of the draft inside the item, with paths relative to it."""
    if item_pointer is None:
        return []
    out = []
    for d in schema_store.validate(document):
        if d.path == item_pointer or d.path.startswith(item_pointer + "/"):
            problem = d.to_dict(lang)
            problem["path"] = d.path[len(item_pointer) + 1:]
            out.append(problem)
    return out


def tree(item: Item, document: dict[str, Any], value: Any, problems: list[dict[str, Any]]) -> Widget:
    lang = current_language()
    ctx = editor_context(document, item.object_of(value), lang, item.hidden)
    root = build(item.shape, value, ctx)
    attach(root, problems)
    for w in root.walk():
        for p in w.problems:
            if w.kind == "expr" and p.get("span"):
                p["caret"] = caret(w.value, p["span"])
    return root


def show(template: str, item: Item, *, status: int = 200, value: Any = MISSING,
         draft: schema_store.Draft | None = None, revision: int | None = None, **page: Any):
    """The editor page for the saved item (or ``value``, a posted state that was not saved)."""
    draft = draft or drafting.current()
    document = draft.document
    saved = item.read(document)
    shown = saved if value is MISSING else value
    problems = problems_for(document, item.pointer(document), current_language()) if value is MISSING else []
    root = tree(item, document, shown, problems)
    return render_template(template, root=root, revision=draft.revision if revision is None else revision,
                           problem_count=len(problems),
                           draft=draft, **page), status


def save(template: str, item: Item, done_url: Callable[[Any], str], **page: Any):
    """Parse the posted item, apply ``_op`` (add / remove / up / down rows), save into the draft."""
    form = request.form
    try:
        revision = int(form.get("_revision", ""))
    except ValueError:
        revision = -1
    draft = drafting.current()
    before = item.read(draft.document)
    lang = current_language()
    ctx = editor_context(draft.document, item.object_of(before), lang, item.hidden)
    value = parse(item.shape, form, ctx)
    value = {} if value is MISSING else value
    op = form.get("_op") or "save"
    if op != "save":
        target = op.partition(":")[2]
        value = apply_op(value, op, item.shape, form.get(f"_variant:{target}"))
    value = item.after_parse(value, before)

    def mutate(document: dict[str, Any]) -> None:
        if item.pointer(document) is None and before is not MISSING and before is not None:
            raise LookupError("the item is gone")
        item.write(document, copy.deepcopy(value))

    try:
        drafting.change(revision, mutate)
    except schema_store.DraftConflict:
        flash(_("Someone else changed the draft since you opened this page. Your changes were not saved: "
                "reload the page to see the current draft, then make your change again."), "error")
        return show(template, item, status=409, value=value, draft=draft, revision=revision, conflict=True, **page)
    except LookupError:
        flash(_("This item was removed from the draft by someone else. Nothing was saved."), "error")
        return show(template, item, status=409, value=value, draft=draft, revision=revision, conflict=True, **page)
    if op == "save":
        flash(_("Saved to the draft. It takes effect when the draft is published."), "info")
    return redirect(done_url(value))
