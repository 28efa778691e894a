"""Editors of rules (/builder/rules), assignment tables (/builder/assignment and
/builder/assignment-pools), approval processes (/builder/approvals), scoring models
(/builder/scoring), duplicate rules (/builder/duplicates), public forms (/builder/forms, with the
embed snippet), reports, roles, teams, permissions (per role) and the business calendar
(/builder/calendar): one list page, one "new" form and one generic editor page per section, one
editor page for a section in one fixed place (pools, calendar)."""
from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

import schema_store
from builder.designer import bp
from builder.designer.drafting import change, current, designer_required
from builder.designer.logic_editing import Item, save, show
from builder.designer.logic_form import MISSING
from builder.designer.logic_sections import POOLS, SECTIONS, SINGLES, Section, dig
from runtime.i18n import current_language, pick_label
from schema_store.schema_source import NAME_PATTERN

EDITOR = "builder/logic/editor.html"


def _titles() -> dict[str, str]:
    return {"rules": _("Rules"), "approvals": _("Approval processes"), "scoring": _("Scoring models"),
            "duplicates": _("Duplicate rules"), "forms": _("Public forms"), "assignment": _("Assignment"),
            "assignment-pools": _("Pools"), "reports": _("Reports"), "roles": _("Roles"), "teams": _("Teams"),
            "permissions": _("Permissions"), "calendar": _("Business calendar")}


def _container(document: dict[str, Any], section: Section, create: bool) -> Any:
    node: Any = document
    for i, k in enumerate(section.document_key):
        last = i == len(section.document_key) - 1
        if not isinstance(node, dict):
            return None
        if k not in node or not isinstance(node[k], (dict, list)):
            if not create:
                return None
            node[k] = ([] if section.kind == "list" else {}) if last else {}
        node = node[k]
    return node


def section_item(section: Section, key: str) -> Item:
    def read(document: dict[str, Any]) -> Any:
        for k, item in section.items(document):
            if k == key:
                return item
        return MISSING

    def write(document: dict[str, Any], value: Any) -> None:
        container = _container(document, section, create=True)
        if section.kind == "list":
            value = value if isinstance(value, dict) else {}
            value.setdefault("key", key)    # a rule is found by its key: it never goes missing
            for i, item in enumerate(container):
                if isinstance(item, dict) and item.get("key") == key:
                    container[i] = value
                    return
            raise LookupError(key)
        if key not in container:
            raise LookupError(key)
        container[key] = value if value is not MISSING else {}

    def object_of(value: Any) -> str:
        return value.get("object", "") if isinstance(value, dict) and isinstance(value.get("object"), str) else ""

    return Item(shape=section.shape(), pointer=lambda doc: section.pointer_of(doc, key), read=read, write=write,
                object_of=object_of, hidden=section.hidden)


def _objects(document: dict[str, Any]) -> list[tuple[str, str]]:
    objects = document.get("objects") if isinstance(document.get("objects"), dict) else {}
    return [(k, f"{pick_label(o.get('label')) or k} ({k})" if isinstance(o, dict) else k) for k, o in objects.items()]


def _list_page(section: Section, status: int = 200, **extra: Any):
    draft = current()
    document = draft.document
    diagnostics = schema_store.validate(document)
    items = []
    labelled = "label" in section.shape().properties()      # items are objects with a label (not maps)
    for key, item in section.items(document):
        ptr = section.pointer_of(document, key) or ""
        count = sum(1 for d in diagnostics if d.path == ptr or d.path.startswith(ptr + "/"))
        label = item.get("label") if isinstance(item, dict) and labelled else None
        label = pick_label(label) if isinstance(label, dict) else ""
        summary = section.summary(item) if section.summary else \
            (item.get("object") if isinstance(item, dict) and isinstance(item.get("object"), str) else "")
        items.append({"key": key, "title": f"{label} ({key})" if label else key, "problems": count,
                      "object": summary, "url": url_for(f"designer.logic_{_ep(section)}_edit", key=key)})
    extra_link = {"url": url_for("designer.logic_pools"), "label": _("Pools")} if section.name == "assignment" else None
    key_choices = _key_choices(section, document)
    if key_choices is not None:
        taken = {k for k, _item in section.items(document)}
        key_choices = [(k, text) for k, text in key_choices if k not in taken]
    return render_template("builder/logic/list.html", section=section.name, title=_titles()[section.name],
                           items=items, revision=draft.revision, objects=_objects(document),
                           needs_object=section.needs_object, extra_link=extra_link, key_choices=key_choices,
                           new_url=url_for(f"designer.logic_{_ep(section)}_new"), **extra), status


def _key_choices(section: Section, document: dict[str, Any]) -> list[tuple[str, str]] | None:
    return section.key_choices(document, current_language()) if section.key_choices else None


def _ep(section: Section) -> str:
    return section.name.replace("-", "_")


def _new(section: Section):
    form = request.form
    key, obj = (form.get("key") or "").strip(), (form.get("object") or "").strip()
    try:
        revision = int(form.get("_revision", ""))
    except ValueError:
        revision = -1
    document = current().document
    error = None
    if not re.match(NAME_PATTERN, key):
        error = _("The key must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63).")
    elif any(k == key for k, _item in section.items(document)):
        error = _("There is already one called %(key)s.", key=key)
    elif (choices := _key_choices(section, document)) is not None and key not in dict(choices):
        error = _("Choose one of the listed keys.")
    elif section.needs_object and obj not in dict(_objects(document)):
        error = _("Choose an object of the draft.")
    if error:
        return _list_page(section, status=422, error=error, new_key=key, new_object=obj)

    def mutate(doc: dict[str, Any]) -> None:
        container = _container(doc, section, create=True)
        if section.kind == "list":
            if any(isinstance(i, dict) and i.get("key") == key for i in container):
                raise LookupError(key)
            container.append(section.start(key, obj))
        else:
            if key in container:
                raise LookupError(key)
            container[key] = section.start(key, obj)

    try:
        change(revision, mutate)
    except schema_store.DraftConflict:
        return _list_page(section, status=409, error=_conflict(), new_key=key, new_object=obj)
    except LookupError:
        return _list_page(section, status=422, error=_("There is already one called %(key)s.", key=key),
                          new_key=key, new_object=obj)
    return redirect(url_for(f"designer.logic_{_ep(section)}_edit", key=key))


def _conflict() -> str:
    return _("Someone else changed the draft since you opened this page. Your changes were not saved: "
             "reload the page to see the current draft, then make your change again.")


def _embed(key: str) -> dict[str, str]:
    origin = request.host_url.rstrip("/")
    url = f"{origin}/f/{key}"
    title = _("Form")
    return {"url": url,
            "iframe": f'<iframe src="{url}" title="{title}" width="100%" height="720" style="border:0"></iframe>',
            "script": (f'<div id="crm-form-{key}"></div>\n<script>(function () {{ var f = document.createElement("iframe");'
                       f' f.src = "{url}"; f.title = "{title}"; f.style.cssText = "width:100%;min-height:720px;border:0";'
                       f' document.getElementById("crm-form-{key}").appendChild(f); }})();</script>')}


def _edit(section: Section, key: str):
    document = current().document
    item = section_item(section, key)
    if item.read(document) is MISSING:
        abort(404)
    action = url_for(f"designer.logic_{_ep(section)}_edit", key=key)
    page = {"section": section.name, "title": _titles()[section.name], "item_key": key, "action": action,
            "back_url": url_for(f"designer.logic_{_ep(section)}_list"), "single": False,
            "embed": _embed(key) if section.name == "forms" else None}
    if request.method == "POST":
        def done(value: Any) -> str:
            new_key = value.get("key") if section.kind == "list" and isinstance(value, dict) else None
            return url_for(f"designer.logic_{_ep(section)}_edit", key=new_key if isinstance(new_key, str) and new_key
                           else key)
        return save(EDITOR, item, done, **page)
    return show(EDITOR, item, **page)


def _delete(section: Section, key: str):
    try:
        revision = int(request.form.get("_revision", ""))
    except ValueError:
        revision = -1

    def mutate(doc: dict[str, Any]) -> None:
        container = _container(doc, section, create=False)
        if section.kind == "list" and isinstance(container, list):
            container[:] = [i for i in container if not (isinstance(i, dict) and i.get("key") == key)]
        elif isinstance(container, dict):
            container.pop(key, None)

    try:
        change(revision, mutate)
    except schema_store.DraftConflict:
        flash(_conflict(), "error")
        return redirect(url_for(f"designer.logic_{_ep(section)}_edit", key=key))
    flash(_("Removed from the draft."), "info")
    return redirect(url_for(f"designer.logic_{_ep(section)}_list"))


def _register(section: Section) -> None:
    ep = _ep(section)
    bp.add_url_rule(f"/{section.name}", f"logic_{ep}_list", designer_required(lambda: _list_page(section)))
    bp.add_url_rule(f"/{section.name}/new", f"logic_{ep}_new", designer_required(lambda: _new(section)),
                    methods=["POST"])
    bp.add_url_rule(f"/{section.name}/<key>", f"logic_{ep}_edit",
                    designer_required(lambda key: _edit(section, key)), methods=["GET", "POST"])
    bp.add_url_rule(f"/{section.name}/<key>/delete", f"logic_{ep}_delete",
                    designer_required(lambda key: _delete(section, key)), methods=["POST"])


for _section in SECTIONS.values():
    _register(_section)


def single_item(section: Section) -> Item:
    """The one object at ``section.document_key`` (removed from the document when emptied)."""
    keys = section.document_key

    def parent(document: dict[str, Any]) -> dict[str, Any]:
        node = document
        for k in keys[:-1]:
            if not isinstance(node.get(k), dict):
                node[k] = {}
            node = node[k]
        return node

    def write(document: dict[str, Any], value: Any) -> None:
        if value is MISSING or not value:
            parent(document).pop(keys[-1], None)
        else:
            parent(document)[keys[-1]] = value

    return Item(shape=section.shape(), pointer=lambda doc: "/" + "/".join(keys)
                if isinstance(dig(doc, keys), dict) else None,
                read=lambda doc: dig(doc, keys), write=write, object_of=lambda _v: "")


# (section, endpoint, page's section name, where "back" leads)
_SINGLE_PAGES = {POOLS.name: ("logic_pools", "pools", "designer.logic_assignment_list"),
                 "calendar": ("logic_calendar", "calendar", "designer.home")}


def _register_single(section: Section) -> None:
    endpoint, name, back = _SINGLE_PAGES[section.name]

    def view():
        action = url_for(f"designer.{endpoint}")
        page = {"section": name, "title": _titles()[section.name], "item_key": section.document_key[-1],
                "action": action, "back_url": url_for(back), "embed": None, "single": True}
        if request.method == "POST":
            return save(EDITOR, single_item(section), lambda _v: action, **page)
        return show(EDITOR, single_item(section), **page)

    bp.add_url_rule(f"/{section.name}", endpoint, designer_required(view), methods=["GET", "POST"])


for _single in SINGLES:
    _register_single(_single)
