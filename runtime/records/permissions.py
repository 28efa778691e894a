"""Who may do what to which records: the one place permissions are decided.

The metadata ``permissions`` section maps role -> object -> {create, read, update, delete, scope,
scope_when, fields}. Rules:

- ``admin`` may do everything.
- An app without a ``permissions`` section is *open*: every signed-in user may create, read,
  update and delete every record (handy while designing; the designer warns about it).
- Once the section exists, anything it does not grant is denied.
- ``scope`` limits the records: ``own`` (owner is the user), ``team`` (owned by the user, anyone below
  them in the manager hierarchy, or a member of their team), ``all``. ``scope_when`` (an expression)
  must also hold. Both compile to SQL, so lists, counts, filters, lookups and single reads share them.
- ``fields`` marks fields ``hidden`` (never sent, never filterable, never writable), ``read`` or
  ``edit`` (the default).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import sqlalchemy as sa

from runtime.system_tables import users
from runtime.users import Actor, subordinate_ids
from schema_store import AppSchema
from schema_store.model import ExprDef

OPERATIONS = ("create", "read", "update", "delete")


@dataclass(frozen=True)
class ObjectAccess:
    create: bool = False
    read: bool = False
    update: bool = False
    delete: bool = False
    scope: str = "all"
    scope_when: ExprDef | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def allows(self, operation: str) -> bool:
        return bool(getattr(self, operation))

    def field_mode(self, name: str) -> str:
        return self.fields.get(name, "edit")

    def can_see(self, name: str) -> bool:
        return self.field_mode(name) != "hidden"

    def can_edit(self, name: str) -> bool:
        return self.field_mode(name) == "edit"


FULL = ObjectAccess(create=True, read=True, update=True, delete=True)
NONE = ObjectAccess()


def object_access(schema: AppSchema, actor: Actor, object_name: str) -> ObjectAccess:
    """What ``actor`` may do with ``object_name`` under ``schema``."""
    if actor.role == "admin" or not schema.permissions:
        return FULL
    grant = schema.permissions.get(actor.role, {}).get(object_name)
    if grant is None:
        return NONE
    pointer = f"/permissions/{actor.role}/{object_name}/scope_when"
    return ObjectAccess(
        create=bool(grant.get("create", False)), read=bool(grant.get("read", False)),
        update=bool(grant.get("update", False)), delete=bool(grant.get("delete", False)),
        scope=grant.get("scope", "all"), scope_when=schema.expression(pointer),
        fields=MappingProxyType(dict(grant.get("fields", {}))))


def readable_objects(schema: AppSchema, actor: Actor) -> list[str]:
    return [name for name in schema.objects if object_access(schema, actor, name).read]


def team_owner_ids(conn: sa.Connection, actor: Actor) -> set[int]:
    """Owners whose records a ``team`` scope shows: the user, everyone below them, their team."""
    ids = {actor.id} | subordinate_ids(conn, actor.id)
    if actor.team_id is not None:
        ids |= set(conn.execute(sa.select(users.c.id).where(users.c.team_id == actor.team_id)).scalars())
    return ids


def scope_clause(conn: sa.Connection, access: ObjectAccess, actor: Actor, table: sa.Table,
                 columns: Mapping[str, sa.ColumnElement], *, now, tz) -> sa.ColumnElement | None:
    """The SQL condition a record must meet to be visible to ``actor`` (None: no limit)."""
    clauses: list[sa.ColumnElement] = []
    if access.scope == "own":
        clauses.append(table.c.owner == actor.id)
    elif access.scope == "team":
        clauses.append(table.c.owner.in_(sorted(team_owner_ids(conn, actor))))
    if access.scope_when is not None:
        clauses.append(access.scope_when.to_sql(columns, now=now, user=user_context(actor), tz=tz))
    if not clauses:
        return None
    return sa.and_(*clauses)


def user_context(actor: Actor) -> dict:
    """What ``$user`` means in expressions."""
    return {"id": actor.id, "role": actor.role, "team": actor.team, "name": actor.username,
            "region": actor.region, "manager_id": actor.manager_id}
