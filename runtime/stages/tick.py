"""``crm tick``: one idempotent sweep of everything time-based. Features add their sweeps to the
app's registry (``services.extras["tick_tasks"]``: ``(name, fn(services, now) -> summary)``) at
start-up; the built-ins (stage SLAs, the outbox, notification delivery) register the same way.

:class:`Ticker` runs tick every ``interval`` seconds in a background thread: ``crm serve`` uses it in
the embedded mode, and ``crm tick --every 60`` is the loop to run next to ``crm worker``.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import TYPE_CHECKING, Any, Callable

from runtime.clock import FixedClock

if TYPE_CHECKING:
    from runtime.services import Services

log = logging.getLogger(__name__)
TickTask = Callable[["Services", dt.datetime], Any]
KEY = "tick_tasks"


def register_tick(svc: Services, name: str, fn: TickTask) -> TickTask:
    tasks = svc.extras.setdefault(KEY, [])
    if any(n == name for n, _f in tasks):
        raise ValueError(f"a tick task called {name!r} is already registered")
    tasks.append((name, fn))
    return fn


def tick_tasks(svc: Services) -> tuple[tuple[str, TickTask], ...]:
    return tuple(svc.extras.get(KEY, ()))


def run_tick(svc: Services, now: dt.datetime | None = None) -> dict[str, Any]:
    """Run every registered sweep once at ``now`` (default: the services' clock). A failing sweep is
    logged and reported; the others still run."""
    now = now or svc.clock.now()
    results: dict[str, Any] = {}
    for name, fn in tick_tasks(svc):
        try:
            results[name] = fn(svc, now)
        except Exception as exc:  # noqa: BLE001 - one broken sweep must not stop the others
            log.exception("tick task %s failed", name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


# -- built-in sweeps -----------------------------------------------------------------------------

def stage_sla_task(svc: Services, now: dt.datetime) -> dict[str, Any]:
    from runtime.stages.sla import sweep
    report = sweep(svc, now)
    return {"fired": report.fired, "notified": report.notified, "levels": report.levels,
            "errors": report.errors}


def outbox_task(svc: Services, now: dt.datetime) -> dict[str, Any]:
    from runtime.outbox import sweep
    report = sweep(svc, now)
    return {"released": report.released,
            "dead": report.dead, "due": len(report.due)}


def notifications_task(svc: Services, now: dt.datetime) -> dict[str, Any]:
    from runtime.notifications import deliver_pending
    report = deliver_pending(svc.engine, FixedClock(now), svc.settings)
    return {"sent": report.sent, "failed": report.failed, "dead": report.dead}


class Ticker:
    """Calls :func:`run_tick` every ``interval`` seconds in a daemon thread until stopped
    (``with Ticker(svc): ...`` or ``start()`` / ``stop()``)."""

    def __init__(self, svc: Services, interval: float = 60.0, on_tick: Callable[[dict], None] | None = None,
                 first_after: float = 0.0):
        self.svc, self.interval, self.on_tick, self.first_after = svc, interval, on_tick, first_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> Ticker:
        self._thread = threading.Thread(target=self._loop, name="crm-tick", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        if self._stop.wait(self.first_after):
            return
        while not self._stop.is_set():
            try:
                result = run_tick(self.svc)
                self.runs += 1
                if self.on_tick:
                    self.on_tick(result)
            except Exception:  # noqa: BLE001 - keep ticking; the next minute may work
                log.exception("tick failed")
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> Ticker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
