"""REST API of dedup on ``/api/v1``: merge two records, list a record's possible duplicates, and
dismiss one, and "merged into #N" (410) instead of a bare 404 for a merged record's id. See docs/dedup.md."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from runtime.api import bp
from runtime.api.body import json_object
from runtime.api.records import _out, service
from runtime.dedup.merging import merge_records
from runtime.dedup.notices import dismiss, merged_target, possible_duplicates
from runtime.records.errors import Invalid, NotFound
from runtime.web_errors import json_error


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise Invalid(_("Some values need your attention."), {name: [_("Give a record id (a positive whole number).")]})
    return value


@bp.post("/records/<object_name>/<int:record_id>/merge")
def merge_view(object_name: str, record_id: int):
    """Merge another record into this one: {"other": id, "winners": {field: "survivor"|"other"}, "version": n}."""
    body = json_object()
    other = _int(body.get("other"), "other")
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise Invalid(_("Some values need your attention."), {"version": [_("Give the version as a whole number.")]})
    survivor = merge_records(service(), object_name, record_id, other, winners=body.get("winners"),
                             expected_version=version)
    return jsonify({**_out(survivor), "merged": other})


@bp.get("/records/<object_name>/<int:record_id>/duplicates")
def duplicates_view(object_name: str, record_id: int):
    """Possible duplicates of a record found by warn rules."""
    svc = service()
    svc.get(object_name, record_id)
    return jsonify({"possible_duplicates": possible_duplicates(svc, object_name, record_id)})


@bp.post("/records/<object_name>/<int:record_id>/duplicates/<int:other_id>/dismiss")
def dismiss_view(object_name: str, record_id: int, other_id: int):
    """Mark a possible duplicate as not a duplicate (the flag between the two records goes away)."""
    svc = service()
    svc.access(object_name, "update")
    svc.get(object_name, record_id)
    dismiss(svc, object_name, record_id, other_id)
    return jsonify({"possible_duplicates": possible_duplicates(svc, object_name, record_id)})


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    args = request.view_args or {}
    if {"object_name", "record_id"} <= set(args):
        target = merged_target(service(), args["object_name"], args["record_id"])
        if target is not None:
            return json_error(410, _("This record was merged into #%(id)s.", id=target), "merged",
                              merged_into=target, location=f"{bp.url_prefix}/records/{args['object_name']}/{target}")
    return json_error(exc.status, exc.message, exc.code, **exc.extra)
