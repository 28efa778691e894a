"""Publish: the draft's problems (each linking to its editor), the diff against the live version
with its data impact (records touched, values archived / restored / converted, rows that refuse)
and what else reads a changed field; destructive steps need an explicit confirmation. Version
history with the diff of each version and rollback."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import schema_store
from builder.designer import bp, drafting
from builder.designer.draft_access import local_time
from builder.designer.editor_links import editor_link
from builder.designer.references import affected
from builder.designer.saving import conflict_message, posted_revision
from runtime.i18n import current_language, pick_label
from runtime.services import services
from runtime.users import get_actor
from schema_store.database import begin_write
from schema_store.drafts import discard_draft

CONFIRM = "confirm_destructive"


def excerpt(source: str | None, span: dict[str, int] | None) -> str:
    """The source line of an expression problem with a caret under the span."""
    if not source or not span:
        return ""
    lines = source.splitlines() or [""]
    line = lines[min(max(span["line"], 1), len(lines)) - 1]
    width = max(1, (span["end_column"] - span["column"]) if span["end_line"] == span["line"] else 1)
    return f"{line}\n{' ' * (max(span['column'], 1) - 1)}{'^' * width}"


def _at(document: Any, path: str) -> Any:
    node = document
    for part in path.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def problem_items(diagnostics: Any, document: dict[str, Any]) -> list[dict[str, Any]]:
    lang = current_language()
    out = []
    for d in diagnostics:
        item = d.to_dict(lang)
        source = _at(document, item["path"])
        item["excerpt"] = excerpt(source if isinstance(source, str) else None, item["span"])
        item["link"] = editor_link(item["path"], document)
        out.append(item)
    return out


def _new_fields(app: schema_store.AppSchema | None, op: schema_store.SchemaOp) -> list[str]:
    """For a new object: its fields as ``label (name, type)``, so the plan shows what it holds."""
    if op.kind != "create_object" or app is None or op.object not in app.objects:
        return []
    return [f"{pick_label(f.label) or f.name} ({f.name}, {f.type})" for f in app.objects[op.object].fields.values()]


def _plan_view(draft: schema_store.Draft) -> dict[str, Any]:
    svc = services()
    lang = current_language()
    with svc.engine.connect() as conn:
        plan = schema_store.plan_publish(conn, draft.document, confirm_destructive=True, cache=svc.schema_cache)
        blocking = schema_store.plan_publish(conn, draft.document, cache=svc.schema_cache).diagnostics \
            if plan.ok else plan.diagnostics
    confirm_only = {"publish.confirm_drop"}
    refs = affected(plan.old, plan.app, plan.ops) if plan.app is not None else []
    document = draft.document
    destructive = [i for i in plan.impact if i.needs_confirmation or i.archive or i.op.kind in
                   ("drop_object", "remove_field")]
    return {"ok": plan.ok, "live": plan.live_version,
            "problems": problem_items(plan.diagnostics, draft.document),
            "ops": [dict(op.to_dict(lang), details=_new_fields(plan.app, op)) for op in plan.ops],
            "impact": [dict(i.to_dict(lang), destructive=i in destructive) for i in plan.impact if i.op.ddl],
            "destructive": bool(destructive),
            "needs_confirmation": any(d.code in confirm_only for d in blocking) or bool(destructive),
            "references": [{"object": r.object, "field": r.field, "path": r.path, "link": editor_link(r.path, document)}
                           for r in refs],
            "archived_fields": [{"object": i.op.object, "field": getattr(i.op, "field", ""), "count": i.archive}
                                for i in plan.impact if i.op.kind == "remove_field"],
            "archived_objects": [{"object": i.op.object, "records": i.archive}
                                 for i in plan.impact if i.op.kind == "drop_object"],
            "nothing": plan.ok and not plan.ops}


@bp.get("/publish")
@drafting.designer_required
def publish_page(error: str | None = None, status: int = 200):
    draft = drafting.current()
    return render_template("builder/publish.html", draft=draft, plan=_plan_view(draft), error=error,
                           note=request.form.get("note", "") if request.method == "POST" else ""), status


@bp.post("/publish")
@drafting.designer_required
def publish_draft():
    revision = posted_revision()
    draft = drafting.current()
    if revision is None or revision != draft.revision:
        flash(conflict_message(draft.revision), "error")
        return publish_page(None, 409)
    plan = _plan_view(draft)
    if plan["nothing"]:
        flash(_("The draft is the same as the live version: nothing to publish."), "info")
        return redirect(url_for("designer.versions_page"))
    confirmed = request.form.get(CONFIRM) == "1"
    if plan["needs_confirmation"] and not confirmed:
        return publish_page(_("This publish archives data. Read the impact below and tick the confirmation "
                              "box to go ahead."), 422)
    svc = services()
    try:
        with begin_write(svc.engine) as conn:
            current = schema_store.get_draft(conn)
            if current.revision != revision:
                raise schema_store.DraftConflict(current.revision, revision)
            result = schema_store.publish(conn, current.document, current_user.id,
                                          note=(request.form.get("note") or "").strip()[:500] or None,
                                          confirm_destructive=confirmed, cache=svc.schema_cache,
                                          now=svc.clock.now())
            if current.revision:
                discard_draft(conn)
    except schema_store.DraftConflict as exc:
        flash(conflict_message(exc.current), "error")
        return publish_page(None, 409)
    except schema_store.PublishError as exc:
        flash(_("Nothing was published: %(reason)s", reason=exc.to_dicts(current_language())[0]["message"]
                if exc.diagnostics else ""), "error")
        return publish_page(None, 422)
    flash(_("Published version %(n)s.", n=result.version), "success")
    return redirect(url_for("designer.versions_page"))


def _names(ids: set[int | None]) -> dict[int, str]:
    out = {}
    with services().engine.connect() as conn:
        for user_id in ids:
            if user_id is not None:
                actor = get_actor(conn, user_id)
                out[user_id] = actor.label if actor else f"#{user_id}"
    return out


@bp.get("/versions")
@drafting.designer_required
def versions_page(error: str | None = None, status: int = 200, problems: list | None = None):
    with services().engine.connect() as conn:
        items = schema_store.list_versions(conn)
        live = schema_store.live_version(conn)
    names = _names({v.published_by for v in items})
    rows = [{"version": v.version, "at": local_time(v.published_at), "by": names.get(v.published_by, "—"),
             "note": v.note,
             "rollback_of": v.rollback_of, "ops": len(v.ops), "live": v.version == live} for v in reversed(items)]
    return render_template("builder/versions.html", rows=rows, live=live, error=error, problems=problems or [],
                           draft=drafting.current()), status


@bp.get("/versions/<int:version>")
@drafting.designer_required
def version_page(version: int):
    svc = services()
    lang = current_language()
    try:
        with svc.engine.connect() as conn:
            versions = [v.version for v in schema_store.list_versions(conn)]
            previous = max((v for v in versions if v < version), default=None)
            ops = schema_store.diff_versions(conn, previous, version, svc.schema_cache)
            live = schema_store.live_version(conn)
            to_live = schema_store.diff_versions(conn, live, version, svc.schema_cache) if live and live != version \
                else []
    except schema_store.VersionNotFound:
        abort(404)
    return render_template("builder/version.html", version=version, previous=previous, live=live,
                           ops=[op.to_dict(lang) for op in ops], rollback_ops=[op.to_dict(lang) for op in to_live],
                           draft=drafting.current())


@bp.post("/versions/<int:version>/rollback")
@drafting.designer_required
def rollback_version(version: int):
    svc = services()
    confirmed = request.form.get(CONFIRM) == "1"
    try:
        result = schema_store.rollback(svc.engine, version, current_user.id, confirm_destructive=confirmed,
                                       cache=svc.schema_cache, now=svc.clock.now())
    except schema_store.VersionNotFound:
        abort(404)
    except schema_store.PublishError as exc:
        with svc.engine.connect() as conn:
            document = schema_store.get_version_document(conn, version)
        needs = any(d.code == "publish.confirm_drop" for d in exc.diagnostics)
        return versions_page(_("Rolling back to version %(n)s archives records: tick the confirmation and try "
                               "again.", n=version) if needs else
                             _("Version %(n)s cannot be restored as it is:", n=version), 422,
                             problem_items(exc.diagnostics, document))
    flash(_("Version %(old)s is live again, as version %(new)s.", old=version, new=result.version), "success")
    return redirect(url_for("designer.versions_page"))
