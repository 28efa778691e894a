"""The AST: small immutable nodes, each with the span of source it came from."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node sits in the source: 1-based line/column, end exclusive; offsets 0-based."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of ``other``."""
        return Span(self.line, self.column, other.end_line, other.end_column, self.start, other.end)


@dataclass(frozen=True, slots=True)
class Node:
    span: Span


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A constant: Decimal (type number), str (text), bool (boolean)."""

    value: Any
    type: str


@dataclass(frozen=True, slots=True)
class FieldRef(Node):
    """A field of the record; ``path`` may be a lookup path such as ``hospital.level``."""

    path: str


@dataclass(frozen=True, slots=True)
class ContextRef(Node):
    """A context variable such as ``$now`` or ``$user.id`` (``name`` without the ``$``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``-x`` or ``+x`` (NOT is a Call)."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic (``+ - * / ^``), concatenation (``&``) or comparison (``= <> < <= > >=``)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call; ``name`` is upper-case. AND/OR/NOT operators become calls too."""

    name: str
    args: tuple[Node, ...]
    name_span: Span


COMPARISONS = frozenset({"=", "<>", "<", "<=", ">", ">="})
ARITHMETIC = frozenset({"+", "-", "*", "/", "^"})


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of a node."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node):
    """Every node of the tree, parents before children (iterative)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))
