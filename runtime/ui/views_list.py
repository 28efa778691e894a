"""List pages: columns from the layout, sort, filter builder, keyset pages, saved views, CSV
export of exactly what the user may see, bulk assign / stage change."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from runtime.i18n import pick_label
from runtime.records import Invalid, ListParams, NotFound, RecordError, RecordService, list_records
from runtime.records.listing import MAX_PER_PAGE
from runtime.records.permissions import object_access
from runtime.services import services
from runtime.ui import bp, display
from runtime.ui.context import record_service, template_names
from runtime.ui.query import OPERATORS, Cell, FilterProblem, ListQuery, ListResult, Row, field_kind, list_columns
from runtime.ui.stage_path import build_path
from runtime.ui.tables import saved_views
from schema_store.database import begin_write

EXPORT_LIMIT = 10_000


def _object_or_404(svc: RecordService, object_name: str):
    try:
        svc.access(object_name, "read")
    except NotFound:
        abort(404)
    return svc.object(object_name)


def _saved_views(object_name: str) -> list[dict[str, Any]]:
    v = saved_views.c
    with services().engine.connect() as conn:
        rows = conn.execute(sa.select(saved_views).where(
            v.object == object_name, sa.or_(v.user_id == current_user.id, v.shared.is_(True))
        ).order_by(v.shared, v.name)).mappings().all()
    return [dict(r, mine=r["user_id"] == current_user.id) for r in rows]


def _view_state(object_name: str, view_id: int) -> dict[str, Any] | None:
    return next((json.loads(v["state"]) for v in _saved_views(object_name) if v["id"] == view_id), None)


def operator_labels() -> dict[str, str]:
    return {"eq": _("equals"), "ne": _("does not equal"), "gt": _("greater than"), "gte": _("at least"),
            "lt": _("less than"), "lte": _("at most"), "contains": _("contains"), "includes": _("includes"),
            "blank": _("is blank"), "not_blank": _("is not blank")}


def filter_problem_text(problem: FilterProblem) -> str:
    return {"field": _("Choose a field for filter row %(n)s.", n=problem.index + 1),
            "operator": _("Choose an operator for filter row %(n)s.", n=problem.index + 1),
            "number": _("Filter row %(n)s needs a number.", n=problem.index + 1),
            "boolean": _("Filter row %(n)s needs true or false.", n=problem.index + 1),
            "date": _("Filter row %(n)s needs a date such as 2026-03-01.", n=problem.index + 1)
            }[problem.message_key]


def load_list(svc: RecordService, obj, query: ListQuery, *, with_total: bool = True) -> ListResult:
    """Run ``query`` through list_records and shape the page (the view's I/O half)."""
    access = object_access(svc.schema, svc.actor, obj.name)
    columns = list_columns(obj, access.can_see, lambda n: display.field_label(obj, n))
    result = ListResult(obj, columns, (), query)
    try:
        page = list_records(svc, obj.name, query.params(obj, with_total=with_total))
    except FilterProblem as problem:
        result.error = filter_problem_text(problem)
        return result
    except RecordError as exc:
        result.error = exc.message
        return result
    titles = display.Titles(svc)
    display.prefetch(titles, obj, [c.name for c in columns], page["records"])
    title_col = obj.title_field if any(c.name == obj.title_field for c in columns) else columns[0].name if columns else None
    rows = []
    for r in page["records"]:
        href = url_for("ui.record_view", object_name=obj.name, record_id=r["id"])
        cells = tuple(Cell(c.name, r.get(c.name), display.text(obj, c.name, r.get(c.name), titles, svc.tz),
                           href if c.name == title_col else None, display.option_color(obj, c.name, r.get(c.name)))
                      for c in columns)
        rows.append(Row(r["id"], cells, href))
    result.rows = tuple(rows)
    result.total = page.get("total")
    result.next_cursor = page.get("next_cursor")
    return result


def _query_for(obj) -> ListQuery:
    layout = obj.layouts.get("list") or {}
    query = ListQuery.from_args(request.args, default_sort=layout.get("sort") or "-created_at",
                                default_per_page=int(layout.get("page_size") or 50))
    if query.view and not request.args.get("f") and not request.args.get("q") and "sort" not in request.args:
        state = _view_state(obj.name, query.view)
        if state is not None:
            query = ListQuery.from_state(state, view=query.view)
            query = ListQuery(query.rows, query.advanced, query.sort, query.per_page, request.args.get("cursor"),
                              query.view)
    return query


def filter_fields(svc: RecordService, obj) -> list[dict[str, Any]]:
    access = object_access(svc.schema, svc.actor, obj.name)
    out = [{"name": f.name, "label": pick_label(f.label) or f.name, "kind": f.expr_type,
            "options": [[o.value, pick_label(o.label) or o.value] for o in f.options]}
           for f in obj.fields.values() if access.can_see(f.name) and (f.stored or f.formula is not None)]
    for name in ("owner", "created_at", "updated_at") + (("stage",) if obj.pipeline else ()):
        options = [[n.key, pick_label(n.label) or n.key] for n in obj.pipeline.nodes] if name == "stage" else []
        out.append({"name": name, "label": display.system_label(name), "kind": field_kind(obj, name),
                    "options": options})
    return out


@bp.get("/<object_name>")
def list_view(object_name: str):
    svc = record_service()
    obj = _object_or_404(svc, object_name)
    query = _query_for(obj)
    result = load_list(svc, obj, query)
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return jsonify(result.to_json())
    access = object_access(svc.schema, svc.actor, obj.name)
    stage_options = []
    if obj.pipeline is not None and access.update:
        stage_options = [(n.key, pick_label(n.label) or n.key) for n in obj.pipeline.nodes]
    return render_template(template_names(object_name, "list"), obj=obj, result=result, query=query,
                           views=_saved_views(object_name), filter_fields=filter_fields(svc, obj),
                           operators=[(o, operator_labels()[o]) for o in OPERATORS], access=access,
                           stage_options=stage_options, assignees=_assignees() if access.update else [])


def _assignees() -> list[tuple[int, str]]:
    from runtime.system_tables import users
    with services().engine.connect() as conn:
        return [(r.id, r.display_name or r.username) for r in conn.execute(
            sa.select(users.c.id, users.c.display_name, users.c.username).where(users.c.active.is_(True))
            .order_by(users.c.username).limit(500))]


@bp.get("/<object_name>/export.csv")
def export_csv(object_name: str):
    """Every row the filter matches that the user may see (up to EXPORT_LIMIT), the list's columns."""
    svc = record_service()
    obj = _object_or_404(svc, object_name)
    query = _query_for(obj)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header_written = False
    cursor, exported = None, 0
    while exported < EXPORT_LIMIT:
        page_query = ListQuery(query.rows, query.advanced, query.sort, MAX_PER_PAGE, cursor, query.view)
        result = load_list(svc, obj, page_query, with_total=False)
        if result.error:
            return Response(result.error, status=400, mimetype="text/plain")
        if not header_written:
            writer.writerow(result.csv_header())
            header_written = True
        writer.writerows(result.csv_rows())
        exported += len(result.rows)
        cursor = result.next_cursor
        if not cursor:
            break
    body = "\ufeff" + buffer.getvalue()  # a BOM so spreadsheet programs read UTF-8 Chinese
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{object_name}.csv"'})


@bp.post("/<object_name>/views")
def save_view(object_name: str):
    svc = record_service()
    obj = _object_or_404(svc, object_name)
    name = (request.form.get("view_name") or "").strip()[:200]
    query = ListQuery.from_args(request.form)
    if not name:
        flash(_("Give the view a name."), "error")
        return redirect(url_for("ui.list_view", object_name=object_name, **dict(query.args())))
    shared = request.form.get("shared") == "1" and current_user.has_role("manager", "admin", "analyst")
    with begin_write(services().engine) as conn:
        view_id = conn.execute(saved_views.insert().values(
            object=obj.name, user_id=current_user.id, name=name, shared=shared,
            state=json.dumps(query.to_state(), ensure_ascii=False), created_at=svc.now())).inserted_primary_key[0]
    flash(_("View “%(name)s” saved.", name=name), "success")
    return redirect(url_for("ui.list_view", object_name=object_name, view=view_id))


@bp.post("/<object_name>/views/<int:view_id>/delete")
def delete_view(object_name: str, view_id: int):
    v = saved_views.c
    with begin_write(services().engine) as conn:
        conn.execute(saved_views.delete().where(v.id == view_id, v.user_id == current_user.id,
                                                v.object == object_name))
    flash(_("View deleted."), "success")
    return redirect(url_for("ui.list_view", object_name=object_name))


@bp.post("/<object_name>/bulk")
def bulk_action(object_name: str):
    """Assign the selected records, or move them to a stage (each through the record service or
    the stage API's move, so every permission and requirement applies per record)."""
    svc = record_service()
    _object_or_404(svc, object_name)
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:MAX_PER_PAGE]
    action = request.form.get("action")
    done, failed = 0, []
    for record_id in ids:
        try:
            if action == "assign":
                owner = request.form.get("owner", "")
                svc.update(object_name, record_id, {"owner": int(owner) if owner.isdigit() else owner})
            elif action == "stage":
                from runtime.stages.moves import move
                move(svc, object_name, record_id, request.form.get("stage"))
            else:
                abort(400)
            done += 1
        except Invalid as exc:
            detail = "; ".join([m for msgs in exc.errors.values() for m in msgs] +
                               [r.get("message", "") for r in exc.rules]) or exc.message
            failed.append(f"#{record_id}: {detail}")
        except RecordError as exc:
            failed.append(f"#{record_id}: {exc.message}")
    if done:
        flash(_("%(n)s records updated.", n=done), "success")
    for message in failed[:10]:
        flash(message, "error")
    return redirect(request.form.get("next") or url_for("ui.list_view", object_name=object_name))


@bp.get("/<object_name>/lookup/<field_name>")
def lookup_search(object_name: str, field_name: str):
    """Records of the lookup's target whose title matches ``q``, among those the user may see."""
    svc = record_service()
    obj = _object_or_404(svc, object_name)
    f = obj.fields.get(field_name)
    if f is None or f.type not in ("lookup", "user"):
        abort(404)
    q = (request.args.get("q") or "").strip()[:100]
    target = display.lookup_target(obj, field_name)
    if target == "user":
        from runtime.system_tables import users
        u = users.c
        with services().engine.connect() as conn:
            rows = conn.execute(sa.select(u.id, u.display_name, u.username).where(
                u.active.is_(True), sa.or_(u.username.contains(q, autoescape=True),
                                           u.display_name.contains(q, autoescape=True))).order_by(u.username).limit(20))
            return jsonify({"results": [{"id": r.id, "title": r.display_name or r.username} for r in rows]})
    target_obj = svc.schema.objects.get(target or "")
    if target_obj is None:
        abort(404)
    title = target_obj.title_field
    expr = f"CONTAINS({title}, {json.dumps(q, ensure_ascii=False)})" if q and title else None
    try:
        page = list_records(svc, target_obj.name, ListParams(filter=expr, sort=title or "-created_at",
                                                             per_page=20, with_total=False))
    except RecordError:
        return jsonify({"results": []})
    return jsonify({"results": [{"id": r["id"], "title": display.title_of(target_obj, r)} for r in page["records"]]})


@bp.get("/<object_name>/kanban")
def kanban_view(object_name: str):
    """Columns per stage node; cards from the kanban layout with their SLA colour."""
    svc = record_service()
    obj = _object_or_404(svc, object_name)
    if obj.pipeline is None:
        abort(404)
    layout = obj.layouts.get("kanban") or {}
    access = object_access(svc.schema, svc.actor, obj.name)
    title_field = layout.get("title") or obj.title_field
    card_fields = [n for n in (layout.get("card") or []) if n in obj.fields and access.can_see(n)
                   and n != title_field]   # the title already heads the card
    query = ListQuery.from_args(request.args, default_sort="-updated_at", default_per_page=MAX_PER_PAGE)
    error = None
    try:
        page = list_records(svc, obj.name, query.params(obj, with_total=False))
        records = page["records"]
    except (RecordError, FilterProblem) as exc:
        records, error = [], getattr(exc, "message", None) or filter_problem_text(exc)  # type: ignore[arg-type]
    titles = display.Titles(svc)
    display.prefetch(titles, obj, card_fields, records)
    from runtime.stages.sla import sla_cutoff
    now, calendar = svc.now(), svc.calendar()
    columns = {n.key: [] for n in obj.pipeline.nodes}
    for r in records:
        path = build_path(obj, r, now=now, calendar=calendar, label=pick_label, cutoff=sla_cutoff)
        key = path.current if path and path.current in columns else obj.pipeline.initial
        columns.setdefault(key, []).append({
            "id": r["id"], "version": r["version"], "title": str(r.get(title_field) or f"#{r['id']}"),
            "href": url_for("ui.record_view", object_name=obj.name, record_id=r["id"]),
            "fields": [(display.field_label(obj, n), display.text(obj, n, r.get(n), titles, svc.tz))
                       for n in card_fields if r.get(n) not in (None, "", ())],
            "sla": path.sla_colour if path else None, "sla_label": path.sla_label if path else "",
            "stage": key})
    nodes = [(n.key, pick_label(n.label) or n.key, n.color) for n in obj.pipeline.nodes]
    return render_template(template_names(object_name, "kanban"), obj=obj, nodes=nodes, columns=columns,
                           access=access, error=error, query=query)
