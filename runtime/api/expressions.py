"""``POST /api/v1/expressions/check``: type-check an expression live, as the designer and the
advanced filter box do. Field names follow the caller's permissions (hidden fields are unknown)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

import expression
from runtime.api import bp
from runtime.api.body import json_object
from runtime.i18n import current_language
from runtime.records.listing import visible_fields
from runtime.records.permissions import FULL, object_access
from runtime.schema_access import live_schema
from runtime.web_errors import json_error

EXPRESSION_TYPES = ("number", "currency", "text", "boolean", "date", "datetime", "picklist",
                    "multi_picklist", "lookup", "file")


@bp.post("/expressions/check")
def check_expression():
    body = json_object()
    source, object_name, expect = body.get("expr"), body.get("object"), body.get("expect")
    if not isinstance(source, str):
        return json_error(400, _('Send {"expr": "...", "object": "...", "expect": "boolean"}.'))
    if expect is not None and expect not in EXPRESSION_TYPES:
        return json_error(400, _("expect must be one of: %(types)s", types=", ".join(EXPRESSION_TYPES)))
    fields = {}
    if object_name is not None:
        schema = live_schema()
        actor = current_user._get_current_object()
        # Designers check against every field (a check reads no data); others see what they may read.
        access_for = (lambda _n: FULL) if actor.has_role("analyst") else (
            lambda name: object_access(schema, actor, name))
        if object_name not in schema.objects or not access_for(object_name).read:
            return json_error(404, _("There is no object called %(name)s.", name=object_name))
        fields = visible_fields(schema, object_name, access_for)
    return jsonify(expression.check(source, fields=fields, expect=expect).to_dict(current_language()))
