"""One error shape for the API and one page for the UI; 4xx for the caller's mistakes, never 500.

API errors are ``{"error": {"code": "...", "message": "..."}}`` (plus section-specific keys such as
``errors`` on 422). Messages follow the request's language.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid", 429: "rate_limited", 500: "server_error", 503: "unavailable"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status: int, message: str, code: str | None = None, **extra: Any) -> Response:
    body = {"error": {"code": code or _CODES.get(status, "error"), "message": message}}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The upload is too large."),
        500: _("Something went wrong on our side; the error was logged."),
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        msg = _("Your form expired or was sent from elsewhere; reload the page and try again.")
        if wants_json():
            return json_error(400, msg, "csrf")
        return render_template("error.html", status=400, message=msg), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        msg = _messages().get(status, exc.description or "")
        if wants_json():
            return json_error(status, msg)
        return render_template("error.html", status=status, message=msg), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        msg = _messages()[500]
        if wants_json():
            return json_error(500, msg)
        return render_template("error.html", status=500, message=msg), 500
