"""Test-only outbox actions and job kinds. Workers load them through
``CRM_ACTION_MODULES=tests.runtime.outbox.actions_for_tests``."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from runtime.jobs import JobContext, register_job_kind
from runtime.outbox import ActionContext, register_action

MODULE = __name__
test_metadata = sa.MetaData()

effects = sa.Table(
    "outbox_test_effects", test_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_key", sa.String(255), nullable=False),
    sa.Column("note", sa.String(200)),
    sa.Column("attempt", sa.Integer, nullable=False),
)


def record_effect(ctx: ActionContext, payload: dict[str, Any]) -> None:
    """Insert one effect row. With ``hold_file`` present: delete it, announce the process id in
    ``started_file`` and sleep, so a test can kill the worker mid-job (once)."""
    ctx.conn.execute(effects.insert().values(item_key=ctx.idempotency_key, note=payload.get("note"),
                                             attempt=ctx.attempt))
    hold = payload.get("hold_file")
    if hold and Path(hold).exists():
        Path(hold).unlink()
        Path(payload["started_file"]).write_text(str(os.getpid()))
        time.sleep(payload.get("hold_seconds", 30))


def flaky(ctx: ActionContext, payload: dict[str, Any]) -> None:
    """Fails while the file ``fail_while`` exists, like a remote system that is down."""
    if Path(payload["fail_while"]).exists():
        raise RuntimeError("the remote system said no")
    record_effect(ctx, payload)


def chain(ctx: ActionContext, payload: dict[str, Any]) -> None:
    """An action that triggers itself again: a rule loop the depth limit must stop."""
    record_effect(ctx, {"note": f"chain {payload['n']}"})
    ctx.enqueue("test.chain", {"n": payload["n"] + 1, "run": payload["run"]},
                idempotency_key=f"{payload['run']}:{payload['n'] + 1}")


def count_to(ctx: JobContext) -> dict[str, Any]:
    """A long job: counts to ``params['n']``, reporting odd numbers as errors."""
    n = ctx.params["n"]
    ctx.progress.set_total(n)
    for i in range(1, n + 1):
        ctx.progress.advance(1, errors=[{"row": i, "message": "odd"}] if i % 2 else [])
    if ctx.params.get("explode"):
        raise ValueError("the file is not a spreadsheet")
    return {"counted": n}


register_action("test.record_effect", record_effect, description="Test: insert an effect row.")
register_action("test.flaky", flaky, description="Test: fail while a file exists.")
register_action("test.chain", chain, description="Test: an action that enqueues itself.")
register_job_kind("test.count", count_to, description="Test: count with progress.")


def create_effects_table(engine: sa.Engine) -> None:
    test_metadata.create_all(engine)


def effect_rows(engine: sa.Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(effects).order_by(effects.c.id)))
