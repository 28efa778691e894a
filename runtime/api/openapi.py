"""``GET /api/v1/openapi.json``: an OpenAPI 3.1 document of this API, generated from the live metadata.

Every ``/api/v1`` route of the running app is listed (read from the URL map, so a route added later
appears without touching this module); routes on ``<object_name>`` are expanded once per object the
caller's role may read. Record bodies come from the same marshmallow schemas that coerce input
(values.input_schema, converted by apispec), so the document and the validation cannot drift;
record responses are built from the compiled fields. Cached per (schema version, role): a publish
shows up on the next request. Behind login, because it reveals the app's metadata.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify
from flask_login import current_user

from runtime.api import bp
from runtime.i18n import pick_label
from runtime.records.listing import MAX_PER_PAGE
from runtime.records.permissions import ObjectAccess, object_access
from runtime.records.sql_columns import SYSTEM_COLUMNS
from runtime.records.values import COMPUTED, input_schema
from runtime.services import services
from schema_store import AppSchema
from schema_store.model import FieldDef, ObjectDef

VERSION = "3.1.0"
CACHE_KEY = "crm.openapi"
PREFIX = "/api/v1"
HIDDEN_METHODS = {"HEAD", "OPTIONS"}
_ARG = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
Op = Callable[[str | None], dict[str, Any]]


@bp.get("/openapi.json")
def openapi_json():
    """This document (for the caller's role, at the live schema version)."""
    svc = services()
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
    cache: dict = current_app.extensions.setdefault(CACHE_KEY, {})
    key = (schema.version, current_user.role)
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        cache[key] = build_document(current_app, schema, current_user.role, svc.settings.tz)
    return jsonify(cache[key])


# -- small schema helpers ------------------------------------------------------------------------
def ref(name: str, kind: str = "schemas") -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without ``null`` (a required field must have a value)."""
    out = dict(schema)
    if isinstance(out.get("type"), list):
        out["type"] = [t for t in out["type"] if t != "null"]
        out["type"] = out["type"][0] if len(out["type"]) == 1 else out["type"]
    if "enum" in out:
        out["enum"] = [v for v in out["enum"] if v is not None]
    return out


def plain(value: Any) -> Any:
    """JSON-ready copy: Decimal bounds (from ``min``/``max``) become numbers."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def json_body(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


STRING, INTEGER, NUMBER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
OBJECT = {"type": "object"}
DATETIME = {"type": "string", "format": "date-time"}
MAX_ID = 2**31 - 1  # ids are 32-bit integers in every supported database

VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "text": STRING, "textarea": STRING, "phone": STRING, "email": {"type": "string", "format": "email"},
    "url": {"type": "string", "format": "uri"}, "number": NUMBER, "currency": NUMBER, "percent": NUMBER,
    "boolean": BOOLEAN, "date": {"type": "string", "format": "date"}, "datetime": DATETIME,
    "lookup": INTEGER, "user": INTEGER, "file": {"type": "array", "items": INTEGER},
    "multi_picklist": {"type": "array", "items": STRING}, "picklist": STRING,
}


def value_schema(f: FieldDef) -> dict[str, Any]:
    """How a field's value looks in a record response (always nullable: blank is ``null``)."""
    kind = f.expr_type if f.computed else f.type
    if kind == "blank":
        return {"type": "null"}
    base = dict(VALUE_SCHEMAS.get(kind, STRING))
    if f.options and kind == "picklist":
        base["enum"] = list(f.option_values)
    if f.options and kind == "multi_picklist":
        base["items"] = {"type": "string", "enum": list(f.option_values)}
    out = nullable(base)
    out["title"] = pick_label(f.label, "en") or f.name
    if f.help:
        out["description"] = pick_label(f.help, "en")
    if f.computed:
        out["readOnly"] = True
    return out


# -- components ----------------------------------------------------------------------------------
def common_components(spec: APISpec) -> None:
    c = spec.components
    c.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                     "description": "An API token from `crm user token NAME`."})
    c.security_scheme("sessionCookie", {"type": "apiKey", "in": "cookie", "name": "session",
                                        "description": "The UI's sign-in cookie; writes also need X-CSRFToken."})
    c.schema("Error", {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": STRING, "message": STRING}}}})
    c.schema("ValidationError", {"allOf": [ref("Error"), {"type": "object", "properties": {
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": STRING},
                   "description": "Messages keyed by field, in the caller's language."},
        "rules": {"type": "array", "items": {"type": "object", "properties": {"key": STRING, "message": STRING}},
                  "description": "Record-level validation rules that failed."}}}]})
    c.schema("Conflict", {"allOf": [ref("Error"), {"type": "object", "properties": {
        "current_version": nullable(INTEGER)}}]})
    c.schema("Total", {"type": "object", "properties": {"value": INTEGER, "exact": BOOLEAN}})
    c.schema("File", {"type": "object", "required": ["id", "name", "size", "content_type", "url"],
                      "properties": {"id": INTEGER, "name": STRING, "size": INTEGER, "content_type": STRING,
                                     "url": STRING}})
    c.schema("HistoryEntry", {"type": "object", "properties": {
        "at": DATETIME, "action": STRING, "field": nullable(STRING), "old": {}, "new": {},
        "actor": {"type": ["object", "null"]}, "source": nullable(STRING), "change_id": STRING}})
    c.schema("Me", {"type": "object", "properties": {
        "id": INTEGER, "username": STRING, "display_name": nullable(STRING), "role": STRING,
        "team": nullable(STRING), "manager_id": nullable(INTEGER), "region": nullable(STRING),
        "locale": nullable(STRING)}})
    for name, status, schema in (("Error", "The caller's mistake (see error.code).", "Error"),
                                 ("Invalid", "Some values need attention; nothing was saved.", "ValidationError"),
                                 ("NotFound", "Missing, or not visible to the caller.", "Error"),
                                 ("Conflict", "Changed by someone else since it was read.", "Conflict")):
        c.response(name, json_body(ref(schema), status))


def object_components(spec: APISpec, plugin: MarshmallowPlugin, app: AppSchema, obj: ObjectDef,
                      access: ObjectAccess, tz: Any) -> None:
    visible = [f for f in obj.fields.values() if access.can_see(f.name)]
    system = {"id": INTEGER, "owner": nullable(INTEGER), "created_at": DATETIME,
              "created_by": nullable(INTEGER), "updated_at": DATETIME, "updated_by": nullable(INTEGER),
              "version": INTEGER, "stage": nullable(STRING), "stage_entered_at": nullable(DATETIME),
              "last_activity_at": nullable(DATETIME), "deleted_at": nullable(DATETIME)}
    if obj.pipeline is not None:
        system["stage"] = nullable({"type": "string", "enum": list(obj.pipeline.keys)})
    spec.components.schema(f"{obj.name}.Record", {
        "type": "object", "title": pick_label(obj.label, "en") or obj.name,
        "required": [c for c in SYSTEM_COLUMNS if c != "deleted_at"],
        "properties": {**{c: system.get(c, {}) for c in SYSTEM_COLUMNS},
                       **{f.name: value_schema(f) for f in visible}}})
    writable = {f.name for f in visible if access.can_edit(f.name) and f.type not in COMPUTED}
    converted = plain(plugin.converter.schema2jsonschema(input_schema(obj, tz)))  # type: ignore[union-attr]
    props = {k: v for k, v in converted["properties"].items() if k in writable}
    for f in visible:
        if f.name in props:
            props[f.name]["title"] = pick_label(f.label, "en") or f.name
            if f.type == "file" and not f.multiple:
                props[f.name]["maxItems"] = 1
    props["owner"] = {**INTEGER, "description": "User id of the new owner."}
    required = [f.name for f in visible if f.required and f.default is None and f.name in writable]
    create = {"type": "object", "properties": {k: not_null(v) if k in required else v for k, v in props.items()},
              "additionalProperties": False}
    if required:
        create["required"] = required
    spec.components.schema(f"{obj.name}.Create", create)
    spec.components.schema(f"{obj.name}.Update", {
        "type": "object", "additionalProperties": False,
        "properties": {**props, "version": {**INTEGER, "description": "The version you edited (or If-Match)."}}})
    spec.components.schema(f"{obj.name}.Page", {
        "type": "object", "required": ["records", "next_cursor", "has_more"], "properties": {
            "records": {"type": "array", "items": ref(f"{obj.name}.Record")},
            "next_cursor": nullable(STRING), "has_more": BOOLEAN, "total": ref("Total")}})


# -- operations ----------------------------------------------------------------------------------
ERROR_RESPONSES = {"404": "NotFound", "409": "Conflict", "422": "Invalid"}


def op(summary: str, ok: dict[str, Any] | None = None, *, status: str = "200", body: dict | None = None,
       query: tuple[dict, ...] = (), errors: tuple[str, ...] = (), headers: tuple[dict, ...] = (),
       description: str | None = None) -> dict[str, Any]:
    """One operation: its success answer, the specific errors it documents, and ``4XX`` for the rest."""
    responses: dict[str, Any] = {status: ok if ok is not None else json_body(OBJECT, "OK")}
    for code in errors:
        responses[code] = ref(ERROR_RESPONSES[code], "responses") if code in ERROR_RESPONSES else \
            json_body(ref("Error"), "See error.message.")
    responses["4XX"] = ref("Error", "responses")
    out: dict[str, Any] = {"summary": summary, "responses": responses}
    if description:
        out["description"] = description
    if query or headers:
        out["parameters"] = [*query, *headers]
    if body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return out


def q(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def obj_props(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": STRING,
            "description": "The version you edited (instead of `version` in the body)."}
PAGING = (q("page", {"type": "integer", "minimum": 1}), q("per_page", {"type": "integer", "minimum": 1}))


def record_ops(app: AppSchema, access: ObjectAccess) -> dict[str, Op]:
    """Record routes, parameterised by object name."""
    def rec(o: str | None) -> dict[str, Any]:
        return json_body(ref(f"{o}.Record"), "The record as the caller may see it.")

    def sortable(o: str | None) -> list[str]:
        obj = app.object(o or "")
        names = [c for c in SYSTEM_COLUMNS if c != "deleted_at"] + [
            f.name for f in obj.fields.values() if access.can_see(f.name)
            and (f.stored or f.rollup is not None or (f.formula is not None and f.formula.sql_capable))]
        return [v for n in names for v in (n, f"-{n}")]

    return {
        "api.list_view": lambda o: op(
            f"List {o} records", json_body(ref(f"{o}.Page"), "One page of records."), errors=("404",),
            query=(q("filter", STRING, "An expression, e.g. `budget > 1000 && level = \"三甲\"`."),
                   q("sort", {"type": "string", "enum": sortable(o)}, "A field; `-` sorts descending."),
                   q("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
                   q("cursor", STRING, "`next_cursor` of the previous page."),
                   q("total", {"type": "string", "enum": ["0", "1", "false", "true"]}, "0: skip the count."))),
        "api.create_view": lambda o: op(f"Create a {o}", json_body(ref(f"{o}.Record"), "Created."), status="201",
                                        body=ref(f"{o}.Create"), errors=("404", "422")),
        "api.get_view": lambda o: op(f"Read a {o}", rec(o), errors=("404",)),
        "api.patch_view": lambda o: op(f"Change a {o}", rec(o), body=ref(f"{o}.Update"), headers=(IF_MATCH,),
                                       errors=("404", "409", "422", "428"),
                                       description="Send only the fields to change and the version you "
                                                   "edited; a stale version answers 409."),
        "api.delete_view": lambda o: op(f"Delete a {o} (soft)", {"description": "Deleted."}, status="204",
                                        headers=(IF_MATCH,), errors=("404", "409", "422")),
        "api.restore_view": lambda o: op(f"Restore a deleted {o}", rec(o), errors=("404",)),
        "api.history_view": lambda o: op(f"Field history of a {o}", json_body(obj_props(
            history={"type": "array", "items": ref("HistoryEntry")})), errors=("404",)),
        "api.timeline_view": lambda o: op(f"Timeline of a {o}", json_body(obj_props(
            timeline={"type": "array", "items": OBJECT})), errors=("404",)),
    }


def upload_op(app: AppSchema, role: str) -> dict[str, Any]:
    targets = [(obj.name, f.name) for obj, f in app.iter_fields() if f.type == "file"
               and object_access(app, _role_actor(role), obj.name).can_edit(f.name)]
    fields: dict[str, Any] = {
        "file": {"type": "string", "contentMediaType": "application/octet-stream"},
        "object": {"type": "string", "enum": sorted({o for o, _f in targets})} if targets else STRING,
        "field": {"type": "string", "enum": sorted({f for _o, f in targets})} if targets else STRING}
    out = op("Upload a file for a file field", json_body(ref("File"), "Stored; put its id in the field."),
             status="201", errors=("404", "422", "413"),
             description="Checked by content against the field's allowed types and size limit.")
    out["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file", "object", "field"], "properties": fields}}}}
    return out


STATIC_OPS: dict[str, Op] = {
    "api.openapi_json": lambda o: op("This document"),
    "api.me": lambda o: op("Who am I", json_body(ref("Me"))),
    "api.set_locale": lambda o: op("Set my language", body=obj_props(locale={"type": "string", "enum": ["zh-CN", "en"]}),
                                   errors=("422",)),
    "api.list_users": lambda o: op("Users (admin)"),
    "api.live_meta": lambda o: op("The live app's metadata", json_body(obj_props(version=INTEGER, document=OBJECT))),
    "api.get_draft": lambda o: op("The draft (analysts)"),
    "api.put_draft": lambda o: op("Save the draft", body={**obj_props(document=OBJECT, revision=INTEGER),
                                                          "required": ["document", "revision"]}, errors=("409",)),
    "api.validate_draft": lambda o: op("Validate the draft or a posted document", body=obj_props(document=OBJECT)),
    "api.plan": lambda o: op("What publishing would change", body=obj_props(document=OBJECT)),
    "api.publish": lambda o: op("Publish the draft or a posted document", errors=("422",), body=obj_props(
        document=OBJECT, note=STRING, confirm_destructive=BOOLEAN)),
    "api.versions": lambda o: op("Published versions"),
    "api.version_document": lambda o: op("One version's document", errors=("404",)),
    "api.version_diff": lambda o: op("Changes between two versions", errors=("404",),
                                     query=(q("from", INTEGER), q("to", INTEGER))),
    "api.rollback": lambda o: op("Publish an earlier version again", errors=("404", "422"),
                                 body=obj_props(confirm_destructive=BOOLEAN)),
    "api.file_info": lambda o: op("A file's name, size and type", json_body(ref("File")), errors=("404",)),
    "api.download_file": lambda o: op("Download a file", {"description": "The bytes, as an attachment.", "content": {
        "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
        errors=("404",), query=(q("inline", {"type": "string", "enum": ["0", "1"]}, "1: show images in place."),)),
    "api.job_progress": lambda o: op("A long job's progress", errors=("404",)),
    "api.outbox_list": lambda o: op("Outbox items (admin)", query=(q("status", STRING), *PAGING)),
    "api.outbox_item": lambda o: op("One outbox item and its runs (admin)", errors=("404",)),
    "api.outbox_retry": lambda o: op("Retry a failed or dead item (admin)", errors=("404", "409")),
    "api.list_notifications": lambda o: op("My notifications", query=(
        q("unread", {"type": "string", "enum": ["0", "1"]}), *PAGING)),
    "api.read_notification": lambda o: op("Mark one notification read", errors=("404",)),
    "api.read_all_notifications": lambda o: op("Mark all my notifications read"),
    "api.list_deliveries": lambda o: op("Failed deliveries (admin)", query=(q("status", STRING), *PAGING)),
}


def _role_actor(role: str) -> Any:
    from runtime.users import Actor
    return Actor(id=0, username="", role=role)


def _path_params(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []

    def sub(m: re.Match) -> str:
        converter, args, name = m.group(1) or "string", m.group(2), m.group(3)
        schema = {"int": {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "float": NUMBER}.get(converter, STRING)
        if converter == "any" and args:
            schema = {"type": "string", "enum": [a.strip().strip("'\"") for a in args.split(",")]}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"
    return _ARG.sub(sub, rule), params


def generic_op(view: Callable, method: str) -> dict[str, Any]:
    doc = (view.__doc__ or "").strip().splitlines()
    body = OBJECT if method in ("POST", "PUT", "PATCH") else None
    return op(doc[0] if doc else view.__name__.replace("_", " "), body=body)


def build_document(flask_app: Flask, app: AppSchema, role: str, tz: Any) -> dict[str, Any]:
    """The OpenAPI document of ``flask_app``'s API for ``role`` under schema version ``app.version``."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title=pick_label(app.app.get("label"), "en") or "CRM API", version=str(app.version),
                   openapi_version=VERSION, plugins=[plugin], servers=[{"url": PREFIX}],
                   security=[{"bearerAuth": []}, {"sessionCookie": []}],
                   info={"description": "Generated from the live metadata (schema version "
                                        f"{app.version}). Errors: `{{\"error\": {{\"code\", \"message\"}}}}`."})
    common_components(spec)
    actor = _role_actor(role)
    readable = {n: a for n in app.objects if (a := object_access(app, actor, n)).read}
    for name, access in readable.items():
        object_components(spec, plugin, app, app.object(name), access, tz)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(flask_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path, params = _path_params(rule.rule[len(PREFIX):])
        tag = path.strip("/").split("/")[0].split(".")[0]
        names = list(readable) if "object_name" in rule.arguments else [None]
        for o in names:
            concrete = path.replace("{object_name}", o) if o else path
            ops = paths.setdefault(concrete, {})
            for method in sorted((rule.methods or set()) - HIDDEN_METHODS):
                build = record_ops(app, readable[o]).get(rule.endpoint) if o else None
                build = build or STATIC_OPS.get(rule.endpoint)
                operation = upload_op(app, role) if rule.endpoint == "api.upload_file" else (
                    build(o) if build else generic_op(flask_app.view_functions[rule.endpoint], method))
                operation["tags"] = [tag]
                operation["operationId"] = f"{rule.endpoint.split('.')[-1]}{'_' + o if o else ''}_{method.lower()}"
                own = [p for p in params if p["name"] != "object_name"]
                operation["parameters"] = own + operation.get("parameters", [])
                if not operation["parameters"]:
                    del operation["parameters"]
                ops[method.lower()] = operation
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
