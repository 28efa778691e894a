"""The checks of a save, all collected together: field permissions, read-only fields, required and
required_when, validation rules, unique values, lookups that exist and are visible."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

import expression
from runtime.i18n import pick_label
from runtime.records.permissions import ObjectAccess
from schema_store import AppSchema
from schema_store.model import ObjectDef


class Problems:
    """Errors keyed by field plus record-level rule messages."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.rules: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        bucket = self.errors.setdefault(field, [])
        if message not in bucket:
            bucket.append(message)

    def merge(self, errors: Mapping[str, list[str]]) -> None:
        for name, messages in errors.items():
            for m in messages:
                self.add(name, m)

    def __bool__(self) -> bool:
        return bool(self.errors or self.rules)


def _true(e, ctx) -> bool:
    try:
        return e.evaluate(ctx) is True
    except expression.ExpressionError:
        return False


def check_writable(obj: ObjectDef, access: ObjectAccess, changes: Mapping[str, Any], prior_ctx,
                   problems: Problems) -> None:
    """Hidden fields look unknown; read-only fields (by permission or readonly_when) refuse changes."""
    for name in changes:
        f = obj.fields.get(name)
        if f is None:
            continue
        if not access.can_see(name):
            problems.errors.pop(name, None)
            problems.add(name, _("Unknown field."))
        elif not access.can_edit(name):
            problems.add(name, _("You cannot change this field."))
        elif prior_ctx is not None and f.readonly_when is not None and _true(f.readonly_when, prior_ctx):
            problems.add(name, _("This field is read-only now."))


def check_rules(obj: ObjectDef, record: Mapping[str, Any], ctx, problems: Problems, lang: str) -> None:
    for f in obj.fields.values():
        if f.computed:
            continue
        value = record.get(f.name)
        blank = value is None or value == "" or value == ()
        if blank and (f.required or (f.required_when is not None and _true(f.required_when, ctx))):
            problems.add(f.name, _("This field is required."))
    for rule in obj.validations:
        if rule.active and _true(rule.error_when, ctx):
            message = pick_label(rule.message, lang)
            if rule.field:
                problems.add(rule.field, message)
            else:
                problems.rules.append({"key": rule.key, "message": message})


def check_unique(conn: sa.Connection, schema: AppSchema, obj: ObjectDef, record: Mapping[str, Any],
                 record_id: int | None, changed: set[str], problems: Problems) -> None:
    table = schema.table(obj.name)
    for f in obj.fields.values():
        if not f.unique or f.name not in changed or record.get(f.name) in (None, ""):
            continue
        query = sa.select(table.c.id).where(table.c[f.name] == record[f.name], table.c.deleted_at.is_(None))
        if record_id is not None:
            query = query.where(table.c.id != record_id)
        if conn.execute(query.limit(1)).first() is not None:
            problems.add(f.name, _("This value is already used by another record."))


def check_references(schema: AppSchema, obj: ObjectDef, record: Mapping[str, Any], changed: set[str],
                     visible_ids: Callable[[str, list[int]], set[int]], active_user: Callable[[int], bool],
                     problems: Problems) -> None:
    """Lookups must point at records the user can see; user fields at active users."""
    for f in obj.fields.values():
        if f.name not in changed or record.get(f.name) is None:
            continue
        ref = record[f.name]
        if f.type == "lookup" and f.target in schema.objects:
            if ref not in visible_ids(f.target, [ref]):
                problems.add(f.name, _("Choose an existing record."))
        elif f.type == "user" and not active_user(ref):
            problems.add(f.name, _("Choose an existing user."))
