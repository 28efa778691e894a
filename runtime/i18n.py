"""Languages: zh-CN and en. The UI follows the user's setting, then a chosen language, then
``Accept-Language``. Metadata labels are ``{"zh-CN": ..., "en": ...}`` and fall back to each other."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = ("zh-CN", "en")
_BABEL_NAMES = {"zh-CN": "zh_Hans_CN", "en": "en"}
SOURCE = Path(__file__).with_name("translations")


def normalize(lang: str | None) -> str | None:
    """Map ``zh``, ``zh_CN``, ``zh-Hans`` ... to ``zh-CN`` and ``en-US`` ... to ``en``."""
    if not lang:
        return None
    low = lang.replace("_", "-").lower()
    if low.startswith("zh"):
        return "zh-CN"
    if low.startswith("en"):
        return "en"
    return None


def select_language() -> str:
    if not has_request_context():  # jobs, ticks, the CLI: the default language
        return "zh-CN"
    user_lang = getattr(current_user, "locale", None) if current_user else None
    for candidate in (session.get("lang"), user_lang):
        if normalize(candidate):
            return normalize(candidate)  # type: ignore[return-value]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"]) if request else None
    return normalize(best) or "zh-CN"


def current_language() -> str:
    """``zh-CN`` or ``en`` for the request being served."""
    loc = get_locale()
    return "zh-CN" if loc is not None and loc.language == "zh" else "en"


def pick_label(labels: Mapping[str, str] | str | None, lang: str | None = None) -> str:
    """The label in ``lang`` (default: the request's), else the other one."""
    if labels is None:
        return ""
    if isinstance(labels, str):
        return labels
    lang = lang or current_language()
    other = "en" if lang == "zh-CN" else "zh-CN"
    return labels.get(lang) or labels.get(other) or ""


def compile_translations(target: Path) -> Path:
    """Compile the shipped catalogues into ``target`` when they are newer (no build step).

    A language folder holds ``messages.po`` plus one ``<area>.po`` per feature area; they are
    merged into the one ``messages.mo`` Flask-Babel reads."""
    for folder in SOURCE.glob("*/LC_MESSAGES"):
        parts = sorted(folder.glob("*.po"))
        mo = target / folder.relative_to(SOURCE) / "messages.mo"
        if mo.exists() and all(mo.stat().st_mtime >= po.stat().st_mtime for po in parts):
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        catalog = read_catalog(parts)
        tmp = mo.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)
    return target


def read_catalog(parts: list[Path]):
    """One catalogue from several .po files (messages.po first; a later file adds to it)."""
    parts = sorted(parts, key=lambda p: (p.name != "messages.po", p.name))
    with parts[0].open("rb") as fh:
        catalog = read_po(fh)
    for po in parts[1:]:
        with po.open("rb") as fh:
            for message in read_po(fh):
                if message.id and message.string:
                    catalog[message.id] = message
    return catalog


def init_app(app: Flask, instance: Path) -> None:
    directory = compile_translations(instance / ".translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"
    Babel(app, locale_selector=lambda: _BABEL_NAMES[select_language()])
    app.jinja_env.globals.update(pick_label=pick_label, current_language=current_language,
                                 LANGUAGES=LANGUAGES)
