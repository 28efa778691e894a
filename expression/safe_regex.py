"""REGEX without catastrophic backtracking.

Patterns are parsed with Python's own regex parser and limited to what a finite automaton can do
(no back-references, look-around, atomic groups or scoped flags). Patterns whose shape cannot
backtrack badly run on ``re``; the others run on a Thompson NFA simulation, linear in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any, Callable

from expression.errors import Problem
from expression.limits import Limits

MAX_STATES = 5_000
_ALLOWED_FLAGS = re.IGNORECASE | re.DOTALL | re.VERBOSE | re.UNICODE
_UNSUPPORTED = {C.GROUPREF, C.GROUPREF_EXISTS, C.ASSERT, C.ASSERT_NOT, C.ATOMIC_GROUP, C.POSSESSIVE_REPEAT}
_LIT, _PRED, _ANY, _SPLIT, _ASSERT, _MATCH = range(6)


def _bad(en: str, zh: str) -> Problem:
    return Problem("bad_regex", en, zh)


@dataclass(frozen=True)
class SafeRegex:
    """A compiled pattern; ``fullmatch`` tells whether the whole text matches."""

    pattern: str
    compiled: re.Pattern[str]
    states: tuple[tuple[Any, ...], ...]
    start: int
    variable_repeats: int
    nested: bool

    def fullmatch(self, text: str, limits: Limits) -> bool:
        if len(text) > limits.max_regex_subject:
            raise Problem("limit", f"REGEX text is too long (more than {limits.max_regex_subject} characters)",
                          f"REGEX 的文本过长（超过 {limits.max_regex_subject} 个字符）")
        if not self.nested and (self.variable_repeats <= 1 or len(text) ** self.variable_repeats <= 1_000_000):
            return self.compiled.fullmatch(text) is not None
        return self.simulate(text, limits.max_steps * 10)

    def simulate(self, text: str, budget: int) -> bool:
        """Run the NFA over ``text`` (cost: len(text) x number of states, bounded by ``budget``)."""
        states, n = self.states, len(text)
        steps = 0
        current = self._closure([self.start], text, 0)
        for i, ch in enumerate(text):
            steps += len(current)
            if steps > budget:
                raise Problem("limit", "REGEX needs too many steps for this text", "REGEX 处理此文本所需步骤过多")
            nxt: list[int] = []
            for s in current:
                st = states[s]
                kind = st[0]
                if (kind == _LIT and st[1] == ch) or (kind == _PRED and st[1](ch)) or \
                        (kind == _ANY and (st[1] or ch != "\n")):
                    nxt.append(st[2])
            if not nxt:
                return False
            current = self._closure(nxt, text, i + 1)
        return any(states[s][0] == _MATCH for s in current)

    def _closure(self, starts: list[int], text: str, pos: int) -> list[int]:
        states, seen, out, stack = self.states, set(), [], list(reversed(starts))
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            st = states[s]
            if st[0] == _SPLIT:
                stack.append(st[2])
                stack.append(st[1])
            elif st[0] == _ASSERT:
                if _assert_ok(st[1], text, pos):
                    stack.append(st[2])
            else:
                out.append(s)
        return out


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _assert_ok(kind: Any, text: str, pos: int) -> bool:
    n = len(text)
    if kind in (C.AT_BEGINNING, C.AT_BEGINNING_STRING):
        return pos == 0
    if kind == C.AT_END:
        return pos == n or (pos == n - 1 and text[pos] == "\n")
    if kind == C.AT_END_STRING:
        return pos == n
    before = pos > 0 and _word(text[pos - 1])
    after = pos < n and _word(text[pos])
    return (before != after) if kind == C.AT_BOUNDARY else (before == after)


def compile_regex(pattern: str, limits: Limits) -> SafeRegex:
    """Compile ``pattern`` or raise Problem(code="bad_regex"/"limit") saying why it is refused."""
    if len(pattern) > limits.max_regex_length:
        raise Problem("limit", f"the REGEX pattern is too long (more than {limits.max_regex_length} characters)",
                      f"REGEX 模式过长（超过 {limits.max_regex_length} 个字符）")
    try:
        tree = P.parse(pattern, 0)
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        raise _bad(f"invalid REGEX pattern: {exc}", f"REGEX 模式无效：{exc}") from None
    flags = tree.state.flags
    if flags & ~_ALLOWED_FLAGS:
        raise _bad("REGEX supports only the (?i), (?s) and (?x) flags", "REGEX 只支持 (?i)、(?s)、(?x) 标志")
    builder = _Builder(bool(flags & re.IGNORECASE), bool(flags & re.DOTALL))
    match = builder.add((_MATCH,))
    start = builder.seq(list(tree), match, 0)
    return SafeRegex(pattern, compiled, tuple(tuple(s) for s in builder.states), start,
                     builder.variable, builder.nested)


class _Builder:
    """Thompson construction, built backwards from the continuation state."""

    def __init__(self, icase: bool, dotall: bool) -> None:
        self.icase, self.dotall = icase, dotall
        self.states: list[list[Any]] = []
        self.variable = 0
        self.nested = False

    def add(self, state: tuple[Any, ...]) -> int:
        if len(self.states) >= MAX_STATES:
            raise Problem("limit", "the REGEX pattern is too complex", "REGEX 模式过于复杂")
        self.states.append(list(state))
        return len(self.states) - 1

    def seq(self, items: list[tuple[Any, Any]], nxt: int, depth: int) -> int:
        for op, av in reversed(items):
            nxt = self.item(op, av, nxt, depth)
        return nxt

    def item(self, op: Any, av: Any, nxt: int, depth: int) -> int:
        if op in _UNSUPPORTED:
            raise _bad("REGEX does not support back-references, look-around, atomic groups or possessive "
                       "repeats", "REGEX 不支持反向引用、环视、原子组或占有量词")
        if op == C.LITERAL:
            ch = chr(av)
            if self.icase and ch.lower() != ch.upper():
                low = ch.lower()
                return self.add((_PRED, lambda c, low=low: c.lower() == low, nxt))
            return self.add((_LIT, ch, nxt))
        if op == C.NOT_LITERAL:
            ch = chr(av)
            return self.add((_PRED, (lambda c: c.lower() != ch.lower()) if self.icase else (lambda c: c != ch), nxt))
        if op == C.ANY:
            return self.add((_ANY, self.dotall, nxt))
        if op == C.IN:
            return self.add((_PRED, _charset(av, self.icase), nxt))
        if op == C.AT:
            if av not in (C.AT_BEGINNING, C.AT_BEGINNING_STRING, C.AT_END, C.AT_END_STRING, C.AT_BOUNDARY,
                          C.AT_NON_BOUNDARY):
                raise _bad("unsupported anchor in REGEX", "REGEX 中有不支持的锚点")
            return self.add((_ASSERT, av, nxt))
        if op == C.BRANCH:
            if depth > 0:
                self.nested = True
            alternatives = [self.seq(list(p), nxt, depth) for p in av[1]]
            start = alternatives[-1]
            for alt in reversed(alternatives[:-1]):
                start = self.add((_SPLIT, alt, start))
            return start
        if op == C.SUBPATTERN:
            _group, add_flags, del_flags, p = av
            if add_flags or del_flags:
                raise _bad("REGEX does not support scoped flags such as (?i:...)", "REGEX 不支持 (?i:...) 这类局部标志")
            return self.seq(list(p), nxt, depth)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, p = av
            body = list(p)
            unbounded = hi == C.MAXREPEAT
            if unbounded or hi > lo:
                self.variable += 1
                if depth > 0:
                    self.nested = True
            if (lo if unbounded else hi) * max(len(body), 1) > MAX_STATES:
                raise Problem("limit", "the REGEX pattern is too complex", "REGEX 模式过于复杂")
            inner = depth + (1 if (unbounded or hi > lo) else 0)
            tail = nxt
            if unbounded:
                loop = self.add((_SPLIT, -1, nxt))
                self.states[loop][1] = self.seq(body, loop, inner)
                tail = loop
            else:
                for _ in range(hi - lo):
                    tail = self.add((_SPLIT, self.seq(body, tail, inner), nxt))
            for _ in range(lo):
                tail = self.seq(body, tail, inner)
            return tail
        raise _bad("unsupported construct in REGEX", "REGEX 中有不支持的写法")


def _charset(items: list[tuple[Any, Any]], icase: bool) -> Callable[[str], bool]:
    negate = False
    tests: list[Callable[[str], bool]] = []
    for op, av in items:
        if op == C.NEGATE:
            negate = True
        elif op == C.LITERAL:
            tests.append(lambda c, x=chr(av): c == x)
        elif op == C.RANGE:
            tests.append(lambda c, lo=av[0], hi=av[1]: lo <= ord(c) <= hi)
        elif op == C.CATEGORY:
            tests.append(_category(av))
        else:
            raise _bad("unsupported character class in REGEX", "REGEX 中有不支持的字符类")

    def base(c: str) -> bool:
        return any(t(c) for t in tests)

    if icase:
        def member(c: str) -> bool:
            return base(c) or base(c.lower()) or base(c.upper())
    else:
        member = base
    return (lambda c: not member(c)) if negate else member


def _category(cat: Any) -> Callable[[str], bool]:
    table: dict[Any, Callable[[str], bool]] = {
        C.CATEGORY_DIGIT: str.isdecimal, C.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
        C.CATEGORY_SPACE: str.isspace, C.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
        C.CATEGORY_WORD: _word, C.CATEGORY_NOT_WORD: lambda c: not _word(c),
    }
    if cat not in table:
        raise _bad("unsupported character class in REGEX", "REGEX 中有不支持的字符类")
    return table[cat]
