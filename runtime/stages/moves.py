"""Moving a record to another stage node: one write through the record service's machinery
(permissions, optimistic version, field history, the same transaction rules), plus a stage
history row, then the ``stage_entered`` hooks in the same transaction and ``after_commit`` after."""
from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from runtime.i18n import pick_label
from runtime.records import history
from runtime.records.errors import Conflict, Invalid, NotFound
from runtime.records.hooks import SaveEvent
from runtime.stages import requirements
from runtime.stages.requirements import _
from runtime.stages.tables import stage_history
from schema_store.model import ObjectDef, PipelineDef, StageNode

if TYPE_CHECKING:
    from runtime.records.service import RecordService

log = logging.getLogger(__name__)
UTC = dt.timezone.utc


def aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def pipeline_of(service: RecordService, object_name: str) -> tuple[ObjectDef, PipelineDef]:
    obj = service.object(object_name)
    if obj.pipeline is None:
        raise NotFound(_("%(object)s has no stages.", object=object_name))
    return obj, obj.pipeline


def next_node(pipeline: PipelineDef, current: StageNode) -> StageNode | None:
    """Where ``auto_advance_when`` leads: ``auto_advance_to``, else the next node by order."""
    if current.auto_advance_to:
        return pipeline.node(current.auto_advance_to)
    later = sorted((n for n in pipeline.nodes if n.order > current.order), key=lambda n: n.order)
    return later[0] if later else None


def refusal(obj: ObjectDef, node: StageNode, missing: requirements.Missing, lang: str) -> Invalid:
    stage = pick_label(node.label, lang) or node.key
    errors = {m["field"]: [_("Required to enter %(stage)s.", stage=stage)] for m in missing.fields}
    names = "、".join(m["label"] for m in missing.fields) if lang == "zh-CN" else \
        ", ".join(m["label"] for m in missing.fields)
    message = _("%(stage)s cannot be entered yet: fill in %(fields)s.", stage=stage, fields=names) \
        if missing.fields else _("%(stage)s cannot be entered yet.", stage=stage)
    return Invalid(message, errors, missing.rules, code_override="stage_requirements",
                   missing=missing.fields, stage=node.key)


def move(service: RecordService, object_name: str, record_id: int, to: Any, *,
         expected_version: int | None = None, conn: sa.Connection | None = None,
         enforce_allowed: bool = True, reload: bool = True) -> dict[str, Any]:
    """Move the record to node ``to``; raises Invalid (422) naming every missing item, Conflict on a
    stale version, NotFound/Forbidden as the record service does. The record is unchanged on refusal.
    ``reload=False`` returns the values as moved instead of reading the record back."""
    access = service.access(object_name, "update")
    obj, pipeline = pipeline_of(service, object_name)
    node = pipeline.node(to) if isinstance(to, str) else None
    if node is None:
        raise Invalid(_("Choose one of the stages: %(keys)s.", keys=", ".join(pipeline.keys)),
                      {"to": [_("Choose one of the stages: %(keys)s.", keys=", ".join(pipeline.keys))]})
    now = service.now()
    with service.transaction(conn) as c:
        prior = service._load(c, object_name, record_id, access)
        if expected_version is not None and prior["version"] != expected_version:
            raise Conflict(_("Someone else changed this record; reload it and apply your change again."),
                           current_version=prior["version"])
        current_key = prior.get("stage")
        if current_key == node.key:
            return prior
        current = pipeline.node(current_key) if current_key else None
        if enforce_allowed and current is not None and current.allowed_next and node.key not in current.allowed_next:
            allowed = ", ".join(pick_label(n.label, service.lang) or n.key
                                for k in current.allowed_next if (n := pipeline.node(k)) is not None)
            raise Invalid(_("From %(stage)s the record can move to: %(allowed)s.",
                            stage=pick_label(current.label, service.lang) or current.key, allowed=allowed),
                          {"to": [_("This move is not allowed.")]}, code_override="stage_not_allowed",
                          allowed_next=list(current.allowed_next))
        ctx_record = service._with_lookups(c, obj, prior)
        missing = requirements.check(obj, node, ctx_record, service._ctx_for()(ctx_record), service.lang)
        if missing:
            raise refusal(obj, node, missing, service.lang)
        table = service.schema.table(object_name)
        values: dict[str, Any] = dict(stage=node.key, stage_entered_at=now, last_activity_at=now,
                                      version=prior["version"] + 1, updated_at=now, updated_by=service.actor.id)
        if pipeline.field != "stage" and pipeline.field in table.c:
            values[pipeline.field] = node.key
        result = c.execute(table.update().where(table.c.id == record_id,
                                                table.c.version == prior["version"]).values(**values))
        if result.rowcount != 1:
            raise Conflict(_("Someone else changed this record; reload it and apply your change again."),
                           current_version=service._current_version(c, table, record_id))
        history.write(c, object_name=object_name, record_id=record_id, action="stage",
                      changes={"stage": (current_key, node.key)}, actor_id=service.actor.id,
                      source=service.source, at=now)
        record_entry(c, object_name, record_id, node.key, from_stage=current_key, at=now,
                     actor_id=service.actor.id, source=service.source, open_since=prior.get("stage_entered_at"))
        record = {**prior, **values}
        event = SaveEvent(service, c, object_name, "stage", record, prior, changed={"stage"},
                          record_id=record_id, depth=service.depth, notes=[node.key])
        service._refresh_rollups(event)
        for hook in service.svc.hooks("stage_entered"):
            hook(event)
        log.info("%s %s moved %s -> %s by %s (%s)", object_name, record_id, current_key, node.key,
                 service.actor.username, service.source)
        fresh = service._load(c, object_name, record_id, access) if reload else record
    service._after_commit(event, conn)
    return fresh


def record_entry(conn: sa.Connection, object_name: str, record_id: int, stage: str, *,
                 from_stage: str | None, at: dt.datetime, actor_id: int | None, source: str,
                 first: bool = False, open_since: dt.datetime | None = None) -> int | None:
    """Close the open history row (exit time, duration) and open one for ``stage``; returns entry_no
    (None when ``open_since`` was given: the number is then assigned in SQL).
    ``first=True``: the record was just created, so there is nothing to close. ``open_since``: the
    record's ``stage_entered_at``, which is when the open row was entered (the row is then closed
    and numbered without reading it first)."""
    h = stage_history.c
    entry = {"object": object_name, "record_id": record_id, "stage": stage, "from_stage": from_stage,
             "entered_at": at, "entered_by": actor_id, "source": source}
    if first:
        conn.execute(stage_history.insert(), first_entry(object_name, record_id, stage, at=at, actor_id=actor_id,
                                                         source=source))
        return 1
    if open_since is not None:
        seconds = int((at - aware(open_since)).total_seconds())  # type: ignore[operator]
        close, open_next = _entry_statements()
        conn.execute(close, {"o": object_name, "r": record_id, "at": at, "seconds": max(seconds, 0)})
        conn.execute(open_next, {"o": object_name, "r": record_id, "stage_": stage, "from_": from_stage,
                                 "at": at, "by": actor_id, "source_": source})
        return None
    last = conn.execute(sa.select(h.id, h.entered_at, h.exited_at, h.entry_no).where(
        h.object == object_name, h.record_id == record_id).order_by(h.entry_no.desc()).limit(1)).first()
    if last is not None and last.exited_at is None:  # the open entry is always the latest one
        seconds = int((at - aware(last.entered_at)).total_seconds())  # type: ignore[operator]
        conn.execute(stage_history.update().where(h.id == last.id).values(
            exited_at=at, duration_seconds=max(seconds, 0)))
    entry_no = (last.entry_no if last is not None else 0) + 1
    conn.execute(stage_history.insert(), {**entry, "entry_no": entry_no})
    return entry_no


@functools.lru_cache(maxsize=1)
def _entry_statements() -> tuple[sa.Update, sa.Insert]:
    """Close the open entry; open the next one numbered in SQL (built once: moves are frequent)."""
    h = stage_history.c
    record = sa.and_(h.object == sa.bindparam("o"), h.record_id == sa.bindparam("r"))
    close = stage_history.update().where(record, h.exited_at.is_(None)).values(
        exited_at=sa.bindparam("at"), duration_seconds=sa.bindparam("seconds"))
    next_no = sa.select(sa.func.coalesce(sa.func.max(h.entry_no), 0) + 1).where(record).scalar_subquery()
    open_next = stage_history.insert().values(
        object=sa.bindparam("o"), record_id=sa.bindparam("r"), stage=sa.bindparam("stage_"),
        from_stage=sa.bindparam("from_"), entered_at=sa.bindparam("at"), entered_by=sa.bindparam("by"),
        source=sa.bindparam("source_"), entry_no=next_no)
    return close, open_next


def first_entry(object_name: str, record_id: int, stage: str, *, at: dt.datetime, actor_id: int | None,
                source: str) -> dict[str, Any]:
    """The stage history row of a record's first stage (just created)."""
    return {"object": object_name, "record_id": record_id, "stage": stage, "from_stage": None, "entry_no": 1,
            "entered_at": at, "entered_by": actor_id, "source": source}


def read_history(conn: sa.Connection, object_name: str, record_id: int, *, now: dt.datetime,
                 tz: dt.tzinfo) -> list[dict[str, Any]]:
    """Every stage entry of the record, oldest first; the open one's duration runs to ``now``."""
    h = stage_history.c
    rows = conn.execute(sa.select(stage_history).where(h.object == object_name, h.record_id == record_id)
                        .order_by(h.entry_no)).mappings()
    out = []
    for r in rows:
        entered, exited = aware(r["entered_at"]), aware(r["exited_at"])
        seconds = r["duration_seconds"] if exited else int((now - entered).total_seconds())  # type: ignore[operator]
        out.append({"stage": r["stage"], "from": r["from_stage"], "entry_no": r["entry_no"],
                    "entered_at": entered.astimezone(tz).isoformat(),  # type: ignore[union-attr]
                    "exited_at": exited.astimezone(tz).isoformat() if exited else None,
                    "duration_seconds": seconds, "hours": round(seconds / 3600, 2),
                    "entered_by": r["entered_by"], "source": r["source"], "open": exited is None})
    return out
