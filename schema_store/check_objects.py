"""Semantic checks of ``objects``: fields, validations, pipelines and layouts."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from schema_store import field_types as ft
from schema_store.check_automation import check_actions
from schema_store.check_context import Context, as_list, as_map, as_str
from schema_store.diagnostics import join, pointer

AUTONUMBER_TOKEN = re.compile(r"\{([^{}]*)\}")
AUTONUMBER_TOKENS = re.compile(r"^(YYYY|YY|MM|DD|YYYYMMDD|seq(:[1-9][0-9]?)?)$")
BOOLEAN_FIELD_EXPRESSIONS = ("required_when", "visible_when", "readonly_when")


def check_objects(ctx: Context) -> None:
    for obj_name, obj in ctx.objects.items():
        base = pointer("objects", obj_name)
        title = obj.get("title_field")
        if title is not None:
            ctx.ref_field(obj_name, title, join(base, "title_field"))
        renamed = as_str(obj.get("renamed_from"))
        if renamed and renamed in ctx.objects and renamed != obj_name:
            ctx.report("field.rename_source", join(base, "renamed_from"), name=obj_name, source=renamed)
        for name, f in ctx.fields(obj_name).items():
            _check_field(ctx, obj_name, name, f, join(base, "fields", name))
        validations = as_list(obj.get("validations"))
        ctx.check_keys_unique(validations, join(base, "validations"))
        for i, v in enumerate(validations):
            check_validation(ctx, obj_name, as_map(v), join(base, "validations", i))
        if isinstance(obj.get("pipeline"), dict):
            _check_pipeline(ctx, obj_name, obj["pipeline"], join(base, "pipeline"))
        if isinstance(obj.get("layouts"), dict):
            _check_layouts(ctx, obj_name, obj["layouts"], join(base, "layouts"))


def check_validation(ctx: Context, obj: str, v: dict[str, Any], path: str) -> None:
    """A validation rule: ``error_when`` TRUE means the record is invalid."""
    ctx.expr(v.get("error_when"), obj, join(path, "error_when"), expect="boolean")
    if v.get("field") is not None:
        ctx.ref_field(obj, v["field"], join(path, "field"))


def _check_field(ctx: Context, obj: str, name: str, f: dict[str, Any], path: str) -> None:
    ftype = as_str(f.get("type"))
    info = ctx.info(obj, name)
    if ftype not in ft.FIELD_TYPES or info is None:
        return
    renamed = as_str(f.get("renamed_from"))
    if renamed and renamed != name and renamed in ctx.fields(obj):
        ctx.report("field.rename_source", join(path, "renamed_from"), name=name, source=renamed)
    if ftype == "lookup":
        ctx.ref_object(f.get("target"), join(path, "target"))
    if ftype in ("picklist", "multi_picklist"):
        _check_options(ctx, as_list(f.get("options")), join(path, "options"))
    if ftype == "autonumber":
        fmt = f.get("format")
        if isinstance(fmt, str) and not _autonumber_ok(fmt):
            ctx.report("field.autonumber_format", join(path, "format"), value=fmt)
    lo, hi = _decimal(f.get("min")), _decimal(f.get("max"))
    if lo is not None and hi is not None and lo > hi:
        ctx.report("field.min_max", join(path, "min"), min=lo, max=hi)
    for key in BOOLEAN_FIELD_EXPRESSIONS:
        if key in f:
            ctx.expr(f[key], obj, join(path, key), expect="boolean")
    if "default" in f and info.expr_type is not None:
        compiled = ctx.expr(f["default"], obj, join(path, "default"), expect=info.expr_type)
        if compiled is not None and info.options is not None:
            _check_default_options(ctx, f["default"], info.options, ftype, join(path, "default"))


def _check_options(ctx: Context, options: list[Any], path: str) -> None:
    seen: set[str] = set()
    for i, o in enumerate(options):
        value = as_map(o).get("value")
        if not isinstance(value, str):
            continue
        if value in seen:
            ctx.report("dup.option", join(path, i, "value"), name=value)
        if ";" in value:
            ctx.report("field.option_separator", join(path, i, "value"), value=value)
        seen.add(value)


def _check_default_options(ctx: Context, default: Any, options: tuple[str, ...], ftype: str, path: str) -> None:
    """A literal default of a picklist must be one of its options (each value, for multi)."""
    literal = _string_literal(default)
    if literal is None:
        return
    values = [v for v in literal.split(";") if v] if ftype == "multi_picklist" else [literal]
    for value in values:
        if value not in options:
            ctx.report("field.default_option", path, value=value)


def _string_literal(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and text[0] not in text[1:-1]:
        return text[1:-1]
    return None


def _autonumber_ok(fmt: str) -> bool:
    tokens = AUTONUMBER_TOKEN.findall(fmt)
    if AUTONUMBER_TOKEN.sub("", fmt).count("{") or AUTONUMBER_TOKEN.sub("", fmt).count("}"):
        return False
    return all(AUTONUMBER_TOKENS.match(t) for t in tokens) and sum(t.startswith("seq") for t in tokens) == 1


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _check_pipeline(ctx: Context, obj: str, pipeline: dict[str, Any], path: str) -> None:
    nodes = [n for n in as_list(pipeline.get("nodes")) if isinstance(n, dict)]
    ctx.check_keys_unique(nodes, join(path, "nodes"))
    keys = {n.get("key") for n in nodes if isinstance(n.get("key"), str)}
    field = pipeline.get("field", "stage")
    if field != "stage":
        info = ctx.ref_field(obj, field, join(path, "field"), system=False, kinds=("picklist",))
        if info is not None and info.options is not None:
            for i, n in enumerate(nodes):
                if isinstance(n.get("key"), str) and n["key"] not in info.options:
                    ctx.report("pipeline.node_option", join(path, "nodes", i, "key"), name=n["key"], field=field)
    initial = pipeline.get("initial")
    if isinstance(initial, str) and initial not in keys:
        ctx.report("pipeline.initial", join(path, "initial"), name=initial)
    orders: set[int] = set()
    for i, n in enumerate(nodes):
        npath = join(path, "nodes", i)
        order = n.get("order")
        if isinstance(order, int) and not isinstance(order, bool):
            if order in orders:
                ctx.report("pipeline.order", join(npath, "order"), value=order)
            orders.add(order)
        for j, req in enumerate(as_list(n.get("requires"))):
            ctx.ref_field(obj, req, join(npath, "requires", j))
        for j, nxt in enumerate(as_list(n.get("allowed_next"))):
            if isinstance(nxt, str) and nxt not in keys:
                ctx.report("ref.stage", join(npath, "allowed_next", j), object=obj, name=nxt)
        to = n.get("auto_advance_to")
        if isinstance(to, str) and to not in keys:
            ctx.report("ref.stage", join(npath, "auto_advance_to"), object=obj, name=to)
        for key in ("requires_when", "auto_advance_when"):
            if key in n:
                ctx.expr(n[key], obj, join(npath, key), expect="boolean")
        sla = as_map(n.get("sla"))
        if sla:
            for j, level in enumerate(as_list(sla.get("levels"))):
                check_actions(ctx, obj, as_list(as_map(level).get("actions")),
                              join(npath, "sla", "levels", j, "actions"))
            ctx.check_keys_unique(as_list(sla.get("levels")), join(npath, "sla", "levels"), key="name")
            check_actions(ctx, obj, as_list(sla.get("escalate")), join(npath, "sla", "escalate"))


def _check_layouts(ctx: Context, obj: str, layouts: dict[str, Any], path: str) -> None:
    form = as_map(layouts.get("form"))
    for i, section in enumerate(as_list(form.get("sections"))):
        spath = join(path, "form", "sections", i)
        for j, name in enumerate(as_list(as_map(section).get("fields"))):
            ctx.ref_field(obj, name, join(spath, "fields", j))
        if "visible_when" in as_map(section):
            ctx.expr(section["visible_when"], obj, join(spath, "visible_when"), expect="boolean")
    listing = as_map(layouts.get("list"))
    for j, name in enumerate(as_list(listing.get("columns"))):
        ctx.ref_field(obj, name, join(path, "list", "columns", j))
    sort = as_str(listing.get("sort"))
    if sort:
        ctx.ref_field(obj, sort.lstrip("-"), join(path, "list", "sort"))
    kanban = as_map(layouts.get("kanban"))
    for j, name in enumerate(as_list(kanban.get("card"))):
        ctx.ref_field(obj, name, join(path, "kanban", "card", j))
    if "group_by" in kanban:
        ctx.ref_field(obj, kanban["group_by"], join(path, "kanban", "group_by"), kinds=("picklist", "system"),
                      expected="picklist")
    if "title" in kanban:
        ctx.ref_field(obj, kanban["title"], join(path, "kanban", "title"))
