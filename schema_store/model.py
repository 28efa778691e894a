"""The compiled, immutable app model: what runtime code reads for one published version.

Everything here is a frozen dataclass, tuples instead of lists and read-only mappings instead of
dicts; compiled expressions are attached (``ExprDef``). Built once per version by compile.py and
never changed afterwards. Sections whose runtime support comes later (assignment, approvals,
scoring, duplicates, forms, reports, permissions, calendar) are kept as frozen raw mappings; every
expression inside them is compiled and reachable through ``AppSchema.expression(pointer)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Protocol

if TYPE_CHECKING:
    import sqlalchemy as sa

Label = Mapping[str, str]
DERIVED = ("formula", "rollup")  # field types whose values are derived: recomputed, never archived
EMPTY: Mapping[str, Any] = MappingProxyType({})


class CompiledExpression(Protocol):
    """What expression.compile returns (the part schema_store relies on)."""

    type: Any
    references: frozenset[str]
    sql_capable: bool

    def evaluate(self, ctx: Any) -> Any: ...

    def to_sql(self, columns: Any, **kw: Any) -> Any: ...


@dataclass(frozen=True)
class ExprDef:
    """A checked expression: its source, where it sits in the document, and the compiled form."""

    source: str
    path: str
    type: str
    compiled: CompiledExpression = field(compare=False, repr=False)

    @property
    def references(self) -> frozenset[str]:
        return frozenset(self.compiled.references)

    @property
    def sql_capable(self) -> bool:
        return bool(self.compiled.sql_capable)

    def evaluate(self, ctx: Any) -> Any:
        return self.compiled.evaluate(ctx)

    def to_sql(self, columns: Any, **kw: Any) -> Any:
        return self.compiled.to_sql(columns, **kw)


@dataclass(frozen=True)
class Option:
    value: str
    label: Label
    color: str | None = None
    active: bool = True


@dataclass(frozen=True)
class RollupDef:
    object: str                  # child object
    lookup: str                  # lookup field on the child pointing here
    function: str                # count | count_distinct | sum | min | max
    field: str | None = None
    filter: ExprDef | None = None


@dataclass(frozen=True)
class FieldDef:
    """One field of an object. ``storage`` is None when the field has no column (computed formula)."""

    name: str
    type: str
    label: Label
    expr_type: str
    storage: str | None
    indexed: bool = False
    options: tuple[Option, ...] = ()
    required: bool = False
    required_when: ExprDef | None = None
    visible_when: ExprDef | None = None
    readonly_when: ExprDef | None = None
    default: ExprDef | None = None
    unique: bool = False
    max_length: int | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    scale: int | None = None
    help: Label | None = None
    description: Label | None = None
    placeholder: Label | None = None
    target: str | None = None    # lookup target object, or "user"
    on_delete: str | None = None
    accept: tuple[str, ...] = ()
    max_size_mb: float | None = None
    multiple: bool = False
    formula: ExprDef | None = None
    rollup: RollupDef | None = None
    autonumber: str | None = None
    renamed_from: str | None = None

    @property
    def column(self) -> str | None:
        """The column holding this field, or None when the value is computed on read."""
        return self.name if self.storage is not None else None

    @property
    def stored(self) -> bool:
        return self.storage is not None

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    @property
    def computed(self) -> bool:
        """Filled by the system, not by people (formula, roll-up, autonumber)."""
        return self.type in ("formula", "rollup", "autonumber")

    @property
    def derived(self) -> bool:
        """Values derived from other data (formula, roll-up): recomputed, never archived."""
        return self.type in DERIVED


@dataclass(frozen=True)
class ValidationDef:
    """A validation rule; the record is INVALID when ``error_when`` is TRUE (Salesforce style)."""

    key: str
    error_when: ExprDef
    message: Label
    field: str | None = None
    active: bool = True


@dataclass(frozen=True)
class ActionDef:
    """One automation action; ``params`` is the raw (frozen) definition, ``expressions`` the
    compiled value expressions keyed by their parameter path (``value``, ``values/amount``)."""

    type: str
    params: Mapping[str, Any]
    path: str
    expressions: Mapping[str, ExprDef] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True)
class SlaLevel:
    name: str
    at: float                    # fraction of the SLA duration
    label: Label | None = None
    actions: tuple[ActionDef, ...] = ()


@dataclass(frozen=True)
class SlaDef:
    hours: float | None
    workdays: float | None
    basis: str = "stage_entered"  # or last_activity
    levels: tuple[SlaLevel, ...] = ()
    escalate: tuple[ActionDef, ...] = ()


@dataclass(frozen=True)
class StageNode:
    key: str
    label: Label
    order: int
    requires: tuple[str, ...] = ()
    requires_when: ExprDef | None = None
    allowed_next: tuple[str, ...] = ()
    auto_advance_when: ExprDef | None = None
    auto_advance_to: str | None = None
    sla: SlaDef | None = None
    guidance: Label | None = None
    probability: float | None = None
    outcome: str = "open"
    color: str | None = None


@dataclass(frozen=True)
class PipelineDef:
    field: str                   # "stage" (system column) or a picklist field
    initial: str
    nodes: tuple[StageNode, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(n.key for n in self.nodes)

    def node(self, key: str) -> StageNode | None:
        return next((n for n in self.nodes if n.key == key), None)


@dataclass(frozen=True)
class ObjectDef:
    name: str
    label: Label
    table_name: str
    fields: Mapping[str, FieldDef]
    plural_label: Label | None = None
    description: Label | None = None
    icon: str | None = None
    title_field: str | None = None
    validations: tuple[ValidationDef, ...] = ()
    pipeline: PipelineDef | None = None
    layouts: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    renamed_from: str | None = None

    def field(self, name: str) -> FieldDef:
        return self.fields[name]

    @property
    def stored_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields.values() if f.stored)


@dataclass(frozen=True)
class TriggerDef:
    type: str
    field: str | None = None
    stage: str | None = None
    from_stage: str | None = None
    level: str | None = None
    cron: str | None = None
    every_hours: float | None = None
    process: str | None = None
    decision: str | None = None


@dataclass(frozen=True)
class RuleDef:
    key: str
    object: str
    trigger: TriggerDef
    actions: tuple[ActionDef, ...]
    phase: str = "after_save"
    when: ExprDef | None = None
    label: Label | None = None
    active: bool = True
    path: str = ""


@dataclass(frozen=True)
class AppSchema:
    """One published version of the app, compiled. Built by compile.compile_app; never mutated."""

    version: int
    checksum: str
    document: Mapping[str, Any]
    objects: Mapping[str, ObjectDef]
    rules: tuple[RuleDef, ...] = ()
    expressions: Mapping[str, ExprDef] = field(default_factory=lambda: EMPTY)
    app: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    assignment: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    approvals: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    scoring: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    duplicates: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    forms: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    reports: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    roles: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    permissions: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    teams: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    calendar: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    metadata: "sa.MetaData | None" = field(default=None, compare=False, repr=False)
    tables: Mapping[str, "sa.Table"] = field(default_factory=lambda: EMPTY, compare=False, repr=False)

    def object(self, name: str) -> ObjectDef:
        return self.objects[name]

    def table(self, object_name: str) -> "sa.Table":
        return self.tables[object_name]

    def expression(self, path: str) -> ExprDef | None:
        """The compiled expression at JSON pointer ``path`` (any section), if there is one."""
        return self.expressions.get(path)

    def rules_for(self, object_name: str, trigger: str | None = None,
                  phase: str | None = None) -> tuple[RuleDef, ...]:
        return tuple(r for r in self.rules if r.object == object_name and r.active
                     and (trigger is None or r.trigger.type == trigger)
                     and (phase is None or r.phase == phase))

    def iter_fields(self) -> Iterator[tuple[ObjectDef, FieldDef]]:
        for obj in self.objects.values():
            for f in obj.fields.values():
                yield obj, f


def freeze(value: Any) -> Any:
    """A deep read-only copy of JSON data: dicts -> MappingProxyType, lists -> tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of :func:`freeze`: plain JSON-able dicts and lists."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value
