"""Routes: ``GET /api/v1/scoring`` (the models the caller may read), ``GET /api/v1/scoring/<model>/top``
(the Top-N as JSON), ``POST /api/v1/scoring/<model>/recompute`` (admin/analyst: recompute now), and
the page ``/app/scoring/<model>`` (the same Top-N as HTML, linked to the records). Behind login
(the app-wide guard); the lists respect record permissions."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from runtime.i18n import current_language, pick_label
from runtime.records import RecordService
from runtime.records.errors import RecordError
from runtime.scoring.models import UnknownModel, models
from runtime.scoring.recompute import recompute
from runtime.scoring.top import find_model, number_text, top_list
from runtime.services import services
from runtime.web_errors import json_error

api = Blueprint("scoring_api", __name__, url_prefix="/api/v1/scoring")
pages = Blueprint("scoring", __name__, url_prefix="/app/scoring")
RECOMPUTE_ROLES = ("admin", "analyst")


def _service() -> RecordService:
    return RecordService(services(), current_user._get_current_object(), lang=current_language())


@api.errorhandler(RecordError)
def _record_error(exc: RecordError):
    return json_error(exc.status, exc.message, exc.code)


def readable_models(service: RecordService) -> list[dict]:
    """The scoring models whose records the caller may read."""
    out = []
    for m in models(service.schema):
        try:
            find_model(service, m.name)
        except RecordError:
            continue
        out.append({"model": m.name, "object": m.object, "label": pick_label(m.label) or m.name,
                    "limit": m.top_limit, "every_hours": m.every_hours, "cron": m.cron})
    return out


def home_links() -> list[dict]:
    """For the home page: a Top-N link per model the signed-in user may read."""
    try:
        found = readable_models(_service())
    except Exception:  # noqa: BLE001 - no published app yet
        return []
    return [{"label": m["label"], "limit": m["limit"],
             "href": url_for("scoring.scoring_page", model_name=m["model"])} for m in found]


@api.get("")
def scoring_models():
    """The scoring models whose records the caller may read."""
    return jsonify({"models": readable_models(_service())})


@api.get("/<model_name>/top")
def scoring_top(model_name: str):
    """The top-scored records of a model that the caller may read."""
    service = _service()
    with services().engine.connect() as conn:
        return jsonify(top_list(service, model_name, conn).to_json())


@api.post("/<model_name>/recompute")
def scoring_recompute(model_name: str):
    """Recompute a model now (admin, analyst)."""
    if current_user.role not in RECOMPUTE_ROLES:
        return json_error(403, _("You do not have permission to do this."), "forbidden")
    try:
        changed = recompute(services(), model_name)
    except UnknownModel:
        return json_error(404, _("There is no scoring model called %(name)s.", name=model_name), "not_found")
    except sa.exc.DBAPIError as exc:   # e.g. a score too large for its field
        return json_error(422, _("The scores could not be computed: %(why)s", why=str(exc.orig)[:300]),
                          "scoring_failed")
    return jsonify({"model": model_name, "changed": changed})


@pages.get("/<model_name>")
def scoring_page(model_name: str):
    service = _service()
    try:
        with services().engine.connect() as conn:
            top = top_list(service, model_name, conn)
    except RecordError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    return render_template("runtime/scoring_top.html", top=top, number=number_text)
