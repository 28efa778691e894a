"""Field editor: add and edit a field with its type-specific options (picklist options with
bilingual labels and order, lookup target, file types and size, formula, roll-up, defaults,
required / required_when / visible_when), rename (kept as ``renamed_from`` so publishing keeps the
values) and archive (publishing moves the values to the archive)."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

import schema_store
from builder.designer import bp, drafting
from builder.designer.draft_access import (api_name_problem, fields, label_text, live_document,
                                           object_for_change, object_or_404, objects)
from builder.designer.field_form import APPLIES, ROLLUP_KEYS, inputs, option_rows, parse
from builder.designer.field_types import type_choices
from builder.designer.saving import Refused, apply
from runtime.i18n import current_language

def _input_for(path: str) -> str:
    """The editor input a diagnostic's JSON pointer (below the field) belongs to."""
    head = path.strip("/").split("/")[0] if path.strip("/") else ""
    for input_name, key in ROLLUP_KEYS.items():
        if head == key:
            return input_name
    return head if head in APPLIES or head in ("label", "help", "visible_when", "readonly_when", "type") else "type"


def _draft_problems(document: dict[str, Any], name: str, field: str) -> dict[str, str]:
    base = f"/objects/{name}/fields/{field}"
    out: dict[str, str] = {}
    lang = current_language()
    for d in schema_store.validate(document):
        if d.path == base or d.path.startswith(base + "/"):
            item = d.to_dict(lang)
            text = item["message"] + (f" — {item['hint']}" if item.get("hint") else "")
            key = _input_for(d.path[len(base):])
            out[key] = f"{out[key]} {text}" if key in out else text
    return out


def _page(name: str, field: str | None, errors: dict[str, str], status: int):
    draft = drafting.current()
    obj = object_or_404(draft.document, name)
    existing = fields(obj).get(field) if field else None
    if field and not isinstance(existing, dict):
        return render_template("error.html", status=404, message=_("No such field in the draft.")), 404
    if request.method == "POST":
        values: dict[str, Any] = request.form.to_dict()
    else:
        values = inputs(field, existing) if field else {"type": request.args.get("type", "text"), "required": ""}
        if field:
            errors = {**_draft_problems(draft.document, name, field), **errors}
    others = [(n, f"{label_text(o.get('label'), n)} ({n})") for n, o in objects(draft.document).items()]
    return render_template("builder/field.html", draft=draft, name=name, field=field, object_name=name,
                           object_label=label_text(obj.get("label"), name), values=values, errors=errors,
                           option_rows=option_rows(values), types=type_choices(), objects=others,
                           applies=APPLIES), status


@bp.get("/objects/<name>/fields/new")
@drafting.designer_required
def new_field(name: str, errors: dict[str, str] | None = None, status: int = 200):
    return _page(name, None, errors or {}, status)


@bp.post("/objects/<name>/fields/new")
@drafting.designer_required
def create_field(name: str):
    field_name = (request.form.get("name") or "").strip()

    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        definition, errors = parse(request.form, None, _)
        problem = api_name_problem(field_name, obj["fields"])
        if problem:
            errors["name"] = problem
        if errors:
            raise Refused(errors)
        obj["fields"][field_name] = definition
        _add_to_layout(obj, field_name)

    return apply(mutate, url_for("designer.object_page", name=name) + f"#field-{field_name}",
                 lambda errors, status: new_field(name, errors, status), message=_("Field added to the draft."))


def _add_to_layout(obj: dict[str, Any], field_name: str) -> None:
    """A new field goes into the last form section, so it shows on the form (when there is a layout)."""
    sections = ((obj.get("layouts") or {}).get("form") or {}).get("sections")
    if sections:
        sections[-1].setdefault("fields", []).append(field_name)


@bp.get("/objects/<name>/fields/<field>")
@drafting.designer_required
def edit_field(name: str, field: str, errors: dict[str, str] | None = None, status: int = 200):
    return _page(name, field, errors or {}, status)


@bp.post("/objects/<name>/fields/<field>")
@drafting.designer_required
def save_field(name: str, field: str):
    new_name = (request.form.get("name") or field).strip()
    live_fields = fields(objects(live_document() or {}).get(name) or {})

    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        existing = obj["fields"].get(field)
        if not isinstance(existing, dict):
            raise Refused({"name": _("The field '%(name)s' is no longer in the draft.", name=field)})
        definition, errors = parse(request.form, existing, _)
        if new_name != field:
            problem = api_name_problem(new_name, obj["fields"])
            if problem:
                errors["name"] = problem
        if errors:
            raise Refused(errors)
        if new_name != field:
            definition.pop("renamed_from", None)
            if field in live_fields:
                definition["renamed_from"] = field
            _rename_in_object(obj, field, new_name)
        obj["fields"] = {(new_name if k == field else k): (definition if k == field else v)
                         for k, v in obj["fields"].items()}

    return apply(mutate, url_for("designer.edit_field", name=name, field=new_name),
                 lambda errors, status: edit_field(name, field, errors, status))


def _rename_in_object(obj: dict[str, Any], old: str, new: str) -> None:
    """Follow a rename in the object's own layout and title field (other references are shown
    as problems by validation, with links to where they are)."""
    if obj.get("title_field") == old:
        obj["title_field"] = new
    for section in ((obj.get("layouts") or {}).get("form") or {}).get("sections") or ():
        section["fields"] = [new if f == old else f for f in section.get("fields") or ()]


@bp.post("/objects/<name>/fields/<field>/archive")
@drafting.designer_required
def archive_field(name: str, field: str):
    def mutate(document: dict[str, Any]) -> None:
        obj = object_for_change(document, name)
        if field not in obj["fields"]:
            raise Refused({"name": _("The field '%(name)s' is no longer in the draft.", name=field)})
        del obj["fields"][field]
        if obj.get("title_field") == field:
            obj.pop("title_field")
        form = (obj.get("layouts") or {}).get("form") or {}
        if form.get("sections"):
            for section in form["sections"]:
                section["fields"] = [f for f in section.get("fields") or () if f != field]
            form["sections"] = [s for s in form["sections"] if s["fields"]]
            if not form["sections"]:
                obj["layouts"].pop("form")

    return apply(mutate, url_for("designer.object_page", name=name),
                 lambda errors, status: edit_field(name, field, errors, status),
                 message=_("The field was removed from the draft. Publishing moves its values to the archive "
                           "(they can be restored); nothing is deleted before you publish."))
