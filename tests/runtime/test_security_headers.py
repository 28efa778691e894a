"""Other sites cannot frame the app (clickjacking); public forms, made to be embedded, can."""
from __future__ import annotations

from tests.fixtures_app import Users


def test_app_pages_refuse_to_be_framed_by_other_sites(app):
    Users(app).add("rep", "rep")
    client = app.test_client()
    for url in ("/login", "/healthz"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
