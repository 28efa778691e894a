"""Finding the existing records a set of values duplicates, through the indexed ``dedup_keys``.

Exact parts are one indexed lookup of the rule's key. A rule with a ``fuzzy`` part first gathers
candidates sharing a block gram (indexed, at most :data:`CANDIDATES` records, those sharing the
most grams first), then scores them with rapidfuzz against the rule's threshold. Never a scan of
the object's table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import sqlalchemy as sa

from runtime.dedup.keys import ref
from runtime.dedup.rules import DedupRule, block_grams, join_key, part_values, rules_for, score, split_key
from runtime.dedup.tables import dedup_keys
from schema_store.database import any_of

CANDIDATES = 50
EXACT_LIMIT = 20


@dataclass(frozen=True)
class Match:
    rule: str
    record_id: int
    score: float
    fields: tuple[str, ...]
    action: str = "warn"


def find_matches(conn: sa.Connection, app_schema: Any, object_name: str, values: Mapping[str, Any], *,
                 exclude_id: int | None = None, actions: Iterable[str] | None = None,
                 rules: Iterable[DedupRule] | None = None, known: Known | None = None) -> list[Match]:
    """Records of ``object_name`` that ``values`` duplicates under its rules (optionally only rules
    with one of ``actions``, or only ``rules``), best first; ``exclude_id`` (the record being
    updated) never matches. ``known`` (from :func:`prefetch`) answers exact keys looked up for a
    whole batch without another query."""
    wanted = set(actions) if actions is not None else None
    found: dict[tuple[str, int], Match] = {}
    for rule in rules_for(app_schema, object_name) if rules is None else rules:
        if wanted is not None and rule.action not in wanted:
            continue
        parts = part_values(rule, values)
        if parts is None:
            continue
        for record_id, s in _rule_matches(conn, rule, parts, exclude_id, known):
            found[(rule.name, record_id)] = Match(rule.name, record_id, s, rule.fields, rule.action)
    return sorted(found.values(), key=lambda m: (-m.score, m.record_id, m.rule))


# per rule version: (the keys looked up, {key: record ids having it})
Known = dict[str, tuple[set[str], dict[str, list[int]]]]


def prefetch(conn: sa.Connection, rules: Iterable[DedupRule], records: Iterable[Mapping[str, Any]],
             chunk: int = 500) -> Known:
    """The existing records having the exact keys of ``records`` under ``rules``, one query per
    rule and ``chunk`` keys (a batch of creates checks them all without a query per row)."""
    c = dedup_keys.c
    known: Known = {}
    records = list(records)
    for rule in rules:
        if rule.fuzzy:
            continue
        keys = sorted({join_key(p) for r in records if (p := part_values(rule, r)) is not None})
        found: dict[str, list[int]] = {}
        for start in range(0, len(keys), chunk):
            for key, record_id in conn.execute(sa.select(c.key, c.record_id).distinct().where(
                    c.rule == ref(rule), c.kind == "k", any_of(conn, c.key, keys[start:start + chunk]))):
                found.setdefault(key, []).append(record_id)
        known[ref(rule)] = (set(keys), found)
    return known


def _rule_matches(conn: sa.Connection, rule: DedupRule, parts: tuple[str, ...], exclude_id: int | None,
                  known: Known | None = None) -> list[tuple[int, float]]:
    c = dedup_keys.c
    others = [c.record_id != exclude_id] if exclude_id is not None else []
    key = join_key(parts)
    looked_up = (known or {}).get(ref(rule))
    if looked_up is not None and key in looked_up[0] and not rule.fuzzy:
        ids = sorted(i for i in looked_up[1].get(key, ()) if i != exclude_id)[:EXACT_LIMIT]
        return [(record_id, 100.0) for record_id in ids]
    exact = conn.execute(sa.select(c.record_id).distinct().where(
        c.rule == ref(rule), c.kind == "k", c.key == key, *others)
        .order_by(c.record_id).limit(EXACT_LIMIT)).scalars().all()
    out = [(record_id, 100.0) for record_id in exact]
    if not rule.fuzzy:
        return out
    shared = sa.func.count().label("shared")
    candidates = conn.execute(sa.select(c.record_id, shared).where(
        c.rule == ref(rule), c.kind == "g", c.key.in_(block_grams(rule, parts)), *others)
        .group_by(c.record_id).order_by(shared.desc(), c.record_id).limit(CANDIDATES)).scalars().all()
    candidates = [i for i in candidates if i not in set(exact)]
    if not candidates:
        return out
    keys = conn.execute(sa.select(c.record_id, c.key).where(
        c.rule == ref(rule), c.kind == "k", c.record_id.in_(candidates))).all()
    for record_id, key in keys:
        s = score(rule, parts, split_key(key))
        if s is not None:
            out.append((record_id, s))
    return out
