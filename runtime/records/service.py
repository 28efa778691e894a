"""The record service: the one path every read and write of records takes (UI, API, imports,
automation, public forms). See DESIGN.md "The save pipeline" for the order of steps."""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.records import checks, history
from runtime.records.autonumber import next_value
from runtime.records.errors import Conflict, Forbidden, Invalid, NotFound
from runtime.records.evaluation import compute_formulas, context, load_lookups, lookup_paths
from runtime.records.hooks import SaveEvent
from runtime.records.permissions import ObjectAccess, object_access, user_context
from runtime.records.reading import ReadScope, base_select, row_to_record
from runtime.records.sql_columns import SYSTEM_COLUMNS, refresh_rollups
from runtime.records.tables import record_history
from runtime.records.values import coerce, input_schema, to_column
from runtime.users import Actor
from schema_store import AppSchema
from schema_store.database import IMMEDIATE, insert_returning_ids, insert_rows
from schema_store.model import ObjectDef

if TYPE_CHECKING:
    from runtime.services import Services

WRITABLE_SYSTEM = ("owner",)


@dataclass
class BulkResult:
    """What ``create_many`` did: the new id per input row (None where the row was refused), the
    refusal of each refused row by its index, and the save events (a caller that owns the
    transaction runs ``RecordService.after_commit(events)`` once it has committed)."""

    ids: list[int | None]
    errors: dict[int, Invalid] = field(default_factory=dict)
    events: list[SaveEvent] = field(default_factory=list)  # the saves made (for callers that dispatch)


class RecordService:
    """Reads and writes records of the live app as ``actor``. Cheap to build per request."""

    def __init__(self, svc: Services, actor: Actor, *, schema: AppSchema | None = None,
                 source: str = "api", lang: str = "en", depth: int = 0):
        self.svc, self.actor, self.source, self.lang, self.depth = svc, actor, source, lang, depth
        self._schema = schema
        # per-service memo of look-ups a batch repeats; deletes through this service clear it
        self._known_users: set[int] = set()
        self._visible: set[tuple[str, int]] = set()
        self.batch_memo: dict[str, Any] = {}  # what before_batch hooks looked up for the current batch

    # -- context ---------------------------------------------------------------------------------
    @property
    def schema(self) -> AppSchema:
        if self._schema is None:
            with self.svc.engine.connect() as conn:
                self._schema = self.svc.schema_cache.get(conn)
        return self._schema

    @property
    def tz(self) -> dt.tzinfo:
        return self.svc.settings.tz

    def now(self) -> dt.datetime:
        return self.svc.clock.now()

    def read_scope(self) -> ReadScope:
        return ReadScope(self.schema, self.actor, self.now(), self.tz)

    def object(self, name: str) -> ObjectDef:
        obj = self.schema.objects.get(name)
        if obj is None:
            raise NotFound(_("There is no object called %(name)s.", name=name))
        return obj

    def access(self, name: str, operation: str) -> ObjectAccess:
        self.object(name)
        access = object_access(self.schema, self.actor, name)
        if not access.allows(operation):
            if not access.read:
                raise NotFound(_("There is no object called %(name)s.", name=name))
            raise Forbidden(_("You do not have permission to do this."))
        return access

    def calendar(self) -> Any:
        factory = self.svc.extras.get("calendar")
        return factory(self.schema) if factory else None

    @contextlib.contextmanager
    def transaction(self, conn: sa.Connection | None = None) -> Iterator[sa.Connection]:
        """The caller's transaction, or a new write transaction (BEGIN IMMEDIATE on SQLite)."""
        if conn is not None:
            yield conn
            return
        with self.svc.engine.connect().execution_options(**{IMMEDIATE: True}) as c, c.begin():
            yield c

    # -- reads -----------------------------------------------------------------------------------
    def get(self, object_name: str, record_id: int, *, conn: sa.Connection | None = None,
            include_deleted: bool = False) -> dict[str, Any]:
        """One record the actor may read (NotFound otherwise, whether it exists or not)."""
        access = self.access(object_name, "read")
        with self._reading(conn) as c:
            return self._load(c, object_name, record_id, access, include_deleted=include_deleted)

    @contextlib.contextmanager
    def _reading(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.svc.engine.connect() as c:
                yield c

    def _load(self, conn: sa.Connection, object_name: str, record_id: int, access: ObjectAccess, *,
              include_deleted: bool = False) -> dict[str, Any]:
        query, _cols, fields = base_select(conn, self.read_scope(), object_name, access,
                                           include_deleted=include_deleted)
        table = self.schema.table(object_name)
        row = conn.execute(query.where(table.c.id == record_id)).mappings().first() \
            if 0 < record_id < 2**31 else None  # ids are 32-bit; larger ones would overflow the driver
        if row is None:
            raise NotFound(_("This record does not exist or you cannot see it."))
        record = row_to_record(self.schema, object_name, row, fields)
        self.finish_read(conn, object_name, record, access)
        return record

    def finish_read(self, conn: sa.Connection, object_name: str, record: dict[str, Any],
                    access: ObjectAccess) -> None:
        """Fill computed fields that cannot run in SQL (Python-only formulas)."""
        obj = self.object(object_name)
        missing = [f for f in obj.fields.values() if f.formula is not None and f.name not in record
                   and access.can_see(f.name)]
        if not missing:
            return
        ctx_record = {**record, **load_lookups(conn, self.schema, obj, record,
                                               lookup_paths(self.schema, object_name), now=self.now(),
                                               tz=self.tz, actor=self.actor)}
        compute_formulas(obj, ctx_record, self._ctx_for())
        for f in missing:
            record[f.name] = ctx_record.get(f.name)

    def visible_ids(self, conn: sa.Connection, object_name: str, ids: list[int]) -> set[int]:
        """Which of ``ids`` the actor may read (for lookups)."""
        access = object_access(self.schema, self.actor, object_name)
        if not access.read:
            return set()
        known = {i for i in ids if (object_name, i) in self._visible}
        unknown = [i for i in ids if i not in known]
        if not unknown:
            return known
        query, _cols, _fields = base_select(conn, self.read_scope(), object_name, access)
        table = self.schema.table(object_name)
        sub = query.with_only_columns(table.c.id).where(table.c.id.in_(unknown))
        found = set(conn.execute(sub).scalars())
        self._visible.update((object_name, i) for i in found)
        return known | found

    # -- writes ----------------------------------------------------------------------------------
    def create(self, object_name: str, data: Mapping[str, Any], *, conn: sa.Connection | None = None,
               reload: bool = True) -> dict[str, Any]:
        """Create one record. ``reload=False`` returns the values as saved instead of reading the
        record back (no permission-filtered view, no SQL-only formulas): for loaders that only
        need the id."""
        access = self.access(object_name, "create")
        table = self.schema.table(object_name)
        with self.transaction(conn) as c:
            event, row = self._prepare_create(c, object_name, access, data)
            event.record["id"] = event.record_id = c.execute(table.insert(), row).inserted_primary_key[0]
            c.execute(record_history.insert(), self._creation_history([event]))
            self._run("after_save", event)
            result = self._load(c, object_name, event.record_id, access) if reload else dict(event.record)
        self._after_commit(event, conn)
        return result

    def create_many(self, object_name: str, rows: Sequence[Mapping[str, Any]], *,
                    conn: sa.Connection | None = None,
                    before_row: Callable[[int], None] | None = None) -> BulkResult:
        """Create many records in one transaction, each through the whole save pipeline (coercion,
        defaults, before_save, formulas, checks, validate hooks, history, after_save hooks) with the
        writes batched: one insert of the records (COPY on PostgreSQL) and one of their history. A
        refused row (Invalid) is reported by its index and its record is not written; the others
        are. Unique fields are checked within the batch too; other cross-row checks (duplicate
        rules) see only records written before the batch, so importers de-duplicate within their
        file themselves.
        ``before_row(i)`` is called before row i is prepared and before its after_save hooks run
        (loaders that replay history move their clock there). Side effects of before_save hooks on
        a refused row (a round-robin pointer moving on) are not undone."""
        access = self.access(object_name, "create")
        result = BulkResult(ids=[None] * len(rows))
        try:
            prepared = self._create_batch(object_name, access, rows, result, conn, before_row)
        finally:
            self.batch_memo = {}  # what before_batch looked up holds for this batch's transaction only
        for _index, event, _row in prepared:
            self._after_commit(event, conn)
        result.events = [event for _i, event, _r in prepared]
        return result

    def _create_batch(self, object_name: str, access: ObjectAccess, rows: Sequence[Mapping[str, Any]],
                      result: BulkResult, conn: sa.Connection | None,
                      before_row: Callable[[int], None] | None) -> list[tuple[int, SaveEvent, dict[str, Any]]]:
        obj = self.object(object_name)
        table = self.schema.table(object_name)
        with self.transaction(conn) as c:
            self._prefetch_references(c, obj, rows)
            for hook in self.svc.hooks("before_batch"):
                hook(self, c, object_name, rows)
            prepared: list[tuple[int, SaveEvent, dict[str, Any]]] = []
            taken: dict[str, set[Any]] = {f.name: set() for f in obj.fields.values() if f.unique}
            for index, data in enumerate(rows):
                if before_row is not None:
                    before_row(index)
                try:
                    event, row = self._prepare_create(c, object_name, access, data)
                    _unique_in_batch(event.record, taken)
                except Invalid as exc:
                    result.errors[index] = exc
                    continue
                prepared.append((index, event, row))
            if prepared:
                inserted = insert_returning_ids(c, table, [row for _i, _e, row in prepared])
                for (index, event, _row), record_id in zip(prepared, inserted):
                    event.record["id"] = event.record_id = result.ids[index] = record_id
                events = [e for _i, e, _r in prepared]
                insert_rows(c, record_history, self._creation_history(events))
                for event in events:
                    event.batch = True
                for hook in self.svc.hooks("after_save_batch"):
                    hook(events)
                for index, event, _row in prepared:
                    if before_row is not None:
                        before_row(index)
                    self._run("after_save", event)
        return prepared

    def _prepare_create(self, c: sa.Connection, object_name: str, access: ObjectAccess,
                        data: Mapping[str, Any]) -> tuple[SaveEvent, dict[str, Any]]:
        """Every step of a create up to the write: the event (the record as it will be saved) and
        the row of column values to insert. Raises Invalid with every problem."""
        obj = self.object(object_name)
        now = self.now()
        system, fields_in = _split_system(data)
        values, problems = self._coerce(obj, access, fields_in, prior_ctx=None)
        record: dict[str, Any] = {f.name: None for f in obj.fields.values()}
        record.update(id=None, owner=self.actor.id, created_at=now, created_by=self.actor.id,
                      updated_at=now, updated_by=self.actor.id, version=1, stage=None,
                      stage_entered_at=None, last_activity_at=now, deleted_at=None)
        self._owner(c, system, record, problems)
        record.update(values)
        if obj.pipeline is not None:
            record["stage"], record["stage_entered_at"] = obj.pipeline.initial, now
        ctx_for = self._ctx_for(is_new=True)
        for f in obj.fields.values():
            if f.default is not None and f.name not in values and not f.computed:
                record[f.name] = _safe(f.default, ctx_for(record))
        event = SaveEvent(self, c, object_name, "create", record, None,
                          changed=set(values) | {n for n in record if record[n] is not None},
                          depth=self.depth)
        self._before_save_and_check(c, obj, access, event, problems, is_new=True)
        for f in obj.fields.values():
            if f.type == "autonumber" and f.autonumber:
                record[f.name] = next_value(c, object_name, f.name, f.autonumber, now.astimezone(self.tz).date())
        row = {n: record[n] for n in SYSTEM_COLUMNS if n != "id"}
        row.update({f.name: to_column(f, record.get(f.name)) for f in obj.stored_fields})
        return event, row

    def _creation_history(self, events: Sequence[SaveEvent]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for event in events:
            record = event.record
            stored = [f.name for f in self.object(event.object_name).stored_fields]
            rows += history.entries(object_name=event.object_name, record_id=event.record_id, action="create",
                                    changes={n: (None, record[n]) for n in stored if record.get(n) is not None},
                                    actor_id=self.actor.id, source=self.source, at=record["created_at"])[1]
        return rows

    def _prefetch_references(self, c: sa.Connection, obj: ObjectDef, rows: Sequence[Mapping[str, Any]]) -> None:
        """One query per lookup target for the ids a batch refers to (remembered as visible)."""
        for f in obj.fields.values():
            if f.type == "lookup" and f.target in self.schema.objects:
                ids = {v for r in rows if isinstance(v := r.get(f.name), int) and not isinstance(v, bool)
                       and 0 < v < 2**31}
                if ids:
                    self.visible_ids(c, f.target, sorted(ids))

    def update(self, object_name: str, record_id: int, data: Mapping[str, Any], *,
               expected_version: int | None = None, conn: sa.Connection | None = None) -> dict[str, Any]:
        access = self.access(object_name, "update")
        obj = self.object(object_name)
        now = self.now()
        with self.transaction(conn) as c:
            prior = self._load(c, object_name, record_id, access)
            _check_version(prior, expected_version)
            system, fields_in = _split_system(data)
            prior_ctx = self._ctx_for()(self._with_lookups(c, obj, prior))
            values, problems = self._coerce(obj, access, fields_in, prior_ctx=prior_ctx)
            record = dict(prior)
            self._owner(c, system, record, problems)
            record.update(values)
            changed = {n for n in set(values) | set(system) if record.get(n) != prior.get(n)}
            event = SaveEvent(self, c, object_name, "update", record, prior, changed=changed,
                              record_id=record_id, depth=self.depth)
            self._before_save_and_check(c, obj, access, event, problems, is_new=False)
            names = ["owner", *[f.name for f in obj.stored_fields]]
            changes = history.changed_fields(prior, record, names)
            table = self.schema.table(object_name)
            if changes:
                row = {n: (record[n] if n == "owner" else to_column(obj.fields[n], record[n])) for n in changes}
                result = c.execute(table.update().where(table.c.id == record_id,
                                                        table.c.version == prior["version"]).values(
                    **row, version=prior["version"] + 1, updated_at=now, updated_by=self.actor.id,
                    last_activity_at=now))
                if result.rowcount != 1:
                    _check_version({"version": self._current_version(c, table, record_id)}, prior["version"])
                history.write(c, object_name=object_name, record_id=record_id, action="update",
                              changes=changes, actor_id=self.actor.id, source=self.source, at=now)
                event.changed = set(changes)
                self._run("after_save", event)
            fresh = self._load(c, object_name, record_id, access)
        if changes:
            self._after_commit(event, conn)
        return fresh

    def delete(self, object_name: str, record_id: int, *, expected_version: int | None = None,
               conn: sa.Connection | None = None) -> None:
        """Soft delete: the record disappears from reads and can be restored."""
        access = self.access(object_name, "delete")
        now = self.now()
        self._visible.clear()
        with self.transaction(conn) as c:
            prior = self._load(c, object_name, record_id, access)
            _check_version(prior, expected_version)
            self._on_delete_children(c, object_name, record_id, now)
            table = self.schema.table(object_name)
            c.execute(table.update().where(table.c.id == record_id).values(
                deleted_at=now, version=prior["version"] + 1, updated_at=now, updated_by=self.actor.id))
            history.write(c, object_name=object_name, record_id=record_id, action="delete", changes={},
                          actor_id=self.actor.id, source=self.source, at=now)
            event = SaveEvent(self, c, object_name, "delete", prior, prior, record_id=record_id, depth=self.depth)
            self._run("after_save", event)
        self._after_commit(event, conn)

    def restore(self, object_name: str, record_id: int, *, conn: sa.Connection | None = None) -> dict[str, Any]:
        access = self.access(object_name, "delete")
        now = self.now()
        with self.transaction(conn) as c:
            prior = self._load(c, object_name, record_id, access, include_deleted=True)
            if prior["deleted_at"] is None:
                return prior
            table = self.schema.table(object_name)
            c.execute(table.update().where(table.c.id == record_id).values(
                deleted_at=None, version=prior["version"] + 1, updated_at=now, updated_by=self.actor.id,
                last_activity_at=now))
            history.write(c, object_name=object_name, record_id=record_id, action="restore", changes={},
                          actor_id=self.actor.id, source=self.source, at=now)
            event = SaveEvent(self, c, object_name, "restore", prior, None, record_id=record_id,
                              depth=self.depth)
            self._run("after_save", event)
            result = self._load(c, object_name, record_id, access)
        self._after_commit(event, conn)
        return result

    def history(self, object_name: str, record_id: int) -> list[dict[str, Any]]:
        access = self.access(object_name, "read")
        with self.svc.engine.connect() as c:
            self._load(c, object_name, record_id, access, include_deleted=True)
            return history.read(c, object_name, record_id, visible=access.can_see, tz=self.tz)

    # -- pipeline steps --------------------------------------------------------------------------
    def _coerce(self, obj: ObjectDef, access: ObjectAccess, data: Mapping[str, Any], prior_ctx
                ) -> tuple[dict[str, Any], checks.Problems]:
        key = ("input_schema", self.schema.version, self.schema.checksum, obj.name, self.lang, str(self.tz))
        schema = self.svc.memo.get(key, lambda: input_schema(obj, self.tz))
        values, errors = coerce(schema, obj, data)
        problems = checks.Problems()
        problems.merge(errors)
        checks.check_writable(obj, access, data, prior_ctx, problems)
        return values, problems

    def _owner(self, conn: sa.Connection, system: Mapping[str, Any], record: dict[str, Any],
               problems: checks.Problems) -> None:
        if "owner" not in system:
            return
        owner = system["owner"]
        if owner is None:  # no owner: the record sits in a public pool
            record["owner"] = None
            return
        if not isinstance(owner, int) or isinstance(owner, bool) or not 0 < owner < 2**31 \
                or not self._active_user(conn, owner):
            problems.add("owner", _("Choose an existing user."))
        else:
            record["owner"] = owner

    def _active_user(self, conn: sa.Connection, user_id: int) -> bool:
        """True for an active user (remembered for this service: a batch names the same few)."""
        if user_id in self._known_users:
            return True
        from runtime.users import get_actor
        if get_actor(conn, user_id) is None:
            return False
        self._known_users.add(user_id)
        return True

    def _before_save_and_check(self, conn: sa.Connection, obj: ObjectDef, access: ObjectAccess,
                               event: SaveEvent, problems: checks.Problems, *, is_new: bool) -> None:
        self._run("before_save", event)
        record = event.record
        eval_record = self._with_lookups(conn, obj, record)
        compute_formulas(obj, eval_record, self._ctx_for(prior=event.prior, is_new=is_new))
        for f in obj.fields.values():
            if f.formula is not None and f.stored:
                record[f.name] = eval_record[f.name]
        ctx = self._ctx_for(prior=event.prior, is_new=is_new)(eval_record)
        checks.check_rules(obj, eval_record, ctx, problems, self.lang)
        changed = event.changed if not is_new else set(obj.fields)
        checks.check_unique(conn, self.schema, obj, record, event.record_id, changed, problems)
        checks.check_references(self.schema, obj, record, changed,
                                lambda target, ids: self.visible_ids(conn, target, ids),
                                lambda user_id: self._active_user(conn, user_id), problems)
        for hook in self.svc.hooks("validate"):
            hook(event, problems)
        if problems:
            raise Invalid(_("Some values need your attention."), problems.errors, problems.rules)

    def _with_lookups(self, conn: sa.Connection, obj: ObjectDef, record: Mapping[str, Any]) -> dict[str, Any]:
        needed = lookup_paths(self.schema, obj.name)
        return {**record, **load_lookups(conn, self.schema, obj, record, needed, now=self.now(), tz=self.tz,
                                         actor=self.actor)}

    def _ctx_for(self, *, prior: Mapping[str, Any] | None = None, is_new: bool = False):
        now, tz, calendar = self.now(), self.tz, self.calendar()

        def build(record: Mapping[str, Any]):
            return context(record, actor=self.actor, now=now, tz=tz, calendar=calendar, prior=prior,
                           is_new=is_new)
        return build

    def _on_delete_children(self, conn: sa.Connection, object_name: str, record_id: int,
                            now: dt.datetime) -> None:
        for child, f in self.schema.iter_fields():
            if f.type != "lookup" or f.target != object_name:
                continue
            table = self.schema.table(child.name)
            live = sa.and_(table.c[f.name] == record_id, table.c.deleted_at.is_(None))
            if f.on_delete == "set_null":
                conn.execute(table.update().where(live).values({f.name: None}))
            elif f.on_delete == "cascade":
                conn.execute(table.update().where(live).values(deleted_at=now))
            else:
                count = conn.execute(sa.select(sa.func.count()).select_from(table).where(live)).scalar()
                if count:
                    raise Invalid(_("%(n)s %(object)s records refer to this record; change them first.",
                                    n=count, object=child.name), {}, [{"key": "restrict", "message": _(
                                        "%(n)s %(object)s records refer to this record; change them first.",
                                        n=count, object=child.name)}])

    def _current_version(self, conn: sa.Connection, table: sa.Table, record_id: int) -> int | None:
        return conn.execute(sa.select(table.c.version).where(table.c.id == record_id)).scalar()

    def _run(self, kind: str, event: SaveEvent) -> None:
        if kind == "after_save":
            self._refresh_rollups(event)
        for hook in self.svc.hooks(kind):
            hook(event)

    def _refresh_rollups(self, event: SaveEvent) -> None:
        """Keep parents' stored roll-ups current in the same transaction as the child's save."""
        lookups = {f.name for f in self.object(event.object_name).fields.values() if f.type == "lookup"}
        touched = {name: {(event.prior or {}).get(name), event.record.get(name)} for name in lookups}
        refresh_rollups(event.conn, self.schema, event.object_name, touched, now=self.now(), tz=self.tz,
                        user=user_context(self.actor))

    def after_commit(self, events: Sequence[SaveEvent]) -> None:
        """Dispatch what saves made in the caller's transaction left for after its commit."""
        for event in events:
            self._after_commit(event, None)

    def _after_commit(self, event: SaveEvent, conn: sa.Connection | None) -> None:
        if conn is not None:
            return  # the caller owns the transaction and dispatches after its commit
        for hook in self.svc.hooks("after_commit"):
            try:
                hook(event)
            except Exception:  # noqa: BLE001 - dispatch problems never undo a committed save
                import logging
                logging.getLogger(__name__).exception("after_commit hook failed")


def _check_version(current: Mapping[str, Any], expected: int | None) -> None:
    """Optimistic locking: a stale version is a conflict naming the current one."""
    if expected is not None and current["version"] != expected:
        raise Conflict(_("Someone else changed this record; reload it and apply your change again."),
                       current_version=current["version"])


def _unique_in_batch(record: Mapping[str, Any], taken: dict[str, set[Any]]) -> None:
    """A unique value may appear once per batch (the database check sees only earlier batches)."""
    clashes = [name for name, seen in taken.items() if record.get(name) not in (None, "") and record[name] in seen]
    if clashes:
        message = _("This value is already used by another record.")
        raise Invalid(_("Some values need your attention."), {name: [message] for name in clashes})
    for name, seen in taken.items():
        if record.get(name) not in (None, ""):
            seen.add(record[name])


def _split_system(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    system = {k: v for k, v in data.items() if k in WRITABLE_SYSTEM}
    rest = {k: v for k, v in data.items() if k not in WRITABLE_SYSTEM and k not in ("id", "version")}
    return system, rest


def _safe(expr, ctx) -> Any:
    import expression
    try:
        return expr.evaluate(ctx)
    except expression.ExpressionError:
        return None


def list_records(service: RecordService, object_name: str, params) -> dict[str, Any]:
    """One page of records the actor may read (see :mod:`runtime.records.listing`)."""
    from runtime.records.listing import run_list
    access = service.access(object_name, "read")
    with service.svc.engine.connect() as conn:
        page = run_list(conn, service.read_scope(), object_name, access, params, service.lang)
        for record in page["records"]:
            service.finish_read(conn, object_name, record, access)
    return page
