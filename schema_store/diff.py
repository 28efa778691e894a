"""The difference between two versions as a list of operations (the plan of a publish).

Ops that change tables (``ddl``) come first, in the order migrate.py applies them; metadata-only
changes (labels, pipelines, rules, sections) follow. Each op describes itself in both languages.
Renames come from ``renamed_from`` hints, read in both directions so that rolling back across a
rename renames back instead of archiving.
"""
from __future__ import annotations

from dataclasses import dataclass, fields as dc_fields, is_dataclass
from typing import Any, ClassVar, Mapping

from schema_store.diagnostics import pick
from schema_store.model import DERIVED, AppSchema, ExprDef, FieldDef, ObjectDef, thaw
from schema_store.tables import field_indexes

SECTIONS = ("assignment", "approvals", "scoring", "duplicates", "forms", "reports", "roles", "permissions",
            "teams", "calendar", "app")
_IGNORED_FIELD_KEYS = ("renamed_from",)


@dataclass(frozen=True)
class SchemaOp:
    """One step of a publish."""

    object: str | None
    kind: ClassVar[str] = "op"
    _en: ClassVar[str] = ""
    _zh: ClassVar[str] = ""

    @property
    def ddl(self) -> bool:
        """True when the op changes tables (columns, indexes) or row data."""
        return False

    def describe(self) -> dict[str, str]:
        params = {f.name: _show(getattr(self, f.name)) for f in dc_fields(self)}
        return {"en": self._en.format(**params), "zh-CN": self._zh.format(**params)}

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        out = {"kind": self.kind, "ddl": self.ddl, "description": pick(self.describe(), locale)}
        out.update({f.name: _jsonable(getattr(self, f.name)) for f in dc_fields(self)})
        return out


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class CreateObject(SchemaOp):
    kind = "create_object"
    _en, _zh = "create object '{object}' and its table", "新建对象 '{object}' 及其数据表"

    @property
    def ddl(self) -> bool:
        return True


@dataclass(frozen=True)
class DropObject(SchemaOp):
    kind = "drop_object"
    _en, _zh = "remove object '{object}' (its records are archived)", "删除对象 '{object}'（记录将归档）"

    @property
    def ddl(self) -> bool:
        return True


@dataclass(frozen=True)
class RenameObject(SchemaOp):
    old: str = ""
    kind = "rename_object"
    _en, _zh = "rename object '{old}' to '{object}' (records kept)", "对象 '{old}' 改名为 '{object}'（记录保留）"

    @property
    def ddl(self) -> bool:
        return True


@dataclass(frozen=True)
class AddField(SchemaOp):
    field: str = ""
    field_type: str = ""
    stored: bool = True
    kind = "add_field"
    _en, _zh = "add field '{object}.{field}' ({field_type})", "新增字段 '{object}.{field}'（{field_type}）"

    @property
    def ddl(self) -> bool:
        return self.stored


@dataclass(frozen=True)
class RemoveField(SchemaOp):
    field: str = ""
    field_type: str = ""
    stored: bool = True
    archive: bool = True
    kind = "remove_field"
    _en, _zh = "remove field '{object}.{field}' (values archived)", "删除字段 '{object}.{field}'（数据归档）"

    def describe(self) -> dict[str, str]:
        if self.archive and self.stored:
            return super().describe()
        return {"en": f"remove field '{self.object}.{self.field}'",
                "zh-CN": f"删除字段 '{self.object}.{self.field}'"}

    @property
    def ddl(self) -> bool:
        return self.stored


@dataclass(frozen=True)
class RenameField(SchemaOp):
    field: str = ""
    old: str = ""
    stored: bool = True
    kind = "rename_field"
    _en, _zh = ("rename field '{object}.{old}' to '{field}' (values kept)",
                "字段 '{object}.{old}' 改名为 '{field}'（数据保留）")

    @property
    def ddl(self) -> bool:
        return self.stored


@dataclass(frozen=True)
class RetypeField(SchemaOp):
    field: str = ""
    old_type: str = ""
    new_type: str = ""
    old_storage: str | None = None
    new_storage: str | None = None
    old_target: str | None = None
    new_target: str | None = None
    kind = "retype_field"
    _en, _zh = ("change '{object}.{field}' from {old_type} to {new_type} (values converted)",
                "字段 '{object}.{field}' 的类型由 {old_type} 改为 {new_type}（转换现有数据）")

    @property
    def ddl(self) -> bool:
        return True  # values are at least checked, usually converted

    @property
    def column_changes(self) -> bool:
        return self.old_storage != self.new_storage


@dataclass(frozen=True)
class AddIndex(SchemaOp):
    field: str = ""
    unique: bool = False
    kind = "add_index"
    _en, _zh = "index '{object}.{field}' (unique: {unique})", "为 '{object}.{field}' 建索引（唯一：{unique}）"

    @property
    def ddl(self) -> bool:
        return True


@dataclass(frozen=True)
class DropIndex(SchemaOp):
    field: str = ""
    unique: bool = False
    kind = "drop_index"
    _en, _zh = "drop index on '{object}.{field}' (unique: {unique})", "删除 '{object}.{field}' 的索引（唯一：{unique}）"

    @property
    def ddl(self) -> bool:
        return True


@dataclass(frozen=True)
class RecomputeField(SchemaOp):
    field: str = ""
    kind = "recompute_field"
    _en, _zh = "compute '{object}.{field}' for existing records", "为现有记录计算 '{object}.{field}'"

    @property
    def ddl(self) -> bool:
        return True


@dataclass(frozen=True)
class ChangeField(SchemaOp):
    field: str = ""
    changes: tuple[str, ...] = ()
    kind = "change_field"
    _en, _zh = "change '{object}.{field}': {changes}", "修改字段 '{object}.{field}'：{changes}"


@dataclass(frozen=True)
class ChangeObject(SchemaOp):
    changes: tuple[str, ...] = ()
    kind = "change_object"
    _en, _zh = "change object '{object}': {changes}", "修改对象 '{object}'：{changes}"


@dataclass(frozen=True)
class ChangePipeline(SchemaOp):
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    kind = "change_pipeline"
    _en, _zh = ("change the pipeline of '{object}': added {added}; removed {removed}; changed {changed}",
                "修改 '{object}' 的阶段流程：新增 {added}；删除 {removed}；修改 {changed}")


@dataclass(frozen=True)
class ChangeRules(SchemaOp):
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    kind = "change_rules"
    _en, _zh = ("change automation rules: added {added}; removed {removed}; changed {changed}",
                "修改自动化规则：新增 {added}；删除 {removed}；修改 {changed}")


@dataclass(frozen=True)
class ChangeSection(SchemaOp):
    section: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    kind = "change_section"
    _en, _zh = ("change {section}: added {added}; removed {removed}; changed {changed}",
                "修改 {section}：新增 {added}；删除 {removed}；修改 {changed}")


def diff(old: AppSchema | Mapping[str, Any] | None, new: AppSchema | Mapping[str, Any]) -> list[SchemaOp]:
    """The operations that turn ``old`` (None: nothing) into ``new``; documents are compiled first."""
    old_app, new_app = _app(old), _app(new)
    assert new_app is not None
    old_objects = dict(old_app.objects) if old_app else {}
    ddl: list[SchemaOp] = []
    meta: list[SchemaOp] = []
    renamed_objects = _renames(old_objects, dict(new_app.objects))
    late: list[SchemaOp] = []  # computing stored formulas/roll-ups needs every table in place
    for name, obj in new_app.objects.items():
        before = old_objects.get(renamed_objects.get(name, name))
        if before is None:
            ddl.append(CreateObject(name))
            late.extend(RecomputeField(name, field=n) for n in _recompute_order(obj, {
                f.name for f in obj.fields.values() if f.stored and f.type in DERIVED}))
            continue
        if before.name != name:
            ddl.append(RenameObject(name, old=before.name))
        _diff_object(before, obj, ddl, meta, late)
    kept = {renamed_objects.get(n, n) for n in new_app.objects}
    drops = [DropObject(name) for name in old_objects if name not in kept]
    meta.extend(_diff_rules(old_app, new_app))
    for section in SECTIONS:
        op = _diff_section(section, getattr(old_app, section) if old_app else {}, getattr(new_app, section))
        if op is not None:
            meta.append(op)
    renames = [op for op in ddl if isinstance(op, RenameObject)]
    rest = [op for op in ddl if not isinstance(op, RenameObject)]
    return renames + rest + late + drops + meta


def _app(value: AppSchema | Mapping[str, Any] | None) -> AppSchema | None:
    if value is None or isinstance(value, AppSchema):
        return value
    from schema_store.compile import compile_app

    return compile_app(thaw(value))


def _renames(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, str]:
    """new name -> old name, from ``renamed_from`` on the new side or (rollback) on the old side."""
    out: dict[str, str] = {}
    for name, item in new.items():
        src = item.renamed_from
        if src and src in old and src not in new and name not in old:
            out[name] = src
    for name, item in old.items():
        src = item.renamed_from
        if src and src in new and src not in old and name not in new and src not in out:
            out[src] = name
    return out


def _diff_object(old: ObjectDef, new: ObjectDef, ddl: list[SchemaOp], meta: list[SchemaOp],
                 late: list[SchemaOp]) -> None:
    o = new.name
    renames = _renames(dict(old.fields), dict(new.fields))
    kept = {renames.get(n, n) for n in new.fields}
    removes = [RemoveField(o, field=f.name, field_type=f.type, stored=f.stored, archive=f.type not in DERIVED)
               for f in old.fields.values() if f.name not in kept]
    renamed, retyped, added, index_ops, changed = [], [], [], [], []
    recompute: set[str] = set()
    for name, f in new.fields.items():
        before = old.fields.get(renames.get(name, name))
        if before is None:
            added.append(AddField(o, field=name, field_type=f.type, stored=f.stored))
            if f.stored and f.type in DERIVED:
                recompute.add(name)
            continue
        if before.name != name:
            renamed.append(RenameField(o, field=name, old=before.name, stored=before.stored))
        if _physical(before) != _physical(f):
            retyped.append(RetypeField(o, field=name, old_type=_type_label(before), new_type=_type_label(f),
                                       old_storage=before.storage, new_storage=f.storage,
                                       old_target=before.target, new_target=f.target))
        else:
            index_ops.extend(_index_ops(o, before, f))
        if f.stored and f.type in DERIVED and (
                _definition(before) != _definition(f) or not before.stored or before.type != f.type):
            recompute.add(name)
        changes = _field_changes(before, f)
        if changes:
            changed.append(ChangeField(o, field=name, changes=changes))
    late.extend(RecomputeField(o, field=n) for n in _recompute_order(new, recompute))
    ddl.extend(removes + renamed + retyped + added + index_ops)
    meta.extend(changed)
    object_changes = _object_changes(old, new)
    if object_changes:
        meta.append(ChangeObject(o, changes=object_changes))
    pipeline = _diff_pipeline(old, new)
    if pipeline is not None:
        meta.append(pipeline)


def _type_label(f: FieldDef) -> str:
    if f.type in ("formula", "rollup"):
        return f"{f.type} ({f.expr_type}{'' if f.stored else ', computed'})"
    if f.type in ("lookup",):
        return f"lookup ({f.target})"
    return f.type


def _physical(f: FieldDef) -> tuple[Any, ...]:
    """What decides a field's column and its values' meaning."""
    return (f.type, f.storage, f.target if f.type in ("lookup", "user") else None)


def _definition(f: FieldDef) -> tuple[Any, ...]:
    if f.formula is not None:
        return (f.formula.source,)
    if f.rollup is not None:
        r = f.rollup
        return (r.object, r.lookup, r.function, r.field, r.filter.source if r.filter else None)
    return ()


def _index_ops(o: str, old: FieldDef, new: FieldDef) -> list[SchemaOp]:
    before = {spec.unique for spec in field_indexes(o, old)}
    after = {spec.unique for spec in field_indexes(o, new)}
    return ([DropIndex(o, field=new.name, unique=u) for u in sorted(before - after)]
            + [AddIndex(o, field=new.name, unique=u) for u in sorted(after - before)])


def _field_changes(old: FieldDef, new: FieldDef) -> tuple[str, ...]:
    """The definition keys that changed (derived ones and what RetypeField reports left out)."""
    skip = ("name", "expr_type", "storage", "indexed") + _IGNORED_FIELD_KEYS
    if _physical(old) != _physical(new):
        skip += ("type", "target")  # reported by RetypeField
    out = []
    for n in (f.name for f in dc_fields(FieldDef) if f.name not in skip):
        a, b = getattr(old, n), getattr(new, n)
        if isinstance(a, ExprDef) or isinstance(b, ExprDef):
            a, b = (a.source if a else None), (b.source if b else None)
        elif n == "rollup":
            a, b = (_definition(old) if a else None), (_definition(new) if b else None)
        if a != b:
            out.append(n)
    return tuple(out)


def _object_changes(old: ObjectDef, new: ObjectDef) -> tuple[str, ...]:
    out = [k for k in ("label", "plural_label", "description", "icon", "title_field", "layouts")
           if getattr(old, k) != getattr(new, k)]
    if _validations(old) != _validations(new):
        out.append("validations")
    return tuple(out)


def _validations(obj: ObjectDef) -> tuple[Any, ...]:
    return tuple((v.key, v.error_when.source, v.message, v.field, v.active) for v in obj.validations)


def _diff_pipeline(old: ObjectDef, new: ObjectDef) -> ChangePipeline | None:
    a = {n.key: _node_sig(n) for n in old.pipeline.nodes} if old.pipeline else {}
    b = {n.key: _node_sig(n) for n in new.pipeline.nodes} if new.pipeline else {}
    field_changed = (old.pipeline.field if old.pipeline else None) != (new.pipeline.field if new.pipeline else None)
    added = tuple(k for k in b if k not in a)
    removed = tuple(k for k in a if k not in b)
    changed = tuple(k for k in b if k in a and a[k] != b[k])
    if not (added or removed or changed or field_changed):
        return None
    return ChangePipeline(new.name, added=added, removed=removed, changed=changed)


def _node_sig(value: Any) -> Any:
    """A comparable form of a stage node: expressions by source, mappings sorted."""
    if isinstance(value, ExprDef):
        return value.source
    if is_dataclass(value):
        return tuple((f.name, _node_sig(getattr(value, f.name))) for f in dc_fields(value))
    if isinstance(value, Mapping):
        return tuple(sorted((k, _node_sig(v)) for k, v in value.items()))
    if isinstance(value, tuple):
        return tuple(_node_sig(v) for v in value)
    return value


def _diff_rules(old: AppSchema | None, new: AppSchema) -> list[SchemaOp]:
    a = {r["key"]: r for r in thaw(old.document.get("rules", ()))} if old else {}
    b = {r["key"]: r for r in thaw(new.document.get("rules", ()))}
    added = tuple(k for k in b if k not in a)
    removed = tuple(k for k in a if k not in b)
    changed = tuple(k for k in b if k in a and a[k] != b[k])
    if not (added or removed or changed):
        return []
    return [ChangeRules(None, added=added, removed=removed, changed=changed)]


def _diff_section(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> ChangeSection | None:
    a, b = thaw(old) or {}, thaw(new) or {}
    if a == b:
        return None
    if name in ("calendar", "app", "assignment"):
        keys = sorted(set(a) | set(b))
        return ChangeSection(None, section=name, changed=tuple(k for k in keys if a.get(k) != b.get(k)))
    return ChangeSection(None, section=name, added=tuple(k for k in b if k not in a),
                         removed=tuple(k for k in a if k not in b),
                         changed=tuple(k for k in b if k in a and a[k] != b[k]))


def _recompute_order(obj: ObjectDef, seeds: set[str]) -> list[str]:
    """Stored formulas/roll-ups to compute, plus the stored formulas reading them, in dependency order."""
    computed = {n: f for n, f in obj.fields.items() if f.stored and f.type in DERIVED}
    todo = set(seeds)
    changed = True
    while changed:
        changed = False
        for name, f in computed.items():
            if name not in todo and f.formula is not None and f.formula.references & todo:
                todo.add(name)
                changed = True
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order or name in visiting:
            return
        visiting.add(name)
        f = computed[name]
        for ref in sorted(f.formula.references if f.formula else ()):
            if ref in todo:
                visit(ref)
        order.append(name)

    for name in sorted(todo):
        visit(name)
    return order
