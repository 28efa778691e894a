"""Duplicate rules: normalization, indexed keys, matching, block/warn/merge actions and record merge.

Pure parts (no I/O): :func:`normalize`, :func:`rule_keys`. See docs/dedup.md.
"""
from runtime.dedup.normalize import KINDS, normalize
from runtime.dedup.rules import DedupRule, rule_keys, rules_for

__all__ = ["KINDS", "DedupRule", "normalize", "rule_keys", "rules_for"]
