"""The signed-in user's start page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("home", __name__)


@bp.get("/")
def root():
    return redirect(url_for("home.index"))


@bp.get("/app")
def index():
    from runtime.ui.context import record_service
    from runtime.ui.home_panels import panels
    return render_template("runtime/home.html", user=current_user, panels=panels(record_service()))
