"""Writing many notifications in a few statements (SLA sweeps over thousands of records).

The same rows :func:`runtime.notifications.notify` writes (a notification per user, deduplicated on
``(user_id, dedupe_key)``, a delivery row per channel: in-app sent at once, others pending, a
channel that cannot reach the user dead with its reason), but for a whole batch of alerts: one
multi-row INSERT .. ON CONFLICT DO NOTHING RETURNING for the notifications and one executemany for
the deliveries, instead of three round trips per alert. A sweep over thousands of due records
needs that to stay within a tick.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.notifications.channels import (DeliveryError, NotificationError, Recipient, WebhookTarget,
                                            builtin_channels)
from runtime.notifications.service import clip_title, delivery_row, notify
from runtime.notifications.tables import notification_deliveries, notifications

UTC = dt.timezone.utc


@dataclass(frozen=True)
class Notice:
    user_id: int
    title: str
    body: str
    channels: tuple[str, ...]
    object: str
    record_id: int
    link: str
    dedupe_key: str
    webhook: Mapping[str, Any] | None = None


def notify_many(conn: sa.Connection, notices: Sequence[Notice], recipients: Mapping[int, Recipient], *,
                now: dt.datetime, registry: Any = None) -> int:
    """Write ``notices`` (users missing from ``recipients`` or inactive are skipped); returns how
    many notifications were new."""
    registry = registry or builtin_channels()
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(conn.dialect.name)
    if dialect is None:  # another database: the one-by-one path
        return sum(len(notify(conn, user_ids=[n.user_id], kind="stage_sla", title=n.title, body=n.body,
                              channels=n.channels, object=n.object, record_id=n.record_id, link=n.link,
                              dedupe_key=n.dedupe_key, webhook=n.webhook, now=now, registry=registry))
                   for n in notices if n.user_id in recipients)
    stamp = now.astimezone(UTC)
    wanted = {}
    for n in notices:
        if n.user_id in recipients:
            wanted.setdefault((n.user_id, n.dedupe_key), n)
    if not wanted:
        return 0
    rows = [dict(user_id=n.user_id, kind="stage_sla", title=clip_title(n.title), body=n.body,
                 object=n.object, record_id=n.record_id, link=n.link, created_at=stamp,
                 dedupe_key=n.dedupe_key) for n in wanted.values()]
    statement = (dialect.insert(notifications)
                 .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
                 .returning(notifications.c.id, notifications.c.user_id, notifications.c.dedupe_key))
    created = conn.execute(statement, rows).all()  # "insertmanyvalues": batched, rows actually inserted
    deliveries = []
    for notification_id, user_id, key in created:
        n = wanted[(user_id, key)]
        webhook = WebhookTarget.coerce(n.webhook) if n.webhook else None
        for name in dict.fromkeys(n.channels):
            channel = registry.get(name)
            try:
                target = channel.target(recipients[user_id], webhook)
            except DeliveryError as exc:
                target = exc
            deliveries.append(delivery_row(notification_id, name, target, channel.instant, stamp))
    if deliveries:
        conn.execute(notification_deliveries.insert(), deliveries)
    return len(created)


def check_channels(channels: Sequence[str], registry: Any = None) -> None:
    """Raise NotificationError for an unknown channel (before anything is written)."""
    registry = registry or builtin_channels()
    if not channels:
        raise NotificationError("choose at least one channel")
    for name in channels:
        registry.get(name)
