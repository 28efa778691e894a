"""Version history: every published version (who, when, note, rollbacks), what each changed and
what rolling back to it would change, and rollback (the old document published again as a new
version; history is never rewritten)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import schema_store
from builder.designer import bp, drafting
from builder.designer.draft_access import local_time
from builder.designer.problem_list import problem_items
from runtime.i18n import current_language
from runtime.services import services
from runtime.users import get_actor

CONFIRM = "confirm_destructive"


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
