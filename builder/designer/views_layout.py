"""Form layout editor (sections, field order, columns) with a live preview rendered by the
runtime's own form renderer. ``POST .../layout/preview`` renders a posted layout without saving
(the page's script calls it as the analyst edits; without script the Preview button does)."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from builder.designer import bp, drafting
from builder.designer import layout_form
from builder.designer.draft_access import fields, label_text, object_for_change, object_or_404
from builder.designer.preview import compile_objects, render_preview, with_form_layout
from builder.designer.saving import Refused, apply


def _preview(document: dict[str, Any], name: str, sections: list[dict[str, Any]] | None) -> dict[str, Any]:
    app, problems = compile_objects(with_form_layout(document, name, sections))
    return {"html": render_preview(app, name) if app is not None else None, "problems": problems}


def _page(name: str, errors: dict[str, str], status: int, *, extra_section: bool = False):
    draft = drafting.current()
    obj = object_or_404(draft.document, name)
    names = list(fields(obj))
    posted = request.method == "POST"
    values: dict[str, Any] = request.form.to_dict() if posted else layout_form.inputs(obj)
    count = layout_form.section_count(values) + (1 if extra_section else 0)
    if posted:
        sections, _errors = layout_form.parse(values, names, _, strict=False)
    else:
        sections = layout_form.current_sections(obj)
    field_rows = [{"name": n, "label": label_text(f.get("label"), n)} for n, f in fields(obj).items()]
    return render_template("builder/layout_editor.html", draft=draft, name=name, object_label=label_text(
        obj.get("label"), name), values=values, errors=errors, sections=range(count), field_rows=field_rows,
        preview=_preview(draft.document, name, sections), object_name=name), status


@bp.get("/objects/<name>/layout")
@drafting.designer_required
def layout_page(name: str, errors: dict[str, str] | None = None, status: int = 200):
    return _page(name, errors or {}, status)


@bp.post("/objects/<name>/layout")
@drafting.designer_required
def save_layout(name: str):
    action = request.form.get("action", "save")
    if action == "add_section":
        return _page(name, {}, 200, extra_section=True)
    if action == "preview":
        return _page(name, {}, 200)

    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        if action == "reset":
            sections = None
        else:
            sections, errors = layout_form.parse(request.form, list(obj["fields"]), _)
            if not sections and obj["fields"] and not errors:
                errors["layout"] = _("Place at least one field on the form.")
            if errors:
                raise Refused(errors)
        layout_form.set_form_layout(obj, sections)

    return apply(mutate, url_for("designer.layout_page", name=name),
                 lambda errors, status: layout_page(name, errors, status), message=_("Form layout saved."))


@bp.post("/objects/<name>/layout/preview")
@drafting.designer_required
def layout_preview(name: str):
    draft = drafting.current()
    obj = object_or_404(draft.document, name)
    sections, _errors = layout_form.parse(request.form, list(fields(obj)), _, strict=False)
    return render_template("builder/_preview.html", preview=_preview(draft.document, name, sections))
