"""Plan, publish and roll back: validate -> diff against the live version -> migrate tables ->
store the new version, all in one transaction. Any failure leaves the live version, the tables and
every row exactly as before, and comes back as a PublishError carrying diagnostics."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from schema_store.cache import SchemaCache
from schema_store.compile import compile_app
from schema_store.database import begin_write
from schema_store.diagnostics import Diagnostic, DiagnosticsError, SchemaInvalid, diag
from schema_store.diff import SchemaOp, diff
from schema_store.impact import OpImpact, assess
from schema_store.meta import LIVE_ROW, ensure_meta_tables, live_version, meta_live, meta_versions
from schema_store.migrate import OnOp, apply_ops
from schema_store.model import AppSchema
from schema_store.semantic import validate
from schema_store.versions import get_version_document, load_app

DEFAULT_TZ = "Asia/Shanghai"


class PublishError(DiagnosticsError):
    """The publish was refused or failed; nothing was changed. ``.diagnostics`` says why."""


@dataclass(frozen=True)
class Plan:
    """What publishing a document would do, computed without changing anything."""

    diagnostics: tuple[Diagnostic, ...]
    ops: tuple[SchemaOp, ...] = ()
    impact: tuple[OpImpact, ...] = ()
    live_version: int | None = None
    app: AppSchema | None = None     # the compiled new version (None when invalid)
    old: AppSchema | None = field(default=None, compare=False, repr=False)  # the live one

    @property
    def ok(self) -> bool:
        return not self.diagnostics

    @property
    def needs_confirmation(self) -> bool:
        return any(i.needs_confirmation for i in self.impact)

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        return {"ok": self.ok, "live_version": self.live_version,
                "diagnostics": [d.to_dict(locale) for d in self.diagnostics],
                "ops": [op.to_dict(locale) for op in self.ops],
                "impact": [i.to_dict(locale) for i in self.impact],
                "needs_confirmation": self.needs_confirmation}


@dataclass(frozen=True)
class PublishResult:
    version: int
    ops: tuple[SchemaOp, ...]
    impact: tuple[OpImpact, ...]
    app: AppSchema

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        return {"version": self.version, "ops": [op.to_dict(locale) for op in self.ops],
                "impact": [i.to_dict(locale) for i in self.impact]}


def app_timezone(app: AppSchema | None) -> dt.tzinfo:
    name = app.calendar.get("timezone") if app is not None else None
    try:
        return ZoneInfo(name or DEFAULT_TZ)
    except Exception:  # noqa: BLE001 - validated already; fall back for safety
        return ZoneInfo(DEFAULT_TZ)


def plan_publish(conn: sa.Connection, document: dict[str, Any], *, confirm_destructive: bool = False,
                 cache: SchemaCache | None = None) -> Plan:
    """Validate ``document``, diff it against the live version and assess the data impact."""
    ensure_meta_tables(conn)
    live = live_version(conn)
    try:
        new_app = compile_app(document, (live or 0) + 1)
    except SchemaInvalid:
        return Plan(tuple(validate(document)), live_version=live)
    old_app = load_app(conn, live, cache)
    ops = diff(old_app, new_app)
    impact, problems = assess(conn, ops, old_app, new_app, tz=app_timezone(new_app),
                              confirm_destructive=confirm_destructive)
    return Plan(tuple(problems), tuple(ops), tuple(impact), live, new_app, old_app)


def publish(bind: sa.Engine | sa.Connection, document: dict[str, Any], actor_id: int | None = None,
            note: str | None = None, confirm_destructive: bool = False, *, cache: SchemaCache | None = None,
            on_op: OnOp | None = None, now: dt.datetime | None = None,
            rollback_of: int | None = None) -> PublishResult:
    """Publish ``document`` as the next version, in one transaction; raises PublishError.

    ``on_op`` is called before each operation is applied (a seam for tests and progress reports);
    an exception it raises aborts the publish like any other failure. ``cache`` (optional) serves
    the live AppSchema and receives the new one.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        with _transaction(bind) as conn:
            ensure_meta_tables(conn)
            # Lock first: concurrent publishers queue here (row lock / SQLite write lock).
            conn.execute(meta_live.update().where(meta_live.c.id == LIVE_ROW).values(updated_at=now))
            plan = plan_publish(conn, document, confirm_destructive=confirm_destructive, cache=cache)
            if not plan.ok or plan.app is None:
                raise PublishError(plan.diagnostics)
            version = (plan.live_version or 0) + 1
            apply_ops(conn, plan.ops, plan.old, plan.app, version=version, now=now,
                      tz=app_timezone(plan.app), on_op=on_op)
            conn.execute(meta_versions.insert().values(
                version=version, document=json.dumps(document, ensure_ascii=False), checksum=plan.app.checksum,
                published_at=now, published_by=actor_id, note=note, rollback_of=rollback_of,
                ops=json.dumps([op.to_dict() for op in plan.ops], ensure_ascii=False)))
            conn.execute(meta_live.update().where(meta_live.c.id == LIVE_ROW).values(version=version))
    except PublishError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever failed, the transaction rolled back
        raise PublishError([diag("publish.failed", "", detail=_short(exc))]) from exc
    if cache is not None:
        cache.put(plan.app)
    return PublishResult(version, plan.ops, plan.impact, plan.app)


def rollback(bind: sa.Engine | sa.Connection, to_version: int, actor_id: int | None = None, *,
             confirm_destructive: bool = False, cache: SchemaCache | None = None,
             on_op: OnOp | None = None, now: dt.datetime | None = None) -> PublishResult:
    """Publish the document of ``to_version`` again, as a new version (history is never rewritten)."""
    with _connection(bind) as conn:
        document = get_version_document(conn, to_version)
    return publish(bind, document, actor_id, note=f"rollback to version {to_version}",
                   confirm_destructive=confirm_destructive, cache=cache, on_op=on_op, now=now,
                   rollback_of=to_version)


@contextlib.contextmanager
def _transaction(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """A transaction of our own: a new one on an engine, a savepoint inside the caller's."""
    if isinstance(bind, sa.Engine):
        with begin_write(bind) as conn:
            yield conn
    elif bind.in_transaction():
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin():
            yield bind


@contextlib.contextmanager
def _connection(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            yield conn
    else:
        yield bind


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
