"""Idempotency tokens: the page carries a signed token; the first submit that uses it stores its
hash with the record it created (in the save's own transaction, so a second submit of the same
token either finds that row or fails on the unique index and then finds it)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from runtime.public_forms.tables import form_submissions

SALT = "crm.public-form.v1"
MAX_AGE = dt.timedelta(days=2)
MAX_TOKEN = 400


@dataclass(frozen=True)
class Token:
    nonce_hash: str
    issued_at: dt.datetime


def issue(secret: str, form_key: str, now: dt.datetime) -> str:
    payload = {"f": form_key, "n": secrets.token_urlsafe(18), "t": int(now.timestamp())}
    return URLSafeSerializer(secret, salt=SALT).dumps(payload)


def read(secret: str, token: object, form_key: str, now: dt.datetime) -> Token | None:
    """The token's content when it is ours, for this form, and not older than two days."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("f") != form_key:
        return None
    nonce, issued = payload.get("n"), payload.get("t")
    if not isinstance(nonce, str) or not isinstance(issued, int):
        return None
    issued_at = dt.datetime.fromtimestamp(issued, dt.timezone.utc)
    if now - issued_at > MAX_AGE or issued_at - now > dt.timedelta(minutes=5):
        return None
    return Token(hashlib.sha256(nonce.encode()).hexdigest(), issued_at)


def used(conn: sa.Connection, token: Token) -> tuple[bool, int | None]:
    """(was the token used, the record it created)."""
    row = conn.execute(sa.select(form_submissions.c.record_id).where(
        form_submissions.c.token_hash == token.nonce_hash)).first()
    return (row is not None, row.record_id if row is not None else None)


def mark_used(conn: sa.Connection, token: Token, form_key: str, object_name: str, record_id: int | None,
              now: dt.datetime) -> None:
    """Raises IntegrityError when the token was used meanwhile (the caller's transaction rolls back)."""
    conn.execute(form_submissions.insert().values(token_hash=token.nonce_hash, form_key=form_key,
                                                  object=object_name, record_id=record_id, created_at=now))
