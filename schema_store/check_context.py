"""The state semantic checks share: the document, field types per object, diagnostics, compiled
expressions by JSON pointer. Accessors are defensive: the checks also run on documents that failed
the JSON Schema, so a malformed part is skipped, never a crash."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from schema_store import expressions, field_types as ft
from schema_store.diagnostics import Diagnostic, diag, join, pointer
from schema_store.model import ExprDef

BUILTIN_ROLES = ("admin", "analyst", "manager", "rep", "consultant")


def as_map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class FieldInfo:
    """What checks need to know of a field (or system column) while the document is checked."""

    type: str                        # metadata field type; "system" for system columns
    expr_type: str | None            # None while a formula/roll-up is unresolved (or broken)
    options: tuple[str, ...] | None = None
    target: str | None = None        # lookup target object or "user"
    stored: bool = True


class Context:
    """One run of semantic validation over one document."""

    def __init__(self, document: Mapping[str, Any]):
        self.doc = document
        self.objects: dict[str, dict[str, Any]] = {
            name: obj for name, obj in as_map(document.get("objects")).items() if isinstance(obj, dict)}
        self.diagnostics: list[Diagnostic] = []
        self.compiled: dict[str, ExprDef] = {}
        self.infos: dict[str, dict[str, FieldInfo]] = {}
        self.types_final = False
        self._maps: dict[str, dict[str, Any]] = {}

    # -- reporting -------------------------------------------------------------------------------
    def add(self, d: Diagnostic) -> None:
        self.diagnostics.append(d)

    def report(self, code: str, path: str, **params: Any) -> None:
        self.add(diag(code, path, **params))

    # -- lookups ---------------------------------------------------------------------------------
    def fields(self, obj: str) -> dict[str, Any]:
        return {n: f for n, f in as_map(self.objects.get(obj, {}).get("fields")).items() if isinstance(f, dict)}

    def info(self, obj: str, name: str) -> FieldInfo | None:
        return self.infos.get(obj, {}).get(name)

    def pipeline_keys(self, obj: str) -> tuple[str, ...] | None:
        pipeline = self.objects.get(obj, {}).get("pipeline")
        if not isinstance(pipeline, dict):
            return None
        return tuple(k for k in (as_map(n).get("key") for n in as_list(pipeline.get("nodes"))) if isinstance(k, str))

    def ref_object(self, name: Any, path: str) -> bool:
        if not isinstance(name, str):
            return False
        if name not in self.objects:
            self.report("ref.object", path, name=name)
            return False
        return True

    def items_on_objects(self, section: str) -> Iterator[tuple[str, dict[str, Any], str, str]]:
        """``(key, item, path, object)`` for each item of a keyed top-level section whose ``object``
        resolves (an unknown object is reported once, and the item skipped)."""
        for key, item in as_map(self.doc.get(section)).items():
            item = as_map(item)
            path = pointer(section, key)
            obj = item.get("object")
            if self.ref_object(obj, join(path, "object")):
                yield key, item, path, obj

    def ref_field(self, obj: str, name: Any, path: str, *, system: bool = True,
                  kinds: Iterable[str] | None = None, expected: str = "") -> FieldInfo | None:
        """Resolve ``name`` on ``obj`` or report; ``kinds`` limits the metadata field types."""
        if not isinstance(name, str) or obj not in self.objects:
            return None
        info = self.info(obj, name)
        if info is None or (info.type == "system" and not system):
            self.report("ref.field", path, object=obj, name=name)
            return None
        if kinds is not None:
            kinds = tuple(kinds)
            if info.type not in kinds:
                self.report("field.wrong_kind", path, name=name, actual=info.type,
                            expected=expected or " or ".join(kinds))
                return None
        return info

    # -- expressions -----------------------------------------------------------------------------
    def fields_map(self, obj: str) -> dict[str, Any]:
        """The ``fields=`` mapping for expressions on ``obj``: own fields, system columns, and lookup
        paths two levels deep (``account.level``, ``account.parent.level``, ``owner.region``)."""
        if self.types_final and obj in self._maps:
            return self._maps[obj]
        out: dict[str, Any] = {}
        self._add_paths(out, "", obj, depth=3)
        if self.types_final:
            self._maps[obj] = out
        return out

    def _add_paths(self, out: dict[str, Any], prefix: str, obj: str, depth: int) -> None:
        for name, info in self.infos.get(obj, {}).items():
            if info.expr_type is None:
                continue
            path = prefix + name
            out[path] = expressions.spec(info.expr_type, info.options)
            if depth <= 1:
                continue
            if info.target == ft.USER_TARGET:
                out.update({f"{path}.{attr}": t for attr, t in ft.USER_ATTRIBUTES.items()})
            elif info.target:
                self._add_paths(out, path + ".", info.target, depth - 1)

    def expr(self, value: Any, obj: str, path: str, expect: str | None = None,
             fields: Mapping[str, Any] | None = None) -> ExprDef | None:
        """Check one expression (string, or a JSON number/boolean literal) and remember it."""
        if value is None or isinstance(value, (dict, list)) or obj not in self.objects and fields is None:
            return None
        source = expressions.source_of(value)
        compiled, problems = expressions.compile_expression(
            source, self.fields_map(obj) if fields is None else fields, path, expect)
        self.diagnostics.extend(problems)
        if compiled is not None:
            self.compiled[path] = compiled
        return compiled

    def check_keys_unique(self, items: list[Any], path: str, key: str = "key") -> None:
        seen: set[str] = set()
        for i, item in enumerate(items):
            k = as_map(item).get(key)
            if isinstance(k, str):
                if k in seen:
                    self.report("dup.key", join(path, i, key), name=k)
                seen.add(k)

    def known_roles(self) -> set[str]:
        return set(BUILTIN_ROLES) | set(as_map(self.doc.get("roles")))

    def known_teams(self) -> set[str] | None:
        """Declared teams, or None when the document declares none (teams then live in the DB)."""
        teams = self.doc.get("teams")
        return set(teams) if isinstance(teams, dict) else None
