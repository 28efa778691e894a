"""Resource limits: what one expression may cost to parse and to evaluate."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds enforced at parse, check and evaluation time (all raise ExpressionError code ``limit``).

    The language has no loops or recursion, so evaluation work is bounded by the node count times
    the per-call bounds below (``max_steps`` for the functions that iterate, the text and regex sizes).
    """

    max_source_length: int = 5_000
    max_depth: int = 64
    max_nodes: int = 1_000
    max_text_length: int = 100_000
    max_steps: int = 100_000
    max_regex_length: int = 500
    max_regex_subject: int = 10_000
    max_number_digits: int = 30


DEFAULT_LIMITS = Limits()
