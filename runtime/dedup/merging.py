"""Merging records: two existing records into one (the merge API and page), and a new record's
values into the existing one a ``merge`` duplicate rule points at (:func:`create_or_merge`).

``merge_records`` runs in ONE transaction through the record service: the children (lookup fields
of any object pointing at the merged record) and its attached files are relinked to the survivor,
the merged record is soft-deleted with a ``dedup_merges`` row (so its id still answers "merged into
#N"), the survivor takes the winning values (a normal update: history, validation, hooks) and
gets a ``merge`` history entry naming the merged record and the values taken. Any failure rolls
the whole merge back.
"""
from __future__ import annotations

from typing import Any, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.dedup.actions import MergeInstead
from runtime.dedup.tables import dedup_flags, dedup_merges
from runtime.files.tables import files
from runtime.records import history
from runtime.records.errors import Conflict, Forbidden, Invalid, NotFound
from runtime.records.permissions import object_access, user_context
from runtime.records.sql_columns import refresh_rollups

SIDES = ("survivor", "other")


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def mergeable_fields(service: Any, object_name: str) -> list[str]:
    """Fields a merge may take from the other record: stored, not computed, editable by the actor."""
    obj = service.object(object_name)
    access = object_access(service.schema, service.actor, object_name)
    return [f.name for f in obj.fields.values()
            if f.stored and not f.computed and f.type not in ("autonumber",) and access.can_edit(f.name)]


def default_winners(service: Any, object_name: str, survivor: Mapping[str, Any], other: Mapping[str, Any]
                    ) -> dict[str, str]:
    """The survivor's value wins unless it is blank and the other's is not."""
    return {n: "other" if _blank(survivor.get(n)) and not _blank(other.get(n)) else "survivor"
            for n in mergeable_fields(service, object_name)}


def _check_winners(service: Any, object_name: str, winners: Any) -> dict[str, str]:
    if winners is None:
        return {}
    if not isinstance(winners, Mapping):
        raise Invalid(_("Some values need your attention."),
                      {"winners": [_("Give an object of field: survivor|other.")]})
    allowed = set(mergeable_fields(service, object_name))
    errors: dict[str, list[str]] = {}
    for name, side in winners.items():
        if name not in allowed:
            errors.setdefault(f"winners.{name}", []).append(_("This field cannot be merged."))
        elif side not in SIDES:
            errors.setdefault(f"winners.{name}", []).append(_("Choose survivor or other."))
    if errors:
        raise Invalid(_("Some values need your attention."), errors)
    return dict(winners)


def merge_records(service: Any, object_name: str, survivor_id: int, other_id: int, *,
                  winners: Mapping[str, str] | None = None, expected_version: int | None = None) -> dict[str, Any]:
    """Merge ``other_id`` into ``survivor_id``; returns the survivor as read after the merge.
    Needs update permission on the survivor and delete permission on the other record."""
    service.access(object_name, "update")
    service.access(object_name, "delete")
    if survivor_id == other_id:
        raise Invalid(_("Some values need your attention."), {"other": [_("Choose a different record to merge.")]})
    chosen = _check_winners(service, object_name, winners)
    schema = service.schema
    now = service.now()
    with service.transaction() as conn:
        if conn.dialect.name == "postgresql":  # both rows, in id order: crossing merges wait, never deadlock
            table = schema.table(object_name)
            conn.execute(sa.select(table.c.id).where(table.c.id.in_(sorted({survivor_id, other_id})))
                         .order_by(table.c.id).with_for_update())
        survivor = service.get(object_name, survivor_id, conn=conn)
        if expected_version is not None and expected_version != survivor["version"]:
            raise Conflict(_("This record was changed by someone else; reload it and try again."),
                           version=survivor["version"])
        try:
            other = service.get(object_name, other_id, conn=conn)
        except NotFound:
            raise Invalid(_("Some values need your attention."),
                          {"other": [_("This record does not exist or you cannot see it.")]}) from None
        sides = {**default_winners(service, object_name, survivor, other), **chosen}
        taken = {n: other.get(n) for n, side in sides.items() if side == "other" and other.get(n) != survivor.get(n)}
        relinked = _relink(conn, service, object_name, other_id, survivor_id, now)
        service.delete(object_name, other_id, conn=conn)
        conn.execute(dedup_merges.insert().values(object=object_name, merged_id=other_id, survivor_id=survivor_id,
                                                  actor_id=service.actor.id, at=now))
        c = dedup_flags.c
        conn.execute(dedup_flags.delete().where(c.object == object_name, sa.or_(
            c.record_id.in_([other_id, survivor_id]), c.other_id.in_([other_id, survivor_id]))))
        if taken:
            service.update(object_name, survivor_id, taken, expected_version=survivor["version"], conn=conn)
        history.write(conn, object_name=object_name, record_id=survivor_id, action="merge",
                      changes={None: (None, {"merged_id": other_id, "taken": sorted(taken),
                                             "relinked": relinked})},
                      actor_id=service.actor.id, source=service.source, at=now)
        history.write(conn, object_name=object_name, record_id=other_id, action="merged",
                      changes={None: (None, {"survivor_id": survivor_id})},
                      actor_id=service.actor.id, source=service.source, at=now)
        return service.get(object_name, survivor_id, conn=conn)


def _relink(conn: sa.Connection, service: Any, object_name: str, other_id: int, survivor_id: int, now: Any) -> int:
    """Point every lookup at ``other_id`` to ``survivor_id`` (with a history row per child) and move
    the other record's files; returns how many child records moved."""
    schema = service.schema
    moved = 0
    for child, f in schema.iter_fields():
        if f.type != "lookup" or f.target != object_name or not f.stored:
            continue
        table = schema.table(child.name)
        ids = conn.execute(sa.select(table.c.id).where(table.c[f.name] == other_id)).scalars().all()
        if not ids:
            continue
        conn.execute(table.update().where(table.c.id.in_(ids)).values({f.name: survivor_id}))
        for child_id in ids:
            history.write(conn, object_name=child.name, record_id=child_id, action="update",
                          changes={f.name: (other_id, survivor_id)}, actor_id=service.actor.id,
                          source=service.source, at=now)
        refresh_rollups(conn, schema, child.name, {f.name: {other_id, survivor_id}}, now=now,
                        user=user_context(service.actor), tz=service.tz)
        moved += len(ids)
    conn.execute(files.update().where(files.c.object == object_name, files.c.record_id == other_id)
                 .values(record_id=survivor_id))
    return moved


def merged_into(conn: sa.Connection, object_name: str, record_id: int) -> int | None:
    """The record ``record_id`` was merged into, following chains of merges."""
    seen = set()
    current = None
    while record_id not in seen and len(seen) < 20:
        seen.add(record_id)
        row = conn.execute(sa.select(dedup_merges.c.survivor_id).where(
            dedup_merges.c.object == object_name, dedup_merges.c.merged_id == record_id)).scalar()
        if row is None:
            break
        current = record_id = row
    return current


def create_or_merge(service: Any, object_name: str, data: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    """Create the record, or, when a ``merge`` duplicate rule matches an existing record, fill that
    record's blank fields with the incoming values instead (no second record; a ``merge`` history
    entry on the existing record names the rule and the fields filled). Returns
    ``(record, merged_into_id)``; ``merged_into_id`` is None when a new record was created. When the
    actor may not update the existing record, the original refusal (422) stands."""
    try:
        return service.create(object_name, data), None
    except MergeInstead as exc:
        refusal = exc
    obj = service.object(object_name)
    try:
        with service.transaction() as conn:
            survivor = service.get(object_name, refusal.survivor_id, conn=conn)
            fill = {k: v for k, v in data.items() if k in obj.fields and not _blank(v) and _blank(survivor.get(k))}
            if fill:
                service.access(object_name, "update")
                survivor = service.update(object_name, refusal.survivor_id, fill,
                                          expected_version=survivor["version"], conn=conn)
            history.write(conn, object_name=object_name, record_id=refusal.survivor_id, action="merge",
                          changes={None: (None, {"rule": refusal.rule, "filled": sorted(fill)})},
                          actor_id=service.actor.id, source=service.source, at=service.now())
    except (NotFound, Forbidden):
        raise refusal from None
    return survivor, refusal.survivor_id
