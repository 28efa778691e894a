"""A role the app declares in metadata can be given to users, and its permissions apply."""
from __future__ import annotations

from click.testing import CliRunner

import schema_store
import wsgi
from runtime import users as user_service

DOC = {
    "objects": {"lead": {"label": {"en": "Lead"}, "fields": {"name": {"type": "text"}}}},
    "roles": {"presales": {"label": {"zh-CN": "售前", "en": "Presales"}}},
    "permissions": {"presales": {"lead": {"read": True, "scope": "all"}}},
}


def test_a_declared_role_can_be_assigned_and_is_enforced(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(wsgi.cli, ["init"]).exit_code == 0
    refused = runner.invoke(wsgi.cli, ["user", "add", "zhou", "--role", "presales"])
    assert refused.exit_code == 2 and "unknown role 'presales'" in refused.output
    app = wsgi.create_app()
    schema_store.publish(app.extensions["crm"].engine, DOC)
    added = runner.invoke(wsgi.cli, ["user", "add", "zhou", "--role", "presales", "--password", "pw-123456"])
    assert added.exit_code == 0, added.output
    with app.extensions["crm"].engine.begin() as conn:
        token = user_service.create_token(conn, user_service.find_user_id(conn, "zhou"))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/records/lead", headers=auth).status_code == 200
    assert client.post("/api/v1/records/lead", json={"name": "x"}, headers=auth).status_code == 403
    app.extensions["crm"].engine.dispose()
