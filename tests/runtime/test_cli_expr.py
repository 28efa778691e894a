"""``crm expr check`` / ``crm expr eval`` as an analyst uses them from the shell."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import schema_store
import wsgi

DOC = {"objects": {"lead": {"label": {"zh-CN": "线索"}, "fields": {
    "budget": {"type": "currency"},
    "level": {"type": "picklist", "options": [{"value": "三甲", "label": {"zh-CN": "三甲"}},
                                              {"value": "二级", "label": {"zh-CN": "二级"}}]}}}}}


@pytest.fixture
def crm(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(wsgi.cli, list(args), catch_exceptions=False)
    run("init", "--admin-password", "admin-pass-1")
    return run


def test_eval_uses_decimals_and_the_record(crm):
    assert crm("expr", "eval", "0.1 + 0.2").output.strip() == "0.3"
    result = crm("expr", "eval", 'IF(budget > 100, "大单", "小单")', "--record", '{"budget": 120.5}')
    assert result.exit_code == 0 and result.output.strip() == "大单"
    assert crm("expr", "eval", "LEN(name)", "--record", '{"name": "三甲医院"}').output.strip() == "4"


def test_check_prints_type_and_sql_capability(crm):
    result = crm("expr", "check", 'LEN("三甲医院") = 4')
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == ["type: boolean", "sql: yes"]


def test_errors_are_positioned_with_exit_code_2(crm):
    result = crm("expr", "check", 'IF(TRUE, 1, 2) > "abc"')
    assert result.exit_code == 2
    assert "line 1, column" in result.output and "^" in result.output
    bad_json = crm("expr", "eval", "1", "--record", "{oops")
    assert bad_json.exit_code == 2 and "--record is not JSON" in bad_json.output


def test_check_against_a_published_object(crm, tmp_path):
    engine = schema_store.create_engine(f"sqlite:///{tmp_path / 'instance' / 'crm.sqlite3'}")
    schema_store.publish(engine, DOC)
    engine.dispose()
    ok = crm("expr", "check", 'ISPICKVAL(level, "三甲") && budget > 10', "--object", "lead")
    assert ok.exit_code == 0 and "reads: budget, level" in ok.output
    typo = crm("expr", "check", "budgett > 10", "--object", "lead")
    assert typo.exit_code == 2 and "budget" in typo.output
    unknown = crm("expr", "check", "1", "--object", "ghost")
    assert unknown.exit_code == 2 and "unknown object 'ghost'; objects: lead" in unknown.output
