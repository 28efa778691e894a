"""Lookup, user and owner cells written as names: a batch's names become the ids they stand for.

A lookup cell names a record of the target object by its title field (``ObjectDef.title_field``);
a user cell and the ``owner`` column name an active user by username or display name. Names are
compared trimmed, case-folded and with full-width characters folded (``normalize_text`` of the
duplicate rules). Only records the importing user may read count, through the same
``base_select`` every read starts from, so a record they cannot see is "not found", never "named
twice".

An all-digit cell (``convert`` made it an int) is an id, as before, when it is a visible record
(an active user); otherwise it may still be a title ("2024" as a project name) and resolves like
any name. An id that names nothing stays an id and the pipeline answers for it ("Choose an
existing record."), as it always did.

Every look-up is one query per lookup field per batch (and one for all user columns), whatever
the number of rows. A name that matches no record or several is left in the row as it was, so the
pipeline still refuses the row with every other problem it has; :func:`resolve` returns the
message that replaces the pipeline's for that column."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.dedup.normalize import normalize_text
from runtime.i18n import pick_label
from runtime.records import RecordService
from runtime.records.permissions import object_access
from runtime.records.reading import base_select
from runtime.system_tables import users
from schema_store.database import any_of
from schema_store.model import ObjectDef

OWNER = "owner"
_MAX_ID = 2**31 - 1   # ids are 32-bit


def resolve(conn: sa.Connection, service: RecordService, obj: ObjectDef, rows: list[dict[str, Any]]
            ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """``rows`` with the names in their lookup, user and owner values replaced by ids, and per row
    ``{field: message}`` for the names that stay unresolved."""
    out = [dict(row) for row in rows]
    problems: list[dict[str, str]] = [{} for _row in rows]
    for f in obj.fields.values():
        if f.type == "lookup" and f.target in service.schema.objects and _present(rows, f.name):
            _resolve_lookup(conn, service, f.name, f.target, out, problems)
    user_columns = [f.name for f in obj.fields.values() if f.type == "user"]
    if OWNER not in obj.fields:
        user_columns.append(OWNER)
    user_columns = [name for name in user_columns if _present(rows, name)]
    if user_columns:
        _resolve_users(conn, user_columns, out, problems)
    return out, problems


def _present(rows: Iterable[Mapping[str, Any]], name: str) -> bool:
    return any(row.get(name) is not None for row in rows)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_ID


def _name(value: Any) -> str | None:
    """The text a cell names something by (None for what is not a name: blanks, lists)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return normalize_text(str(value))


def _sql_keys(names: Iterable[str]) -> list[str]:
    """What a folded column may equal for these names: SQL's ``lower`` folds only ASCII on SQLite
    and does not fold full-width forms, so the exact, lower-cased and fully folded texts are all
    asked for and Python compares the fully folded forms of what comes back."""
    keys: set[str] = set()
    for name in names:
        text = name.strip()
        ascii_lower = "".join(ch.lower() if ch.isascii() else ch for ch in text)
        keys |= {text, text.lower(), ascii_lower, normalize_text(text) or ""}
    keys.discard("")
    return sorted(keys)


def _folded(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    return sa.func.lower(sa.func.trim(sa.cast(column, sa.Text), type_=sa.Text), type_=sa.Text)


def _records_named(conn: sa.Connection, service: RecordService, target: str, names: set[str]
                   ) -> dict[str, set[int]]:
    """``{folded name: ids}`` of the live ``target`` records the actor may read whose title is
    one of ``names``: one query."""
    obj = service.schema.object(target)
    access = object_access(service.schema, service.actor, target)
    title = obj.title_field
    if not names or title is None or not access.read or not access.can_see(title):
        return {}
    query, columns, _fields = base_select(conn, service.read_scope(), target, access)
    try:
        column = columns[title]
    except KeyError:   # a title computed only in Python: nothing to compare in SQL
        return {}
    table = service.schema.table(target)
    wanted = {normalize_text(n) for n in names}
    found: dict[str, set[int]] = {}
    select = query.with_only_columns(table.c.id, column).where(any_of(conn, _folded(column), _sql_keys(names)))
    for record_id, value in conn.execute(select):
        key = normalize_text(value)
        if key in wanted:
            found.setdefault(key, set()).add(record_id)
    return found


def _resolve_lookup(conn: sa.Connection, service: RecordService, name: str, target: str,
                    rows: list[dict[str, Any]], problems: list[dict[str, str]]) -> None:
    ids = sorted({v for row in rows if _is_id(v := row.get(name))})
    visible = service.visible_ids(conn, target, ids) if ids else set()   # remembered for the pipeline
    names = {text for row in rows if (text := _name(v := row.get(name))) and not (_is_id(v) and v in visible)}
    named = _records_named(conn, service, target, names)
    obj = service.schema.object(target)
    _replace(rows, problems, name, lambda v: v in visible, named,
             missing=lambda text: _("No %(object)s named “%(name)s”.", object=pick_label(obj.label), name=text),
             several=lambda n, text: _("%(count)s %(objects)s are named “%(name)s”; give the record id instead.",
                                       count=n, objects=pick_label(obj.plural_label or obj.label), name=text))


def _resolve_users(conn: sa.Connection, columns: list[str], rows: list[dict[str, Any]],
                   problems: list[dict[str, str]]) -> None:
    """All user columns of the batch against the active users: one query."""
    values = [v for row in rows for name in columns if (v := row.get(name)) is not None]
    ids = sorted({v for v in values if _is_id(v)})
    names = {text for v in values if (text := _name(v))}
    if not ids and not names:
        return
    keys = _sql_keys(names)
    wanted = {normalize_text(n) for n in names}
    match = [any_of(conn, _folded(users.c.username), keys), any_of(conn, _folded(users.c.display_name), keys)] \
        if keys else []
    if ids:
        match.append(any_of(conn, users.c.id, ids))
    active: set[int] = set()
    named: dict[str, set[int]] = {}
    query = sa.select(users.c.id, users.c.username, users.c.display_name).where(
        users.c.active.is_(True), sa.or_(*match))
    for user_id, username, display_name in conn.execute(query):
        active.add(user_id)
        for key in {normalize_text(username), normalize_text(display_name)} & wanted:
            named.setdefault(key, set()).add(user_id)
    for name in columns:
        _replace(rows, problems, name, lambda v: v in active, named,
                 missing=lambda text: _("No user named “%(name)s”.", name=text),
                 several=lambda n, text: _("%(count)s users are named “%(name)s”; give the user id instead.",
                                           count=n, name=text))


def _replace(rows: list[dict[str, Any]], problems: list[dict[str, str]], name: str,
             known: Callable[[int], bool], named: Mapping[str, set[int]], *,
             missing: Callable[[str], str], several: Callable[[int, str], str]) -> None:
    """Put the id each row's ``name`` value stands for in its place, or note why there is none."""
    for row, row_problems in zip(rows, problems):
        value = row.get(name)
        if value is None or (_is_id(value) and known(value)):
            continue
        text = _name(value)
        if text is None:
            continue
        matches = named.get(text, set())
        shown = str(value).strip()
        if len(matches) == 1:
            row[name] = next(iter(matches))
        elif matches:
            row_problems[name] = several(len(matches), shown)
        elif not isinstance(value, int):
            row_problems[name] = missing(shown)
        # an id that names nothing stays: the pipeline refuses it as it always has
