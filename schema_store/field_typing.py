"""Give every field an expression type: plain fields from the registry, then formulas and roll-ups
in dependency order (a formula's type depends on what it reads), reporting cycles.

A formula is *stored* (has a column, recomputed on save) when it reads only its own record: no
lookup paths, no clock or user, no computed formula. Otherwise it is computed on read.
"""
from __future__ import annotations

from typing import Any

from schema_store import expressions, field_types as ft
from schema_store.check_context import Context, FieldInfo, as_list, as_map, as_str
from schema_store.diagnostics import join, pointer

Node = tuple[str, str]  # (object, field)


def collect(ctx: Context) -> None:
    """Phase 1: system columns and every field whose type does not depend on other fields."""
    for obj_name in ctx.objects:
        infos: dict[str, FieldInfo] = {}
        stage_options = _stage_options(ctx, obj_name)
        for col, expr_type in ft.SYSTEM_EXPR_TYPES.items():
            target = ft.USER_TARGET if col in ft.USER_SYSTEM_COLUMNS else None
            infos[col] = FieldInfo("system", expr_type, stage_options if col == "stage" else None, target)
        for name, f in ctx.fields(obj_name).items():
            ftype = as_str(f.get("type"))
            if ftype not in ft.FIELD_TYPES:
                infos[name] = FieldInfo("invalid", None)  # the schema reports it; references resolve
                continue
            reg = ft.FIELD_TYPES[ftype]
            options = None
            if ftype in ("picklist", "multi_picklist"):
                options = tuple(o["value"] for o in as_list(f.get("options"))
                                if isinstance(o, dict) and isinstance(o.get("value"), str))
            target = None
            if ftype == "lookup":
                t = as_str(f.get("target"))
                target = t if t in ctx.objects else None
            elif ftype == "user":
                target = ft.USER_TARGET
            infos[name] = FieldInfo(ftype, reg.expr_type, options, target)
        ctx.infos[obj_name] = infos


def _stage_options(ctx: Context, obj: str) -> tuple[str, ...] | None:
    pipeline = as_map(ctx.objects[obj].get("pipeline"))
    if pipeline and pipeline.get("field", "stage") == "stage":
        return ctx.pipeline_keys(obj)
    return None


def resolve(ctx: Context) -> None:
    """Phase 2: type formulas and roll-ups in dependency order; report cycles."""
    nodes: dict[Node, dict[str, Any]] = {}
    for obj_name in ctx.objects:
        for name, f in ctx.fields(obj_name).items():
            if f.get("type") in ("formula", "rollup") and name in ctx.infos[obj_name]:
                nodes[(obj_name, name)] = f
    deps = {node: _dependencies(ctx, node, f, nodes) for node, f in nodes.items()}
    order, cyclic = _toposort(deps)
    for node in cyclic:
        obj, name = node
        cycle = _cycle_through(node, deps)
        ctx.report("field.formula_cycle", pointer("objects", obj, "fields", name),
                   cycle=" -> ".join(f"{o}.{n}" for o, n in cycle))
    for node in order:
        if any(ctx.infos[o][n].expr_type is None for o, n in deps[node] if n in ctx.infos.get(o, {})):
            continue  # a formula it reads is broken; that one carries the diagnostic
        if nodes[node].get("type") == "formula":
            _type_formula(ctx, node, nodes[node], deps[node])
        else:
            _type_rollup(ctx, node, nodes[node])
    ctx.types_final = True


def _dependencies(ctx: Context, node: Node, f: dict[str, Any], nodes: dict[Node, Any]) -> set[Node]:
    obj, _ = node
    out: set[Node] = set()
    if f.get("type") == "formula":
        source = f.get("expression")
        refs = expressions.lexical_references(source) if isinstance(source, str) else set()
        for ref in refs:
            here, parts = obj, ref.split(".")
            for i, part in enumerate(parts):  # follow lookup paths: each hop may read a formula
                if (here, part) in nodes:
                    out.add((here, part))
                info = ctx.info(here, part)
                if i == len(parts) - 1 or info is None or info.target not in ctx.objects:
                    break
                here = info.target
    else:
        child = as_str(f.get("object"))
        if child in ctx.objects:
            for ref in {as_str(f.get("field"))} | _filter_refs(f):
                if ref and (child, ref) in nodes:
                    out.add((child, ref))
    return out


def _filter_refs(f: dict[str, Any]) -> set[str]:
    source = f.get("filter")
    return {r.split(".")[0] for r in expressions.lexical_references(source)} if isinstance(source, str) else set()


def _toposort(deps: dict[Node, set[Node]]) -> tuple[list[Node], list[Node]]:
    remaining = {n: set(d) for n, d in deps.items()}
    order: list[Node] = []
    ready = sorted(n for n, d in remaining.items() if not d)
    while ready:
        node = ready.pop()
        order.append(node)
        del remaining[node]
        for other, d in remaining.items():
            if node in d:
                d.discard(node)
                if not d:
                    ready.append(other)
    return order, sorted(remaining)


def _cycle_through(start: Node, deps: dict[Node, set[Node]]) -> list[Node]:
    """A cycle containing ``start`` if there is one (else the path to one), for the message."""
    path, seen = [start], {start}
    node = start
    while True:
        nxt = sorted(deps.get(node, ()))
        if not nxt:
            return path
        node = start if start in nxt else nxt[0]
        path.append(node)
        if node == start or node in seen:
            return path
        seen.add(node)


def _type_formula(ctx: Context, node: Node, f: dict[str, Any], deps: set[Node]) -> None:
    obj, name = node
    path = pointer("objects", obj, "fields", name, "expression")
    source = f.get("expression")
    if not isinstance(source, str):
        return
    compiled = ctx.expr(source, obj, path)
    if compiled is None:
        return
    if compiled.type == "blank":
        ctx.report("field.formula_blank", path)
        return
    refs = compiled.references
    stored = (not expressions.is_volatile(source)
              and not any("." in r for r in refs)
              and all(ctx.infos[o][n].stored for o, n in deps if n in ctx.infos.get(o, {})))
    info = ctx.infos[obj][name]
    info.expr_type = compiled.type
    info.stored = stored
    if compiled.type == "lookup":
        info.target = None  # a formula may compute an id, but paths through it are not supported


def _type_rollup(ctx: Context, node: Node, f: dict[str, Any]) -> None:
    obj, name = node
    base = pointer("objects", obj, "fields", name)
    child = as_str(f.get("object"))
    if not ctx.ref_object(child, join(base, "object")):
        return
    assert child is not None
    via = ctx.ref_field(child, f.get("lookup"), join(base, "lookup"), system=False, kinds=("lookup",))
    if via is not None and via.target != obj:
        ctx.report("field.lookup_target", join(base, "lookup"), name=f.get("lookup"), object=child,
                   actual=via.target or "?", expected=obj)
    function = f.get("function")
    result = "number"
    if function in ("sum", "min", "max"):
        allowed = ("number", "currency", "percent") if function == "sum" else (
            "number", "currency", "percent", "date", "datetime")
        target = ctx.ref_field(child, f.get("field"), join(base, "field"), system=function != "sum")
        if target is not None:
            kind_ok = target.expr_type in ("number", "currency", "date", "datetime") and (
                target.type in allowed or target.type in ("formula", "rollup", "system"))
            if function == "sum" and target.expr_type not in ("number", "currency"):
                kind_ok = False
            if not kind_ok:
                ctx.report("field.wrong_kind", join(base, "field"), name=f.get("field"),
                           actual=target.expr_type or target.type, expected=" or ".join(allowed))
            else:
                result = target.expr_type or "number"
    elif function == "count_distinct":
        ctx.ref_field(child, f.get("field"), join(base, "field"))
    if isinstance(f.get("filter"), str):
        compiled = ctx.expr(f["filter"], child, join(base, "filter"), expect="boolean")
        if compiled is not None and not compiled.sql_capable:
            reason = getattr(compiled.compiled, "sql_reason", None) or ""
            ctx.report("field.rollup_filter_sql", join(base, "filter"),
                       reason=reason.get("en", "") if isinstance(reason, dict) else str(reason))
    ctx.infos[obj][name].expr_type = result
