"""Sign-in (session cookie), API tokens (Bearer), and the rule that every route needs a user
unless it is explicitly marked :func:`public`."""
from __future__ import annotations

import datetime as dt
import functools
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from runtime import users
from schema_store.database import IMMEDIATE, begin_write
from runtime.i18n import normalize
from runtime.services import services
from runtime.web_errors import json_error, wants_json

bp = Blueprint("auth", __name__)
TOKEN_TOUCH_EVERY = dt.timedelta(minutes=1)
csrf = CSRFProtect()
login_manager = LoginManager()


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in."""
    view._crm_public = True  # type: ignore[attr-defined]
    return view


def requires_role(*roles: str) -> Callable:
    """Allow only these roles (admin always passes)."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            if not current_user.has_role(*roles):
                if wants_json():
                    return json_error(403, _("You do not have permission to do this."))
                return render_template("error.html", status=403,
                                       message=_("You do not have permission to do this.")), 403
            return view(*args, **kwargs)
        return wrapper
    return decorate


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@login_manager.user_loader
def _load_user(user_id: str):
    if bearer_token():
        return None  # a Bearer request is judged by its token alone
    with services().engine.connect() as conn:
        return users.get_actor(conn, int(user_id)) if user_id.isdigit() else None


@login_manager.request_loader
def _load_from_token(_req):
    token = bearer_token()
    if not token:
        return None
    svc = services()
    with svc.engine.connect() as conn:
        actor, token_id, last_used = users.actor_for_token(conn, token)
    now = svc.clock.now()
    if token_id is not None and (last_used is None or now - last_used > TOKEN_TOUCH_EVERY):
        # written at most once a minute, in its own write transaction
        with svc.engine.connect().execution_options(**{IMMEDIATE: True}) as conn, conn.begin():
            users.touch_token(conn, token_id, now)
    return actor


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return json_error(401, _("Please sign in."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _enforce_login():
    """Runs before every request: public views pass, the rest need a user and (for cookies) CSRF."""
    view = current_app_view()
    if view is None or request.endpoint == "static" or getattr(view, "_crm_public", False):
        return None
    if not current_user.is_authenticated:
        return _unauthorized()
    if request.method not in ("GET", "HEAD", "OPTIONS") and not bearer_token():
        csrf.protect()
    return None


def current_app_view():
    from flask import current_app
    if request.endpoint is None:
        return None
    return current_app.view_functions.get(request.endpoint)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    if form.validate_on_submit():
        svc = services()
        with begin_write(svc.engine) as conn:
            actor = users.authenticate(conn, form.username.data.strip(), form.password.data,
                                       now=svc.clock.now())
        if actor is not None:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(actor)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong user name or password, or the account is locked for a while."), "error")
    elif request.method == "POST":
        flash(_("Enter your user name and password."), "error")
    return render_template("runtime/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang  # the chosen language outlives the sign-in
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    csrf.protect()
    lang = normalize(code)
    if lang:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in _enforce_login instead
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.before_request(_enforce_login)
    app.register_blueprint(bp)
