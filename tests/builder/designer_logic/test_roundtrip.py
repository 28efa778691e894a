"""Opening an editor and saving it unchanged changes nothing: every rule, routing table, approval
process, scoring model, duplicate rule, public form, report, role, team, role's permissions, the
calendar and every pipeline of both bundled packs survives the generic editor's render -> browser
post -> parse round trip."""
from __future__ import annotations

import copy

import pytest

from tests.builder.designer_logic.kit import PACKS, draft, set_draft, submit
from tests.fixtures_app import Users


def items(document):
    for rule in document.get("rules", []):
        yield f"/builder/rules/{rule['key']}", ("rules", [r["key"] for r in document["rules"]].index(rule["key"]))
    for section in ("approvals", "scoring", "duplicates", "forms", "reports", "roles", "teams", "permissions"):
        for key in document.get(section, {}):
            yield f"/builder/{section}/{key}", (section, key)
    for key in document.get("assignment", {}).get("routes", {}):
        yield f"/builder/assignment/{key}", ("assignment", "routes", key)
    if document.get("assignment", {}).get("pools"):
        yield "/builder/assignment-pools", ("assignment", "pools")
    if document.get("calendar"):
        yield "/builder/calendar", ("calendar",)
    for name, obj in document["objects"].items():
        if "pipeline" in obj:
            yield f"/builder/objects/{name}/pipeline", ("objects", name, "pipeline")


def at(document, path):
    for part in path:
        document = document[part]
    return document


def same_meaning(value):
    """What the editor may normalize without changing meaning: literals written as expressions."""
    if isinstance(value, dict):
        return {k: same_meaning(v) for k, v in value.items()}
    if isinstance(value, list):
        return [same_meaning(v) for v in value]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    return value


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_saving_every_editor_unchanged_keeps_the_document(make_app, pack):
    app = make_app()
    original = copy.deepcopy(PACKS[pack])
    set_draft(app, original)
    analyst = Users(app).client("analyst", "ana")
    seen = 0
    for url, path in items(original):
        response = submit(analyst, url)
        assert response.status_code == 302, (url, response.get_data(as_text=True)[:2000])
        assert same_meaning(at(draft(app).document, path)) == same_meaning(at(original, path)), url
        seen += 1
    assert seen >= 5
    assert {url.split('/')[2] for url, _path in items(original)} >= {"reports", "roles", "teams", "permissions"}
    assert draft(app).document == original or same_meaning(draft(app).document) == same_meaning(original)
