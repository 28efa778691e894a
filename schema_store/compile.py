"""Document -> AppSchema. Pure: no I/O. Raises SchemaInvalid with every problem when invalid."""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Mapping

from schema_store import field_types as ft
from schema_store.check_context import Context, as_list, as_map
from schema_store.diagnostics import SchemaInvalid, join, pointer
from schema_store.document_schema import check_document
from schema_store.model import (EMPTY, ActionDef, AppSchema, ExprDef, FieldDef, ObjectDef, Option, PipelineDef,
                                RollupDef, RuleDef, SlaDef, SlaLevel, StageNode, TriggerDef, ValidationDef, freeze)
from schema_store.names import table_name
from schema_store.semantic import check_semantics
from schema_store.tables import build_tables


def checksum(document: Mapping[str, Any]) -> str:
    """A stable fingerprint of a document (key order and whitespace do not matter)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compile_app(document: dict[str, Any], version: int = 0, *, check_schema: bool = True) -> AppSchema:
    """Validate ``document`` and build its immutable AppSchema (raises SchemaInvalid).

    ``check_schema=False`` is for documents already published: they passed the JSON Schema of
    their day, and a later, stricter schema (a newly reserved word) must not break a running app.
    """
    problems = check_document(document) if check_schema else []
    if problems:
        raise SchemaInvalid(problems)
    ctx = check_semantics(document)
    if ctx.diagnostics:
        raise SchemaInvalid(ctx.diagnostics)
    return _Builder(ctx).build(document, version)


class _Builder:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.x = ctx.compiled

    def build(self, doc: dict[str, Any], version: int) -> AppSchema:
        objects = {name: self.object(name, obj) for name, obj in as_map(doc.get("objects")).items()}
        metadata, tables = build_tables(objects.values())
        return AppSchema(
            version=version,
            checksum=checksum(doc),
            document=freeze(doc),
            objects=MappingProxyType(objects),
            rules=tuple(self.rule(i, r) for i, r in enumerate(as_list(doc.get("rules")))),
            expressions=MappingProxyType(dict(self.x)),
            metadata=metadata,
            tables=MappingProxyType(dict(tables)),
            **{section: freeze(as_map(doc.get(section))) for section in (
                "app", "assignment", "approvals", "scoring", "duplicates", "forms", "reports", "roles",
                "permissions", "teams", "calendar")},
        )

    # -- objects ---------------------------------------------------------------------------------
    def object(self, name: str, obj: dict[str, Any]) -> ObjectDef:
        base = pointer("objects", name)
        fields = {fname: self.field(name, fname, f, join(base, "fields", fname))
                  for fname, f in as_map(obj.get("fields")).items()}
        validations = tuple(
            ValidationDef(key=v["key"], error_when=self.x[join(base, "validations", i, "error_when")],
                          message=freeze(v["message"]), field=v.get("field"), active=v.get("active", True))
            for i, v in enumerate(as_list(obj.get("validations"))))
        pipeline = self.pipeline(name, obj["pipeline"], join(base, "pipeline")) if "pipeline" in obj else None
        return ObjectDef(
            name=name, label=freeze(obj["label"]), table_name=table_name(name), fields=MappingProxyType(fields),
            plural_label=freeze(obj.get("plural_label")), description=freeze(obj.get("description")),
            icon=obj.get("icon"), title_field=obj.get("title_field"), validations=validations, pipeline=pipeline,
            layouts=freeze(as_map(obj.get("layouts"))), renamed_from=obj.get("renamed_from"))

    def field(self, obj: str, name: str, f: dict[str, Any], path: str) -> FieldDef:
        info = self.ctx.infos[obj][name]
        ftype = f["type"]
        reg = ft.FIELD_TYPES[ftype]
        assert info.expr_type is not None
        storage = reg.storage
        if ftype == "formula":
            storage = ft.STORAGE_OF_EXPR_TYPE[info.expr_type] if info.stored else None
        elif ftype == "rollup":
            storage = ft.STORAGE_OF_EXPR_TYPE[info.expr_type]
        rollup = None
        if ftype == "rollup":
            rollup = RollupDef(object=f["object"], lookup=f["lookup"], function=f["function"], field=f.get("field"),
                               filter=self.x.get(join(path, "filter")))
        return FieldDef(
            name=name, type=ftype, label=freeze(f.get("label") or {"en": name}), expr_type=info.expr_type,
            storage=storage, indexed=reg.indexed,
            options=tuple(Option(o["value"], freeze(o.get("label") or {"en": o["value"]}), o.get("color"),
                                 o.get("active", True)) for o in f.get("options", ())),
            required=bool(f.get("required", False)),
            required_when=self.x.get(join(path, "required_when")),
            visible_when=self.x.get(join(path, "visible_when")),
            readonly_when=self.x.get(join(path, "readonly_when")),
            default=self.x.get(join(path, "default")),
            unique=bool(f.get("unique", False)), max_length=f.get("max_length"),
            min=_dec(f.get("min")), max=_dec(f.get("max")), scale=f.get("scale"),
            help=freeze(f.get("help")), description=freeze(f.get("description")),
            placeholder=freeze(f.get("placeholder")),
            target=info.target if ftype in ft.REFERENCE_TYPES else None,
            on_delete=f.get("on_delete", "set_null") if ftype in ft.REFERENCE_TYPES else None,
            accept=tuple(f.get("accept", ())), max_size_mb=f.get("max_size_mb"), multiple=bool(f.get("multiple")),
            formula=self.x.get(join(path, "expression")), rollup=rollup, autonumber=f.get("format"),
            renamed_from=f.get("renamed_from"))

    def pipeline(self, obj: str, p: dict[str, Any], path: str) -> PipelineDef:
        raw = as_list(p.get("nodes"))
        nodes = []
        for i, n in enumerate(raw):
            npath = join(path, "nodes", i)
            sla = None
            if "sla" in n:
                s = n["sla"]
                spath = join(npath, "sla")
                sla = SlaDef(hours=s.get("hours"), workdays=s.get("workdays"), basis=s.get("basis", "stage_entered"),
                             levels=tuple(SlaLevel(lv["name"], float(lv["at"]), freeze(lv.get("label")),
                                                   self.actions(lv.get("actions"), join(spath, "levels", j, "actions")))
                                          for j, lv in enumerate(s.get("levels", ()))),
                             escalate=self.actions(s.get("escalate"), join(spath, "escalate")))
            nodes.append(StageNode(
                key=n["key"], label=freeze(n["label"]), order=n.get("order", i), requires=tuple(n.get("requires", ())),
                requires_when=self.x.get(join(npath, "requires_when")), allowed_next=tuple(n.get("allowed_next", ())),
                auto_advance_when=self.x.get(join(npath, "auto_advance_when")),
                auto_advance_to=n.get("auto_advance_to"), sla=sla, guidance=freeze(n.get("guidance")),
                probability=n.get("probability"), outcome=n.get("outcome", "open"), color=n.get("color")))
        nodes.sort(key=lambda node: node.order)
        return PipelineDef(field=p.get("field", "stage"), initial=p.get("initial") or nodes[0].key, nodes=tuple(nodes))

    # -- automation ------------------------------------------------------------------------------
    def rule(self, i: int, r: dict[str, Any]) -> RuleDef:
        path = pointer("rules", i)
        t = r["trigger"]
        trigger = TriggerDef(type=t["type"], field=t.get("field"), stage=t.get("stage"), from_stage=t.get("from"),
                             level=t.get("level"), cron=t.get("cron"), every_hours=t.get("every_hours"),
                             process=t.get("process"), decision=t.get("decision"))
        return RuleDef(key=r["key"], object=r["object"], trigger=trigger,
                       actions=self.actions(r["actions"], join(path, "actions")),
                       phase=r.get("phase", "after_save"), when=self.x.get(join(path, "when")),
                       label=freeze(r.get("label")), active=r.get("active", True), path=path)

    def actions(self, actions: Any, path: str) -> tuple[ActionDef, ...]:
        out = []
        for i, a in enumerate(as_list(actions)):
            apath = join(path, i)
            exprs: dict[str, ExprDef] = {}
            prefix = apath + "/"
            for p, e in self.x.items():
                if p.startswith(prefix):
                    exprs[p[len(prefix):]] = e
            out.append(ActionDef(type=a["type"], params=freeze(a), path=apath,
                                 expressions=MappingProxyType(exprs) if exprs else EMPTY))
        return tuple(out)


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return Decimal(str(value))
