"""Semantic checks of automation: rules and their actions, assignment, approvals, scoring."""
from __future__ import annotations

import re
from typing import Any

from schema_store import field_types as ft
from schema_store.check_context import Context, FieldInfo, as_list, as_map
from schema_store.diagnostics import join, pointer

BEFORE_SAVE_ACTIONS = ("set_field", "assign")
SETTABLE_SYSTEM = ("stage", "owner")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\}")
_CRON_FIELD = re.compile(r"^(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?)*$")


def check_rules(ctx: Context) -> None:
    rules = as_list(ctx.doc.get("rules"))
    ctx.check_keys_unique(rules, "/rules")
    for i, rule in enumerate(rules):
        rule = as_map(rule)
        path = pointer("rules", i)
        obj = rule.get("object")
        if not ctx.ref_object(obj, join(path, "object")):
            continue
        _check_trigger(ctx, obj, as_map(rule.get("trigger")), join(path, "trigger"))
        if "when" in rule:
            ctx.expr(rule["when"], obj, join(path, "when"), expect="boolean")
        actions = as_list(rule.get("actions"))
        if rule.get("phase") == "before_save":
            for j, action in enumerate(actions):
                atype = as_map(action).get("type")
                if isinstance(atype, str) and atype not in BEFORE_SAVE_ACTIONS:
                    ctx.report("rule.before_save_action", join(path, "actions", j, "type"), name=atype)
        check_actions(ctx, obj, actions, join(path, "actions"))


def _check_trigger(ctx: Context, obj: str, trigger: dict[str, Any], path: str) -> None:
    ttype = trigger.get("type")
    if ttype == "field_changed":
        ctx.ref_field(obj, trigger.get("field"), join(path, "field"))
    elif ttype in ("stage_entered", "stage_overdue"):
        for key in ("stage", "from"):
            if key in trigger:
                _ref_stage(ctx, obj, trigger[key], join(path, key))
        if ttype == "stage_overdue" and "level" in trigger:
            _ref_sla_level(ctx, obj, trigger.get("stage"), trigger["level"], join(path, "level"))
    elif ttype == "approval_decided" and "process" in trigger:
        _ref_process(ctx, trigger["process"], obj, join(path, "process"))
    elif ttype == "schedule" and isinstance(trigger.get("cron"), str):
        check_cron(ctx, trigger["cron"], join(path, "cron"))


def check_cron(ctx: Context, cron: str, path: str) -> None:
    parts = cron.split()
    if len(parts) != 5 or not all(_CRON_FIELD.match(p) for p in parts):
        ctx.report("rule.cron", path, value=cron)


def _ref_stage(ctx: Context, obj: str, key: Any, path: str) -> bool:
    keys = ctx.pipeline_keys(obj)
    if keys is None:
        ctx.report("ref.no_pipeline", path, object=obj)
        return False
    if isinstance(key, str) and key not in keys:
        ctx.report("ref.stage", path, object=obj, name=key)
        return False
    return True


def _ref_sla_level(ctx: Context, obj: str, stage: Any, level: Any, path: str) -> None:
    pipeline = as_map(ctx.objects[obj].get("pipeline"))
    node = next((as_map(n) for n in as_list(pipeline.get("nodes")) if as_map(n).get("key") == stage), None)
    if node is None or not isinstance(level, str):
        return
    names = {as_map(lv).get("name") for lv in as_list(as_map(node.get("sla")).get("levels"))}
    if level not in names:
        ctx.report("ref.sla_level", path, stage=stage, name=level)


def _ref_process(ctx: Context, name: Any, obj: str | None, path: str) -> None:
    approvals = as_map(ctx.doc.get("approvals"))
    if not isinstance(name, str):
        return
    if name not in approvals:
        ctx.report("ref.process", path, name=name)
    elif obj is not None and as_map(approvals[name]).get("object") not in (obj, None):
        ctx.report("ref.process_object", path, name=name, actual=approvals[name].get("object"), object=obj)


# -- actions -------------------------------------------------------------------------------------
def check_actions(ctx: Context, obj: str, actions: list[Any], path: str) -> None:
    for i, action in enumerate(actions):
        if isinstance(action, dict):
            _check_action(ctx, obj, action, join(path, i))


def _check_action(ctx: Context, obj: str, a: dict[str, Any], path: str) -> None:
    atype = a.get("type")
    if atype == "set_field":
        target = _settable(ctx, obj, a.get("field"), join(path, "field"))
        if target is not None and "value" in a:
            _value(ctx, obj, obj, a.get("field"), target, a["value"], join(path, "value"))
    elif atype == "assign":
        check_assignee(ctx, obj, as_map(a.get("to")), join(path, "to"))
    elif atype == "create_record":
        new_obj = a.get("object")
        if ctx.ref_object(new_obj, join(path, "object")):
            _values(ctx, obj, new_obj, as_map(a.get("values")), join(path, "values"))
            if "link" in a:
                link = ctx.ref_field(new_obj, a["link"], join(path, "link"), system=False, kinds=("lookup",))
                if link is not None and link.target != obj:
                    ctx.report("field.lookup_target", join(path, "link"), name=a["link"], object=new_obj,
                               actual=link.target or "?", expected=obj)
    elif atype == "update_related":
        _check_update_related(ctx, obj, a, path)
    elif atype == "notify":
        for j, r in enumerate(as_list(a.get("to"))):
            check_recipient(ctx, obj, as_map(r), join(path, "to", j))
        for key in ("message", "title"):
            check_placeholders(ctx, obj, a.get(key), join(path, key))
        for j, item in enumerate(as_list(a.get("checklist"))):
            check_placeholders(ctx, obj, item, join(path, "checklist", j))
    elif atype == "webhook":
        for key, value in as_map(a.get("payload")).items():
            ctx.expr(value, obj, join(path, "payload", key))
    elif atype == "start_approval":
        _ref_process(ctx, a.get("process"), obj, join(path, "process"))
    elif atype == "add_task":
        if "assignee" in a:
            check_recipient(ctx, obj, as_map(a["assignee"]), join(path, "assignee"))
        for key in ("title", "description"):
            check_placeholders(ctx, obj, a.get(key), join(path, key))


def _check_update_related(ctx: Context, obj: str, a: dict[str, Any], path: str) -> None:
    if "lookup" in a:
        info = ctx.ref_field(obj, a["lookup"], join(path, "lookup"), system=False, kinds=("lookup",))
        if info is not None and info.target in ctx.objects:
            _values(ctx, obj, info.target, as_map(a.get("values")), join(path, "values"))
    elif isinstance(a.get("children"), dict):
        child, via = a["children"].get("object"), a["children"].get("via")
        cpath = join(path, "children")
        if ctx.ref_object(child, join(cpath, "object")):
            info = ctx.ref_field(child, via, join(cpath, "via"), system=False, kinds=("lookup",))
            if info is not None and info.target != obj:
                ctx.report("field.lookup_target", join(cpath, "via"), name=via, object=child,
                           actual=info.target or "?", expected=obj)
            _values(ctx, obj, child, as_map(a.get("values")), join(path, "values"))


def _settable(ctx: Context, obj: str, name: Any, path: str) -> FieldInfo | None:
    info = ctx.ref_field(obj, name, path)
    if info is None:
        return None
    if (info.type == "system" and name not in SETTABLE_SYSTEM) or info.type in ("formula", "rollup", "autonumber"):
        ctx.report("field.wrong_kind", path, name=name, actual=info.type, expected="a field that can be set")
        return None
    return info


def _values(ctx: Context, source_obj: str, target_obj: str, values: dict[str, Any], path: str) -> None:
    """``{field: expression}`` evaluated on ``source_obj``, written to ``target_obj``."""
    for name, value in values.items():
        info = _settable(ctx, target_obj, name, join(path, name))
        if info is not None:
            _value(ctx, source_obj, target_obj, name, info, value, join(path, name))


def _value(ctx: Context, source_obj: str, target_obj: str, name: Any, info: FieldInfo, value: Any,
           path: str) -> None:
    compiled = ctx.expr(value, source_obj, path, expect=info.expr_type)
    if compiled is None or name != "stage":
        return
    literal = value.strip().strip("\"'") if isinstance(value, str) and value.strip()[:1] in "\"'" else None
    if literal is not None:
        _ref_stage(ctx, target_obj, literal, path)


def check_placeholders(ctx: Context, obj: str, label: Any, path: str) -> None:
    """``{field}`` / ``{lookup.field}`` placeholders in a label must name readable fields."""
    available = ctx.fields_map(obj)
    for lang, text in as_map(label).items():
        if not isinstance(text, str):
            continue
        for name in PLACEHOLDER.findall(text):
            if name not in available:
                ctx.report("ref.placeholder", join(path, lang), name=name, object=obj)


# -- people --------------------------------------------------------------------------------------
def _user_field(ctx: Context, obj: str, name: Any, path: str) -> None:
    info = ctx.ref_field(obj, name, path)
    if info is not None and info.target != ft.USER_TARGET:
        ctx.report("field.wrong_kind", path, name=name, actual=info.type, expected="user")


def _team(ctx: Context, team: Any, path: str) -> None:
    teams = ctx.known_teams()
    if teams is not None and isinstance(team, str) and team not in teams:
        ctx.report("ref.team", path, name=team)


def _role(ctx: Context, role: Any, path: str) -> None:
    if isinstance(role, str) and role not in ctx.known_roles():
        ctx.report("ref.role", path, name=role)


def check_recipient(ctx: Context, obj: str, r: dict[str, Any], path: str) -> None:
    kind = r.get("kind")
    if kind == "field":
        _user_field(ctx, obj, r.get("field"), join(path, "field"))
    elif kind == "role":
        _role(ctx, r.get("role"), join(path, "role"))
    elif kind in ("team", "team_manager") and "team" in r:
        _team(ctx, r["team"], join(path, "team"))


def check_assignee(ctx: Context, obj: str, a: dict[str, Any], path: str) -> None:
    kind = a.get("kind")
    assignment = as_map(ctx.doc.get("assignment"))
    if kind == "field":
        _user_field(ctx, obj, a.get("field"), join(path, "field"))
    elif kind == "team":
        _team(ctx, a.get("team"), join(path, "team"))
    elif kind == "pool" and isinstance(a.get("pool"), str) and a["pool"] not in as_map(assignment.get("pools")):
        ctx.report("ref.pool", join(path, "pool"), name=a["pool"])
    elif kind == "route" and isinstance(a.get("route"), str) and a["route"] not in as_map(assignment.get("routes")):
        ctx.report("ref.route", join(path, "route"), name=a["route"])


def check_approver(ctx: Context, obj: str, a: dict[str, Any], path: str) -> None:
    kind = a.get("kind")
    if kind == "field":
        _user_field(ctx, obj, a.get("field"), join(path, "field"))
    elif kind == "role":
        _role(ctx, a.get("role"), join(path, "role"))
    elif kind == "team_manager" and "team" in a:
        _team(ctx, a["team"], join(path, "team"))


# -- sections ------------------------------------------------------------------------------------
def check_assignment(ctx: Context) -> None:
    routes = as_map(as_map(ctx.doc.get("assignment")).get("routes"))
    for key, route in routes.items():
        route = as_map(route)
        path = pointer("assignment", "routes", key)
        obj = route.get("object")
        if not ctx.ref_object(obj, join(path, "object")):
            continue
        entries = as_list(route.get("entries"))
        ctx.check_keys_unique(entries, join(path, "entries"))
        for i, entry in enumerate(entries):
            entry = as_map(entry)
            epath = join(path, "entries", i)
            ctx.expr(entry.get("when"), obj, join(epath, "when"), expect="boolean")
            check_assignee(ctx, obj, as_map(entry.get("assign_to")), join(epath, "assign_to"))
        if "fallback" in route:
            check_assignee(ctx, obj, as_map(route["fallback"]), join(path, "fallback"))


def check_approvals(ctx: Context) -> None:
    for key, process, path, obj in ctx.items_on_objects("approvals"):
        if "entry_when" in process:
            ctx.expr(process["entry_when"], obj, join(path, "entry_when"), expect="boolean")
        steps = as_list(process.get("steps"))
        ctx.check_keys_unique(steps, join(path, "steps"))
        for i, step in enumerate(steps):
            step = as_map(step)
            for role in ("approver", "forward_to"):
                if role in step:
                    check_approver(ctx, obj, as_map(step[role]), join(path, "steps", i, role))
        for key_ in ("on_approve", "on_reject"):
            check_actions(ctx, obj, as_list(process.get(key_)), join(path, key_))


def check_scoring(ctx: Context) -> None:
    for key, model, path, obj in ctx.items_on_objects("scoring"):
        _score_field(ctx, obj, model.get("field"), join(path, "field"))
        parts = as_map(model.get("parts"))
        for pkey, part in parts.items():
            if "field" in as_map(part):
                _score_field(ctx, obj, part["field"], join(path, "parts", pkey, "field"))
        rules = as_list(model.get("rules"))
        ctx.check_keys_unique(rules, join(path, "rules"))
        for i, rule in enumerate(rules):
            rule = as_map(rule)
            rpath = join(path, "rules", i)
            if isinstance(rule.get("part"), str) and rule["part"] not in parts:
                ctx.report("ref.part", join(rpath, "part"), name=rule["part"])
            for name, expect in (("when", "boolean"), ("points", "number")):
                _in_database(ctx, ctx.expr(rule.get(name), obj, join(rpath, name), expect=expect), join(rpath, name))
        bands = as_list(model.get("bands"))
        ctx.check_keys_unique(bands, join(path, "bands"))
        _check_bands(ctx, obj, bands, join(path, "bands"))
        for i, band in enumerate(bands):
            check_actions(ctx, obj, as_list(as_map(band).get("actions")), join(path, "bands", i, "actions"))
        sched = as_map(model.get("schedule"))
        if isinstance(sched.get("cron"), str):
            check_cron(ctx, sched["cron"], join(path, "schedule", "cron"))


_SCORING = {  # codes of the scoring checks: (English, Chinese)
    "scoring.not_sql": ("scores are recomputed in the database, and this expression cannot run there: {reason}",
                        "评分在数据库中批量重算，该表达式无法在数据库中执行：{reason}"),
    "scoring.band_field": ("all bands must write the same field ('{name}' and '{other}' differ)",
                           "所有分档必须写入同一个字段（'{name}' 与 '{other}' 不同）"),
    "scoring.band_option": ("band '{name}' is not an option of '{field}'", "分档 '{name}' 不是字段 '{field}' 的选项"),
    "scoring.band_needs_field": ("band actions fire when a record enters the band: give the bands a 'field' "
                                 "to keep the band in", "分档动作在记录进入该分档时触发：请为分档指定保存分档的字段 'field'"),
    "scoring.band_range": ("min ({min}) must be less than max ({max})", "最小值（{min}）必须小于最大值（{max}）"),
    "scoring.user": ("a score must not depend on who is looking: $user cannot be used here",
                     "评分不能取决于查看者：此处不能使用 $user"),
}
_USER = re.compile(r"\$user\b", re.IGNORECASE)


def _scoring_diag(ctx: Context, code: str, path: str, zh: dict[str, Any] | None = None, **params: Any) -> None:
    """A scoring diagnostic (``zh`` overrides parameters in the Chinese message)."""
    from types import MappingProxyType

    from schema_store.diagnostics import Diagnostic
    en_text, zh_text = _SCORING[code]
    ctx.add(Diagnostic(code=code, path=path, messages=MappingProxyType({
        "en": en_text.format(**params), "zh-CN": zh_text.format(**{**params, **(zh or {})})})))


def _in_database(ctx: Context, compiled: Any, path: str) -> None:
    if compiled is None:
        return
    if _USER.search(compiled.source):
        _scoring_diag(ctx, "scoring.user", path)
    if compiled.sql_capable:
        return
    reason = getattr(compiled.compiled, "sql_reason", None) or {}
    if not isinstance(reason, dict):
        reason = {"en": str(reason)}
    _scoring_diag(ctx, "scoring.not_sql", path, zh={"reason": reason.get("zh-CN") or reason.get("en", "")},
                  reason=reason.get("en", ""))


def _check_bands(ctx: Context, obj: str, bands: list[Any], path: str) -> None:
    target: tuple[str, int] | None = None
    for i, band in enumerate(bands):
        band = as_map(band)
        low, high = band.get("min"), band.get("max")
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low >= high:
            _scoring_diag(ctx, "scoring.band_range", join(path, i, "max"), min=low, max=high)
        name = band.get("field")
        if not isinstance(name, str):
            continue
        if target is not None and target[0] != name:
            _scoring_diag(ctx, "scoring.band_field", join(path, i, "field"), name=name, other=target[0])
            continue
        if target is None:
            target = (name, i)
            info = ctx.ref_field(obj, name, join(path, i, "field"), system=False, kinds=("text", "picklist"))
            if info is None or info.type != "picklist":
                continue
        info = ctx.info(obj, name)
        if info is not None and info.options is not None and isinstance(band.get("key"), str) \
                and band["key"] not in info.options:
            _scoring_diag(ctx, "scoring.band_option", join(path, i, "key"), name=band["key"], field=name)
    if target is None:
        for i, band in enumerate(bands):
            if as_list(as_map(band).get("actions")):
                _scoring_diag(ctx, "scoring.band_needs_field", join(path, i, "actions"))


def _score_field(ctx: Context, obj: str, name: Any, path: str) -> None:
    info = ctx.ref_field(obj, name, path, system=False)
    if info is not None and info.type not in ft.NUMERIC_TYPES:
        ctx.report("scoring.target", path, name=name)
