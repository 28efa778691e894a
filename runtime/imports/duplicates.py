"""Duplicates of an imported row: within the file (the same keys as an earlier row, by the object's
duplicate rules, runtime/dedup/rules.py) and against records already saved (runtime/dedup's
indexed matching). What happens follows the rule's action: ``block`` refuses the row, ``warn``
creates it and reports it, ``merge`` lets the save pipeline merge it into the existing record."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import sqlalchemy as sa

import runtime.dedup as dedup
from runtime.dedup import rules_for
from schema_store.database import any_of

SEVERITY = {"block": 3, "merge": 2, "warn": 1}
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Duplicate:
    rule: str
    action: str                      # block | warn | merge
    first_row: int | None = None     # an earlier row of the file
    record_id: int | None = None     # an existing record


class FileKeys:
    """Keys seen so far in this file, per rule (exact keys; fuzzy rules compare exactly here)."""

    def __init__(self, schema: Any, object_name: str) -> None:
        self.schema, self.object_name = schema, object_name
        self.rules = {r.name: r for r in rules_for(schema, object_name)}
        self.seen: dict[tuple[str, str], int] = {}
        self._recent: dict[int, list[tuple[str, str]]] = {}

    def check(self, values: Mapping[str, Any]) -> list[Duplicate]:
        """Duplicates of ``values`` among the rows remembered so far."""
        if not self.rules:
            return []
        found = []
        for rule_name, key in dedup.rule_keys(self.schema, self.object_name, values):
            first = self.seen.get((rule_name, key))
            if first is not None:
                found.append(Duplicate(rule_name, self.rules[rule_name].action, first_row=first))
        return found

    def remember(self, row: int, values: Mapping[str, Any]) -> None:
        """Keep the keys of a row that is being imported (until :meth:`forget` takes them back)."""
        if not self.rules:
            return
        added = []
        for rule_name, key in dedup.rule_keys(self.schema, self.object_name, values):
            if (rule_name, key) not in self.seen:
                self.seen[(rule_name, key)] = row
                added.append((rule_name, key))
        if added:
            self._recent[row] = added

    def forget(self, row: int) -> None:
        """The row was refused after all: later copies of it are judged on their own."""
        for key in self._recent.pop(row, ()):
            self.seen.pop(key, None)

    def settle(self) -> None:
        """The batch committed: its rows' keys stay for good."""
        self._recent.clear()


def existing_many(conn: sa.Connection, schema: Any, object_name: str,
                  rows: Sequence[Mapping[str, Any]]) -> list[list[Duplicate]]:
    """For each of ``rows``, the saved records it duplicates. Exact rules take one indexed query
    per rule for the whole batch (``dedup_keys``); fuzzy rules ask the matcher row by row."""
    from runtime.dedup.keys import ref
    from runtime.dedup.rules import join_key, part_values
    from runtime.dedup.tables import dedup_keys

    found: list[list[Duplicate]] = [[] for _ in rows]
    for rule in rules_for(schema, object_name):
        if rule.fuzzy:
            for index, values in enumerate(rows):
                found[index] += [Duplicate(m.rule, m.action, record_id=m.record_id)
                                 for m in dedup.find_matches(conn, schema, object_name, values, actions={rule.action})
                                 if m.rule == rule.name]
            continue
        wanted: dict[str, list[int]] = {}
        for index, values in enumerate(rows):
            parts = part_values(rule, values)
            if parts is not None:
                wanted.setdefault(join_key(parts), []).append(index)
        keys = list(wanted)
        c = dedup_keys.c
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start:start + LOOKUP_CHUNK]
            hits = conn.execute(sa.select(c.key, sa.func.min(c.record_id)).where(
                c.rule == ref(rule), c.kind == "k", any_of(conn, c.key, chunk)).group_by(c.key))
            for key, record_id in hits:
                for index in wanted[key]:
                    found[index].append(Duplicate(rule.name, rule.action, record_id=record_id))
    return found


def prepare_matching(conn: sa.Connection, schema: Any, object_name: str) -> None:
    """Let the matcher index what it has not yet (a rule added since records were saved)."""
    from runtime.dedup.keys import prepare
    if rules_for(schema, object_name):
        prepare(conn, schema, object_name)


def strongest(found: list[Duplicate]) -> Duplicate | None:
    """The duplicate whose rule acts hardest (block over merge over warn)."""
    return max(found, key=lambda d: SEVERITY.get(d.action, 0), default=None)
