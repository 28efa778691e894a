"""The public routes: ``/f/<key>`` (GET renders, POST creates), ``/f/<key>/embed.js`` (the script-tag
embed) and ``/f/<key>/share`` (the embed snippets, for signed-in analysts). Public pages have their
own minimal layout, set no cookie, may be framed (``frame-ancestors``), and are protected by the
signed idempotency token, a honeypot, an optional minimum fill time and per-IP rate limits
instead of a session CSRF token."""
from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from runtime.auth import public, requires_role
from runtime.i18n import current_language, normalize, pick_label
from runtime.automation.context import render as render_label
from runtime.public_forms import rate_limit, submission, tokens
from runtime.public_forms.channel import Visit, channel_of
from runtime.public_forms.definition import PublicForm, load_form
from runtime.public_forms.page import build_fields, other_errors
from runtime.public_forms.snippets import embed_snippets
from runtime.services import services
from schema_store import AppSchema

bp = Blueprint("public_forms", __name__)
HONEYPOT = "homepage"
MAX_BODY = 256 * 1024


def _live(key: str) -> tuple[AppSchema, PublicForm | None]:
    """The live schema and its active form ``key`` (None when there is no such form)."""
    svc = services()
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
    if len(key) > 63:
        return schema, None
    return schema, svc.memo.get(("public_form", schema.version, schema.checksum, key), lambda: load_form(schema, key))


def _form(key: str) -> PublicForm | None:
    return _live(key)[1]


@bp.before_request
def _bound_body() -> Response | None:
    """A public form accepts a small body only (checked before anything reads the form)."""
    request.max_content_length = MAX_BODY
    if (request.content_length or 0) > MAX_BODY:
        return _too_large(None)
    return None


def _too_large(form: PublicForm | None) -> Response:
    return _message(413, _("Too much data"), _("What you sent is too large for this form."), form)


def _value(name: str) -> str | None:
    """A query or (small) form value; never raises on an over-large body."""
    try:
        return request.values.get(name)
    except RequestEntityTooLarge:
        return request.args.get(name)


def _lang() -> str | None:
    return normalize(_value("lang"))


def _embedded() -> bool:
    return _value("embed") == "1"


def _localized(view):
    """Run the view in the language of ``?lang=`` (or the hidden ``lang`` field), else the browser's."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        lang = _lang()
        if lang is None:
            return view(*args, **kwargs)
        with force_locale("zh_Hans_CN" if lang == "zh-CN" else "en"):
            return view(*args, **kwargs)
    return wrapper


@bp.context_processor
def _page_context() -> dict[str, Any]:
    """What every public page needs: embed mode, the chosen language, links to the other language."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    urls = [(code, name, request.path + "?" + urlencode([*args, ("lang", code)]))
            for code, name in (("zh-CN", "中文"), ("en", "English"))]
    return {"embed": _embedded(), "lang_param": _lang(), "lang_urls": urls}


def _framable(response: Response, form: PublicForm | None) -> Response:
    ancestors = " ".join(form.embed_origins) if form is not None and form.embed_origins else "*"
    response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers.pop("X-Frame-Options", None)
    return response


def _message(status: int, title: str, message: str, form: PublicForm | None = None, **headers: str) -> Response:
    response = Response(render_template("forms/message.html", title=title, message=message), status)
    response.headers.update(headers)
    return _framable(response, form)


def _unavailable() -> Response:
    return _message(404, _("Form not found"), _("This form does not exist or is no longer available."))


def _visit() -> Visit:
    if request.method == "POST":
        return Visit.from_request(request.form, request.form.get("ref"))
    return Visit.from_request(request.args, request.referrer)


def _render(form: PublicForm, visit: Visit, values: dict[str, Any], *, errors=None, rules=(), notice: str = "",
            status: int = 200) -> Response:
    svc = services()
    channel = channel_of(form.channel, visit, form.channel_options())
    fields = build_fields(form, values, errors or {}, channel=channel, label=pick_label, tz=svc.settings.tz)
    messages = [*rules, *other_errors(form, errors or {}, pick_label)]
    html = render_template(
        "forms/page.html", form=form, fields=fields, messages=messages, notice=notice,
        title=pick_label(form.title), description=pick_label(form.description) if form.description else "",
        token=tokens.issue(svc.settings.secret_key, form.key, svc.clock.now()), visit=visit.hidden_fields(),
        honeypot=HONEYPOT, action=url_for("public_forms.form_page", form_key=form.key))
    return _framable(Response(html, status), form)


@bp.route("/f/<form_key>", methods=["GET", "POST"])
@public
@_localized
def form_page(form_key: str):
    schema, form = _live(form_key)
    if form is None:
        return _unavailable()
    svc = services()
    if request.method == "GET":
        return _render(form, _visit(), submission.defaults(svc, schema, form, submission.PAGE_ACTOR))
    try:
        posted = request.form
    except RequestEntityTooLarge:
        return _too_large(form)
    wait = rate_limit.hit(svc, form, request.remote_addr or "unknown")
    if wait is not None:
        return _message(429, _("Too many submissions"), _(
            "Too many submissions from your network; please try again in %(n)s seconds.", n=wait), form,
            **{"Retry-After": str(wait)})
    visit = _visit()
    if posted.get(HONEYPOT):
        return _thanks(form, {})          # a bot filled the hidden field: it "succeeds", nothing is kept
    data, errors = submission.read_input(form, posted)
    now = svc.clock.now()
    token = tokens.read(svc.settings.secret_key, posted.get("_token"), form.key, now)
    if token is None:
        return _render(form, visit, data, errors=errors, status=400, notice=_(
            "This page was open too long or was not sent from our form; check your entries and send it again."))
    if (now - token.issued_at).total_seconds() < form.min_fill_seconds:
        return _render(form, visit, data, errors=errors, status=400,
                       notice=_("That was very fast. Please check your entries and send the form again."))
    if errors:
        return _render(form, visit, data, errors=errors, status=422,
                       notice=_("Some values need your attention."))
    outcome = submission.submit(svc, schema, form, data, visit, token, lang=current_language())
    if not outcome.ok:
        return _render(form, visit, data, errors=outcome.errors, rules=outcome.rules, status=422,
                       notice=_("Some values need your attention."))
    if form.redirect_url:
        return _framable(redirect(form.redirect_url, 303), form)
    return _thanks(form, outcome.record or {})


def _thanks(form: PublicForm, record: dict[str, Any]) -> Response:
    text = render_label(form.thank_you, record, current_language()) if form.thank_you else ""
    html = render_template("forms/thanks.html", form=form, title=pick_label(form.title),
                           message=text or _("Thank you. We have received your details and will be in touch soon."))
    return _framable(Response(html, 200), form)


@bp.route("/f/<form_key>/embed.js")
@public
def embed_script(form_key: str):
    form = _form(form_key)
    if form is None:
        return Response("/* form not found */", 404, mimetype="text/javascript")
    src = url_for("public_forms.form_page", form_key=form.key, _external=True)
    js = render_template("forms/embed.js", src=json.dumps(src), title=json.dumps(pick_label(form.title)))
    response = Response(js, mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/f/<form_key>/share")
@requires_role("analyst")
def share(form_key: str):
    form = _form(form_key)
    if form is None:
        return _unavailable()
    title = pick_label(form.title)
    snippets = embed_snippets(url_for("public_forms.form_page", form_key=form.key, _external=True), title)
    return render_template("forms/share.html", form=form, title=title, snippets=snippets)
