"""Keeping ``dedup_keys`` current: per record in the save (after_save, same transaction) and, for
records saved before a rule existed or changed, a backfill in batches.

The backfill of a rule version (``name:checksum``) runs one batch of :data:`BATCH` records per
save of that object until it is done (so a save never scans a whole table) and runs to the end in
``crm tick``. Until it is done, records it has not reached yet cannot be matched; docs/dedup.md.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.dedup.rules import DedupRule, block_grams, join_key, part_values, rules_for
from runtime.dedup.tables import dedup_keys, dedup_rule_state

BATCH = 500


def ref(rule: DedupRule) -> str:
    return f"{rule.name}:{rule.checksum}"


def key_rows(rule: DedupRule, record_id: int, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    parts = part_values(rule, values)
    if parts is None:
        return []
    base = {"object": rule.object, "rule": ref(rule), "record_id": record_id}
    rows = [{**base, "kind": "k", "key": join_key(parts)}]
    if rule.fuzzy:
        rows += [{**base, "kind": "g", "key": gram} for gram in block_grams(rule, parts)]
    return rows


def write_keys(conn: sa.Connection, rules: Iterable[DedupRule], record_id: int, values: Mapping[str, Any]) -> None:
    """Replace the record's keys under ``rules`` by those of ``values``."""
    rules = tuple(rules)
    if not rules:
        return
    drop_keys(conn, rules[0].object, record_id, [ref(r) for r in rules])
    rows = [row for r in rules for row in key_rows(r, record_id, values)]
    if rows:
        conn.execute(dedup_keys.insert(), rows)


def drop_keys(conn: sa.Connection, object_name: str, record_id: int, refs: list[str] | None = None) -> None:
    c = dedup_keys.c
    where = [c.object == object_name, c.record_id == record_id]
    if refs is not None:
        where.append(c.rule.in_(refs))
    conn.execute(dedup_keys.delete().where(*where))


def _state(conn: sa.Connection, rule: DedupRule) -> Mapping[str, Any]:
    row = {"rule": ref(rule), "object": rule.object, "last_id": 0, "done": False}
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(conn.dialect.name)
    s = dedup_rule_state.c
    if dialect is not None:
        conn.execute(dialect.insert(dedup_rule_state).values(**row).on_conflict_do_nothing(index_elements=["rule"]))
    elif conn.execute(sa.select(s.rule).where(s.rule == row["rule"])).first() is None:
        conn.execute(dedup_rule_state.insert().values(**row))
    return conn.execute(sa.select(dedup_rule_state).where(s.rule == row["rule"]).with_for_update()).mappings().one()


def indexed(conn: sa.Connection, rule: DedupRule) -> bool:
    """Whether the backfill of this rule version is complete."""
    s = dedup_rule_state.c
    return bool(conn.execute(sa.select(s.done).where(s.rule == ref(rule))).scalar())


def backfill(conn: sa.Connection, app_schema: Any, rule: DedupRule, *, batch: int = BATCH) -> bool:
    """Index the next ``batch`` live records under ``rule``; True when every record is indexed."""
    s = dedup_rule_state.c
    if indexed(conn, rule):
        return True
    state = _state(conn, rule)
    if state["done"]:
        return True
    table = app_schema.table(rule.object)
    names = sorted({p.field for p in rule.parts})
    rows = conn.execute(sa.select(table.c.id, *[table.c[n] for n in names])
                        .where(table.c.id > state["last_id"], table.c.deleted_at.is_(None))
                        .order_by(table.c.id).limit(batch)).mappings().all()
    if rows:
        c = dedup_keys.c
        conn.execute(dedup_keys.delete().where(c.rule == ref(rule), c.record_id.in_([r["id"] for r in rows])))
        new = [k for r in rows for k in key_rows(rule, r["id"], r)]
        if new:
            conn.execute(dedup_keys.insert(), new)
    finished = len(rows) < batch
    conn.execute(dedup_rule_state.update().where(s.rule == ref(rule)).values(
        last_id=rows[-1]["id"] if rows else state["last_id"], done=finished))
    if finished:  # the rule's older definitions are no longer read; a rollback to one re-indexes it
        older = sa.and_(dedup_keys.c.rule.startswith(rule.name + ":", autoescape=True), dedup_keys.c.rule != ref(rule))
        conn.execute(dedup_keys.delete().where(dedup_keys.c.object == rule.object, older))
        conn.execute(dedup_rule_state.delete().where(s.rule.startswith(rule.name + ":", autoescape=True),
                                                     s.rule != ref(rule)))
    return finished


def prepare(conn: sa.Connection, app_schema: Any, object_name: str) -> None:
    """One backfill batch for each rule of the object that is not fully indexed yet."""
    for rule in rules_for(app_schema, object_name):
        backfill(conn, app_schema, rule)


def backfill_all(conn: sa.Connection, app_schema: Any, *, max_batches: int = 200) -> int:
    """Run the backfill of every rule to the end (or ``max_batches``); returns batches run."""
    runs = 0
    for object_name in app_schema.objects:
        for rule in rules_for(app_schema, object_name):
            while runs < max_batches:
                runs += 1
                if backfill(conn, app_schema, rule):
                    break
    return runs
