"""The form layout editor's inputs, both ways: sections (bilingual label, columns, visible_when)
and, per field, the section it sits in and its position. Pure; the default layout (one section
of two columns holding every field) is the one the runtime uses when an object has none."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from builder.designer.field_form import label_inputs

Gettext = Callable[..., str]


def current_sections(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    layouts = obj.get("layouts") if isinstance(obj.get("layouts"), Mapping) else {}
    form = layouts.get("form") if isinstance(layouts.get("form"), Mapping) else {}
    sections = [dict(s) for s in form.get("sections") or () if isinstance(s, Mapping)] \
        if isinstance(form.get("sections"), list) else []
    for section in sections:
        names = section.get("fields")
        section["fields"] = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    if sections:
        return sections
    names = obj.get("fields")
    return [{"columns": 2, "fields": list(names) if isinstance(names, Mapping) else []}]


def inputs(obj: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    placed: set[str] = set()
    for i, section in enumerate(current_sections(obj)):
        out.update({**label_inputs(section.get("label"), f"sec-{i}", "-"),
                    f"sec-{i}-columns": str(section.get("columns") or 1), f"sec-{i}-pos": str(i + 1),
                    f"sec-{i}-visible_when": str(section.get("visible_when") or "")})
        for pos, name in enumerate(section.get("fields") or (), start=1):
            if name not in placed:
                out[f"place-{name}-section"], out[f"place-{name}-pos"] = str(i), str(pos)
                placed.add(name)
    return out


def section_count(values: Mapping[str, Any]) -> int:
    found = [int(m.group(1)) for k in values if (m := re.match(r"^sec-(\d{1,3})-", k))]
    return max(found) + 1 if found else 0


def parse(values: Mapping[str, Any], field_names: list[str], _: Gettext, *, strict: bool = True
          ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The posted inputs as ``sections``; with ``strict`` a labelled section without fields is an
    error (otherwise empty sections are dropped quietly, as for a preview)."""
    errors: dict[str, str] = {}
    count = section_count(values)
    placed: dict[int, list[tuple[float, int, str]]] = {i: [] for i in range(count)}
    for order, name in enumerate(field_names):
        where = (values.get(f"place-{name}-section") or "").strip()
        if not where:
            continue
        if not where.isdigit() or int(where) >= count:
            errors[f"place-{name}-section"] = _("Choose one of the sections.")
            continue
        pos_text = (values.get(f"place-{name}-pos") or "").strip()
        try:
            pos = float(pos_text) if pos_text else 10_000.0
        except ValueError:
            errors[f"place-{name}-pos"] = _("Enter a number.")
            continue
        placed[int(where)].append((pos, order, name))
    sections = []
    for i in range(count):
        pos_text = (values.get(f"sec-{i}-pos") or "").strip()
        try:
            order = float(pos_text) if pos_text else float(i + 1)
        except ValueError:
            errors[f"sec-{i}-pos"] = _("Enter a number.")
            continue
        section: dict[str, Any] = {}
        label = {lang: (values.get(f"sec-{i}-{short}") or "").strip()[:2000]
                 for short, lang in (("zh", "zh-CN"), ("en", "en"))}
        if any(label.values()):
            section["label"] = {k: v for k, v in label.items() if v}
        columns = (values.get(f"sec-{i}-columns") or "1").strip()
        if columns not in ("1", "2", "3", "4"):
            errors[f"sec-{i}-columns"] = _("Choose 1 to 4 columns.")
            continue
        section["columns"] = int(columns)
        visible_when = (values.get(f"sec-{i}-visible_when") or "").strip()
        if visible_when:
            section["visible_when"] = visible_when
        section["fields"] = [name for _pos, _order, name in sorted(placed[i])]
        if not section["fields"]:
            if strict and (section.get("label") or visible_when):
                errors[f"sec-{i}-zh"] = _("This section has no fields: place fields in it or clear it.")
            continue
        sections.append((order, i, section))
    return [section for _order, _i, section in sorted(sections, key=lambda t: (t[0], t[1]))], errors


def set_form_layout(obj: dict[str, Any], sections: list[dict[str, Any]] | None) -> None:
    """Give ``obj`` the form ``sections`` (None or empty: the default layout)."""
    if not isinstance(obj.get("layouts"), dict):
        obj["layouts"] = {}
    layouts = obj["layouts"]
    if sections:
        layouts["form"] = {"sections": sections}
    else:
        layouts.pop("form", None)
        if not layouts:
            obj.pop("layouts")
