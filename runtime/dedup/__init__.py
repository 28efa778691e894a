"""Duplicate rules: normalization, indexed keys, matching, block/warn/merge actions and record merge.

Pure parts (no I/O): :func:`normalize`, :func:`rule_keys`. See docs/dedup.md.
"""
from runtime.dedup.normalize import KINDS, normalize
from runtime.dedup.rules import DedupRule, rule_keys, rules_for
from runtime.dedup import tables  # noqa: F401,E402 - the tables, before create_all
from runtime.dedup.matching import Match, find_matches  # noqa: E402
from runtime.dedup.merging import create_or_merge, merge_records  # noqa: E402
from runtime.dedup.notices import duplicate_notes  # noqa: E402

__all__ = ["KINDS", "DedupRule", "Match", "create_or_merge", "duplicate_notes", "find_matches", "merge_records",
           "normalize", "rule_keys", "rules_for"]
