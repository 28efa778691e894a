"""Record pages (sections, stage path, related lists, files, timeline) and create/edit forms with
inline errors and live field state (``POST /app/<object>/form-state``)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from runtime.dedup.merging import create_or_merge
from runtime.i18n import pick_label
from runtime.records import Conflict, Invalid, ListParams, NotFound, RecordError, RecordService, list_records
from runtime.records.evaluation import context, load_lookups, lookup_paths
from runtime.records.permissions import object_access
from runtime.records.values import coerce, input_schema
from runtime.ui import bp, display
from runtime.ui.context import record_service, template_names
from runtime.ui.forms import (Form, build_form, field_states, form_data, raw_from_data, raw_value,
                              section_layout, section_states)
from runtime.ui.query import list_columns
from runtime.ui.stage_path import build_path, colour_of, level_text


def _obj(svc: RecordService, object_name: str, operation: str = "read"):
    try:
        svc.access(object_name, operation)
    except NotFound:
        abort(404)
    except RecordError:
        abort(403)
    return svc.object(object_name)


def draft_context(svc: RecordService, obj, raw: dict[str, Any], prior: dict[str, Any] | None):
    """Coerce the draft leniently (bad values count as blank) and build its expression context."""
    values, errors = coerce(input_schema(obj, svc.tz), obj, {k: v for k, v in raw.items() if k in obj.fields
                                                             and not obj.fields[k].computed})
    record = {**(prior or {}), **{k: None for k in errors}, **values}
    if any(obj.fields.get(k) is not None and obj.fields[k].type == "lookup" for k in record):
        with svc.svc.engine.connect() as conn:
            record = {**record, **load_lookups(conn, svc.schema, obj, record, lookup_paths(svc.schema, obj.name),
                                               now=svc.now(), tz=svc.tz, actor=svc.actor)}
    return record, context(record, actor=svc.actor, now=svc.now(), tz=svc.tz, calendar=svc.calendar(),
                           prior=prior, is_new=prior is None)


def make_form(svc: RecordService, obj, raw: dict[str, Any], errors: dict[str, list[str]], *,
              prior: dict[str, Any] | None = None, rule_errors: tuple[str, ...] = ()) -> Form:
    access = object_access(svc.schema, svc.actor, obj.name)
    _record, ctx = draft_context(svc, obj, raw, prior)
    states = field_states(obj, _record, ctx, access.can_edit)
    titles = display.Titles(svc)
    lookups = [n for n, f in obj.fields.items() if f.type in ("lookup", "user")]
    displays: dict[str, str] = {}
    for n in lookups:
        v = raw.get(n)
        if v and str(v).isdigit():
            target = display.lookup_target(obj, n)
            titles.load(target, [int(v)])
            displays[n] = titles.get(target, int(v))
    for n, f in obj.fields.items():
        if f.computed and prior is not None:
            displays[n] = display.text(obj, n, prior.get(n), titles, svc.tz)
    return build_form(obj, raw, errors, states=states, sections_visible=section_states(obj, svc.schema.expression, ctx),
                      can_see=access.can_see, label=pick_label, displays=displays, rule_errors=rule_errors)


def render_form(form: Form) -> Markup:
    """The form's fields as HTML (shared with the designer's preview)."""
    from flask import current_app
    macro = current_app.jinja_env.get_template("runtime/_form_fields.html").module.form_fields  # type: ignore[attr-defined]
    return Markup(macro(form))


def _raw_record(obj, record: dict[str, Any], tz) -> dict[str, Any]:
    return {n: raw_value(f, record.get(n), tz) for n, f in obj.fields.items()}


def _files(svc: RecordService, obj, record: dict[str, Any]) -> list[dict[str, Any]]:
    from runtime.files import service as file_service
    out = []
    for n, f in obj.fields.items():
        if f.type != "file" or not record.get(n):
            continue
        for file_id in record[n]:
            try:
                stored = file_service.readable(svc, int(file_id))
            except RecordError:
                continue
            out.append({"field": pick_label(f.label) or n, "id": stored.id, "name": stored.name,
                        "size": stored.size, "type": stored.content_type,
                        "url": url_for("api.download_file", file_id=stored.id),
                        "image": stored.content_type.startswith("image/"),
                        "pdf": stored.content_type == "application/pdf",
                        "preview": url_for("api.preview_file", file_id=stored.id)})
    return out


def _related(svc: RecordService, obj, record_id: int) -> list[dict[str, Any]]:
    out = []
    for child in svc.schema.objects.values():
        access = object_access(svc.schema, svc.actor, child.name)
        if not access.read:
            continue
        for f in child.fields.values():
            if f.type != "lookup" or f.target != obj.name or not access.can_see(f.name):
                continue
            columns = [c for c in list_columns(child, access.can_see, lambda n, c=child: display.field_label(c, n))
                       if c.name != f.name][:5]
            try:
                page = list_records(svc, child.name, ListParams(filter=f"{f.name} = {record_id}", per_page=10))
            except RecordError:
                continue
            titles = display.Titles(svc)
            display.prefetch(titles, child, [c.name for c in columns], page["records"])
            rows = [{"href": url_for("ui.record_view", object_name=child.name, record_id=r["id"]),
                     "cells": [display.text(child, c.name, r.get(c.name), titles, svc.tz) for c in columns]}
                    for r in page["records"]]
            out.append({"object": child.name, "field": f.name,
                        "label": f"{pick_label(child.plural_label or child.label)} · {pick_label(f.label) or f.name}",
                        "columns": [c.label for c in columns], "rows": rows, "total": page.get("total"),
                        "list_url": url_for("ui.list_view", object_name=child.name, f=f.name, op="eq", v=record_id),
                        "new_url": url_for("ui.new_view", object_name=child.name, **{f.name: record_id})
                        if access.create else None})
    return out


def timeline(svc: RecordService, obj, record_id: int) -> list[dict[str, Any]]:
    """Field history (grouped per save), stage changes, SLA alerts and whatever other timeline
    sources the app registers (automation runs, approvals), newest first."""
    from runtime.services import services
    grouped: dict[Any, dict[str, Any]] = {}
    for h in svc.history(obj.name, record_id):
        if h["action"] not in ("create", "update", "delete", "restore"):
            continue  # stage moves come from the stage source, with their durations
        key = h.get("change_id") or (h["at"], h["action"])
        actor = h.get("actor") or {}
        entry = grouped.setdefault(key, {"kind": "change", "at": h["at"], "action": h["action"], "lines": [],
                                         "who": actor.get("display_name") or actor.get("username") or ""})
        if h.get("field") and h["action"] == "update":
            entry["lines"].append((display.field_label(obj, h["field"]), _short(obj, h["field"], h.get("old")),
                                   _short(obj, h["field"], h.get("new"))))
    entries = list(grouped.values())
    for source in services().extras.get("timeline_sources", ()):
        entries.extend(source(svc, obj.name, record_id))
    for e in entries:
        if e["kind"] in ("stage", "sla_alert") and obj.pipeline is not None:
            node = obj.pipeline.node(e.get("stage") or "")
            e["stage_label"] = pick_label(node.label) if node else e.get("stage")
            if e["kind"] == "sla_alert" and node is not None and node.sla is not None:
                level = next((lv for lv in node.sla.levels if lv.name == e.get("level")), None)
                colour = colour_of(e.get("level"), float(level.at) if level is not None else 1.0)
                e["level_label"] = level_text(level.label if level is not None else None, colour, pick_label)
    order = {"change": 0, "stage": 1, "sla_alert": 2}
    entries.sort(key=lambda e: (_instant(e.get("at")), order.get(e["kind"], 3)), reverse=True)
    return entries


def _instant(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _short(obj, name: str, value: Any) -> str:
    """A history value (JSON) as people read it."""
    if value is None or value == [] or value == "":
        return "—"
    f = obj.fields.get(name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if f is not None and f.options:
        labels = {o.value: pick_label(o.label) or o.value for o in f.options}
        items = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in items)
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)[:200]


@bp.get("/<object_name>/<int:record_id>")
def record_view(object_name: str, record_id: int):
    svc = record_service()
    obj = _obj(svc, object_name)
    try:
        record = svc.get(object_name, record_id)
    except NotFound:
        abort(404)
    access = object_access(svc.schema, svc.actor, obj.name)
    titles = display.Titles(svc)
    display.prefetch(titles, obj, list(obj.fields) + ["owner"], [record])
    sections = []
    for _i, section in section_layout(obj):
        items = [(display.field_label(obj, n), display.text(obj, n, record.get(n), titles, svc.tz), n)
                 for n in section.get("fields") or () if (n in obj.fields and access.can_see(n)
                                                          and obj.fields[n].type != "file")]
        if items:
            sections.append({"label": pick_label(section.get("label")) if section.get("label") else "",
                             "columns": max(1, min(int(section.get("columns") or 2), 4)), "entries": items})
    from runtime.stages.sla import sla_cutoff
    path = build_path(obj, record, now=svc.now(), calendar=svc.calendar(), label=pick_label, cutoff=sla_cutoff)
    return render_template(template_names(object_name, "record"), obj=obj, record=record, sections=sections,
                           title=display.title_of(obj, record), path=path, access=access,
                           related=_related(svc, obj, record_id), files=_files(svc, obj, record),
                           timeline=timeline(svc, obj, record_id),
                           owner=titles.get("user", record.get("owner")))


def _defaults_from_args(obj) -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k in obj.fields and not obj.fields[k].computed}


@bp.route("/<object_name>/new", methods=["GET", "POST"])
def new_view(object_name: str):
    svc = record_service()
    obj = _obj(svc, object_name, "create")
    access = object_access(svc.schema, svc.actor, obj.name)
    if request.method == "POST":
        data = form_data(obj, request.form, editable=access.can_edit)
        try:
            record, merged_into = create_or_merge(svc, object_name,
                                                  {k: v for k, v in data.items() if v not in ("", None)})
        except Invalid as exc:
            return _form_page(svc, obj, raw_from_data(obj, data), exc, None, status=422)
        flash(_("Saved into the existing record #%(id)s (duplicate rule).", id=merged_into) if merged_into
              else _("Saved."), "success")
        return redirect(url_for("ui.record_view", object_name=object_name, record_id=record["id"]))
    return _form_page(svc, obj, _defaults_from_args(obj), None, None)


@bp.route("/<object_name>/<int:record_id>/edit", methods=["GET", "POST"])
def edit_view(object_name: str, record_id: int):
    svc = record_service()
    obj = _obj(svc, object_name, "update")
    access = object_access(svc.schema, svc.actor, obj.name)
    try:
        prior = svc.get(object_name, record_id)
    except NotFound:
        abort(404)
    if request.method == "POST":
        data = form_data(obj, request.form, editable=access.can_edit)
        before = _raw_record(obj, prior, svc.tz)
        changes = {k: v for k, v in data.items() if raw_from_data(obj, {k: v}).get(k) != before.get(k)}
        version = request.form.get("version", "")
        try:
            if changes:
                svc.update(object_name, record_id, changes,
                           expected_version=int(version) if version.isdigit() else None)
        except (Invalid, Conflict) as exc:
            return _form_page(svc, obj, {**before, **raw_from_data(obj, data)}, exc, prior, status=422 if
                              isinstance(exc, Invalid) else 409)
        flash(_("Saved."), "success")
        return redirect(url_for("ui.record_view", object_name=object_name, record_id=record_id))
    return _form_page(svc, obj, _raw_record(obj, prior, svc.tz), None, prior)


def _form_page(svc, obj, raw, exc, prior, status: int = 200):
    errors = dict(getattr(exc, "errors", {}) or {})
    rules = tuple(r.get("message", "") for r in getattr(exc, "rules", []) or [])
    # Errors on fields the form does not show go to the top, so none is lost.
    shown = {n for _i, s in section_layout(obj) for n in (s.get("fields") or ())}
    rules += tuple(f"{display.field_label(obj, k)}: {m}" for k, msgs in errors.items() if k not in shown for m in msgs)
    if exc is not None and not isinstance(exc, Invalid):
        rules += (exc.message,)
    form = make_form(svc, obj, raw, errors, prior=prior, rule_errors=rules)
    return render_template(template_names(obj.name, "form"), obj=obj, form=form, prior=prior,
                           fields_html=render_form(form), failed=exc is not None,
                           title=display.title_of(obj, prior) if prior else _("New %(object)s",
                                                                                object=pick_label(obj.label))), status


@bp.post("/<object_name>/form-state")
def form_state(object_name: str):
    """``{"values": {...}, "id": n?}`` -> each field's visible/required/readonly for this draft."""
    svc = record_service()
    obj = _obj(svc, object_name)
    body = request.get_json(silent=True) or {}
    values = body.get("values") if isinstance(body.get("values"), dict) else {}
    prior = None
    if isinstance(body.get("id"), int):
        try:
            prior = svc.get(object_name, body["id"])
        except RecordError:
            abort(404)
    access = object_access(svc.schema, svc.actor, obj.name)
    raw = {k: v for k, v in values.items() if k in obj.fields and access.can_see(k)}
    record, ctx = draft_context(svc, obj, raw, prior)
    states = field_states(obj, record, ctx, access.can_edit)
    return jsonify({"fields": {n: s.to_json() for n, s in states.items() if access.can_see(n)},
                    "sections": {str(i): v for i, v in section_states(obj, svc.schema.expression, ctx).items()}})
