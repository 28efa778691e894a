"""Response headers every page gets: no framing by other sites (clickjacking), no MIME sniffing,
no full URLs leaked to other sites. A view that may be framed (public forms) sets its own
``Content-Security-Policy: frame-ancestors ...``, which is then left alone."""
from __future__ import annotations

from flask import Flask, Response


def secure(response: Response) -> Response:
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure)
