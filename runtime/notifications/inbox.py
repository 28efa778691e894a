"""Reading notifications: a user's in-app inbox, marking read, and the admin's failed deliveries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa

from runtime.notifications.service import utc
from runtime.notifications.tables import notification_deliveries as deliveries
from runtime.notifications.tables import notifications
from runtime.system_tables import users

MAX_PER_PAGE = 100

_IN_APP = sa.exists().where(deliveries.c.notification_id == notifications.c.id,
                            deliveries.c.channel == "in_app")


@dataclass(frozen=True)
class Page:
    items: tuple[dict[str, Any], ...]
    total: int
    page: int
    per_page: int


def _iso(value: dt.datetime | None) -> str | None:
    aware = utc(value)
    return aware.isoformat() if aware else None


def _inbox(user_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(notifications.c.user_id == user_id, _IN_APP)


def unread_count(conn: sa.Connection, user_id: int) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(notifications).where(
        _inbox(user_id), notifications.c.read_at.is_(None))).scalar_one()


def list_inbox(conn: sa.Connection, user_id: int, *, unread_only: bool = False, page: int = 1,
               per_page: int = 20) -> Page:
    """The user's in-app notifications, newest first."""
    condition = _inbox(user_id)
    if unread_only:
        condition = sa.and_(condition, notifications.c.read_at.is_(None))
    total = conn.execute(sa.select(sa.func.count()).select_from(notifications).where(condition)).scalar_one()
    rows = conn.execute(
        sa.select(notifications).where(condition)
        .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    items = tuple({"id": r.id, "kind": r.kind, "title": r.title, "body": r.body, "object": r.object,
                   "record_id": r.record_id, "link": r.link, "created_at": _iso(r.created_at),
                   "read_at": _iso(r.read_at), "read": r.read_at is not None} for r in rows)
    return Page(items=items, total=total, page=page, per_page=per_page)


def mark_read(conn: sa.Connection, user_id: int, notification_id: int, now: dt.datetime) -> dict | None:
    """Mark one of the user's notifications read (the first time counts); ``None`` when the user
    has no such notification, whoever else might."""
    row = conn.execute(sa.select(notifications.c.id, notifications.c.read_at).where(
        notifications.c.id == notification_id, _inbox(user_id))).first()
    if row is None:
        return None
    read_at = row.read_at
    if read_at is None:
        read_at = utc(now)
        conn.execute(notifications.update().where(notifications.c.id == row.id,
                                                  notifications.c.read_at.is_(None)).values(read_at=read_at))
    return {"id": row.id, "read_at": _iso(read_at), "unread_count": unread_count(conn, user_id)}


def mark_all_read(conn: sa.Connection, user_id: int, now: dt.datetime) -> int:
    result = conn.execute(notifications.update().where(
        _inbox(user_id), notifications.c.read_at.is_(None)).values(read_at=utc(now)))
    return result.rowcount


def list_deliveries(conn: sa.Connection, statuses: Iterable[str], *, page: int = 1,
                    per_page: int = 50) -> Page:
    """Deliveries in ``statuses`` with their error, newest notification first (never secrets)."""
    condition = deliveries.c.status.in_(tuple(statuses))
    joined = deliveries.join(notifications, deliveries.c.notification_id == notifications.c.id).join(
        users, notifications.c.user_id == users.c.id)
    total = conn.execute(sa.select(sa.func.count()).select_from(deliveries).where(condition)).scalar_one()
    rows = conn.execute(
        sa.select(deliveries.c.id, deliveries.c.notification_id, deliveries.c.channel,
                  deliveries.c.target, deliveries.c.status, deliveries.c.attempts,
                  deliveries.c.next_attempt_at, deliveries.c.last_error, deliveries.c.sent_at,
                  notifications.c.kind, notifications.c.title, notifications.c.created_at,
                  notifications.c.object, notifications.c.record_id, users.c.username)
        .select_from(joined).where(condition)
        .order_by(notifications.c.created_at.desc(), deliveries.c.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    items = tuple({"id": r.id, "notification_id": r.notification_id, "channel": r.channel,
                   "target": r.target, "status": r.status, "attempts": r.attempts,
                   "next_attempt_at": _iso(r.next_attempt_at), "last_error": r.last_error,
                   "sent_at": _iso(r.sent_at), "kind": r.kind, "title": r.title,
                   "object": r.object, "record_id": r.record_id, "user": r.username,
                   "created_at": _iso(r.created_at)} for r in rows)
    return Page(items=items, total=total, page=page, per_page=per_page)
