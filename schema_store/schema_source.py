"""The source of ``document_schema.json``: the schema is written here in Python (less repetition,
one list of reserved words) and generated with ``python -m schema_store.schema_source``. A test
checks that the JSON file is what this module builds, so the two never drift apart.

Discriminated shapes (field types, actions, triggers, recipients...) are written as one if/then
per variant, each refusing the other variants' properties, with ``additionalProperties: false``:
clear errors ("'options' does not apply to this type") and much faster in jsonschema than
``unevaluatedProperties``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterable

Schema = dict[str, Any]

SQL_KEYWORDS = """all analyse analyze and any array as asc asymmetric authorization begin between binary both by case
cast check collate collation column commit concurrently constraint create cross current_catalog current_date
current_role current_schema current_time current_timestamp current_user database default deferrable delete desc
distinct do drop else end escape except exists false fetch for foreign freeze from full glob grant group having ilike
in index initially inner insert intersect into is isnull join lateral leading left like limit localtime
localtimestamp match natural not notnull null offset on only or order outer overlaps placing pragma primary references
regexp returning right rollback rowid select session_user set similar some symmetric system_user table tablesample
then to trailing transaction trigger true union unique update user using vacuum values variadic verbose view when
where window with""".split()
EXPRESSION_WORDS = """and or not true false null blank if case isblank blankvalue ischanged priorvalue isnew ispickval
includes in len left right mid upper lower trim contains begins ends substitute find text value regex round floor
ceiling abs min max mod power sqrt today now date datevalue year month day weekday adddays days hours addworkdays
workdays stage hoursinstage daysinstage""".split()
SYSTEM_COLUMNS = ["id", "owner", "created_at", "created_by", "updated_at", "updated_by", "version", "stage",
                  "stage_entered_at", "deleted_at", "last_activity_at"]
FIELD_TYPES = ["text", "textarea", "email", "phone", "url", "number", "currency", "percent", "boolean", "date",
               "datetime", "picklist", "multi_picklist", "lookup", "file", "formula", "rollup", "autonumber", "user"]
TEXT_TYPES = ["text", "textarea", "email", "phone", "url"]
NUMERIC_TYPES = ["number", "currency", "percent"]
COMPUTED_TYPES = ["formula", "rollup", "autonumber"]
NAME_PATTERN = "^[a-z][a-z0-9_]{0,62}$"
APP_PAGES = ["admin", "approvals", "notifications", "scoring"]  # /app/<word>: not an object's list page


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


LABEL, EXPR, KEY, API_NAME, URL = ref("label"), ref("expression"), ref("key"), ref("apiName"), ref("url")
NAME = KEY  # references to objects and fields: the pattern only (they must resolve, checked later)
VALUE = {"type": ["string", "number", "boolean"], "maxLength": 4000}  # an expression or a JSON literal
BOOL = {"type": "boolean"}
POSITIVE = {"type": "number", "exclusiveMinimum": 0}


def obj(props: Schema, required: Iterable[str] = (), **extra: Any) -> Schema:
    out: Schema = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    out["additionalProperties"] = False
    out.update(extra)
    return out


def arr(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def map_of(value: Schema, key: Schema = KEY) -> Schema:
    return {"type": "object", "propertyNames": key, "additionalProperties": value}


def variants(key: str, common: Schema, parts: list[tuple[list[str], Schema]], required: Iterable[str] = ()) -> Schema:
    """An object discriminated by ``key``: ``parts`` give (values, {properties, required, extra
    keywords}) and may overlap; each value gets one if/then with its properties, and the properties
    of other values refused."""
    values: list[str] = common[key]["enum"]
    union = dict(common)
    per: dict[str, Schema] = {v: {"properties": {}, "required": [], "extra": []} for v in values}
    for part_values, then in parts:
        for v in part_values:
            per[v]["properties"].update(then.get("properties", {}))
            per[v]["required"] += then.get("required", [])
            per[v]["extra"] += [{k: then[k]} for k in ("oneOf",) if k in then]
            if "if" in then:
                per[v]["extra"].append({"if": then["if"], "then": then["then"]})
        for name in then.get("properties", {}):
            union.setdefault(name, {})
    checks = []
    for v in values:
        p = per[v]
        props = dict(p["properties"])
        props.update({name: ref("notForThisType") for name in union if name not in common and name not in props})
        then: Schema = {"properties": props}
        if p["required"]:
            then["required"] = p["required"]
        if p["extra"]:
            then["allOf"] = p["extra"]
        checks.append({"if": {"properties": {key: {"const": v}}, "required": [key]}, "then": then})
    return {"type": "object", "required": [key, *required], "properties": union, "allOf": checks,
            "additionalProperties": False}


def field() -> Schema:
    common = {"type": {"enum": FIELD_TYPES}, "label": LABEL, "help": LABEL, "description": LABEL,
              "visible_when": EXPR, "readonly_when": EXPR, "renamed_from": API_NAME}
    not_computed = [t for t in FIELD_TYPES if t not in COMPUTED_TYPES]
    return variants("type", common, [
        (not_computed, {"properties": {"required": BOOL, "required_when": EXPR}}),
        ([t for t in not_computed if t != "file"], {"properties": {"default": VALUE}}),
        (["text", "email", "phone", "url", *NUMERIC_TYPES, "autonumber", "date", "datetime"],
         {"properties": {"unique": BOOL}}),
        (TEXT_TYPES, {"properties": {"max_length": {"type": "integer", "minimum": 1, "maximum": 100000},
                                     "placeholder": LABEL}}),
        (NUMERIC_TYPES, {"properties": {"min": {"type": "number"}, "max": {"type": "number"},
                                        "scale": {"type": "integer", "minimum": 0, "maximum": 10}}}),
        (["picklist", "multi_picklist"], {"required": ["options"],
                                          "properties": {"options": arr(ref("option"), minItems=1, maxItems=1000)}}),
        (["lookup"], {"required": ["target"], "properties": {
            "target": NAME, "on_delete": {"enum": ["restrict", "set_null", "cascade"]}, "related_label": LABEL}}),
        (["user"], {"properties": {"on_delete": {"enum": ["restrict", "set_null"]}}}),
        (["file"], {"properties": {
            "accept": arr({"type": "string", "pattern": "^(\\.[A-Za-z0-9]{1,16}|[a-z]+/([a-z0-9.+-]+|\\*))$"},
                          uniqueItems=True),
            "max_size_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 2048}, "multiple": BOOL}}),
        (["formula"], {"required": ["expression"], "properties": {
            "expression": EXPR, "scale": {"type": "integer", "minimum": 0, "maximum": 10}}}),
        (["rollup"], {"required": ["object", "lookup", "function"], "properties": {
            "object": NAME, "lookup": NAME, "function": {"enum": ["count", "count_distinct", "sum", "min", "max"]},
            "field": NAME, "filter": EXPR},
            "if": {"properties": {"function": {"enum": ["sum", "min", "max", "count_distinct"]}},
                   "required": ["function"]},
            "then": {"required": ["field"]}}),
        (["autonumber"], {"required": ["format"], "properties": {
            "format": {"type": "string", "minLength": 1, "maxLength": 100}}}),
    ])


def people(kinds: list[str], parts: list[tuple[list[str], Schema]]) -> Schema:
    return variants("kind", {"kind": {"enum": kinds}}, parts)


USERNAME = {"type": "string", "minLength": 1, "maxLength": 150}


def recipient() -> Schema:
    return people(["owner", "owner_manager", "owner_director", "user", "role", "team", "team_manager", "field"], [
        (["user"], {"required": ["user"], "properties": {"user": USERNAME}}),
        (["role"], {"required": ["role"], "properties": {"role": KEY}}),
        (["team"], {"required": ["team"], "properties": {"team": KEY}}),
        (["team_manager"], {"properties": {"team": KEY}}),
        (["field"], {"required": ["field"], "properties": {"field": NAME}}),
    ])


def assignee() -> Schema:
    return people(["user", "team", "field", "pool", "route", "owner_manager"], [
        (["user"], {"required": ["user"], "properties": {"user": USERNAME}}),
        (["team"], {"required": ["team"], "properties": {"team": KEY,
                                                         "strategy": {"enum": ["round_robin", "least_open"]}}}),
        (["field"], {"required": ["field"], "properties": {"field": NAME}}),
        (["pool"], {"required": ["pool"], "properties": {"pool": KEY}}),
        (["route"], {"required": ["route"], "properties": {"route": KEY}}),
    ])


def approver() -> Schema:
    return people(["user", "role", "owner_manager", "manager_of_previous", "field", "team_manager"], [
        (["user"], {"required": ["user"], "properties": {"user": USERNAME}}),
        (["role"], {"required": ["role"], "properties": {"role": KEY}}),
        (["field"], {"required": ["field"], "properties": {"field": NAME}}),
        (["team_manager"], {"properties": {"team": KEY}}),
    ])


def action() -> Schema:
    values = {"type": "object", "propertyNames": NAME, "additionalProperties": VALUE, "minProperties": 1}
    common = {"type": {"enum": ["set_field", "assign", "create_record", "update_related", "notify", "webhook",
                                "start_approval", "add_task"]}, "key": KEY, "label": LABEL}
    return variants("type", common, [
        (["set_field"], {"required": ["field", "value"], "properties": {"field": NAME, "value": VALUE}}),
        (["assign"], {"required": ["to"], "properties": {"to": ref("assignee")}}),
        (["create_record"], {"required": ["object", "values"], "properties": {"object": NAME, "values": values,
                                                                              "link": NAME}}),
        (["update_related"], {"required": ["values"], "properties": {
            "lookup": NAME, "children": obj({"object": NAME, "via": NAME}, ["object", "via"]), "values": values},
            "oneOf": [{"required": ["lookup"]}, {"required": ["children"]}]}),
        (["notify"], {"required": ["to", "message"], "properties": {
            "to": arr(ref("recipient"), minItems=1),
            "channels": arr({"enum": ["in_app", "email", "webhook", "sms"]}, minItems=1, uniqueItems=True),
            "title": LABEL, "message": LABEL, "checklist": arr(LABEL), "webhook_url": URL}}),
        (["webhook"], {"required": ["url"], "properties": {
            "url": URL, "method": {"enum": ["POST", "PUT", "PATCH"]},
            "payload": {"type": "object", "additionalProperties": VALUE},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}}}}),
        (["start_approval"], {"required": ["process"], "properties": {"process": KEY}}),
        (["add_task"], {"required": ["title"], "properties": {
            "title": LABEL, "description": LABEL, "assignee": ref("recipient"), "due_hours": POSITIVE,
            "due_workdays": POSITIVE}}),
    ])


def trigger() -> Schema:
    common = {"type": {"enum": ["create", "update", "field_changed", "stage_entered", "stage_overdue",
                                "approval_decided", "schedule"]}}
    return variants("type", common, [
        (["field_changed"], {"required": ["field"], "properties": {"field": NAME}}),
        (["stage_entered"], {"required": ["stage"], "properties": {"stage": KEY, "from": KEY}}),
        (["stage_overdue"], {"required": ["stage"], "properties": {"stage": KEY, "level": KEY}}),
        (["approval_decided"], {"properties": {"process": KEY, "decision": {"enum": ["approved", "rejected"]}}}),
        (["schedule"], {"properties": {"cron": {"type": "string", "maxLength": 100}, "every_hours": POSITIVE},
                        "oneOf": [{"required": ["cron"]}, {"required": ["every_hours"]}]}),
    ])


def report() -> Schema:
    measure = obj({"label": LABEL, "function": {"enum": ["count", "sum", "avg", "min", "max", "rate"]},
                   "field": NAME, "filter": EXPR}, ["function"])
    common = {"type": {"enum": ["funnel", "stage_distribution", "matrix", "metric"]}, "object": NAME,
              "label": LABEL, "description": LABEL, "filter": EXPR}
    return variants("type", common, [
        (["funnel"], {"properties": {"stages": arr(KEY, minItems=1, uniqueItems=True), "date_field": NAME,
                                     "highlight_overdue": BOOL}}),
        (["stage_distribution"], {"properties": {"measure": measure, "highlight_overdue": BOOL}}),
        (["matrix"], {"required": ["rows"], "properties": {"rows": NAME, "columns": NAME, "measure": measure,
                                                           "show_conversion": BOOL, "flag_largest_drop": BOOL}}),
        (["metric"], {"required": ["measures"], "properties": {
            "measures": {"type": "object", "propertyNames": NAME, "additionalProperties": measure,
                         "minProperties": 1},
            "formula": EXPR, "period": {"enum": ["day", "week", "month", "quarter", "year"]}, "date_field": NAME,
            "group_by": NAME, "flag_below_mean": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "thresholds": arr(obj({"below": {"type": "number"}, "above": {"type": "number"}, "level": KEY,
                                   "label": LABEL, "diagnosis": LABEL}, ["level"]))}}),
    ], required=["object"])


def stage_node() -> Schema:
    sla = obj({
        "hours": POSITIVE, "workdays": POSITIVE, "basis": {"enum": ["stage_entered", "last_activity"]},
        "levels": arr(obj({"name": KEY, "at": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
                           "label": LABEL, "actions": arr(ref("action"))}, ["name", "at"]), uniqueItems=True),
        "escalate": arr(ref("action")),
    }, oneOf=[{"required": ["hours"], "not": {"required": ["workdays"]}},
              {"required": ["workdays"], "not": {"required": ["hours"]}}])
    node = obj({"key": KEY, "label": LABEL, "order": {"type": "integer"}, "requires": arr(NAME, uniqueItems=True),
                "requires_when": EXPR, "allowed_next": arr(KEY, uniqueItems=True), "auto_advance_when": EXPR,
                "auto_advance_to": KEY, "sla": sla, "guidance": LABEL,
                "probability": {"type": "number", "minimum": 0, "maximum": 100},
                "outcome": {"enum": ["open", "won", "lost"]}, "color": ref("color")}, ["key", "label"])
    return node


def object_() -> Schema:
    section = obj({"key": KEY, "label": LABEL, "columns": {"type": "integer", "minimum": 1, "maximum": 4},
                   "fields": arr(NAME, minItems=1), "visible_when": EXPR, "collapsed": BOOL}, ["fields"])
    layouts = obj({
        "form": obj({"sections": arr(section, minItems=1)}, ["sections"]),
        "list": obj({"columns": arr(NAME, minItems=1), "sort": {"type": "string", "pattern": "^-?[a-z][a-z0-9_]{0,62}$"},
                     "page_size": {"type": "integer", "minimum": 1, "maximum": 500}}, ["columns"]),
        "kanban": obj({"group_by": NAME, "card": arr(NAME, minItems=1), "title": NAME}, ["card"]),
    })
    return obj({
        "label": LABEL, "plural_label": LABEL, "description": LABEL, "icon": {"type": "string", "maxLength": 64},
        "title_field": NAME,
        "fields": {"type": "object", "propertyNames": API_NAME, "additionalProperties": ref("field"),
                   "maxProperties": 500},
        "validations": arr(ref("validation")), "pipeline": ref("pipeline"), "layouts": layouts,
        "renamed_from": API_NAME,
    }, ["label", "fields"])


def sections() -> Schema:
    assignment = obj({
        "pools": map_of(obj({"label": LABEL, "description": LABEL}, ["label"])),
        "routes": map_of(obj({
            "object": NAME, "label": LABEL, "on": arr({"enum": ["create", "update"]}, minItems=1, uniqueItems=True),
            "entries": arr(obj({"key": KEY, "label": LABEL, "when": EXPR, "assign_to": ref("assignee")},
                               ["when", "assign_to"])),
            "fallback": ref("assignee"), "record_decisions": BOOL}, ["object", "entries"])),
    })
    approval = obj({
        "object": NAME, "label": LABEL, "description": LABEL, "entry_when": EXPR,
        "steps": arr(obj({"key": KEY, "label": LABEL, "approver": ref("approver"), "timeout_hours": POSITIVE,
                          "timeout_workdays": POSITIVE, "on_timeout": {"enum": ["forward", "approve", "reject", "remind"]},
                          "forward_to": ref("approver")}, ["key", "approver"]), minItems=1),
        "on_approve": arr(ref("action")), "on_reject": arr(ref("action")), "allow_batch": BOOL,
        "reason_required": {"enum": [True, False, "reject", "always"]}, "lock_record": BOOL,
    }, ["object", "steps"])
    scoring = obj({
        "object": NAME, "label": LABEL, "field": NAME,
        "parts": map_of(obj({"label": LABEL, "field": NAME}, ["label"])),
        "rules": arr(obj({"key": KEY, "label": LABEL, "part": KEY, "when": EXPR, "points": VALUE},
                         ["when", "points"]), minItems=1),
        "bands": arr(obj({"key": KEY, "label": LABEL, "min": {"type": "number"}, "max": {"type": "number"},
                          "field": NAME, "actions": arr(ref("action"))}, ["key"])),
        "schedule": obj({"every_hours": POSITIVE, "cron": {"type": "string", "maxLength": 100}}),
        "top": obj({"limit": {"type": "integer", "minimum": 1, "maximum": 1000}, "label": LABEL}, ["limit"]),
    }, ["object", "field", "rules"])
    duplicate = obj({
        "object": NAME, "label": LABEL,
        "match": arr(obj({"field": NAME, "normalize": {"enum": ["exact", "text", "phone", "email", "company"]},
                          "fuzzy": {"type": "number", "minimum": 50, "maximum": 100}},
                         ["field"]), minItems=1, maxItems=5),
        "action": {"enum": ["block", "warn", "merge"]}, "message": LABEL, "active": BOOL,
    }, ["object", "match", "action"])
    utm = {"enum": ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer"]}
    channel_value = {"type": "string", "minLength": 1, "maxLength": 255}
    domain = {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
              "maxLength": 253}
    form = obj({
        "object": NAME, "label": LABEL, "title": LABEL, "description": LABEL,
        "fields": arr(obj({"field": NAME, "label": LABEL, "help": LABEL, "required": BOOL, "hidden": BOOL,
                           "default": VALUE}, ["field"]), minItems=1),
        "channel": obj({"field": NAME, "utm": {"type": "object", "propertyNames": utm, "additionalProperties": NAME},
                        "from": {"enum": ["utm_source", "utm_medium", "utm_campaign"]},
                        "values": {"type": "object", "propertyNames": {"maxLength": 255},
                                   "additionalProperties": channel_value},
                        "referrers": {"type": "object", "propertyNames": domain, "additionalProperties": channel_value},
                        "default": channel_value}),
        "required_by_channel": {"type": "object", "additionalProperties": arr(NAME, minItems=1, uniqueItems=True)},
        "company_email": obj({"fields": arr(NAME, minItems=1, uniqueItems=True),
                              "channels": arr(channel_value, uniqueItems=True),
                              "free_domains": arr(domain, uniqueItems=True, maxItems=1000), "message": LABEL},
                             ["fields"]),
        "validations": arr(ref("validation")), "thank_you": LABEL, "redirect_url": URL,
        "rate_limit": obj({k: {"type": "integer", "minimum": 1} for k in ("per_minute", "per_hour", "per_day")}),
        "min_fill_seconds": {"type": "integer", "minimum": 0, "maximum": 3600},
        "embed_origins": arr({"type": "string", "pattern": "^https?://[^\\s/]+$", "maxLength": 255}, uniqueItems=True),
        "route": KEY, "active": BOOL,
    }, ["object", "fields"])
    permission = obj({"create": BOOL, "read": BOOL, "update": BOOL, "delete": BOOL,
                      "scope": {"enum": ["own", "team", "all"]}, "scope_when": EXPR,
                      "fields": {"type": "object", "propertyNames": NAME,
                                 "additionalProperties": {"enum": ["hidden", "read", "edit"]}}})
    calendar = obj({
        "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
        "workdays": arr({"type": "integer", "minimum": 1, "maximum": 7}, uniqueItems=True),
        "holidays": arr(ref("date"), uniqueItems=True), "extra_workdays": arr(ref("date"), uniqueItems=True),
        "work_hours": obj({"start": ref("clock"), "end": ref("clock")}, ["start", "end"]),
        "official_cn_holidays": BOOL,
    })
    return {
        "$schema": {"type": "string"},
        "app": obj({"name": KEY, "label": LABEL, "version": {"type": "string", "maxLength": 40},
                    "description": LABEL, "default_locale": {"enum": ["zh-CN", "en"]}}),
        "objects": {"type": "object", "propertyNames": ref("objectName"), "additionalProperties": ref("object"),
                    "maxProperties": 500},
        "rules": arr(ref("rule")),
        "assignment": assignment,
        "approvals": map_of(approval),
        "scoring": map_of(scoring),
        "duplicates": map_of(duplicate),
        "forms": map_of(form),
        "reports": map_of(ref("report")),
        "roles": map_of(obj({"label": LABEL, "description": LABEL}, ["label"])),
        "permissions": map_of({"type": "object", "propertyNames": NAME, "additionalProperties": permission}),
        "teams": map_of(obj({"label": LABEL, "parent": KEY, "region": {"type": "string", "maxLength": 100}},
                            ["label"])),
        "calendar": calendar,
    }


def build() -> Schema:
    """The whole document schema."""
    reserved = sorted(set(SQL_KEYWORDS) | set(EXPRESSION_WORDS) | set(SYSTEM_COLUMNS))
    text = {"type": "string", "minLength": 1, "maxLength": 2000}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://crm-engine.example/schemas/metadata-document.json",
        "title": "CRM engine metadata document",
        "description": "One JSON document per app; see docs/metadata.md. Generated by schema_store/schema_source.py.",
        "type": "object",
        "required": ["objects"],
        "additionalProperties": False,
        "properties": sections(),
        "$defs": {
            "apiName": {"type": "string", "pattern": NAME_PATTERN, "not": {"pattern": "^(" + "|".join(reserved) + ")$"}},
            "objectName": {"$ref": "#/$defs/apiName", "not": ref("appPage")},
            "appPage": {"enum": APP_PAGES, "description": "words of the app's own pages under /app/"},
            "key": {"type": "string", "pattern": NAME_PATTERN},
            "notForThisType": {"not": {}, "description": "a property this type does not take"},
            "sqlKeyword": {"enum": sorted(set(SQL_KEYWORDS))},
            "expressionWord": {"enum": sorted(set(EXPRESSION_WORDS))},
            "systemColumn": {"enum": SYSTEM_COLUMNS},
            "label": {"type": "object", "properties": {"zh-CN": text, "en": text}, "additionalProperties": False,
                      "minProperties": 1},
            "expression": {"type": "string", "minLength": 1, "maxLength": 4000},
            "url": {"type": "string", "pattern": "^https?://[^\\s]+$", "maxLength": 2000},
            "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "clock": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
            "color": {"type": "string", "pattern": "^(#[0-9a-fA-F]{6}|[a-z]{3,20})$"},
            "option": obj({"value": {"type": "string", "minLength": 1, "maxLength": 255}, "label": LABEL,
                           "color": ref("color"), "active": BOOL}, ["value"]),
            "field": field(),
            "object": object_(),
            "validation": obj({"key": KEY, "error_when": EXPR, "message": LABEL, "field": NAME, "active": BOOL},
                              ["key", "error_when", "message"]),
            "stageNode": stage_node(),
            "pipeline": obj({"field": NAME, "initial": KEY, "nodes": arr(ref("stageNode"), minItems=1, maxItems=200)},
                            ["nodes"]),
            "recipient": recipient(),
            "assignee": assignee(),
            "approver": approver(),
            "action": action(),
            "trigger": trigger(),
            "rule": obj({"key": KEY, "object": NAME, "label": LABEL, "description": LABEL, "active": BOOL,
                         "trigger": ref("trigger"), "when": EXPR, "phase": {"enum": ["before_save", "after_save"]},
                         "actions": arr(ref("action"), minItems=1)}, ["key", "object", "trigger", "actions"]),
            "report": report(),
        },
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    target = Path(__file__).with_name("document_schema.json")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
