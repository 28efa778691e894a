"""Plan and apply a pack import: merge the pack's metadata into the live app (three ways on an
upgrade), publish it and load the reference data through the record service, in ONE transaction."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import sqlalchemy as sa

import schema_store
from builder.packs.format import Pack, PackInvalid, PackProblem, parse_version, problem, satisfies
from builder.packs.merge import MISSING, Conflict, merge
from builder.packs.tables import ensure_table, installed_packs
from runtime.records import RecordService
from runtime.records.errors import RecordError
from runtime.users import Actor, ensure_team, get_actor
from schema_store.database import begin_write
from schema_store.model import thaw
from schema_store.versions import get_version_document

ENGINE_VERSION = "0.1.0"


class ImportRefused(Exception):
    """The plan has problems or unresolved conflicts: nothing was applied."""

    def __init__(self, plan: "ImportPlan"):
        super().__init__("; ".join([str(p) for p in plan.problems[:3]] + [c.path for c in plan.conflicts[:3]]))
        self.plan = plan


@dataclass
class ImportPlan:
    pack: Pack
    action: str                       # install | upgrade | reinstall | unchanged
    installed_version: str | None
    document: dict[str, Any] | None   # the merged app document (None when it cannot be built)
    live_document: dict[str, Any]
    ops: list[Any] = field(default_factory=list)
    records: dict[str, dict[str, int]] = field(default_factory=dict)   # object -> {new, existing}
    teams: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[PackProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.conflicts

    @property
    def changes_metadata(self) -> bool:
        return self.document is not None and self.document != self.live_document

    @property
    def changes_anything(self) -> bool:
        return self.changes_metadata or any(r["new"] for r in self.records.values()) or bool(self.teams) \
            or self.action != "unchanged"

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        ops = [op.to_dict(lang) for op in self.ops]
        by_kind: dict[str, list[str]] = {}
        for op in ops:
            by_kind.setdefault(op["kind"], []).append(op["description"])
        return {
            "pack": {"name": self.pack.name, "version": self.pack.version, "title": dict(self.pack.manifest["title"])},
            "action": self.action, "installed_version": self.installed_version, "ok": self.ok,
            "changes": self.changes_anything,
            "objects": sorted({op["object"] for op in ops if op.get("object") and op["kind"] in
                               ("create_object", "change_object", "drop_object", "rename_object")}),
            "fields": [op["description"] for op in ops if op["kind"] in
                       ("add_field", "remove_field", "rename_field", "retype_field", "change_field")],
            "rules": [op["description"] for op in ops if op["kind"] in ("change_rules", "change_section",
                                                                       "change_pipeline")],
            "ops": ops,
            "records": self.records,
            "teams": self.teams,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "problems": [p.to_dict(lang) for p in self.problems],
        }


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    version: int | None
    loaded: dict[str, int]


def installed(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    ensure_table(conn)
    rows = conn.execute(sa.select(installed_packs)).mappings()
    return {r["name"]: {**r, "fragment": json.loads(r["fragment"]), "title": json.loads(r["title"] or "{}"),
                        "data_sets": json.loads(r["data_sets"] or "[]")} for r in rows}


def live_document(conn: sa.Connection) -> dict[str, Any]:
    version = schema_store.live_version(conn)
    return get_version_document(conn, version) if version else {}


def plan_import(conn: sa.Connection, pack: Pack, *, prefer: Mapping[str, str] | str | None = None) -> ImportPlan:
    """What importing ``pack`` would do; changes nothing."""
    packs = installed(conn)
    current = packs.get(pack.name)
    live = live_document(conn)
    problems = _requirement_problems(pack, packs)
    if current is None:
        action, base = "install", MISSING
    else:
        base = current["fragment"]
        have, new = parse_version(current["version"]), parse_version(pack.version)
        action = "upgrade" if new > have else ("reinstall" if new == have else "downgrade")
        if action == "downgrade":
            problems.append(problem("pack.json", "/version", "pack.downgrade",
                                    f"version {current['version']} is installed; {pack.version} is older",
                                    f"已安装 {current['version']} 版，{pack.version} 版更旧"))
    merged, conflicts = merge(base, live, pack.metadata, prefer=prefer)
    if action == "reinstall" and base == pack.metadata:
        action = "unchanged" if merged == live else action
    plan = ImportPlan(pack, action, current["version"] if current else None, merged, live, conflicts=conflicts,
                      problems=problems)
    if conflicts or merged is MISSING:
        return plan
    for diag in schema_store.validate(merged):
        in_pack = _exists(pack.metadata, diag.path)
        plan.problems.append(PackProblem(pack.metadata_file if in_pack else "<live app>", diag.path, diag.code,
                                         dict(diag.messages)))
    if plan.problems:
        return plan
    if plan.changes_metadata:
        publish_plan = schema_store.plan_publish(conn, merged)
        plan.ops = list(publish_plan.ops)
        for diag in publish_plan.diagnostics:
            plan.problems.append(PackProblem("<live app>", diag.path, diag.code, dict(diag.messages)))
    plan.records = _record_counts(conn, pack)
    known = _team_names(conn)
    plan.teams = [t for t in (pack.metadata.get("teams") or {}) if t not in known]
    return plan


def _team_names(conn: sa.Connection) -> set[str]:
    from runtime.system_tables import teams
    return set(conn.execute(sa.select(teams.c.name)).scalars())


def _requirement_problems(pack: Pack, packs: Mapping[str, Any]) -> list[PackProblem]:
    out = []
    requires = pack.manifest.get("requires") or {}
    engine = requires.get("engine")
    if engine and not satisfies(ENGINE_VERSION, engine):
        out.append(problem("pack.json", "/requires/engine", "pack.requires_engine",
                           f"the pack needs engine {engine}; this is {ENGINE_VERSION}",
                           f"扩展包需要引擎版本 {engine}，当前为 {ENGINE_VERSION}"))
    for name, spec in (requires.get("packs") or {}).items():
        have = packs.get(name)
        if have is None or not satisfies(have["version"], spec):
            out.append(problem("pack.json", f"/requires/packs/{name}", "pack.requires_pack",
                               f"the pack needs pack '{name}' {spec} installed first",
                               f"需要先安装扩展包 “{name}” {spec}"))
    return out


def _exists(doc: Any, pointer: str) -> bool:
    node = doc
    for part in [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _table(conn: sa.Connection, object_name: str) -> sa.Table | None:
    name = f"obj_{object_name}"
    if not sa.inspect(conn).has_table(name):
        return None
    return sa.Table(name, sa.MetaData(), autoload_with=conn)


def _existing_keys(conn: sa.Connection, object_name: str, key: str) -> set[Any]:
    table = _table(conn, object_name)
    if table is None or key not in table.c:
        return set()
    return {str(v) for v in conn.execute(sa.select(table.c[key]).where(table.c.deleted_at.is_(None))).scalars()}


def _record_counts(conn: sa.Connection, pack: Pack) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for ds in pack.data:
        have = _existing_keys(conn, ds.object, ds.key)
        new = sum(1 for r in ds.rows if str(r[ds.key]) not in have)
        entry = out.setdefault(ds.object, {"new": 0, "existing": 0})
        entry["new"] += new
        entry["existing"] += len(ds.rows) - new
    return out


def system_actor(conn: sa.Connection, actor_id: int | None) -> Actor:
    """Packs load data as the importing user with admin rights (data loading is not a user edit)."""
    actor = get_actor(conn, actor_id) if actor_id else None
    if actor is None:
        raise PackInvalid([problem("", "", "pack.actor", "an existing user must run the import",
                                   "导入需要一个已存在的用户")])
    return dataclasses.replace(actor, role="admin")


def import_pack(svc: Any, pack: Pack, *, actor_id: int | None, prefer: Mapping[str, str] | str | None = None,
                after_load: Callable[[sa.Connection, Any], None] | None = None,
                fail_at: str | None = None) -> ImportResult:
    """Apply the plan atomically: publish + teams + reference data + the installed-pack row commit
    together or not at all. ``after_load(conn, app)`` runs inside the transaction (demo data);
    ``fail_at`` (tests) raises at a named step to prove nothing is left behind."""
    now = svc.clock.now()
    with begin_write(svc.engine) as conn:
        plan = plan_import(conn, pack, prefer=prefer)
        if not plan.ok:
            raise ImportRefused(plan)
        if not plan.changes_anything and after_load is None:
            return ImportResult(plan, None, {})
        version = None
        if plan.changes_metadata:
            result = schema_store.publish(conn, plan.document, actor_id, note=f"pack {pack.name} {pack.version}",
                                          now=now)
            version, app = result.version, result.app
        else:
            app = svc.schema_cache.get(conn) if plan.live_document else None
        _check_fail(fail_at, "publish")
        for key, team in (pack.metadata.get("teams") or {}).items():
            label = team.get("label") or {}
            ensure_team(conn, key, label_zh=label.get("zh-CN"), label_en=label.get("en"))
        loaded = {}
        if app is not None and pack.data:
            loaded = load_data(svc, conn, app, pack, system_actor(conn, actor_id))
        _check_fail(fail_at, "data")
        if after_load is not None and app is not None:
            after_load(conn, app)
        _save_installed(conn, pack, actor_id, now)
        _check_fail(fail_at, "commit")
    return ImportResult(plan, version, loaded)


def _check_fail(fail_at: str | None, step: str) -> None:
    if fail_at == step:
        raise RuntimeError(f"injected failure at {step}")


def load_data(svc: Any, conn: sa.Connection, app: Any, pack: Pack, actor: Actor) -> dict[str, int]:
    """Create the pack's reference records that are not there yet (matched by each set's key)."""
    records = RecordService(svc, actor, schema=app, source="import", lang="zh-CN")
    loaded: dict[str, int] = {}
    key_of = {ds.object: ds.key for ds in pack.data}
    for ds in pack.data:
        have = _existing_keys(conn, ds.object, ds.key)
        obj = app.object(ds.object)
        for i, row in enumerate(ds.rows):
            if str(row[ds.key]) in have:
                continue
            data = {}
            for name, value in row.items():
                f = obj.fields.get(name)
                if isinstance(value, dict) and "$key" in value and f is not None and f.type == "lookup":
                    value = _resolve(conn, app, f.target, key_of.get(f.target), value["$key"])
                data[name] = value
            try:
                records.create(ds.object, data, conn=conn)
            except RecordError as exc:
                errors = getattr(exc, "errors", {}) or {}
                raise PackInvalid([problem(ds.file, f"/{i}/{name}", "pack.data_invalid", "; ".join(msgs),
                                           "；".join(msgs)) for name, msgs in errors.items()] or
                                  [problem(ds.file, f"/{i}", "pack.data_invalid", str(exc), str(exc))]) from exc
            loaded[ds.object] = loaded.get(ds.object, 0) + 1
    return loaded


def _resolve(conn: sa.Connection, app: Any, target: str, key: str | None, value: Any) -> int | None:
    if key is None:
        return None
    table = app.table(target)
    return conn.execute(sa.select(table.c.id).where(table.c[key] == value, table.c.deleted_at.is_(None))).scalar()


def _save_installed(conn: sa.Connection, pack: Pack, actor_id: int | None, now: dt.datetime) -> None:
    values = dict(version=pack.version, title=json.dumps(dict(pack.manifest["title"]), ensure_ascii=False),
                  namespace=pack.namespace, fragment=json.dumps(pack.metadata, ensure_ascii=False),
                  data_sets=json.dumps([{"object": d.object, "file": d.file, "key": d.key} for d in pack.data]),
                  updated_at=now, installed_by=actor_id)
    exists = conn.execute(sa.select(installed_packs.c.name).where(installed_packs.c.name == pack.name)).first()
    if exists:
        conn.execute(installed_packs.update().where(installed_packs.c.name == pack.name).values(**values))
    else:
        conn.execute(installed_packs.insert().values(name=pack.name, installed_at=now, **values))


__all__ = ["ENGINE_VERSION", "ImportPlan", "ImportRefused", "ImportResult", "import_pack", "installed",
           "live_document", "load_data", "plan_import", "thaw"]
