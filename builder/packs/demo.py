"""Running a pack's demo-data generator: a small context that creates users and saves records
through the record service in batches (one transaction per few hundred records), with the clock
set per record so that dates spread realistically. ``crm demo`` calls :func:`load_demo`."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib.util
import io
import sys
from typing import Any, Callable, Iterator

import sqlalchemy as sa

from builder.packs.format import Pack
from builder.packs.tables import ensure_table, installed_packs
from runtime import users as users_service
from runtime.records import RecordService
from runtime.users import Actor
from schema_store.database import begin_write

BATCH = 300
DEMO_PASSWORD = "demo-2026"  # demo users only; printed by `crm demo`
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


class MovableClock:
    def __init__(self, at: dt.datetime):
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


class Batch:
    """Records saved in one transaction; ``at`` moves the clock for that save."""

    def __init__(self, ctx: "DemoContext", conn: sa.Connection):
        self.ctx, self.conn, self.count = ctx, conn, 0

    def _service(self, at: dt.datetime | None) -> RecordService:
        self.ctx.clock.at = min(at or self.ctx.now, self.ctx.now)
        return self.ctx.records

    def create(self, object_name: str, data: dict[str, Any], *, owner: int | None = None,
               at: dt.datetime | None = None) -> dict[str, Any]:
        self.count += 1
        payload = {k: v for k, v in data.items() if v is not None}
        if owner is not None:
            payload["owner"] = owner
        return self._service(at).create(object_name, payload, conn=self.conn, reload=False)

    def update(self, object_name: str, record_id: int, data: dict[str, Any], *, at: dt.datetime | None = None):
        return self._service(at).update(object_name, record_id, data, conn=self.conn)

    def move(self, object_name: str, record_id: int, stage: str, *, at: dt.datetime | None = None):
        from runtime.stages.moves import move
        return move(self._service(at), object_name, record_id, stage, conn=self.conn, enforce_allowed=False,
                    reload=False)


class DemoContext:
    """What a pack's ``generate(ctx)`` may use: ``seed``, ``scale``, ``now``, ``user()``, ``ids()``,
    ``create_all()`` (bulk), ``batch()`` (record by record, with updates and stage moves),
    ``demo_image()``, ``progress()``."""

    def __init__(self, svc: Any, app: Any, actor: Actor, *, scale: float, seed: int,
                 progress: Callable[[str], None]):
        self.svc, self.app, self.actor, self.scale, self.seed = svc, app, actor, scale, seed
        self.now = svc.clock.now()
        self.clock = MovableClock(self.now)
        self.records = RecordService(dataclasses.replace(svc, clock=self.clock), actor, schema=app,
                                     source="import", lang="zh-CN")
        self.progress = progress

    def user(self, username: str, role: str, *, team: str | None = None, manager: str | None = None,
             display_name: str | None = None, region: str | None = None) -> int:
        with begin_write(self.svc.engine) as conn:
            found = users_service.find_user_id(conn, username)
            if found is not None:
                return found
            # hashing is slow on purpose: only the first user of each kind gets the demo password
            password = DEMO_PASSWORD if username.endswith(("director", "1")) else None
            return users_service.create_user(conn, username, role, password=password, team=team, manager=manager,
                                             display_name=display_name, region=region, now=self.now,
                                             extra_roles=tuple(self.app.roles))

    def ids(self, object_name: str) -> list[int]:
        table = self.app.table(object_name)
        with self.svc.engine.connect() as conn:
            return list(conn.execute(sa.select(table.c.id).where(table.c.deleted_at.is_(None))
                                     .order_by(table.c.id)).scalars())

    def demo_image(self) -> int:
        from runtime.files import file_store, upload
        from flask import current_app
        stored = upload(self.records, file_store(current_app), object_name="med_ticket", field_name="intraop_image",
                        stream=io.BytesIO(PNG), filename="术中影像.png")
        return stored.id

    def create_all(self, label: str, object_name: str, items: list[tuple[dict[str, Any], int | None, dt.datetime]]
                   ) -> list[int]:
        """Create ``(data, owner, at)`` items through ``RecordService.create_many``, one transaction
        per few hundred; each record is saved as of its ``at``. Demo data must be valid: a refused
        row stops the load with its errors."""
        from schema_store.database import IMMEDIATE
        ids: list[int] = []
        for start in range(0, len(items), BATCH):
            chunk = items[start:start + BATCH]
            rows = [{**{k: v for k, v in data.items() if v is not None},
                     **({"owner": owner} if owner is not None else {})} for data, owner, _at in chunk]

            def as_of(i: int, chunk=chunk) -> None:
                self.clock.at = min(chunk[i][2] or self.now, self.now)
            with self.svc.engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
                result = self.records.create_many(object_name, rows, conn=conn, before_row=as_of)
            if result.errors:
                index, error = next(iter(result.errors.items()))
                raise ValueError(f"demo {object_name} row {start + index}: {error.message} {error.errors} {error.rules}")
            ids += [i for i in result.ids if i is not None]
            self.progress(f"  {label}: {len(ids)}/{len(items)}")
        return ids

    @contextlib.contextmanager
    def batch(self, label: str, total: int) -> Iterator[Batch]:
        """Saves commit every few hundred records; progress is printed as they go."""
        holder: dict[str, Any] = {}
        engine = self.svc.engine

        class Rolling(Batch):
            def create(inner, *a, **kw):  # noqa: N805
                if inner.count and inner.count % BATCH == 0:
                    holder["tx"].commit()
                    holder["tx"] = inner.conn.begin()
                    self.progress(f"  {label}: {inner.count}/{total}")
                return Batch.create(inner, *a, **kw)

        from schema_store.database import IMMEDIATE
        with engine.connect().execution_options(**{IMMEDIATE: True}) as conn:
            holder["tx"] = conn.begin()
            b = Rolling(self, conn)
            try:
                yield b
                holder["tx"].commit()
            except BaseException:
                holder["tx"].rollback()
                raise
        self.progress(f"  {label}: {b.count}/{total}")


def run_generator(pack: Pack) -> Callable[[DemoContext], None]:
    name = pack.manifest.get("demo")
    if not name:
        raise LookupError(f"pack {pack.name} has no demo generator")
    source = pack.files[name].decode("utf-8")
    module_name = f"crm_pack_demo_{pack.name}"
    spec = importlib.util.spec_from_loader(module_name, loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[module_name] = module
    try:
        exec(compile(source, f"{pack.name}/{name}", "exec"), module.__dict__)  # noqa: S102 - the pack's own code
    finally:
        sys.modules.pop(module_name, None)
    return module.generate


def load_demo(svc: Any, pack: Pack, *, actor: Actor, scale: float = 1.0, seed: int = 2026,
              progress: Callable[[str], None] = print) -> bool:
    """Run the pack's demo generator once per instance (False when it already ran)."""
    with svc.engine.connect() as conn:
        ensure_table(conn)
        done = conn.execute(sa.select(installed_packs.c.demo_size).where(installed_packs.c.name == pack.name)).scalar()
        app = svc.schema_cache.get(conn)
    if done:
        return False
    generate = run_generator(pack)
    generate(DemoContext(svc, app, actor, scale=scale, seed=seed, progress=progress))
    # the batches ran in the caller's transactions, so their after-save automation (approvals to
    # start, alerts) waits in the outbox: one sweep now, as `crm tick` would do
    from runtime.outbox.dispatch import sweep
    sweep(svc, svc.clock.now())
    with begin_write(svc.engine) as conn:
        conn.execute(installed_packs.update().where(installed_packs.c.name == pack.name)
                     .values(demo_size=max(1, round(scale * 1000))))
    return True
