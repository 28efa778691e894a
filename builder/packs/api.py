"""``POST /api/v1/packs/import?dry_run=1&prefer=pack|local`` and ``GET /api/v1/packs``.

The pack comes as a .zip (multipart field ``file``, or the raw body with ``Content-Type:
application/zip``) or as ``{"template": "medical"}`` naming a bundled starter template;
``{"prefer": {"/json/pointer": "pack"}}`` resolves single conflicts."""
from __future__ import annotations

import re
import zipfile

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from builder.packs.format import PackInvalid, load_pack
from builder.packs.installer import ImportRefused, import_pack, installed, plan_import
from runtime.auth import requires_role
from runtime.i18n import current_language
from runtime.services import services
from runtime.web_errors import json_error

bp = Blueprint("packs", __name__, url_prefix="/api/v1/packs")
PACK_ROLES = ("consultant", "analyst")


def _source():
    upload = request.files.get("file")
    if upload is not None:
        return upload.read()
    if request.mimetype in ("application/zip", "application/octet-stream"):
        return request.get_data()
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("template"), str) and re.fullmatch(r"[a-z][a-z0-9_]{0,30}", body["template"]):
        from builder.packs import TEMPLATES
        return TEMPLATES / body["template"]
    return None


def _prefer():
    body = request.get_json(silent=True) if request.is_json else None
    per_item = body.get("prefer") if isinstance(body, dict) else None
    overall = request.args.get("prefer")
    if overall not in (None, "pack", "local"):
        return False
    if isinstance(per_item, dict):
        if not all(isinstance(k, str) and v in ("pack", "local") for k, v in per_item.items()):
            return False
        return {**({"*": overall} if overall else {}), **per_item}
    if isinstance(per_item, str) and per_item in ("pack", "local"):
        return per_item
    return overall


def _invalid(problems, status=422, code="pack_invalid"):
    lang = current_language()
    dicts = [p.to_dict(lang) for p in problems]
    return json_error(status, dicts[0]["message"] if dicts else _("The pack is not valid."), code, problems=dicts)


@bp.post("/import")
@requires_role(*PACK_ROLES)
def import_pack_view():
    """Import a pack (dry_run=1: only the plan)."""
    source = _source()
    if source is None:
        return json_error(400, _("Send the pack as a .zip (field 'file') or name a bundled template."), "bad_request")
    prefer = _prefer()
    if prefer is False:
        return json_error(400, _("prefer must be 'pack' or 'local'."), "bad_request")
    try:
        pack = load_pack(source)
    except PackInvalid as exc:
        return _invalid(exc.problems)
    except (zipfile.BadZipFile, OSError, ValueError):
        return json_error(400, _("The upload is not a readable .zip."), "bad_request")
    svc = services()
    lang = current_language()
    if request.args.get("dry_run", "").lower() in ("1", "true", "yes"):
        with svc.engine.connect() as conn:
            plan = plan_import(conn, pack, prefer=prefer)
        return jsonify({"dry_run": True, **plan.to_dict(lang)}), 200
    try:
        result = import_pack(svc, pack, actor_id=current_user.id, prefer=prefer)
    except ImportRefused as exc:
        body = exc.plan.to_dict(lang)
        status = 409 if exc.plan.conflicts else 422
        return json_error(status, _("Resolve the conflicts first: nothing was imported.") if exc.plan.conflicts
                          else _("The pack cannot be imported."),
                          "pack_conflicts" if exc.plan.conflicts else "pack_invalid", plan=body)
    except PackInvalid as exc:
        return _invalid(exc.problems)
    return jsonify({"dry_run": False, "version": result.version, "loaded": result.loaded,
                    **result.plan.to_dict(lang)}), 200


@bp.get("")
@requires_role(*PACK_ROLES)
def list_packs_view():
    """The installed packs."""
    with services().engine.connect() as conn:
        packs = installed(conn)
    return jsonify({"packs": [{"name": n, "version": p["version"], "title": p["title"], "namespace": p["namespace"],
                               "installed_at": p["installed_at"].isoformat() if p["installed_at"] else None}
                              for n, p in sorted(packs.items())]})
