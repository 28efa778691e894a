"""Who am I, my language, and the admin's user list."""
from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from runtime.api import bp
from runtime.api.body import json_object
from runtime.auth import requires_role
from runtime.i18n import normalize
from runtime.services import services
from runtime.system_tables import teams, users
from runtime.web_errors import json_error
from schema_store.database import begin_write


def _actor_json(actor) -> dict:
    return {"id": actor.id, "username": actor.username, "display_name": actor.display_name,
            "role": actor.role, "team": actor.team, "manager_id": actor.manager_id,
            "region": actor.region, "locale": actor.locale}


@bp.get("/me")
def me():
    return jsonify(_actor_json(current_user))


@bp.post("/me/locale")
def set_locale():
    lang = normalize(str(json_object().get("locale", "")))
    if lang is None:
        return json_error(422, _("Choose zh-CN or en."), errors={"locale": [_("Choose zh-CN or en.")]})
    with begin_write(services().engine) as conn:
        conn.execute(users.update().where(users.c.id == current_user.id).values(locale=lang))
    return jsonify({"locale": lang})


@bp.get("/admin/users")
@requires_role("admin")
def list_users():
    query = (sa.select(users.c.id, users.c.username, users.c.display_name, users.c.role,
                       users.c.manager_id, users.c.active, teams.c.name.label("team"))
             .select_from(users.outerjoin(teams, users.c.team_id == teams.c.id)).order_by(users.c.id))
    with services().engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return jsonify({"users": rows})
