"""System tables owned by the runtime: users, teams, API tokens, login attempts."""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ROLES = ("admin", "analyst", "manager", "rep", "consultant")

teams = sa.Table(
    "teams", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("label_zh", sa.String(200)),
    sa.Column("label_en", sa.String(200)),
    sa.Column("manager_id", sa.Integer, sa.ForeignKey("users.id", use_alter=True, name="fk_teams_manager")),
    sa.Column("region", sa.String(100)),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(150), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200)),
    sa.Column("email", sa.String(320)),
    sa.Column("password_hash", sa.String(300)),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), index=True),
    sa.Column("manager_id", sa.Integer, sa.ForeignKey("users.id"), index=True),
    sa.Column("region", sa.String(100)),
    sa.Column("locale", sa.String(10)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(100)),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


def create_all(conn: sa.Connection) -> None:
    metadata.create_all(conn)
