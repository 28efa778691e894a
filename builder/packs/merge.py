"""Three-way merge of metadata documents (pure): the pack as installed (base), the new pack
(theirs) and the tenant's live app (ours). Untouched parts take the pack's change, the tenant's
own changes survive, and a place both changed differently is a conflict, resolved by ``prefer``
(``pack`` or ``local``, for all or per JSON pointer)."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Mapping

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
KEYED_LISTS = {"rules", "nodes", "validations", "entries", "steps", "levels"}


@dataclass(frozen=True)
class Conflict:
    path: str
    base: Any
    local: Any
    pack: Any

    def to_dict(self) -> dict[str, Any]:
        show = lambda v: None if v is MISSING else v  # noqa: E731
        return {"path": self.path, "base": show(self.base), "local": show(self.local), "pack": show(self.pack),
                "removed_locally": self.local is MISSING, "removed_by_pack": self.pack is MISSING}


def merge(base: Any, ours: Any, theirs: Any, *, prefer: Mapping[str, str] | str | None = None,
          path: str = "") -> tuple[Any, list[Conflict]]:
    """Returns (merged, unresolved conflicts). Values may be MISSING (absent)."""
    conflicts: list[Conflict] = []
    result = _merge(base, ours, theirs, path, _prefer_fn(prefer), conflicts)
    return result, conflicts


def _prefer_fn(prefer: Mapping[str, str] | str | None):
    if prefer is None or isinstance(prefer, str):
        return lambda path: prefer
    def pick(path: str) -> str | None:
        while True:
            if path in prefer:
                return prefer[path]
            if not path:
                return prefer.get("*")
            path = path.rsplit("/", 1)[0]
    return pick


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and isinstance(v.get("key"), str) for v in value)


def _merge(base: Any, ours: Any, theirs: Any, path: str, prefer, conflicts: list[Conflict]) -> Any:
    if _eq(ours, theirs):
        return copy.deepcopy(ours)
    if _eq(base, ours):
        return copy.deepcopy(theirs)
    if _eq(base, theirs):
        return copy.deepcopy(ours)
    if isinstance(ours, dict) and isinstance(theirs, dict) and (base is MISSING or isinstance(base, dict)) \
            and not (_label(ours) and _label(theirs)):
        b = base if isinstance(base, dict) else {}
        out = {}
        for key in _ordered_keys(ours, theirs):
            merged = _merge(b.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING),
                            f"{path}/{_esc(key)}", prefer, conflicts)
            if merged is not MISSING:
                out[key] = merged
        return out
    name = path.rsplit("/", 1)[-1]
    if (name in KEYED_LISTS or path == "/rules") and _keyed(ours) and _keyed(theirs) and (base is MISSING or _keyed(base)):
        as_map = lambda items: {i["key"]: i for i in items}  # noqa: E731
        merged = _merge(as_map(base) if base is not MISSING else MISSING, as_map(ours), as_map(theirs),
                        path, prefer, conflicts)
        return [merged[k] for k in _ordered_keys(as_map(ours), as_map(theirs)) if k in merged]
    choice = prefer(path)
    if choice == "pack":
        return copy.deepcopy(theirs)
    if choice == "local":
        return copy.deepcopy(ours)
    conflicts.append(Conflict(path, base, ours, theirs))
    return copy.deepcopy(ours)


def _label(value: Mapping[str, Any]) -> bool:
    """A bilingual label is one value: a relabel conflicts as a whole, not per language."""
    return bool(value) and set(value) <= {"zh-CN", "en"}


def _ordered_keys(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[str]:
    keys = list(ours)
    seen = set(keys)
    for i, key in enumerate(theirs):
        if key not in seen:
            # place a new key after its predecessor in the pack's order
            before = list(theirs)[:i]
            pos = max((keys.index(k) + 1 for k in before if k in keys), default=len(keys))
            keys.insert(pos, key)
            seen.add(key)
    return keys


def _eq(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    return a == b


def _esc(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
