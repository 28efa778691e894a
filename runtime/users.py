"""Users, teams and API tokens: the only module that writes those tables."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from runtime.system_tables import ROLES, api_tokens, teams, users

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
TOKEN_PREFIX = "crm_"


class UserError(ValueError):
    """A caller's mistake about users (unknown role, duplicate name, ...)."""


@dataclass(frozen=True)
class Actor(UserMixin):
    """Who is acting: a signed-in user or a token's owner. Immutable; rebuilt per request."""

    id: int
    username: str
    role: str
    display_name: str | None = None
    team_id: int | None = None
    manager_id: int | None = None
    region: str | None = None
    locale: str | None = None
    team: str | None = None

    def get_id(self) -> str:
        return str(self.id)

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _actor(row: sa.Row, team_name: str | None = None) -> Actor:
    return Actor(id=row.id, username=row.username, role=row.role, display_name=row.display_name,
                 team_id=row.team_id, manager_id=row.manager_id, region=row.region,
                 locale=row.locale, team=team_name)


_ACTOR_QUERY = sa.select(users, teams.c.name.label("team_name")).select_from(
    users.outerjoin(teams, users.c.team_id == teams.c.id))


def get_actor(conn: sa.Connection, user_id: int) -> Actor | None:
    row = conn.execute(_ACTOR_QUERY.where(users.c.id == user_id, users.c.active.is_(True))).first()
    return _actor(row, row.team_name) if row else None


def find_user_id(conn: sa.Connection, username: str) -> int | None:
    return conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar()


def ensure_team(conn: sa.Connection, name: str, *, label_zh: str | None = None,
                label_en: str | None = None, manager_id: int | None = None) -> int:
    """Return the team's id, creating it when missing."""
    team_id = conn.execute(sa.select(teams.c.id).where(teams.c.name == name)).scalar()
    if team_id is None:
        team_id = conn.execute(teams.insert().values(
            name=name, label_zh=label_zh, label_en=label_en, manager_id=manager_id)).inserted_primary_key[0]
    elif manager_id is not None:
        conn.execute(teams.update().where(teams.c.id == team_id).values(manager_id=manager_id))
    return team_id


def create_user(conn: sa.Connection, username: str, role: str, *, password: str | None = None,
                team: str | None = None, manager: str | None = None, display_name: str | None = None,
                email: str | None = None, region: str | None = None, locale: str | None = None,
                now: dt.datetime | None = None, extra_roles: tuple[str, ...] = ()) -> int:
    """Create a user; ``team`` and ``manager`` are names; ``extra_roles`` are the roles the live
    metadata declares besides the built-in ones. Raises :class:`UserError` on bad input."""
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise UserError("a user name is 1 to 150 characters")
    if role not in ROLES and role not in extra_roles:
        raise UserError(f"unknown role {role!r}; roles: {', '.join((*ROLES, *extra_roles))}")
    if find_user_id(conn, username) is not None:
        raise UserError(f"user {username!r} already exists")
    manager_id = None
    if manager:
        manager_id = find_user_id(conn, manager)
        if manager_id is None:
            raise UserError(f"manager {manager!r} does not exist")
    team_id = ensure_team(conn, team) if team else None
    return conn.execute(users.insert().values(
        username=username, role=role, display_name=display_name, email=email, region=region,
        locale=locale, team_id=team_id, manager_id=manager_id,
        password_hash=generate_password_hash(password) if password else None,
        created_at=now or _utcnow())).inserted_primary_key[0]


def set_password(conn: sa.Connection, user_id: int, password: str) -> None:
    if len(password) < 8:
        raise UserError("a password has at least 8 characters")
    conn.execute(users.update().where(users.c.id == user_id).values(
        password_hash=generate_password_hash(password), failed_logins=0, locked_until=None))


def password_matches(conn: sa.Connection, user_id: int, password: str) -> bool:
    stored = conn.execute(sa.select(users.c.password_hash).where(users.c.id == user_id)).scalar()
    return bool(stored) and check_password_hash(stored, password)


def authenticate(conn: sa.Connection, username: str, password: str,
                 now: dt.datetime | None = None) -> Actor | None:
    """Check a password. Repeated failures lock the account for a while; callers show one
    generic message whatever the reason, so names cannot be probed."""
    now = now or _utcnow()
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None or not row.active:
        check_password_hash(_DUMMY_HASH, password)  # same work as a real check
        return None
    locked = _aware(row.locked_until)
    if locked is not None and locked > now:
        return None
    if row.password_hash and check_password_hash(row.password_hash, password):
        conn.execute(users.update().where(users.c.id == row.id).values(failed_logins=0, locked_until=None))
        return get_actor(conn, row.id)
    failed = row.failed_logins + 1
    conn.execute(users.update().where(users.c.id == row.id).values(
        failed_logins=0 if failed >= MAX_FAILED_LOGINS else failed,
        locked_until=now + LOCKOUT if failed >= MAX_FAILED_LOGINS else row.locked_until))
    return None


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(conn: sa.Connection, user_id: int, name: str | None = None,
                 now: dt.datetime | None = None) -> str:
    """Make an API token; only its hash is stored, so the token is shown exactly once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(api_tokens.insert().values(user_id=user_id, name=name, prefix=token[:10],
                                            token_hash=_hash_token(token), created_at=now or _utcnow()))
    return token


def revoke_tokens(conn: sa.Connection, user_id: int, now: dt.datetime | None = None) -> int:
    result = conn.execute(api_tokens.update().where(
        api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None)).values(revoked_at=now or _utcnow()))
    return result.rowcount


def actor_for_token(conn: sa.Connection, token: str) -> tuple[Actor | None, int | None, dt.datetime | None]:
    """The token's user, the token id and when it was last used (None, None, None if invalid)."""
    row = conn.execute(sa.select(api_tokens.c.id, api_tokens.c.user_id, api_tokens.c.last_used_at).where(
        api_tokens.c.token_hash == _hash_token(token), api_tokens.c.revoked_at.is_(None))).first()
    if row is None:
        return None, None, None
    return get_actor(conn, row.user_id), row.id, _aware(row.last_used_at)


def touch_token(conn: sa.Connection, token_id: int, now: dt.datetime) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(last_used_at=now))


def subordinate_ids(conn: sa.Connection, manager_id: int) -> set[int]:
    """Everyone below a manager in the hierarchy (rep -> manager -> director), the manager excluded."""
    found: set[int] = set()
    frontier = {manager_id}
    while frontier:
        rows = conn.execute(sa.select(users.c.id).where(users.c.manager_id.in_(frontier))).scalars().all()
        frontier = set(rows) - found - {manager_id}
        found |= frontier
    return found
