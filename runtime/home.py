"""The signed-in user's start page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

bp = Blueprint("home", __name__)

BUILTIN_ROLE_LABELS = {"admin": _l("Administrator"), "analyst": _l("Business analyst"), "manager": _l("Manager"),
                       "rep": _l("Sales rep"), "consultant": _l("Consultant")}


def role_label(schema: Any, role: str) -> str:
    """A role as people call it: a custom role's label from the metadata, a built-in role's
    translated name, else its key."""
    from runtime.i18n import pick_label
    custom = (getattr(schema, "roles", None) or {}).get(role)
    if isinstance(custom, dict) and custom.get("label"):
        return pick_label(custom["label"])
    return str(BUILTIN_ROLE_LABELS.get(role, role))


@bp.get("/")
def root():
    return redirect(url_for("home.index"))


@bp.get("/app")
def index():
    from runtime.ui.context import record_service
    from runtime.ui.home_panels import panels
    service = record_service()
    return render_template("runtime/home.html", user=current_user, panels=panels(service),
                           role=role_label(service.schema, current_user.role))
