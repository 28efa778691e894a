"""The live expression check the designer's ``expr_input`` widget calls as the analyst types.

``POST /builder/expr/check`` ``{expr, object, expect, record_id?}`` -> the check of
``/api/v1/expressions/check`` made against the DRAFT's fields, plus ``fields_from`` ("draft" or
"live") and, with a record id, ``try``: the value the expression yields for that record.
``GET /builder/expr/records?object=&q=`` -> records to try it on (those the analyst may read)."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from builder.designer import bp
from builder.designer.drafting import current, designer_required
from builder.designer.expr_fields import check, draft_fields
from builder.designer.expr_try import search_records, try_result
from runtime.api.body import json_object
from runtime.api.expressions import EXPRESSION_TYPES
from runtime.i18n import current_language
from runtime.records import RecordService
from runtime.records.errors import RecordError
from runtime.schema_access import expression_fields
from runtime.services import services
from runtime.web_errors import json_error

MAX_SOURCE = 4000


def _service() -> RecordService:
    return RecordService(services(), current_user._get_current_object(), source="designer",
                         lang=current_language())


def fields_for(object_name: str, service: RecordService) -> tuple[dict, str]:
    """The draft's fields of ``object_name``; the live ones when the draft cannot be typed."""
    if not object_name:
        return {}, "none"
    fields = draft_fields(current().document, object_name)
    if fields is not None:
        return fields, "draft"
    if object_name in service.schema.objects:
        return expression_fields(service.schema, object_name), "live"
    return {}, "none"


@bp.post("/expr/check")
@designer_required
def expr_check():
    body = json_object()
    source, object_name, expect = body.get("expr"), body.get("object") or "", body.get("expect") or None
    if not isinstance(source, str) or not isinstance(object_name, str):
        return json_error(400, _('Send {"expr": "...", "object": "...", "expect": "boolean"}.'))
    if len(source) > MAX_SOURCE:
        return json_error(400, _("The expression is too long (at most %(n)s characters).", n=MAX_SOURCE))
    if expect is not None and expect not in EXPRESSION_TYPES:
        return json_error(400, _("expect must be one of: %(types)s", types=", ".join(EXPRESSION_TYPES)))
    service = _service()
    fields, origin = fields_for(object_name, service)
    out = check(source, fields, expect, current_language())
    out["fields_from"] = origin
    if body.get("record_id") not in (None, "") and source.strip():
        out["try"] = try_result(service, object_name, body.get("record_id"), source, fields)
    return jsonify(out)


@bp.get("/expr/records")
@designer_required
def expr_records():
    object_name = request.args.get("object") or ""
    service = _service()
    if object_name not in service.schema.objects:
        return jsonify({"results": [], "message": _("This object is not published yet, so it has no records to try.")})
    try:
        results = search_records(service, object_name, request.args.get("q") or "")
    except RecordError as exc:
        return jsonify({"results": [], "message": str(exc)})
    return jsonify({"results": results})
