"""One batch of rows through the save pipeline: duplicates judged first (within the file and against
saved records), then ``RecordService.create_many`` on the caller's transaction, then what happened
to each row as :class:`Issue` values. The caller commits the batch together with its checkpoint."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.i18n import pick_label
from runtime.imports.cells import cell_text, row_values
from runtime.imports.duplicates import Duplicate, FileKeys, existing, strongest
from runtime.imports.mapping import ColumnMap, field_label
from runtime.imports.readers import SheetRow
from runtime.records import Invalid, RecordService


@dataclass(frozen=True)
class Issue:
    row: int
    kind: str                 # error | duplicate | warning | merged
    message: str
    column: str | None = None
    record_id: int | None = None
    duplicate_of_row: int | None = None
    cells: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.kind in ("error", "duplicate")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "kind": self.kind, "column": self.column, "message": self.message}
        if self.record_id is not None:
            out["record_id"] = self.record_id
        if self.duplicate_of_row is not None:
            out["duplicate_of_row"] = self.duplicate_of_row
        return out


@dataclass
class BatchResult:
    issues: list[Issue] = field(default_factory=list)
    created: int = 0
    ids: dict[int, int] = field(default_factory=dict)   # row number -> record id (created or merged into)

    @property
    def refused(self) -> int:
        return len({i.row for i in self.issues if i.refused})


@dataclass
class Plan:
    """What every batch of one import shares."""

    service: RecordService
    object_name: str
    mapping: list[ColumnMap]
    keys: FileKeys
    dry_run: bool = False
    row_ids: dict[int, int] = field(default_factory=dict)  # rows created by this run -> ids

    @property
    def obj(self):
        return self.service.object(self.object_name)

    def column_of(self, field_name: str) -> str:
        for column in self.mapping:
            if column.field == field_name:
                return column.header
        return field_label(self.obj, field_name)

    def rule_label(self, name: str) -> str:
        raw = (self.service.schema.duplicates or {}).get(name) or {}
        return pick_label(raw.get("label")) or name

    def rule_column(self, dup: Duplicate) -> str | None:
        rule = self.keys.rules.get(dup.rule)
        return ", ".join(self.column_of(f) for f in rule.fields) if rule is not None else None


def _duplicate_message(plan: "Plan", dup: Duplicate, refused: bool) -> str:
    rule = plan.rule_label(dup.rule)
    if dup.first_row is not None:
        if refused:
            return _("Duplicate of row %(row)s (rule %(rule)s); the row was not imported.",
                     row=dup.first_row, rule=rule)
        return _("Possible duplicate of row %(row)s (rule %(rule)s).", row=dup.first_row, rule=rule)
    if refused:
        return _("Duplicate of existing record #%(id)s (rule %(rule)s); the row was not imported.",
                 id=dup.record_id, rule=rule)
    return _("Possible duplicate of existing record #%(id)s (rule %(rule)s).", id=dup.record_id, rule=rule)


def _invalid_issues(plan: Plan, row: int, exc: Invalid, cells: tuple[str, ...]) -> list[Issue]:
    out = [Issue(row, "error", message, plan.column_of(name), cells=cells)
           for name, messages in exc.errors.items() for message in messages]
    out += [Issue(row, "error", str(rule.get("message") or exc.message), None, cells=cells) for rule in exc.rules]
    return out or [Issue(row, "error", exc.message, None, cells=cells)]


def run_batch(conn: sa.Connection, plan: Plan, rows: Iterable[SheetRow]) -> BatchResult:
    """Judge and save ``rows`` on ``conn`` (rolled back to a savepoint on a dry run)."""
    out = BatchResult()
    schema = plan.service.schema
    pending: list[tuple[SheetRow, dict[str, Any], Duplicate | None, tuple[str, ...]]] = []
    for row in rows:
        cells = tuple(cell_text(c) for c in row.cells)
        values = row_values(plan.obj, plan.mapping, row.cells)
        dup = strongest(plan.keys.check(values))
        if dup is None:
            dup = strongest(existing(conn, schema, plan.object_name, values))
        if dup is not None and dup.action == "block":
            out.issues.append(Issue(row.number, "duplicate", _duplicate_message(plan, dup, True), plan.rule_column(dup),
                                    dup.record_id, dup.first_row, cells))
            continue
        plan.keys.remember(row.number, values)
        pending.append((row, values, dup, cells))
    savepoint = conn.begin_nested() if plan.dry_run else None
    result = plan.service.create_many(plan.object_name, [p[1] for p in pending], conn=conn)
    if savepoint is not None:
        savepoint.rollback()
    for index, (row, values, dup, cells) in enumerate(pending):
        error = result.errors.get(index)
        if error is not None:
            out.issues.extend(_invalid_issues(plan, row.number, error, cells))
            plan.keys.forget(row.number)
            continue
        new_id = result.ids[index]
        target = None
        if dup is not None:
            target = dup.record_id if dup.first_row is None else plan.row_ids.get(dup.first_row)
        if dup is not None and dup.action == "merge" and new_id is not None and new_id == target:
            out.issues.append(Issue(row.number, "merged", _("Merged into record #%(id)s (rule %(rule)s).",
                                                            id=new_id, rule=plan.rule_label(dup.rule)),
                                    plan.rule_column(dup), new_id, dup.first_row, cells))
        else:
            out.created += 1
            if dup is not None:
                out.issues.append(Issue(row.number, "warning", _duplicate_message(plan, dup, False), plan.rule_column(dup),
                                        dup.record_id, dup.first_row, cells))
        if new_id is not None and not plan.dry_run:
            out.ids[row.number] = new_id
    return out
