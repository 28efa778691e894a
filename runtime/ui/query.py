"""The list page's pure half: request arguments -> a filter expression and ListParams, and the
result object the template (or JSON, or CSV) renders. Nothing here does I/O (STYLE habit 7)."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Sequence

from runtime.records.listing import DEFAULT_PER_PAGE, MAX_PER_PAGE, ListParams
from schema_store.model import FieldDef, ObjectDef

SYSTEM_COLUMNS = ("id", "owner", "created_at", "updated_at", "stage", "stage_entered_at", "last_activity_at")
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "includes", "blank", "not_blank")
_COMPARE = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class FilterProblem(ValueError):
    """A filter row that cannot become an expression (unknown field, bad value)."""

    def __init__(self, index: int, message_key: str):
        super().__init__(message_key)
        self.index, self.message_key = index, message_key


@dataclass(frozen=True)
class FilterRow:
    field: str
    op: str
    value: str = ""


def field_kind(obj: ObjectDef, name: str) -> str:
    """The expression type of a field or system column of ``obj`` (``text`` when unknown)."""
    if name in obj.fields:
        return obj.fields[name].expr_type
    return {"id": "number", "owner": "lookup", "stage": "text"}.get(name, "datetime" if name.endswith("_at") else "text")


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _literal(kind: str, value: str, index: int) -> str:
    value = value.strip()
    if kind in ("number", "currency", "lookup"):
        try:
            Decimal(value)
        except InvalidOperation:
            raise FilterProblem(index, "number") from None
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise FilterProblem(index, "number")
        return value
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise FilterProblem(index, "boolean")
        return value.upper()
    if kind in ("date", "datetime"):
        try:
            d = dt.date.fromisoformat(value[:10])
        except ValueError:
            raise FilterProblem(index, "date") from None
        return f"DATE({d.year}, {d.month}, {d.day})"
    return _quote(value)


def row_expression(obj: ObjectDef, row: FilterRow, index: int = 0) -> str:
    if not _NAME.match(row.field) or (row.field not in obj.fields and row.field not in SYSTEM_COLUMNS):
        raise FilterProblem(index, "field")
    if row.op not in OPERATORS:
        raise FilterProblem(index, "operator")
    kind = field_kind(obj, row.field)
    name = row.field
    if row.op == "blank":
        return f"ISBLANK({name})"
    if row.op == "not_blank":
        return f"NOT ISBLANK({name})"
    if row.op == "contains":
        return f"CONTAINS({name}, {_quote(row.value)})"
    if row.op == "includes" or kind == "multi_picklist":
        return f"INCLUDES({name}, {_quote(row.value)})"
    left = f"DATEVALUE({name})" if kind == "datetime" else name
    return f"{left} {_COMPARE[row.op]} {_literal(kind, row.value, index)}"


def filter_expression(obj: ObjectDef, rows: Sequence[FilterRow], advanced: str | None = None) -> str | None:
    """All rows AND-ed together, and the advanced expression (in brackets) when there is one."""
    parts = [row_expression(obj, r, i) for i, r in enumerate(rows) if r.field]
    if advanced and advanced.strip():
        parts.append(f"({advanced.strip()})")
    return " && ".join(parts) or None


@dataclass(frozen=True)
class ListQuery:
    """What the user asked the list for, read from the query string (``f``/``op``/``v`` rows,
    ``q`` advanced expression, ``sort``, ``per_page``, ``cursor``)."""

    rows: tuple[FilterRow, ...] = ()
    advanced: str = ""
    sort: str = ""
    per_page: int = DEFAULT_PER_PAGE
    cursor: str | None = None
    view: int | None = None

    @classmethod
    def from_args(cls, args: Any, *, default_sort: str = "-created_at", default_per_page: int = DEFAULT_PER_PAGE
                  ) -> "ListQuery":
        getlist = args.getlist if hasattr(args, "getlist") else (lambda k: [args[k]] if k in args else [])
        fields, ops, values = getlist("f"), getlist("op"), getlist("v")
        rows = tuple(FilterRow(f, ops[i] if i < len(ops) else "eq", values[i] if i < len(values) else "")
                     for i, f in enumerate(fields) if f)
        try:
            per_page = max(1, min(int(args.get("per_page") or default_per_page), MAX_PER_PAGE))
        except ValueError:
            per_page = default_per_page
        view = args.get("view")
        return cls(rows=rows, advanced=(args.get("q") or "").strip(), sort=args.get("sort") or default_sort,
                   per_page=per_page, cursor=args.get("cursor") or None,
                   view=int(view) if view and view.isdigit() else None)

    def params(self, obj: ObjectDef, *, with_total: bool = True) -> ListParams:
        return ListParams(filter=filter_expression(obj, self.rows, self.advanced), sort=self.sort,
                          per_page=self.per_page, cursor=self.cursor, with_total=with_total)

    def args(self, **override: Any) -> list[tuple[str, str]]:
        """The query string that reproduces this query (with ``override`` applied)."""
        out: list[tuple[str, str]] = []
        for r in self.rows:
            out += [("f", r.field), ("op", r.op), ("v", r.value)]
        if self.advanced:
            out.append(("q", self.advanced))
        values = {"sort": self.sort, "per_page": str(self.per_page), "cursor": self.cursor, **override}
        out += [(k, str(v)) for k, v in values.items() if v not in (None, "")]
        return out

    def to_state(self) -> dict[str, Any]:
        """What a saved view stores."""
        return {"rows": [[r.field, r.op, r.value] for r in self.rows], "q": self.advanced, "sort": self.sort,
                "per_page": self.per_page}

    @classmethod
    def from_state(cls, state: Mapping[str, Any], view: int | None = None) -> "ListQuery":
        rows = tuple(FilterRow(*map(str, r[:3])) for r in state.get("rows", ()) if len(r) >= 3)
        return cls(rows=rows, advanced=str(state.get("q") or ""), sort=str(state.get("sort") or "-created_at"),
                   per_page=int(state.get("per_page") or DEFAULT_PER_PAGE), view=view)


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    field: FieldDef | None
    sortable: bool = True


@dataclass(frozen=True)
class Cell:
    column: str
    value: Any          # the runtime value (JSON/CSV)
    text: str           # what people read
    href: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class Row:
    id: int
    cells: tuple[Cell, ...]
    href: str


@dataclass
class ListResult:
    """One rendered page: the template iterates it; ``to_json`` and ``csv_rows`` give the same data."""

    object: ObjectDef
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    query: ListQuery
    total: Mapping[str, Any] | None = None
    next_cursor: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"object": self.object.name, "columns": [{"name": c.name, "label": c.label} for c in self.columns],
                "rows": [{"id": r.id, **{c.column: _jsonable(c.value) for c in r.cells}} for r in self.rows],
                "total": dict(self.total) if self.total else None, "next_cursor": self.next_cursor,
                "error": self.error}

    def csv_header(self) -> list[str]:
        return [c.label for c in self.columns]

    def csv_rows(self) -> list[list[str]]:
        return [[c.text for c in r.cells] for r in self.rows]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def list_columns(obj: ObjectDef, can_see, label_of) -> tuple[Column, ...]:
    """Columns from the list layout (else the title field and the first fields), hidden ones dropped."""
    layout = obj.layouts.get("list") or {}
    names = list(layout.get("columns") or [])
    if not names:
        names = [n for n in obj.fields if obj.fields[n].type not in ("textarea", "file")][:5] + ["created_at"]
        if obj.title_field and obj.title_field in names:
            names.remove(obj.title_field)
            names.insert(0, obj.title_field)
    out = []
    for n in names:
        f = obj.fields.get(n)
        if f is None and n not in SYSTEM_COLUMNS:
            continue
        if f is not None and not can_see(n):
            continue
        out.append(Column(n, label_of(n), f, sortable=f is None or f.stored))
    return tuple(out)
