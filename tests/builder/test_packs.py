"""Pack machinery: the format and its problems, dry-run plans (CLI and API), atomic import,
idempotent re-import, coexisting packs, three-way upgrades with conflicts, export round trip."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from builder.packs import PackInvalid, load_pack
from builder.packs.installer import ImportRefused
from tests.builder.conftest import MEDICAL, tiny_pack, write_pack


def test_every_problem_of_a_broken_pack_names_its_file_and_pointer(tmp_path):
    files = tiny_pack()
    files["pack.json"]["version"] = "one"
    files["pack.json"]["title"] = {"fr": "x"}
    with pytest.raises(PackInvalid) as bad_manifest:
        load_pack(write_pack(tmp_path / "a", files))
    where = {(p.file, p.path) for p in bad_manifest.value.problems}
    assert ("pack.json", "/version") in where and ("pack.json", "/title") in where

    files = tiny_pack()
    files["metadata.json"]["objects"]["widget"] = files["metadata.json"]["objects"].pop("tiny_widget")
    files["data/widgets.json"][1].pop("code")
    del files["README.md"]
    files["pack.json"]["data"].append({"object": "tiny_nothing", "file": "data/none.json", "key": "code"})
    with pytest.raises(PackInvalid) as bad:
        load_pack(write_pack(tmp_path / "b", files))
    found = {(p.file, p.path, p.code) for p in bad.value.problems}
    assert ("metadata.json", "/objects/widget", "pack.namespace") in found
    assert ("data/widgets.json", "/1/code", "pack.data_key") in found
    assert ("README.md", "", "pack.missing_file") in found
    assert ("data/none.json", "", "pack.missing_file") in found
    assert all(p.messages["zh-CN"] and p.messages["en"] for p in bad.value.problems)


def test_metadata_problems_point_into_the_fragment(kit, tmp_path):
    files = tiny_pack(**{"objects.tiny_widget.fields.size.required_when": "sizee > 1"})
    refused = kit.cli("pack", "import", str(write_pack(tmp_path / "p", files)), "--dry-run", ok=False)
    assert refused.exit_code == 1
    assert "metadata.json#/objects/tiny_widget/fields/size/required_when" in refused.output
    assert kit.live() == (None, {})


def test_dry_run_prints_the_plan_and_changes_nothing(kit):
    out = kit.cli("pack", "import", str(MEDICAL), "--dry-run").output
    assert "Pack medical 1.0.0 (医疗器械 CRM): install" in out
    assert "create object 'med_opportunity' and its table" in out
    assert "change automation rules: added med_navigation_playbook, med_ticket_cluster_alert" in out
    assert "+ 15 record(s) of med_product to load" in out and "+ 12 record(s) of med_procedure" in out
    assert "+ team med_ortho" in out and "Dry run: nothing changed." in out
    assert kit.live() == (None, {}) and kit.installed() == {}


def test_the_api_plans_and_imports_a_zip_or_a_bundled_template(kit):
    token = kit.users.token("consultant1", "consultant")
    client = kit.app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in MEDICAL.rglob("*"):
            if path.is_file():
                zf.write(path, f"medical/{path.relative_to(MEDICAL)}")
    plan = client.post("/api/v1/packs/import?dry_run=1", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(buffer.getvalue()), "medical.zip")})
    assert plan.status_code == 200, plan.json
    body = plan.json
    assert body["dry_run"] and body["action"] == "install" and body["ok"]
    assert "med_hospital" in body["objects"] and body["records"]["med_product"] == {"new": 15, "existing": 0}
    assert any("med_visit.quality_score" in f or "quality_score" in f for f in body["fields"] + [o["description"] for o in body["ops"]])
    assert kit.live() == (None, {})
    done = client.post("/api/v1/packs/import", headers=headers, json={"template": "medical"})
    assert done.status_code == 200, done.json
    assert done.json["version"] == 1 and done.json["loaded"]["med_product"] == 15
    assert client.get("/api/v1/packs", headers=headers).json["packs"][0]["name"] == "medical"
    rep = {"Authorization": f"Bearer {kit.users.token('rep1', 'rep')}"}
    assert client.post("/api/v1/packs/import?dry_run=1", headers=rep, json={"template": "medical"}).status_code == 403
    assert client.post("/api/v1/packs/import", headers=headers, data=b"not a zip",
                       content_type="application/zip").status_code == 400
    assert client.post("/api/v1/packs/import", headers=headers, json={"template": "../etc"}).status_code == 400


def test_import_is_atomic_and_a_second_import_changes_nothing(any_kit):
    kit = any_kit
    for step in ("publish", "data", "commit"):
        with pytest.raises(RuntimeError, match=f"injected failure at {step}"):
            kit.do_import(MEDICAL, fail_at=step)
        assert kit.live() == (None, {}) and kit.installed() == {} and kit.count("med_product") == 0
    result = kit.do_import(MEDICAL)
    assert result.version == 1 and result.loaded == {"med_hospital_level": 6, "med_product": 15,
                                                      "med_procedure": 12, "med_fault_type": 6}
    again = kit.do_import(MEDICAL)
    assert again.plan.action == "unchanged" and not again.plan.changes_anything
    assert again.version is None and again.loaded == {}
    assert kit.live()[0] == 1 and kit.count("med_product") == 15
    assert kit.installed()["medical"]["version"] == "1.0.0"


def test_a_bad_reference_row_rolls_everything_back_and_names_the_row(kit, tmp_path):
    files = tiny_pack()
    files["data/widgets.json"].append({"code": "W3", "name": "齿条", "size": "很大"})
    with pytest.raises(PackInvalid) as bad:
        kit.do_import(write_pack(tmp_path / "t", files))
    assert [(p.file, p.path) for p in bad.value.problems] == [("data/widgets.json", "/2/size")]
    assert kit.live() == (None, {}) and kit.installed() == {}


def test_two_packs_coexist_under_their_namespaces(kit, tmp_path):
    kit.do_import(MEDICAL)
    kit.do_import(write_pack(tmp_path / "tiny", tiny_pack()))
    version, document = kit.live()
    assert version == 2
    assert {"med_hospital", "tiny_widget"} <= set(document["objects"])
    assert {"med_ortho", "tiny_team"} <= set(document["teams"])
    assert [r["key"] for r in document["rules"]][-1] == "tiny_big"
    assert set(kit.installed()) == {"medical", "tiny"}
    assert kit.count("tiny_widget") == 2 and kit.count("med_product") == 15
    listed = kit.cli("pack", "list").output
    assert "medical 1.0.0" in listed and "tiny 1.0.0" in listed
    needs = tiny_pack()
    needs["pack.json"].update(name="tiny_addon", namespace="tinyx", requires={"packs": {"tiny": ">=2.0"}})
    needs["metadata.json"] = {"objects": {}}
    needs["pack.json"]["data"] = []
    out = kit.cli("pack", "import", str(write_pack(tmp_path / "addon", needs)), ok=False).output
    assert "pack.json#/requires/packs/tiny" in out


def _tenant_edits(kit):
    """What a customer's analyst did after installing tiny 1.0.0."""
    import schema_store
    _version, doc = kit.live()
    fields = doc["objects"]["tiny_widget"]["fields"]
    fields["weight"] = {"type": "number", "label": {"zh-CN": "重量"}}             # own field
    fields["name"]["label"] = {"zh-CN": "部件名称", "en": "Widget name"}            # relabel
    doc["rules"][0]["when"] = "size > 20"                                         # rule tweak
    schema_store.publish(kit.svc.engine, doc)


def test_an_upgrade_merges_three_ways_and_stops_on_true_conflicts(kit, tmp_path):
    kit.do_import(write_pack(tmp_path / "v1", tiny_pack()))
    _tenant_edits(kit)
    before = kit.live()
    v2 = tiny_pack("2.0.0", **{
        "objects.tiny_widget.fields.color.label": {"zh-CN": "外观颜色", "en": "Colour"},   # untouched by tenant
        "objects.tiny_widget.fields.stock": {"type": "number", "label": {"zh-CN": "库存"}},  # new field
        "objects.tiny_widget.fields.name.label": {"zh-CN": "品名", "en": "Item"},           # tenant relabelled too
    })
    v2["data/widgets.json"].append({"code": "W3", "name": "齿条", "size": 5})
    path = write_pack(tmp_path / "v2", v2)
    plan = kit.cli("pack", "import", str(path), "--dry-run", ok=False)
    assert plan.exit_code == 1
    assert "conflict at /objects/tiny_widget/fields/name/label" in plan.output
    with pytest.raises(ImportRefused) as refused:
        kit.do_import(path)
    assert [c.path for c in refused.value.plan.conflicts] == ["/objects/tiny_widget/fields/name/label"]
    assert kit.live() == before                                                     # nothing applied

    kit.cli("pack", "import", str(path), "--prefer-at", "/objects/tiny_widget/fields/name/label=local")
    _version, doc = kit.live()
    fields = doc["objects"]["tiny_widget"]["fields"]
    assert fields["name"]["label"] == {"zh-CN": "部件名称", "en": "Widget name"}      # local kept
    assert fields["weight"]["label"] == {"zh-CN": "重量"}                             # tenant field survives
    assert doc["rules"][0]["when"] == "size > 20"                                   # rule tweak survives
    assert fields["color"]["label"]["zh-CN"] == "外观颜色"                             # pack change applied
    assert "stock" in fields                                                        # pack addition applied
    assert kit.installed()["tiny"]["version"] == "2.0.0" and kit.count("tiny_widget") == 3


def test_prefer_pack_takes_the_packs_side_of_every_conflict(kit, tmp_path):
    kit.do_import(write_pack(tmp_path / "v1", tiny_pack()))
    _tenant_edits(kit)
    v2 = tiny_pack("1.1.0", **{"objects.tiny_widget.fields.name.label": {"zh-CN": "品名", "en": "Item"},
                               "rules.0.when": "size > 15"})
    kit.cli("pack", "import", str(write_pack(tmp_path / "v2", v2)), "--prefer", "pack")
    _version, doc = kit.live()
    assert doc["objects"]["tiny_widget"]["fields"]["name"]["label"]["zh-CN"] == "品名"
    assert doc["rules"][0]["when"] == "size > 15"
    assert "weight" in doc["objects"]["tiny_widget"]["fields"]
    older = kit.cli("pack", "import", str(write_pack(tmp_path / "v0", tiny_pack("0.9.0"))), ok=False).output
    assert "pack.json#/version" in older


def test_export_then_import_into_an_empty_instance_gives_the_same_app(make_app, tmp_path, db_url):
    from tests.builder.conftest import PackKit
    source = PackKit(make_app())
    source.do_import(MEDICAL)
    source.do_import(write_pack(tmp_path / "tiny", tiny_pack()))
    out = tmp_path / "exported.zip"
    data = ["med_hospital_level", "med_product", "med_procedure", "med_fault_type", "tiny_widget"]
    args = ["pack", "export", str(out), "--name", "tenant_app"]
    for name in data:
        args += ["--data", name]
    assert "Exported the live app" in source.cli(*args).output
    target = PackKit(make_app(database_url=db_url))
    target.do_import(out)
    assert target.live()[1] == source.live()[1]
    for name in data:
        assert target.count(name) == source.count(name) > 0
    headers = {"Authorization": f"Bearer {target.users.token('admin')}"}
    products = target.app.test_client().get("/api/v1/records/med_product?sort=code", headers=headers).json
    assert products["records"][0]["code"] == "CON-510" and products["records"][0]["category"] == "手术耗材"


def test_crm_demo_loads_a_living_app_once(kit, monkeypatch):
    monkeypatch.setenv("CRM_DEMO_SCALE", "0.01")
    from runtime.cli import demo
    runner = kit.app.test_cli_runner()
    first = runner.invoke(demo, ["--admin-password", "admin-password-1"]).output
    assert "Pack medical 1.0.0: install" in first and "Demo data loaded" in first
    counts = {name: kit.count(name) for name in ("med_hospital", "med_contact", "med_lead", "med_opportunity",
                                                  "med_visit", "med_ticket")}
    assert counts == {"med_hospital": 5, "med_contact": 10, "med_lead": 50, "med_opportunity": 10,
                      "med_visit": 6, "med_ticket": 1}
    second = runner.invoke(demo, []).output
    assert "Demo data already loaded" in second
    assert {name: kit.count(name) for name in counts} == counts
    import sqlalchemy as sa
    table = sa.table("obj_med_opportunity", sa.column("stage"))
    with kit.svc.engine.connect() as conn:
        stages = set(conn.execute(sa.select(table.c.stage)).scalars())
    assert len(stages) >= 3                                    # spread over the funnel


def test_the_documented_manifest_validates():
    import re
    from pathlib import Path

    import jsonschema

    from builder.packs.format import PACK_SCHEMA
    text = (Path(__file__).resolve().parents[2] / "docs" / "packs.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json pack\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        jsonschema.Draft202012Validator(PACK_SCHEMA).validate(json.loads(block))
    bundled = json.loads((MEDICAL / "pack.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(PACK_SCHEMA).validate(bundled)
