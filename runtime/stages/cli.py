"""``crm tick [--now ISO] [--every SECONDS]``."""
from __future__ import annotations

import json
import time

import click
from flask.cli import with_appcontext


@click.command()
@click.option("--now", "now_text", help="Run as of this instant (ISO 8601; local time without an offset).")
@click.option("--every", type=float, help="Keep running, one tick every SECONDS (next to `crm worker`).")
@with_appcontext
def tick(now_text: str | None, every: float | None) -> None:
    """One idempotent sweep of everything time-based: stage SLAs, the outbox, notifications."""
    from runtime.clock import parse_instant
    from runtime.services import services
    from runtime.stages.tick import run_tick
    svc = services()
    if now_text and every:
        raise click.UsageError("--now and --every do not go together")
    try:
        now = parse_instant(now_text, svc.settings.tz) if now_text else None
    except ValueError:
        raise click.BadParameter(f"{now_text!r} is not an ISO date-time", param_hint="--now") from None
    while True:
        result = run_tick(svc, now)
        click.echo(json.dumps(result, ensure_ascii=False, default=str))
        if not every:
            return
        time.sleep(every)
