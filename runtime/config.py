"""Configuration: environment + instance folder, validated once at start-up.

Every problem becomes a :class:`ConfigError` whose message is one clear line; entry points print it
and exit instead of showing a traceback.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from runtime.outbound import ALLOW_SETTING, parse_allow
from schema_store.database import normalize_url


class ConfigError(Exception):
    """A configuration problem, told in one line."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    secret_key: str
    database_url: str
    redis_url: str | None
    timezone: str
    testing: bool = False
    smtp_url: str | None = None
    mail_from: str | None = None
    outbound_allow: tuple[str, ...] = ()  # hosts and networks webhooks may reach although internal

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def embedded(self) -> bool:
        """True when jobs run inline (no Redis configured)."""
        return self.redis_url is None


def load_settings(overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``overrides`` (tests), then the environment, then defaults."""
    env = os.environ if env is None else env
    o = dict(overrides or {})

    def pick(key: str, env_key: str, default: Any = None) -> Any:
        if key in o:
            return o[key]
        value = env.get(env_key)
        return value if value not in (None, "") else default

    instance = Path(pick("instance_path", "CRM_INSTANCE_PATH", "instance")).expanduser().absolute()
    try:
        instance.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"CRM_INSTANCE_PATH {instance} cannot be created: {exc.strerror}") from None
    if not os.access(instance, os.W_OK):
        raise ConfigError(f"CRM_INSTANCE_PATH {instance} is not writable")

    database_url = _check_database_url(pick("database_url", "DATABASE_URL",
                                            f"sqlite:///{instance / 'crm.sqlite3'}"))
    redis_url = pick("redis_url", "REDIS_URL")
    if redis_url is not None and not str(redis_url).startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"REDIS_URL must start with redis://, rediss:// or unix://, got {redis_url!r}")
    timezone = pick("timezone", "CRM_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CRM_TIMEZONE {timezone!r} is not a known time zone (e.g. Asia/Shanghai)") from None
    secret = pick("secret_key", "SECRET_KEY") or _instance_secret(instance)
    if len(secret) < 16:
        raise ConfigError("SECRET_KEY must be at least 16 characters long")
    smtp_url = pick("smtp_url", "CRM_SMTP_URL")
    mail_from = pick("mail_from", "CRM_MAIL_FROM")
    try:
        outbound_allow = parse_allow(pick("outbound_allow", ALLOW_SETTING))
    except ValueError as exc:
        raise ConfigError(f"{ALLOW_SETTING}: {exc} (e.g. erp.local,10.0.0.0/8,127.0.0.1)") from None
    return Settings(instance_path=instance, secret_key=secret, database_url=database_url,
                    redis_url=redis_url, timezone=timezone, testing=bool(o.get("testing", False)),
                    smtp_url=smtp_url, mail_from=mail_from, outbound_allow=outbound_allow)


def _check_database_url(url: str) -> str:
    try:
        parsed = sa.make_url(normalize_url(str(url)))
    except Exception:  # noqa: BLE001 - SQLAlchemy raises several types for a bad URL
        raise ConfigError(f"DATABASE_URL {url!r} is not a database URL "
                          "(e.g. sqlite:///instance/crm.sqlite3 or postgresql://user@host/db)") from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(f"DATABASE_URL uses {parsed.get_backend_name()!r}; supported: sqlite, postgresql")
    return parsed.render_as_string(hide_password=False)


def _instance_secret(instance: Path) -> str:
    """The secret key generated on first start and kept in the instance folder."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
