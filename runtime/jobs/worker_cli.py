"""``crm worker``: an RQ worker on ``REDIS_URL`` for outbox items and long jobs.

Plain ``rq worker --url $REDIS_URL crm`` works as well; this command adds clear errors and loads
the action modules before forking, so each job starts warm."""
from __future__ import annotations

from typing import NoReturn

import click

from runtime.config import ConfigError, load_settings
from runtime.jobs.queue import QUEUE_NAME


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, default=(QUEUE_NAME,), show_default=True,
              help="Queue to listen on (repeatable).")
@click.option("--with-tick", is_flag=True,
              help="Also run `crm tick` every minute in this process (give it to one worker).")
def worker(burst: bool, queues: tuple[str, ...], with_tick: bool) -> None:
    """Run a job worker (needs REDIS_URL; without it jobs run inline in the web process)."""
    import redis
    from rq import Queue, Worker

    from runtime.outbox.registry import load_action_modules

    try:
        settings = load_settings()
    except ConfigError as exc:
        _fail(str(exc))
    if settings.redis_url is None:
        _fail("REDIS_URL is not set; without it jobs run inline in the web process "
              "(set REDIS_URL=redis://host:6379/0 to use workers)")
    connection = redis.Redis.from_url(settings.redis_url)
    try:
        connection.ping()
    except redis.exceptions.RedisError as exc:
        _fail(f"Redis at REDIS_URL is not reachable ({type(exc).__name__}: {exc})")
    try:
        load_action_modules()
    except ConfigError as exc:
        _fail(str(exc))
    queue_objects = [Queue(name, connection=connection) for name in queues]
    ticker = _start_ticker() if with_tick else None
    try:
        Worker(queue_objects, connection=connection).work(burst=burst)
    finally:
        if ticker is not None:
            ticker.stop()


def _start_ticker():
    """The worker's scheduler: the time-based sweep (SLAs, schedules, retries) once a minute."""
    import json

    from runtime.app import create_runtime_app
    from runtime.services import services
    from runtime.stages.tick import Ticker

    from runtime.stages.tick import run_tick

    svc = services(create_runtime_app())

    def say(result: dict) -> None:
        click.echo("tick: " + json.dumps(result, ensure_ascii=False, default=str), err=True)

    say(run_tick(svc))  # the first sweep before taking jobs, so its work is picked up at once
    return Ticker(svc, on_tick=say, first_after=60.0).start()
