"""validate() answers with diagnostics for any JSON, never with a traceback."""
from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema_store import validate
from tests.schema_store.builders import make_doc

BASE = make_doc()
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=6)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


PATHS = _paths(BASE)[1:]


def mutated(mutations) -> dict[str, Any]:
    """A copy of BASE with each (path, value) written where the path still exists."""
    doc = copy.deepcopy(BASE)
    for path, value in mutations:
        target: Any = doc
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON), min_size=1, max_size=3))
def test_any_mutation_of_a_valid_document_gives_diagnostics_not_errors(mutations):
    doc = mutated(mutations)
    for d in validate(doc):
        assert d.code and d.messages["en"] and d.messages["zh-CN"] and d.path.startswith("/")


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON), min_size=1, max_size=3))
def test_semantic_checks_are_defensive_on_malformed_parts(mutations):
    from schema_store.semantic import check_semantics

    doc = mutated(mutations)
    check_semantics(doc)  # not tolerant: a crash here is a bug even if the schema refuses the document


def test_a_document_with_keys_of_mixed_types_gets_diagnostics():
    """Found by the mutation property: a dict with int and str keys (possible from Python, not
    from JSON) made the per-item cache key (sorted JSON) raise TypeError."""
    doc = copy.deepcopy(BASE)
    name = next(iter(doc["objects"]))
    doc["objects"][name]["fields"][0] = {"type": "text"}
    found = validate(doc)
    assert found and all(d.path.startswith(f"/objects/{name}") for d in found)
