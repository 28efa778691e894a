"""Writing notifications (inside the caller's transaction) and delivering them (after commit).

:func:`notify` only writes rows, so a save and its notifications commit or roll back together.
:func:`deliver_pending` sends what is due, each delivery in its own short transaction, retrying
failures with exponential backoff (1, 2, 4, 8 minutes); the fifth failure makes a delivery
``dead``. A failing channel never raises into the caller: its error is stored as ``last_error``.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.clock import Clock
from runtime.config import Settings
from runtime.notifications.channels import (ChannelRegistry, DeliveryError, Message, NotificationError,
                                            Recipient, Target, WebhookTarget, builtin_channels)
from runtime.notifications.tables import notification_deliveries as deliveries
from runtime.notifications.tables import notifications
from runtime.system_tables import users
from schema_store.database import begin_write

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=1)
LEASE = dt.timedelta(minutes=5)  # a claimed delivery is retried after this if its sender died
TITLE_MAX = 300
ERROR_MAX = 1000


@dataclass(frozen=True)
class DeliveryReport:
    """What one :func:`deliver_pending` run did."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: tuple[str, ...] = ()

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.dead


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4, 8 ... minutes."""
    return BACKOFF * (2 ** max(attempts - 1, 0))


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """As an aware UTC datetime (SQLite hands back naive ones; we store UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _utc_now(clock: Clock) -> dt.datetime:
    now = clock.now()
    return now.replace(tzinfo=dt.timezone.utc) if now.tzinfo is None else now.astimezone(dt.timezone.utc)


def _recipients(conn: sa.Connection, user_ids: Sequence[int]) -> list[Recipient]:
    rows = {r.id: r for r in conn.execute(sa.select(
        users.c.id, users.c.username, users.c.display_name, users.c.email, users.c.locale,
        users.c.active).where(users.c.id.in_(user_ids)))}
    unknown = [uid for uid in user_ids if uid not in rows]
    if unknown:
        raise NotificationError(f"no user with id {', '.join(map(str, unknown))}")
    return [Recipient(id=r.id, username=r.username, display_name=r.display_name, email=r.email,
                      locale=r.locale) for uid in user_ids if (r := rows[uid]).active]


def _insert_notification(conn: sa.Connection, values: dict[str, Any]) -> int | None:
    """Insert one notification; ``None`` when its ``(user_id, dedupe_key)`` already exists."""
    plain = notifications.insert().values(**values).returning(notifications.c.id)
    if values["dedupe_key"] is None:
        return conn.execute(plain).scalar_one()
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(conn.dialect.name)
    if dialect is None:  # another database: check first (a race ends in an IntegrityError)
        exists = conn.execute(sa.select(notifications.c.id).where(
            notifications.c.user_id == values["user_id"],
            notifications.c.dedupe_key == values["dedupe_key"])).first()
        return None if exists else conn.execute(plain).scalar_one()
    statement = (dialect.insert(notifications).values(**values)
                 .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
                 .returning(notifications.c.id))
    return conn.execute(statement).scalar()


def notify(conn: sa.Connection, *, user_ids: Iterable[int], kind: str, title: str, body: str,
           channels: Sequence[str] = ("in_app",), object: str | None = None,
           record_id: int | None = None, link: str | None = None, dedupe_key: str | None = None,
           webhook: WebhookTarget | dict[str, Any] | None = None, now: dt.datetime,
           registry: ChannelRegistry | None = None) -> list[int]:
    """Write one notification per (active) user and a delivery row per channel, in ``conn``'s
    transaction; nothing is sent here. Returns the ids of the notifications written: a user who
    already has one with this ``dedupe_key`` is skipped. Raises :class:`NotificationError` for
    unknown users or channels, or a webhook channel without ``webhook``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    registry = registry or builtin_channels()
    chosen = [registry.get(name) for name in dict.fromkeys(channels)]
    if not chosen:
        raise NotificationError("choose at least one channel")
    target_hook = WebhookTarget.coerce(webhook) if webhook is not None else None
    ids = list(dict.fromkeys(int(uid) for uid in user_ids))
    if not ids:
        return []
    recipients = _recipients(conn, ids)
    planned: list[tuple[Recipient, list[tuple[str, Target | DeliveryError, bool]]]] = []
    for recipient in recipients:  # work out every target before writing anything
        plan: list[tuple[str, Target | DeliveryError, bool]] = []
        for channel in chosen:
            try:
                plan.append((channel.name, channel.target(recipient, target_hook), channel.instant))
            except DeliveryError as exc:
                plan.append((channel.name, exc, channel.instant))
        planned.append((recipient, plan))
    stamp = utc(now)
    title = clip_title(title)
    written: list[int] = []
    for recipient, plan in planned:
        notification_id = _insert_notification(conn, dict(
            user_id=recipient.id, kind=kind, title=title, body=body, object=object,
            record_id=record_id, link=link, created_at=stamp, dedupe_key=dedupe_key))
        if notification_id is None:
            continue
        written.append(notification_id)
        conn.execute(deliveries.insert(), [delivery_row(notification_id, channel_name, target, instant, stamp)
                                           for channel_name, target, instant in plan])
    return written


def clip_title(title: str) -> str:
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def delivery_row(notification_id: int, channel: str, target: Target | DeliveryError, instant: bool,
                 stamp: dt.datetime) -> dict[str, Any]:
    """One delivery row: in-app ``sent`` at once, others ``pending``, ``dead`` (with the reason)
    when the channel cannot reach the user."""
    row = dict(notification_id=notification_id, channel=channel, attempts=0, target=None, secret=None,
               status="pending", next_attempt_at=stamp, last_error=None, sent_at=None)
    if isinstance(target, DeliveryError):
        row.update(status="dead", next_attempt_at=None, last_error=str(target)[:ERROR_MAX])
    else:
        row.update(target=target.address, secret=target.secret)
        if instant:
            row.update(status="sent", next_attempt_at=None, sent_at=stamp)
    return row


_MESSAGE_QUERY = (
    sa.select(deliveries.c.id, deliveries.c.notification_id, deliveries.c.channel, deliveries.c.target,
              deliveries.c.secret, deliveries.c.attempts, notifications.c.kind, notifications.c.title,
              notifications.c.body, notifications.c.object, notifications.c.record_id,
              notifications.c.link, notifications.c.created_at, users.c.id.label("user_id"),
              users.c.username, users.c.display_name, users.c.email, users.c.locale)
    .select_from(deliveries.join(notifications, deliveries.c.notification_id == notifications.c.id)
                 .join(users, notifications.c.user_id == users.c.id)))


def _claim(engine: sa.Engine, now: dt.datetime, limit: int) -> list[sa.Row]:
    """Due deliveries, each claimed by bumping ``attempts`` and leasing it (compare-and-set, so
    two workers never send the same one)."""
    due = (_MESSAGE_QUERY.where(deliveries.c.status.in_(("pending", "failed")),
                                deliveries.c.next_attempt_at <= now)
           .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit))
    with engine.connect() as conn:
        candidates = conn.execute(due).all()
    claimed = []
    for row in candidates:
        with begin_write(engine) as conn:
            result = conn.execute(deliveries.update().where(
                deliveries.c.id == row.id, deliveries.c.attempts == row.attempts,
                deliveries.c.status.in_(("pending", "failed"))).values(
                attempts=row.attempts + 1, next_attempt_at=now + LEASE))
        if result.rowcount == 1:
            claimed.append(row)
    return claimed


def _message(row: sa.Row) -> Message:
    return Message(delivery_id=row.id, notification_id=row.notification_id, channel=row.channel,
                   target=row.target, secret=row.secret, kind=row.kind, title=row.title, body=row.body,
                   object=row.object, record_id=row.record_id, link=row.link,
                   created_at=utc(row.created_at) or row.created_at,
                   recipient=Recipient(id=row.user_id, username=row.username,
                                       display_name=row.display_name, email=row.email, locale=row.locale))


def deliver_pending(engine: sa.Engine, clock: Clock, settings: Settings, limit: int = 100, *,
                    registry: ChannelRegistry | None = None) -> DeliveryReport:
    """Send up to ``limit`` due deliveries. Call it after commit (embedded dispatch, ``crm tick``,
    a worker job); it never raises because of a channel."""
    registry = registry or builtin_channels()
    sent = failed = dead = 0
    errors: list[str] = []
    for row in _claim(engine, _utc_now(clock), limit):
        attempts = row.attempts + 1
        error: str | None = None
        permanent = False
        try:
            channel = registry.get(row.channel)
            channel.send(_message(row), settings=settings, now=clock.now())
        except (DeliveryError, NotificationError) as exc:
            error = (str(exc) or exc.__class__.__name__)[:ERROR_MAX]
            permanent = getattr(exc, "permanent", False)
        except Exception as exc:  # noqa: BLE001 - any channel failure is recorded, never raised
            log.exception("notification channel %r failed on delivery %s", row.channel, row.id)
            error = f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX]
        finished = _utc_now(clock)
        if error is None:
            values: dict[str, Any] = dict(status="sent", sent_at=finished, next_attempt_at=None,
                                          last_error=None)
            sent += 1
        elif attempts >= MAX_ATTEMPTS or permanent:
            values = dict(status="dead", next_attempt_at=None, last_error=error)
            dead += 1
        else:
            values = dict(status="failed", next_attempt_at=finished + backoff(attempts), last_error=error)
            failed += 1
        if error is not None:
            errors.append(f"delivery {row.id} ({row.channel}): {error}")
        with begin_write(engine) as conn:
            conn.execute(deliveries.update().where(deliveries.c.id == row.id).values(**values))
    return DeliveryReport(sent=sent, failed=failed, dead=dead, errors=tuple(errors))
