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
from runtime.imports.duplicates import Duplicate, FileKeys, existing_many, prepare_matching, strongest
from runtime.imports.mapping import ColumnMap, field_label
from runtime.imports.readers import SheetRow
from runtime.imports.references import resolve
from runtime.records import Invalid, RecordError, RecordService


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
    def refused_rows(self) -> set[int]:
        return {i.row for i in self.issues if i.refused}

    @property
    def refused(self) -> int:
        return len(self.refused_rows)


@dataclass
class Plan:
    """What every batch of one import shares."""

    service: RecordService
    object_name: str
    mapping: list[ColumnMap]
    keys: FileKeys
    dry_run: bool = False

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


def _invalid_issues(plan: Plan, row: int, exc: Invalid, cells: tuple[str, ...],
                    unresolved: dict[str, str] | None = None) -> list[Issue]:
    """The pipeline's refusal by column; a name that named no record (or several) is reported
    as such instead of the pipeline's "not a number"."""
    unresolved = unresolved or {}
    out = [Issue(row, "error", message, plan.column_of(name), cells=cells)
           for name, messages in exc.errors.items()
           for message in ([unresolved[name]] if name in unresolved else messages)]
    out += [Issue(row, "error", message, plan.column_of(name), cells=cells)
            for name, message in unresolved.items() if name not in exc.errors]
    out += [Issue(row, "error", str(rule.get("message") or exc.message), None, cells=cells) for rule in exc.rules]
    return out or [Issue(row, "error", exc.message, None, cells=cells)]


def _merge(conn: sa.Connection, plan: Plan, survivor_id: int, values: dict[str, Any]) -> bool:
    """Fill the blank fields of the existing record with the row's values (a ``merge`` rule), on
    ``conn``; False when the importer may not update it or the values do not fit."""
    service = plan.service
    try:
        with conn.begin_nested():
            survivor = service.get(plan.object_name, survivor_id, conn=conn)
            fill = {k: v for k, v in values.items() if k in plan.obj.fields and _blank(survivor.get(k))}
            if fill:
                service.access(plan.object_name, "update")
                service.update(plan.object_name, survivor_id, fill, expected_version=survivor["version"], conn=conn)
    except RecordError:
        return False
    return True


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def run_batch(conn: sa.Connection, plan: Plan, rows: Iterable[SheetRow]) -> BatchResult:
    """Judge and save ``rows`` on ``conn`` (rolled back to a savepoint on a dry run)."""
    out = BatchResult()
    schema = plan.service.schema
    pending: list[Pending] = []
    held: list[Pending] = []   # merge duplicates of an earlier row of the file: merged after it is saved
    prepare_matching(conn, schema, plan.object_name)
    rows = list(rows)
    converted, unresolved = resolve(conn, plan.service, plan.obj,
                                    [row_values(plan.obj, plan.mapping, row.cells) for row in rows])
    names = {row.number: problems for row, problems in zip(rows, unresolved) if problems}
    saved = existing_many(conn, schema, plan.object_name, converted)
    for row, values, known in zip(rows, converted, saved):
        cells = tuple(cell_text(c) for c in row.cells)
        dup = strongest(plan.keys.check(values)) or strongest(known)
        if dup is not None and dup.action == "block":
            out.issues.append(Issue(row.number, "duplicate", _duplicate_message(plan, dup, True), plan.rule_column(dup),
                                    dup.record_id, dup.first_row, cells))
            continue
        if dup is not None and dup.action == "merge" and dup.first_row is not None:
            held.append((row, values, dup, cells))
            continue
        plan.keys.remember(row.number, values)
        pending.append((row, values, dup, cells))
    savepoint = conn.begin_nested() if plan.dry_run else None
    _create(conn, plan, out, pending, names)
    orphans = []
    for row, values, dup, cells in held:
        target = out.ids.get(dup.first_row)   # saved in this batch; earlier batches: the pipeline finds it
        if target is not None and _merge(conn, plan, target, values):
            out.issues.append(_merged(plan, row.number, target, dup.rule, dup, cells))
            out.ids[row.number] = target
        elif target is None and plan.dry_run and dup.first_row not in out.refused_rows:
            out.issues.append(Issue(row.number, "merged", _("Merged with row %(row)s (rule %(rule)s).",
                                                            row=dup.first_row, rule=plan.rule_label(dup.rule)),
                                    plan.rule_column(dup), None, dup.first_row, cells))
        else:  # an earlier batch's row (the pipeline merges), a refused one, or no right to update
            plan.keys.remember(row.number, values)
            orphans.append((row, values, None, cells))
    if orphans:
        _create(conn, plan, out, orphans, names)
    if savepoint is not None:
        savepoint.rollback()
    return out


Pending = tuple[SheetRow, dict[str, Any], "Duplicate | None", tuple[str, ...]]


def _merged(plan: Plan, row: int, target: int, rule: str, dup: Duplicate | None, cells: tuple[str, ...]) -> Issue:
    return Issue(row, "merged", _("Merged into record #%(id)s (rule %(rule)s).", id=target, rule=plan.rule_label(rule)),
                 plan.rule_column(dup) if dup else None, target, dup.first_row if dup else None, cells)


def _create(conn: sa.Connection, plan: Plan, out: BatchResult, items: list[Pending],
            names: dict[int, dict[str, str]]) -> None:
    """``create_many`` for ``items``; a ``merge`` refusal from the pipeline becomes a merge.
    ``names``: per row number, the columns whose name resolved to no record or several (their
    value stayed text or an unknown id, which the pipeline refuses)."""
    result = plan.service.create_many(plan.object_name, [values for _r, values, _d, _c in items], conn=conn)
    for index, (row, values, dup, cells) in enumerate(items):
        error = result.errors.get(index)
        survivor = getattr(error, "survivor_id", None)
        if survivor is not None and _merge(conn, plan, survivor, values):
            out.issues.append(_merged(plan, row.number, survivor, getattr(error, "rule", "") or (dup.rule if dup else ""),
                                      dup, cells))
            out.ids[row.number] = survivor
            continue
        if error is not None:
            out.issues.extend(_invalid_issues(plan, row.number, error, cells, names.get(row.number)))
            plan.keys.forget(row.number)
            continue
        out.created += 1
        out.ids[row.number] = result.ids[index]
        if dup is not None:
            out.issues.append(Issue(row.number, "warning", _duplicate_message(plan, dup, False),
                                    plan.rule_column(dup), dup.record_id, dup.first_row, cells))
