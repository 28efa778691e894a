"""Fixtures of the pack tests: an app with an admin, the bundled medical pack, tiny packs on disk."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.packs import TEMPLATES, import_pack, load_pack
from tests.fixtures_app import Users

MEDICAL = TEMPLATES / "medical"


def tiny_pack(version: str = "1.0.0", **changes) -> dict:
    """A second, tiny pack (namespace ``tiny``): one object, a team, a rule, reference data."""
    metadata = {
        "objects": {"tiny_widget": {
            "label": {"zh-CN": "部件", "en": "Widget"}, "title_field": "name",
            "fields": {"name": {"type": "text", "label": {"zh-CN": "名称", "en": "Name"}, "required": True},
                       "code": {"type": "text", "label": {"zh-CN": "编码", "en": "Code"}, "unique": True},
                       "size": {"type": "number", "label": {"zh-CN": "尺寸", "en": "Size"}},
                       "color": {"type": "text", "label": {"zh-CN": "颜色", "en": "Colour"}}}}},
        "teams": {"tiny_team": {"label": {"zh-CN": "部件组"}}},
        "rules": [{"key": "tiny_big", "object": "tiny_widget", "trigger": {"type": "create"}, "when": "size > 10",
                   "actions": [{"type": "notify", "to": [{"kind": "owner"}], "message": {"zh-CN": "大部件 {name}"}}]}],
    }
    for path, value in changes.items():
        node = metadata
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
    return {
        "pack.json": {"name": "tiny", "version": version, "namespace": "tiny",
                      "title": {"zh-CN": "小部件", "en": "Tiny widgets"},
                      "requires": {"engine": ">=0.1"},
                      "data": [{"object": "tiny_widget", "file": "data/widgets.json", "key": "code"}]},
        "metadata.json": metadata,
        "data/widgets.json": [{"code": "W1", "name": "齿轮", "size": 3}, {"code": "W2", "name": "轴承", "size": 12}],
        "README.md": "# tiny\n",
    }


def write_pack(root: Path, files: dict) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
                        encoding="utf-8")
    return root


class PackKit:
    def __init__(self, app):
        self.app = app
        self.svc = app.extensions["crm"]
        self.users = Users(app)
        self.admin_id = self.users.add("admin", "admin", password=None)

    def cli(self, *args, ok: bool = True):
        result = self.app.test_cli_runner().invoke(args=list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def do_import(self, source, **kw):
        pack = load_pack(source)
        with self.app.test_request_context(headers={"Accept-Language": "zh-CN"}):
            return import_pack(self.svc, pack, actor_id=self.admin_id, **kw)

    def live(self):
        import schema_store
        from builder.packs.installer import live_document
        with self.svc.engine.connect() as conn:
            return schema_store.live_version(conn), live_document(conn)

    def count(self, object_name: str) -> int:
        import sqlalchemy as sa
        with self.svc.engine.connect() as conn:
            if not sa.inspect(conn).has_table(f"obj_{object_name}"):
                return 0
            return conn.execute(sa.select(sa.func.count()).select_from(sa.table(f"obj_{object_name}"))).scalar()

    def installed(self):
        from builder.packs import installed
        with self.svc.engine.connect() as conn:
            return installed(conn)


@pytest.fixture
def kit(make_app):
    return PackKit(make_app())


@pytest.fixture
def any_kit(any_app):
    return PackKit(any_app)
