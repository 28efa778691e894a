"""Property-based API testing: schemathesis reads /api/v1/openapi.json of a live server running a
small published app and sends generated requests (valid and invalid) to every operation; none may
answer 5xx. Bounded: a fixed seed, ``MAX_EXAMPLES`` per operation and mode, no shrinking.
``CRM_FUZZ_SEED=random`` explores new inputs; ``CRM_FUZZ_EXAMPLES=N`` runs longer."""
from __future__ import annotations

import os
import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

import schema_store
from tests.fixtures_app import Users
from tests.runtime.test_openapi import APP

MAX_EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("CRM_FUZZ_SEED", "20260301")
# Operations that would replace the app under test (publish, rollback, draft) are left out; their
# handling of bad input is covered by tests/runtime/test_meta_api.py.
EXCLUDED = r"^/meta/(publish|rollback/.*|draft)$"
# Server errors found by this test in code outside the files/openapi work, reported to the owners
# (ids beyond 32 bits reach SQL: "integer out of range" on PostgreSQL, OverflowError on SQLite; a
# JSON body that is not an object). They are shown as warnings until fixed; delete an entry once
# its fix lands and the test keeps it fixed.
KNOWN = {
    "GET /jobs/{job_id}", "GET /outbox", "GET /outbox/{item_id}", "POST /outbox/{item_id}/retry",
    "POST /notifications/{notification_id}/read", "GET /notifications", "GET /notifications/deliveries",
    "GET /meta/versions/{version}", "GET /meta/diff", "POST /meta/plan",
}


@pytest.fixture
def live_api(make_app, db_url, live_server_for):
    """A live server (SQLite, then PostgreSQL) with the test app published, some data, an admin token."""
    app = make_app(database_url=db_url)
    schema_store.publish(app.extensions["crm"].engine, APP)
    headers = {"Authorization": f"Bearer {Users(app).token('boss', 'admin')}"}
    client = app.test_client()
    account = client.post("/api/v1/records/account", json={"name": "协和医院", "tier": "A"}, headers=headers)
    assert account.status_code == 201, account.json
    deal = client.post("/api/v1/records/deal", headers=headers, json={
        "title": "导航系统", "account": account.json["id"], "amount": 1200000.5, "close_date": "2026-03-01"})
    assert deal.status_code == 201, deal.json
    return live_server_for(app), headers


def test_no_operation_answers_a_server_error(live_api):
    server, headers = live_api
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json", headers=headers)
    operations = [r.ok() for r in schema.exclude(path_regex=EXCLUDED).get_all_operations()]
    assert len(operations) > 30
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = fuzz(operation, mode, headers)
            if failure and operation.label in KNOWN:
                warnings.warn(f"known server error, reported: {operation.label} ({mode.value}): {failure}")
            elif failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)


def fuzz(operation, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """Run one operation's generated cases; the first server error, told with a curl line."""
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error], timeout=10)

    if SEED != "random":
        run = seed(int(SEED))(run)
    try:
        run()
    except (Exception, FailureGroup) as exc:  # noqa: BLE001 - a failure report, collected for all operations
        return _describe(exc)
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc)
    curl = [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]
    return (curl[0] if curl else f"{type(exc).__name__}: {text}")[:2000]
