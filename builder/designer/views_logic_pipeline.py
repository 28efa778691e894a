"""The stage pipeline editor: ``/builder/objects/<object>/pipeline``. Nodes in order (add, remove,
move), labels, allowed next nodes, required fields/files, requires_when, auto-advance, SLA with
warning levels and escalation, guidance, probability and outcome; saved into the draft."""
from __future__ import annotations

from typing import Any

from flask import abort, url_for

from builder.designer import bp
from builder.designer.drafting import current, designer_required
from builder.designer.logic_editing import Item, save, show
from builder.designer.logic_form import MISSING
from builder.designer.logic_sections import PIPELINE_SHAPE
from runtime.i18n import pick_label

TEMPLATE = "builder/logic/pipeline.html"


def _object(document: dict[str, Any], name: str) -> dict[str, Any] | None:
    objects = document.get("objects")
    obj = objects.get(name) if isinstance(objects, dict) else None
    return obj if isinstance(obj, dict) else None


def _sorted(pipeline: Any) -> Any:
    """Nodes shown in their effective order (``order``, else their place in the list)."""
    if not isinstance(pipeline, dict) or not isinstance(pipeline.get("nodes"), list):
        return pipeline
    nodes = pipeline["nodes"]
    ranked = sorted(range(len(nodes)), key=lambda i: (nodes[i].get("order", i) if isinstance(nodes[i], dict)
                                                      and isinstance(nodes[i].get("order"), int) else i, i))
    return {**pipeline, "nodes": [nodes[i] for i in ranked]}


def _renumber(value: Any, before: Any) -> Any:
    """The list order is the order; nodes keep an ``order`` only if the document used it."""
    nodes = value.get("nodes") if isinstance(value, dict) else None
    had_order = isinstance(before, dict) and any(isinstance(n, dict) and "order" in n
                                                 for n in before.get("nodes") or [])
    if isinstance(nodes, list) and had_order:
        for i, node in enumerate(nodes):
            if isinstance(node, dict):
                node["order"] = i + 1
    return value


def pipeline_item(object_name: str) -> Item:
    def pointer(document: dict[str, Any]) -> str | None:
        obj = _object(document, object_name)
        return f"/objects/{object_name}/pipeline" if obj is not None and "pipeline" in obj else None

    def read(document: dict[str, Any]) -> Any:
        obj = _object(document, object_name) or {}
        return _sorted(obj.get("pipeline")) if "pipeline" in obj else None

    def write(document: dict[str, Any], value: Any) -> None:
        obj = _object(document, object_name)
        if obj is None:
            raise LookupError(object_name)
        if value is MISSING or not value:
            obj.pop("pipeline", None)
        else:
            obj["pipeline"] = value

    return Item(shape=PIPELINE_SHAPE(), pointer=pointer, read=read, write=write,
                object_of=lambda _value: object_name, hidden=frozenset({"order"}), after_parse=_renumber)


@bp.route("/objects/<object_name>/pipeline", methods=["GET", "POST"])
@designer_required
def logic_pipeline(object_name: str):
    from flask import request

    obj = _object(current().document, object_name)
    if obj is None:
        abort(404)
    page = {"object_name": object_name, "object_label": pick_label(obj.get("label")) or object_name}
    item = pipeline_item(object_name)
    if request.method == "POST":
        return save(TEMPLATE, item, lambda _v: url_for("designer.logic_pipeline", object_name=object_name), **page)
    return show(TEMPLATE, item, **page)
