"""Dedup pages under ``/app``: the merge page (choose the other record, then pick a winner per
differing field, side by side) and "merged into #N" where a merged record's page used to be."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.dedup.merging import default_winners, merge_records, mergeable_fields
from runtime.dedup.notices import dismiss, merged_target, possible_duplicates
from runtime.records import Conflict, Invalid, NotFound, RecordError
from runtime.ui import bp, display
from runtime.ui.context import record_service, template_names


def _load(svc, object_name: str, record_id: int) -> dict[str, Any]:
    try:
        svc.access(object_name, "update")
        svc.access(object_name, "delete")
        return svc.get(object_name, record_id)
    except NotFound:
        abort(404)
    except RecordError:
        abort(403)


def _other_id(raw: str | None) -> int | None:
    raw = (raw or "").strip().lstrip("#")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


def _rows(svc, obj, survivor, other, winners) -> list[dict[str, Any]]:
    titles = display.Titles(svc)
    names = mergeable_fields(svc, obj.name)
    display.prefetch(titles, obj, names, [survivor, other])
    rows = []
    for n in names:
        a, b = survivor.get(n), other.get(n)
        rows.append({"name": n, "label": display.field_label(obj, n), "same": a == b,
                     "survivor": display.text(obj, n, a, titles, svc.tz) or "—",
                     "other": display.text(obj, n, b, titles, svc.tz) or "—",
                     "winner": winners.get(n, "survivor")})
    return rows


@bp.route("/<object_name>/<int:record_id>/merge", methods=["GET", "POST"])
def merge_page(object_name: str, record_id: int):
    svc = record_service()
    survivor = _load(svc, object_name, record_id)
    obj = svc.object(object_name)
    source = request.form if request.method == "POST" else request.args
    other_id = _other_id(source.get("other"))
    errors: dict[str, list[str]] = {}
    other = None
    status = 200
    if source.get("other") is not None and (other_id is None or other_id == record_id):
        errors["other"] = [_("Choose a different record to merge.")]
    elif other_id is not None:
        try:
            other = svc.get(object_name, other_id)
        except NotFound:
            errors["other"] = [_("This record does not exist or you cannot see it.")]
    winners = default_winners(svc, object_name, survivor, other) if other else {}
    if request.method == "POST" and other is not None:
        chosen = {n: request.form.get(f"winner_{n}") for n in winners if request.form.get(f"winner_{n}")}
        winners.update({n: v for n, v in chosen.items() if v in ("survivor", "other")})
        version = request.form.get("version", "")
        try:
            merge_records(svc, object_name, record_id, other_id, winners=winners,
                          expected_version=int(version) if version.isdigit() else None)
        except (Invalid, Conflict) as exc:
            status = 422 if isinstance(exc, Invalid) else 409
            errors = dict(getattr(exc, "errors", {}) or {"": [exc.message]})
            errors.setdefault("", [exc.message])
        else:
            flash(_("Merged #%(other)s into this record.", other=other_id), "success")
            return redirect(url_for("ui.record_view", object_name=object_name, record_id=record_id))
    elif request.method == "POST":
        status = 422
    return render_template(template_names(object_name, "merge"), obj=obj, survivor=survivor, other=other,
                           title=display.title_of(obj, survivor),
                           other_title=display.title_of(obj, other) if other else "",
                           rows=_rows(svc, obj, survivor, other, winners) if other else [],
                           candidates=possible_duplicates(svc, object_name, record_id),
                           errors=errors, other_raw=source.get("other", "")), status


@bp.errorhandler(404)
def _merged_or_missing(exc):
    args = request.view_args or {}
    if request.endpoint == "ui.record_view" and {"object_name", "record_id"} <= set(args):
        svc = record_service()
        target = merged_target(svc, args["object_name"], args["record_id"])
        if target is not None:
            return render_template("runtime/dedup_merged.html", object_name=args["object_name"],
                                   record_id=args["record_id"], target=target), 410
    from runtime.web_errors import _messages, json_error, wants_json  # the app's own 404 for the rest
    if wants_json():
        return json_error(404, _messages()[404])
    return render_template("error.html", status=404, message=_messages()[404]), 404


@bp.post("/<object_name>/<int:record_id>/duplicates/<int:other_id>/dismiss")
def dismiss_page(object_name: str, record_id: int, other_id: int):
    svc = record_service()
    try:
        svc.access(object_name, "update")
        svc.get(object_name, record_id)
    except NotFound:
        abort(404)
    except RecordError:
        abort(403)
    dismiss(svc, object_name, record_id, other_id)
    flash(_("#%(id)s is no longer listed as a possible duplicate.", id=other_id), "success")
    return redirect(url_for("ui.record_view", object_name=object_name, record_id=record_id))
