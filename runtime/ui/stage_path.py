"""The stage path of a record: every node, the current one, its guidance and SLA level (pure)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from runtime.i18n import current_language
from runtime.stages.sla import COLOUR_NAMES, level_colour
from schema_store.model import ObjectDef, SlaDef

colour_of = level_colour


def level_text(level_label: Any, colour: str | None, label: Callable[[Any], str]) -> str:
    """What a reached SLA level is called in the request's language: its own label, else its
    colour's ("red warning"), never the level's key."""
    text = label(level_label) if level_label else ""
    return text or (COLOUR_NAMES[current_language()].get(colour, "") if colour else "")


@dataclass(frozen=True)
class PathNode:
    key: str
    label: str
    state: str           # done | current | todo
    outcome: str = "open"


@dataclass(frozen=True)
class StagePath:
    nodes: tuple[PathNode, ...]
    current: str | None
    current_label: str
    guidance: str
    sla_level: str | None        # the level name reached (blue/yellow/red/...), None when within time
    sla_colour: str | None       # blue | yellow | red
    sla_label: str
    allowed_next: tuple[str, ...]


def stage_value(obj: ObjectDef, record: Mapping[str, Any]) -> str | None:
    if obj.pipeline is None:
        return None
    value = record.get(obj.pipeline.field if obj.pipeline.field != "stage" else "stage")
    return str(value) if value else None


def sla_level(sla: SlaDef | None, anchor: dt.datetime | None, now: dt.datetime, calendar: Any,
              cutoff: Callable[..., dt.datetime]) -> tuple[str | None, float, Any]:
    """The highest level ``anchor`` has passed at ``now`` (name, fraction, label)."""
    if sla is None or anchor is None or (sla.hours is None and sla.workdays is None):
        return None, 0.0, None
    anchor = anchor if anchor.tzinfo else anchor.replace(tzinfo=dt.timezone.utc)
    reached = (None, 0.0, None)
    for level in sorted(sla.levels, key=lambda lv: lv.at):
        if anchor <= cutoff(sla, float(level.at), now, calendar):
            reached = (level.name, float(level.at), level.label)
    if sla.escalate and anchor <= cutoff(sla, 1.0, now, calendar) and reached[1] < 1.0:
        reached = ("red", 1.0, None)
    return reached


def build_path(obj: ObjectDef, record: Mapping[str, Any], *, now: dt.datetime, calendar: Any,
               label: Callable[[Any], str], cutoff: Callable[..., dt.datetime]) -> StagePath | None:
    pipeline = obj.pipeline
    if pipeline is None:
        return None
    current = stage_value(obj, record)
    node = pipeline.node(current) if current else None
    order = node.order if node else -1
    nodes = tuple(PathNode(n.key, label(n.label) or n.key,
                           "current" if n.key == current else "done" if node and n.order < order
                           and n.outcome == "open" else "todo", n.outcome) for n in pipeline.nodes)
    level, fraction, level_label = (None, 0.0, None)
    if node is not None and node.sla is not None:
        anchor = record.get("last_activity_at" if node.sla.basis == "last_activity" else "stage_entered_at")
        level, fraction, level_label = sla_level(node.sla, anchor, now, calendar, cutoff)
    allowed = tuple(node.allowed_next) if node and node.allowed_next else tuple(
        n.key for n in pipeline.nodes if n.key != current)
    colour = colour_of(level, fraction)
    return StagePath(nodes, current, label(node.label) if node else "", label(node.guidance) if node and
                     node.guidance else "", level, colour, level_text(level_label, colour, label), allowed)
