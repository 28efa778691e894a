"""``GET /api/v1/openapi.json`` describes the running API from the live metadata."""
from __future__ import annotations

import copy
import io
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlencode

import jsonschema
import pytest

import schema_store
from tests.fixtures_app import Users

TIERS = [{"value": v, "label": {"zh-CN": f"{v}类", "en": f"Tier {v}"}} for v in ("A", "B", "C")]

APP = {
    "objects": {
        "account": {
            "label": {"zh-CN": "客户", "en": "Account"}, "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True, "max_length": 80, "label": {"zh-CN": "名称", "en": "Name"}},
                "tier": {"type": "picklist", "options": TIERS},
                "website": {"type": "url"},
            },
        },
        "deal": {
            "label": {"zh-CN": "商机", "en": "Deal"}, "title_field": "title",
            "fields": {
                "title": {"type": "text", "required": True, "label": {"zh-CN": "标题", "en": "Title"}},
                "account": {"type": "lookup", "target": "account", "on_delete": "restrict"},
                "amount": {"type": "currency", "min": 0, "label": {"zh-CN": "金额", "en": "Amount"}},
                "probability": {"type": "percent", "min": 0, "max": 100},
                "close_date": {"type": "date"},
                "tags": {"type": "multi_picklist", "options": TIERS},
                "contact_email": {"type": "email"},
                "won": {"type": "boolean"},
                "notes": {"type": "textarea"},
                "weighted": {"type": "formula", "expression": "amount * probability / 100"},
                "brochure": {"type": "file", "accept": [".pdf"], "max_size_mb": 1},
            },
            "validations": [{"key": "close_after_2000", "error_when": "close_date < DATE(2000, 1, 1)",
                             "message": {"zh-CN": "成交日期太早", "en": "Close date is too early"},
                             "field": "close_date"}],
        },
    },
}

PERMISSIONS = {
    "rep": {"account": {"read": True},
            "deal": {"create": True, "read": True, "update": True, "scope": "own",
                     "fields": {"notes": "hidden", "amount": "read"}}},
}


def meta_schema() -> dict:
    """The official OpenAPI 3.1 meta-schema (shipped inside schemathesis)."""
    from schemathesis.specs.openapi.definitions import OPENAPI_31
    return OPENAPI_31


@pytest.fixture
def api(any_app):
    schema_store.publish(any_app.extensions["crm"].engine, APP)
    users = Users(any_app)
    any_app.headers = {"Authorization": f"Bearer {users.token('boss', 'admin')}"}
    any_app.users = users
    return any_app


def fetch(app, headers=None):
    response = app.test_client().get("/api/v1/openapi.json", headers=headers or app.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_the_document_is_valid_openapi_and_lists_every_route(api):
    doc = fetch(api)
    jsonschema.Draft202012Validator(meta_schema()).validate(doc)
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An API token from `crm user token NAME`."}
    assert {"bearerAuth": []} in doc["security"]
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    for rule in api.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for obj in (["account", "deal"] if "{object_name}" in path else [None]):
            concrete = path.replace("{object_name}", obj) if obj else path
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (concrete, method) in documented, (concrete, method)
    for path in ("/records/deal", "/records/deal/{record_id}", "/files", "/files/{file_id}", "/meta",
                 "/notifications", "/jobs/{job_id}", "/outbox", "/me", "/openapi.json"):
        assert path in doc["paths"], path


def test_fields_types_enums_and_required_come_from_the_metadata(api):
    schemas = fetch(api)["components"]["schemas"]
    create, record = schemas["deal.Create"], schemas["deal.Record"]["properties"]
    assert create["required"] == ["title"] and create["additionalProperties"] is False
    props = create["properties"]
    assert props["title"]["type"] == "string" and props["title"]["title"] == "Title"
    assert props["amount"]["type"] == ["number", "null"] and props["amount"]["minimum"] == 0
    assert props["amount"]["title"] == "Amount"
    assert props["probability"]["maximum"] == 100
    assert props["close_date"]["format"] == "date" and props["account"]["type"] == ["integer", "null"]
    assert props["tags"]["items"]["enum"] == ["A", "B", "C"]
    assert props["brochure"]["maxItems"] == 1 and props["brochure"]["items"] == {"type": "integer"}
    assert "weighted" not in props and record["weighted"]["readOnly"] is True
    assert schemas["account.Create"]["properties"]["tier"]["enum"] == ["A", "B", "C", None]
    assert schemas["account.Create"]["properties"]["name"]["maxLength"] == 80
    assert record["won"]["type"] == ["boolean", "null"] and record["id"] == {"type": "integer"}
    assert set(schemas["ValidationError"]["allOf"][1]["properties"]) == {"errors", "rules"}
    assert schemas["Error"]["properties"]["error"]["required"] == ["code", "message"]
    page = schemas["deal.Page"]["properties"]
    assert page["records"]["items"] == {"$ref": "#/components/schemas/deal.Record"}


def test_operations_document_errors_paging_and_versions(api):
    paths = fetch(api)["paths"]
    listing = paths["/records/deal"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert {"filter", "sort", "per_page", "cursor", "total"} <= set(params)
    assert "-amount" in params["sort"]["schema"]["enum"] and "weighted" in params["sort"]["schema"]["enum"]
    create = paths["/records/deal"]["post"]
    assert set(create["responses"]) >= {"201", "422", "4XX"}
    patch = paths["/records/deal/{record_id}"]["patch"]
    assert {"409", "422", "428"} <= set(patch["responses"]) and any(p["name"] == "If-Match" for p in patch["parameters"])
    upload = paths["/files"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["properties"]["object"]["enum"] == ["deal"] and upload["properties"]["field"]["enum"] == ["brochure"]


def test_a_published_field_appears_on_the_next_request(api):
    before = fetch(api)
    assert before["info"]["version"] == "1" and fetch(api) == before          # cached by version
    changed = copy.deepcopy(APP)
    changed["objects"]["deal"]["fields"]["source"] = {
        "type": "picklist", "required": True, "options": [{"value": "web", "label": {"en": "Web"}}]}
    schema_store.publish(api.extensions["crm"].engine, changed)
    after = fetch(api)
    assert after["info"]["version"] == "2"
    create = after["components"]["schemas"]["deal.Create"]
    assert create["properties"]["source"]["enum"] == ["web"] and "source" in create["required"]
    assert "source" not in before["components"]["schemas"]["deal.Create"]["properties"]


def test_the_document_follows_the_callers_role_and_needs_a_login(api):
    assert api.test_client().get("/api/v1/openapi.json").status_code == 401
    doc = dict(APP, permissions=PERMISSIONS)
    schema_store.publish(api.extensions["crm"].engine, doc)
    rep = fetch(api, {"Authorization": f"Bearer {api.users.token('rep1', 'rep')}"})
    schemas = rep["components"]["schemas"]
    assert "notes" not in schemas["deal.Record"]["properties"]                  # hidden from reps
    assert "amount" in schemas["deal.Record"]["properties"] and "amount" not in schemas["deal.Create"]["properties"]
    assert "account.Create" in schemas                                          # read-only objects still listed
    admin = fetch(api)
    assert "notes" in admin["components"]["schemas"]["deal.Record"]["properties"]


# -- docs/api.md: every curl example runs, in order, with the status its comment gives -------------
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
EXAMPLE_FILES = {"brochure.pdf": b"%PDF-1.7\n% a brochure\n%%EOF\n",
                 "notes-renamed.pdf": "会议纪要：这只是文本。\n".encode()}


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def curl_examples() -> list[tuple[int, list[str]]]:
    out = []
    for block in doc_blocks("sh"):
        status = int(re.search(r"^# -> (\d{3})$", block, re.M).group(1))
        command = " ".join(line.rstrip("\\").strip() for line in block.splitlines() if not line.startswith("#"))
        out.append((status, shlex.split(command)))
    return out


def replay(client, argv: list[str], env: dict[str, str]):
    """Run one ``curl`` command line against the Flask test client."""
    assert argv[0] == "curl", argv
    for key, value in env.items():
        argv = [a.replace(f"${key}", value) for a in argv]
    method, headers, body, form, query, url, args = None, {}, None, {}, [], "", iter(argv[1:])
    for arg in args:
        if arg in ("-s", "-S", "-G"):
            continue
        if arg == "-o":
            next(args)
        elif arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _sep, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            body = next(args).encode()
        elif arg == "--data-urlencode":
            query.append(tuple(next(args).split("=", 1)))
        elif arg == "-F":
            name, _sep, value = next(args).partition("=")
            form[name] = (io.BytesIO(EXAMPLE_FILES[value[1:]]), value[1:]) if value.startswith("@") else value
        else:
            url = arg
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    method = method or ("POST" if body or form else "GET")
    if form:
        return client.open(url, method=method, headers=headers, data=form, content_type="multipart/form-data")
    return client.open(url, method=method, headers=headers, data=body)


def test_every_curl_example_in_the_api_docs_runs(api):
    examples = curl_examples()
    assert len(examples) >= 15
    env = {"CRM": "", "TOKEN": api.headers["Authorization"].split()[1]}
    client = api.test_client()
    for expected, argv in examples:
        response = replay(client, argv, env)
        assert response.status_code == expected, (argv, response.get_data(as_text=True)[:500])
        data = response.get_json(silent=True)
        if isinstance(data, dict) and data.get("next_cursor"):
            env["NEXT"] = data["next_cursor"]
    for block in doc_blocks("json"):
        json.loads(block)
