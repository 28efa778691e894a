"""Localized message templates (notification titles and bodies, e-mails, webhook texts).

A template is ``{"zh-CN": "...", "en": "..."}`` (or one plain string for every language) in
Jinja2 syntax, rendered in a sandbox: it can read what the context hands it (``record``,
``stage``, ``hours`` ...) and nothing else. Missing variables and fields render as empty text.
HTML output is autoescaped; text output (e-mail text part, SMS-like channels) is not.

    tpl = compile_message({"zh-CN": "{{ record.name }} 在「{{ stage }}」已停留 {{ hours }} 小时"})
    tpl.render({"record": {"name": "协和医院"}, "stage": "述标安排", "hours": 73}, "zh-CN")

Syntax errors raise :class:`MessageTemplateError` with the language and the line, so metadata
validation can point at the right input; :func:`check_message` collects them all instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import jinja2
from jinja2.sandbox import SandboxedEnvironment

LANGUAGES = ("zh-CN", "en")
MAX_SOURCE = 20_000
MAX_OUTPUT = 100_000


class MessageTemplateError(ValueError):
    """A template that cannot be compiled or rendered, with where it went wrong."""

    def __init__(self, message: str, *, lang: str | None = None, line: int | None = None,
                 excerpt: str | None = None):
        self.message = message
        self.lang = None if lang == "*" else lang  # "*": one text for every language
        self.line = line
        self.excerpt = excerpt
        where = ", ".join(p for p in (f"language {lang}" if lang else "",
                                      f"line {line}" if line else "") if p)
        super().__init__(f"{message} ({where})" if where else message)

    @property
    def path(self) -> str:
        """A JSON pointer below the template value (``/zh-CN``), empty for a plain string."""
        return f"/{self.lang}" if self.lang else ""


def _environment(html: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=html, undefined=jinja2.ChainableUndefined,
                                keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


_ENVIRONMENTS = {False: _environment(False), True: _environment(True)}


@dataclass(frozen=True)
class MessageTemplate:
    """A compiled template: one Jinja template per language it was given in."""

    sources: tuple[tuple[str, str], ...]
    html: bool
    _compiled: tuple[tuple[str, jinja2.Template], ...]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _src in self.sources)

    def render(self, context: Mapping[str, Any], lang: str | None = None) -> str:
        """Render in ``lang`` (falls back to the other language, then to whatever is there)."""
        compiled = dict(self._compiled)
        if not compiled:
            return ""
        choice = _pick(compiled, lang)
        try:
            text = compiled[choice].render(dict(context))
        except jinja2.TemplateError as exc:  # SecurityError, a filter misused, ...
            raise MessageTemplateError(str(exc.message or exc), lang=choice) from None
        except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
            raise MessageTemplateError(f"cannot render: {exc}", lang=choice) from None
        if len(text) > MAX_OUTPUT:
            raise MessageTemplateError(f"the rendered text is longer than {MAX_OUTPUT} characters",
                                       lang=choice)
        return text


def _pick(compiled: Mapping[str, Any], lang: str | None) -> str:
    if "*" in compiled:
        return "*"
    other = "en" if lang == "zh-CN" else "zh-CN"
    for candidate in (lang, other, *compiled):
        if candidate in compiled:
            return candidate  # type: ignore[return-value]
    raise AssertionError("unreachable")


def _sources(template: Mapping[str, str] | str | None) -> list[tuple[str, str]]:
    if template is None:
        return []
    if isinstance(template, str):
        return [("*", template)]
    if not isinstance(template, Mapping):
        raise MessageTemplateError("a template is text or {\"zh-CN\": ..., \"en\": ...}")
    found = []
    for lang, source in template.items():
        if lang not in LANGUAGES:
            raise MessageTemplateError(f"unknown language {lang!r}; use zh-CN or en", lang=lang)
        if source is None:
            continue
        if not isinstance(source, str):
            raise MessageTemplateError("a template is text", lang=lang)
        found.append((lang, source))
    return found


def _compile_one(lang: str, source: str, html: bool) -> jinja2.Template:
    if len(source) > MAX_SOURCE:
        raise MessageTemplateError(f"a template is at most {MAX_SOURCE} characters", lang=lang)
    try:
        return _ENVIRONMENTS[html].from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        lines = source.splitlines()
        line = exc.lineno if exc.lineno and exc.lineno <= len(lines) else None
        raise MessageTemplateError(exc.message or "syntax error", lang=lang, line=exc.lineno,
                                   excerpt=lines[line - 1] if line else None) from None


def compile_message(template: Mapping[str, str] | str | None, *, html: bool = False) -> MessageTemplate:
    """Compile every language of ``template``; the first problem raises MessageTemplateError."""
    sources = _sources(template)
    compiled = tuple((lang, _compile_one(lang, src, html)) for lang, src in sources)
    return MessageTemplate(sources=tuple(sources), html=html, _compiled=compiled)


def check_message(template: Any, *, html: bool = False) -> list[MessageTemplateError]:
    """Every problem of ``template`` (all languages), for metadata validation; empty when fine."""
    try:
        sources = _sources(template)
    except MessageTemplateError as exc:
        return [exc]
    problems = []
    for lang, source in sources:
        try:
            _compile_one(lang, source, html)
        except MessageTemplateError as exc:
            problems.append(exc)
    return problems


def render_message(template: Mapping[str, str] | str | None, context: Mapping[str, Any],
                   lang: str | None = None, *, html: bool = False) -> str:
    """Compile and render in one go (compile once with :func:`compile_message` when reusing)."""
    return compile_message(template, html=html).render(context, lang)
