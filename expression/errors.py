"""The one exception type of the expression language, with positions, caret excerpts and hints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from expression.nodes import Span

LOCALES = ("en", "zh-CN")


@dataclass(frozen=True, slots=True)
class Text:
    """A message in both UI languages."""

    en: str
    zh: str

    def get(self, locale: str = "en") -> str:
        return self.zh if locale.lower().startswith("zh") else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh-CN": self.zh}


class ExpressionError(Exception):
    """Every problem with user input: syntax, types, limits, runtime values, SQL capability.

    ``errors`` holds all problems found (this one first); ``code`` is a stable snake_case id.
    Lines and columns are 1-based; ``end_column`` points just past the last character.
    """

    def __init__(self, code: str, message: Text, *, source: str = "", span: Span | None = None,
                 hint: Text | None = None, errors: list[ExpressionError] | None = None) -> None:
        self.code = code
        self.text = message
        self.source = source
        self.span = span
        self.hint_text = hint
        self.errors: list[ExpressionError] = errors if errors is not None else [self]
        super().__init__(self._render())

    # -- convenient views -------------------------------------------------------------------
    @property
    def message(self) -> str:
        return self.text.en

    @property
    def messages(self) -> dict[str, str]:
        return self.text.as_dict()

    @property
    def hint(self) -> dict[str, str] | None:
        return self.hint_text.as_dict() if self.hint_text else None

    @property
    def line(self) -> int | None:
        return self.span.line if self.span else None

    @property
    def column(self) -> int | None:
        return self.span.column if self.span else None

    @property
    def end_line(self) -> int | None:
        return self.span.end_line if self.span else None

    @property
    def end_column(self) -> int | None:
        return self.span.end_column if self.span else None

    @property
    def excerpt(self) -> str:
        """The source line of the error and a caret line under the offending part."""
        if self.span is None or not self.source:
            return ""
        lines = self.source.splitlines() or [""]
        idx = min(max(self.span.line - 1, 0), len(lines) - 1)
        text = lines[idx].replace("\t", " ")
        start = max(self.span.column - 1, 0)
        if self.span.end_line == self.span.line:
            end = max(self.span.end_column - 1, start + 1)
        else:
            end = max(len(text), start + 1)
        width = sum(2 if _wide(ch) else 1 for ch in text[start:end]) or 1
        pad = sum(2 if _wide(ch) else 1 for ch in text[:start])
        return f"{text}\n{' ' * pad}{'^' * width}"

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """The diagnostic shape shared by the API, the designer and the CLI."""
        return {
            "code": self.code,
            "message": self.text.get(locale),
            "messages": self.messages,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "excerpt": self.excerpt,
            "hint": self.hint_text.get(locale) if self.hint_text else None,
        }

    def _render(self) -> str:
        where = f" (line {self.span.line}, column {self.span.column})" if self.span else ""
        parts = [f"{self.text.en}{where}"]
        if self.excerpt:
            parts.append(self.excerpt)
        if self.hint_text and self.hint_text.en not in self.text.en:
            parts.append(f"hint: {self.hint_text.en}")
        return "\n".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.code, self.text, self.source, self.span, self.hint_text))

    def with_errors(self, errors: list[ExpressionError]) -> ExpressionError:
        self.errors = errors
        return self


def _rebuild(code: str, text: Text, source: str, span: Span | None, hint: Text | None) -> ExpressionError:
    return ExpressionError(code, text, source=source, span=span, hint=hint)


def _wide(ch: str) -> bool:
    return "\u1100" <= ch and (ch <= "\u115f" or "\u2e80" <= ch <= "\ua4cf" or "\uac00" <= ch <= "\ud7a3"
                               or "\uf900" <= ch <= "\ufaff" or "\ufe30" <= ch <= "\ufe4f"
                               or "\uff00" <= ch <= "\uff60" or "\uffe0" <= ch <= "\uffe6"
                               or "\U00020000" <= ch <= "\U0003fffd")


def error(code: str, en: str, zh: str, *, source: str = "", span: Span | None = None,
          hint: tuple[str, str] | None = None) -> ExpressionError:
    """Build an ExpressionError from English and Chinese messages (and an optional hint pair)."""
    return ExpressionError(code, Text(en, zh), source=source, span=span,
                           hint=Text(*hint) if hint else None)


def first_of(errors: list[ExpressionError]) -> ExpressionError:
    """The first error, carrying all of them in ``.errors``."""
    return errors[0].with_errors(list(errors))


def localized(value: Text | Mapping[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    return value.as_dict() if isinstance(value, Text) else dict(value)


class Problem(Exception):
    """Raised by function implementations during evaluation; the compiler adds source and span."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code = code
        self.text = Text(en, zh)

    def at(self, source: str, span: Span | None) -> ExpressionError:
        return ExpressionError(self.code, self.text, source=source, span=span)
