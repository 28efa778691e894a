"""Publish: the draft's problems (each linking to its editor), the diff against the live version
with its data impact (records touched, values archived / restored / converted, rows that refuse)
and what else reads a changed field; destructive steps need an explicit confirmation."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import schema_store
from builder.designer import bp, drafting
from builder.designer.draft_access import live_newer_than
from builder.designer.editor_links import editor_link
from builder.designer.problem_list import problem_items
from builder.designer.references import affected
from builder.designer.saving import conflict_message, posted_revision
from runtime.i18n import current_language, pick_label
from runtime.services import services
from schema_store.database import begin_write
from schema_store.drafts import discard_draft

CONFIRM = "confirm_destructive"


def _new_fields(app: schema_store.AppSchema | None, op: schema_store.SchemaOp) -> list[str]:
    """For a new object: its fields as ``label (name, type)``, so the plan shows what it holds."""
    if op.kind != "create_object" or app is None or op.object not in app.objects:
        return []
    return [f"{pick_label(f.label) or f.name} ({f.name}, {f.type})" for f in app.objects[op.object].fields.values()]


def _plan_view(draft: schema_store.Draft) -> dict[str, Any]:
    svc = services()
    lang = current_language()
    with svc.engine.connect() as conn:
        # planned as confirmed, so the page shows every step and its impact; removals (the only
        # steps that need the confirmation) are flagged below and asked for
        plan = schema_store.plan_publish(conn, draft.document, confirm_destructive=True, cache=svc.schema_cache)
    refs = affected(plan.old, plan.app, plan.ops) if plan.app is not None else []
    document = draft.document
    destructive = [i for i in plan.impact if i.needs_confirmation or i.archive or i.op.kind in
                   ("drop_object", "remove_field")]
    return {"ok": plan.ok, "live": plan.live_version,
            "problems": problem_items(plan.diagnostics, draft.document),
            "ops": [dict(op.to_dict(lang), details=_new_fields(plan.app, op)) for op in plan.ops],
            "impact": [dict(i.to_dict(lang), destructive=i in destructive) for i in plan.impact if i.op.ddl],
            "needs_confirmation": bool(destructive),
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
                           newer=live_newer_than(draft),
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
