"""Duplicate rules in the save pipeline (registered on the save hooks by runtime/dedup/wiring.py).

- ``validate`` (before the write): ``block`` rules refuse the save with a message on the rule's
  first field naming the existing record (``#id`` and its title when the user may read it);
  ``merge`` rules refuse a *create* with :class:`MergeInstead` (an ``Invalid`` carrying the
  survivor's id) so that :func:`runtime.dedup.merging.create_or_merge` can put the incoming values
  into the existing record instead; a caller that does not merge gets an ordinary 422.
- ``after_save`` (same transaction): the record's keys in ``dedup_keys`` are rewritten (dropped on
  delete), and ``warn`` rules (and ``merge`` rules on an update, which never merges two existing
  records by itself) record possible duplicates in ``dedup_flags``; the save goes through and the
  API and the record page show them.
An update never matches the record itself.
"""
from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.dedup.keys import backfill, drop_keys, indexed, key_rows, ref, write_keys
from runtime.dedup.matching import Match, find_matches, prefetch
from runtime.dedup.rules import DedupRule, join_key, part_values, rules_for
from runtime.dedup.tables import dedup_flags, dedup_keys
from runtime.i18n import pick_label
from runtime.records.checks import Problems
from runtime.records.errors import Invalid
from runtime.records.hooks import SaveEvent
from schema_store.database import advisory_locks, insert_rows


PUBLIC_SOURCES = ("form",)  # saves made for anonymous visitors (public forms: source "form:<key>")


class MergeInstead(Invalid):
    """A create matched an existing record under a ``merge`` rule."""

    code = "duplicate_merge"

    def __init__(self, message: str, errors: dict[str, list[str]], *, survivor_id: int, rule: str):
        super().__init__(message, errors, [], survivor_id=survivor_id, rule=rule)
        self.survivor_id, self.rule = survivor_id, rule


def object_rules(event: SaveEvent) -> tuple[DedupRule, ...]:
    """The object's rules (``rules_for`` remembers them per schema)."""
    return rules_for(event.service.schema, event.object_name)


def _relevant(event: SaveEvent) -> tuple[DedupRule, ...]:
    rules = object_rules(event)
    if event.action == "update":
        rules = tuple(r for r in rules if set(r.fields) & event.changed)
    return rules


def _prepare(event: SaveEvent, rules: tuple[DedupRule, ...]) -> None:
    _prepare_rules(event.service, event.conn, rules)


def _prepare_rules(service: Any, conn: sa.Connection, rules: tuple[DedupRule, ...]) -> None:
    """Backfill batches for rules not fully indexed yet; a rule version once complete is remembered
    by the process (per schema version, so a rollback checks again)."""
    done = service.svc.extras.setdefault("dedup_done", set())
    version = service.schema.version
    for rule in rules:
        if (version, ref(rule)) in done:
            continue
        if indexed(conn, rule):  # committed: safe to remember (this save may still roll back)
            done.add((version, ref(rule)))
        else:
            backfill(conn, service.schema, rule)


def _checked_on_create(rules: tuple[DedupRule, ...]) -> tuple[DedupRule, ...]:
    return tuple(r for r in rules if r.action in ("block", "merge"))


def before_batch(service: Any, conn: sa.Connection, object_name: str, rows: list[Any]) -> None:
    """A batch of creates (``create_many``): the exact keys of every row looked up at once, and on
    PostgreSQL their advisory locks taken at once, so ``validate`` needs no query per row."""
    rules = _checked_on_create(rules_for(service.schema, object_name))
    if not rules:
        return
    _prepare_rules(service, conn, rules)
    rows = [r for r in rows if isinstance(r, dict)]
    service.batch_memo["dedup_known"] = prefetch(conn, rules, rows)
    if conn.dialect.name == "postgresql":
        locks = set().union(*(_lock_ids(rules, r) for r in rows))
        advisory_locks(conn, locks)
        service.batch_memo["dedup_locked"] = locks


def _lock_ids(rules: tuple[DedupRule, ...], record: Any) -> set[int]:
    """The advisory lock of each exact key ``record`` has under ``rules``."""
    out = set()
    for rule in rules:
        parts = part_values(rule, record)
        if parts is not None and not rule.fuzzy:
            digest = hashlib.sha1(f"{ref(rule)}\x1e{join_key(parts)}".encode()).digest()
            out.add(int.from_bytes(digest[:8], "big", signed=True))
    return out


def titles(conn: sa.Connection, service: Any, object_name: str, ids: list[int]) -> dict[int, str]:
    """``#id title`` of records; the title only where the actor may read the record."""
    obj = service.schema.object(object_name)
    names = {i: f"#{i}" for i in ids}
    if not ids or not obj.title_field or obj.title_field not in obj.fields or not obj.fields[obj.title_field].stored:
        return names
    visible = service.visible_ids(conn, object_name, list(ids))
    table = service.schema.table(object_name)
    for record_id, title in conn.execute(sa.select(table.c.id, table.c[obj.title_field])
                                         .where(table.c.id.in_(sorted(visible)))):
        if title not in (None, ""):
            names[record_id] = f"#{record_id} {title}"
    return names


def _message(rule_raw: Any, name: str) -> str:
    custom = pick_label(rule_raw.get("message")) if rule_raw else ""
    if custom:
        return _("%(message)s: %(record)s", message=custom, record=name)
    return _("Duplicate of %(record)s.", record=name)


def _lock_keys(event: SaveEvent, rules: tuple[DedupRule, ...]) -> None:
    """PostgreSQL: two saves with the same key wait for each other (a transaction-scoped advisory
    lock per rule and key), so concurrent duplicates cannot both pass. SQLite writes are already
    serialized by BEGIN IMMEDIATE."""
    if event.conn.dialect.name != "postgresql":
        return
    held = getattr(event.service, "batch_memo", {}).get("dedup_locked", set())  # taken for the batch
    advisory_locks(event.conn, _lock_ids(rules, event.record) - held)


def validate(event: SaveEvent, problems: Problems) -> None:
    if event.action not in ("create", "update"):
        return
    relevant = _relevant(event)
    rules = tuple(r for r in relevant if r.action == "block" or (r.action == "merge" and event.action == "create"))
    if not rules:
        return
    schema = event.service.schema
    _prepare(event, object_rules(event))
    _lock_keys(event, rules)
    matches = find_matches(event.conn, schema, event.object_name, event.record, exclude_id=event.record_id,
                           rules=rules, known=getattr(event.service, "batch_memo", {}).get("dedup_known"))
    if not matches:
        return
    if str(event.service.source).startswith(PUBLIC_SOURCES):  # a visitor learns nothing about saved records
        names = {m.record_id: _("an existing record") for m in matches}
    else:
        names = titles(event.conn, event.service, event.object_name, [m.record_id for m in matches])
    blocks = [m for m in matches if m.action == "block"]
    for m in blocks:
        problems.add(m.fields[0], _message(schema.duplicates.get(m.rule), names[m.record_id]))
    if blocks or problems:
        return
    m = matches[0]
    message = _message(schema.duplicates.get(m.rule), names[m.record_id])
    raise MergeInstead(message, {m.fields[0]: [message]}, survivor_id=m.record_id, rule=m.rule)


def after_save(event: SaveEvent) -> None:
    conn, schema, record_id = event.conn, event.service.schema, event.record_id
    if record_id is None or not object_rules(event):
        return
    if event.action == "delete":
        drop_keys(conn, event.object_name, record_id)
        return
    if event.action not in ("create", "update", "restore"):
        return
    rules = object_rules(event) if event.action == "restore" else _relevant(event)
    if not rules:
        return
    if not (event.batch and event.action == "create"):  # a batch's keys are written by after_save_batch
        write_keys(conn, rules, record_id, event.record)
    warn = tuple(r for r in rules if r.action == "warn" or (r.action == "merge" and event.action != "create"))
    if warn:
        _prepare(event, object_rules(event))
        flag(conn, event.object_name, record_id, [r.name for r in warn],
             find_matches(conn, schema, event.object_name, event.record, exclude_id=record_id, rules=warn),
             event.service.now(), fresh=event.action == "create")


def after_save_batch(events: list[SaveEvent]) -> None:
    """The keys of a batch of new records, in one statement (they have none yet)."""
    rows = []
    for event in events:
        if event.action == "create" and event.record_id is not None:
            rows += [row for rule in object_rules(event) for row in key_rows(rule, event.record_id, event.record)]
    insert_rows(events[0].conn, dedup_keys, rows)


def flag(conn: sa.Connection, object_name: str, record_id: int, rule_names: list[str], matches: list[Match],
         now: Any, *, fresh: bool = False) -> None:
    """Replace the record's possible-duplicate flags under ``rule_names`` by ``matches`` (``fresh``:
    a new record, it has none yet); flags of other rules stay."""
    c = dedup_flags.c
    if not fresh:
        conn.execute(dedup_flags.delete().where(c.object == object_name, c.record_id == record_id,
                                                c.rule.in_(rule_names)))
    rows = {}
    for m in matches:
        rows.setdefault(m.record_id, {"object": object_name, "record_id": record_id, "other_id": m.record_id,
                                      "rule": m.rule, "score": m.score, "created_at": now})
    if rows:
        conn.execute(dedup_flags.insert(), list(rows.values()))
