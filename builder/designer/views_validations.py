"""Validation rules of an object (``/builder/objects/<name>/validations``): the condition under
which a record is invalid (live-checked), the message in both languages, the field it shows by,
active, order."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from builder.designer import bp, drafting, validation_form
from builder.designer.draft_access import fields, label_text, object_for_change, object_or_404
from builder.designer.saving import Refused, apply


@bp.get("/objects/<name>/validations")
@drafting.designer_required
def validations_page(name: str, errors: dict[str, str] | None = None, status: int = 200):
    draft = drafting.current()
    obj = object_or_404(draft.document, name)
    values = request.form.to_dict() if request.method == "POST" else validation_form.inputs(obj.get("validations"))
    choices = [(n, f"{label_text(f.get('label'), n)} ({n})") for n, f in fields(obj).items()]
    return render_template("builder/validations.html", draft=draft, name=name, object_name=name,
                           object_label=label_text(obj.get("label"), name), values=values, errors=errors or {},
                           rows=validation_form.rows(values), choices=choices), status


@bp.post("/objects/<name>/validations")
@drafting.designer_required
def save_validations(name: str):
    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        rules, errors = validation_form.parse(request.form, list(obj["fields"]), _)
        if errors:
            raise Refused(errors)
        if rules:
            obj["validations"] = rules
        else:
            obj.pop("validations", None)

    return apply(mutate, url_for("designer.validations_page", name=name),
                 lambda errors, status: validations_page(name, errors, status),
                 message=_("Validation rules saved."))
