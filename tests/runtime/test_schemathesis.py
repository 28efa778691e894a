"""Property-based API testing: schemathesis reads /api/v1/openapi.json of a live server running a
small published app and sends generated requests (valid and invalid) to every operation; none may
answer 5xx. Bounded: a fixed seed, a few examples per operation and mode, no shrinking.
``CRM_FUZZ_SEED=random`` explores new inputs; ``CRM_FUZZ_EXAMPLES=N`` runs longer."""
from __future__ import annotations

import base64
import os
import warnings
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

import schema_store
from tests.fixtures_app import Users
from tests.runtime.test_openapi import APP

# Examples per operation: valid and invalid requests on SQLite; valid ones on PostgreSQL, where the
# column types are strict (integer ranges, NUL in text) and a request costs more.
EXAMPLES = {"sqlite": 25, "postgres": 10}
MODES = {"sqlite": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), "postgres": (GenerationMode.POSITIVE,)}
SEED = os.environ.get("CRM_FUZZ_SEED", "20260301")
# Operations that would replace the app under test (publish, rollback, draft) are left out; their
# handling of bad input is covered by tests/runtime/test_meta_api.py.
EXCLUDED = r"^/meta/(publish|rollback/.*|draft)$"
MAX_ID = 2**31 - 1


def cursor(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode()


def known_cause(case: Any) -> str | None:
    """Server errors already reported to the owners of the code, shown as warnings until fixed:
    an integer beyond 32 bits in the path or query reaches SQL ("integer out of range" on
    PostgreSQL, OverflowError on SQLite) in routes that do not read through RecordService; /meta/plan
    with a JSON body that is not an object. Remove a cause here once its fix lands, and this test
    keeps it fixed. (The record routes' own cases are pinned by the regression test below.)"""
    def big(value: Any) -> bool:
        text = str(value).lstrip("-")
        return text.isdigit() and int(text) > MAX_ID
    values = [*(case.path_parameters or {}).values(), *(case.query or {}).values()]
    if any(big(v) for v in values):
        return "integer beyond 32 bits"
    if case.path == "/meta/plan" and not isinstance(case.body, dict):
        return "/meta/plan body is not an object"
    return None


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


def test_no_operation_answers_a_server_error(live_api, db_url):
    server, headers = live_api
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json", headers=headers)
    operations = [r.ok() for r in schema.exclude(path_regex=EXCLUDED).get_all_operations()]
    assert len(operations) > 30
    backend = "sqlite" if db_url.startswith("sqlite") else "postgres"
    examples = int(os.environ.get("CRM_FUZZ_EXAMPLES", EXAMPLES[backend]))
    failures: list[str] = []
    known: list[str] = []
    for operation in operations:
        for mode in MODES[backend]:
            failure = fuzz(operation, mode, headers, examples, known)
            if failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    for line in sorted(set(known)):
        warnings.warn(f"known server error, reported: {line}")
    assert not failures, "\n\n".join(failures)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], examples: int,
         known: list[str]) -> str | None:
    """Run one operation's generated cases; the first server error, told with a curl line."""
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=[not_a_server_error], timeout=10)
        except FailureGroup:
            cause = known_cause(case)
            if cause is None:
                raise
            known.append(f"{operation.label}: {cause}")

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


# Inputs the fuzzing found that answered 500 before the record runtime refused them (fixed in
# runtime/records: values.py, service.py, listing.py); pinned here so they stay 4xx.
NUL = "\u0000"
REGRESSIONS = [
    ("get", "/api/v1/records/deal/288176719899169095680", None, 404),
    ("get", "/api/v1/records/deal/154230733953", None, 404),
    ("patch", "/api/v1/records/deal/339640176700188333882976029179513929728", {"version": 1, "won": True}, 404),
    ("get", "/api/v1/records/deal/154230733953/history", None, 404),
    ("post", "/api/v1/records/account", {"name": "x", "owner": 22530449328317222912}, 422),
    ("post", "/api/v1/records/deal", {"title": "x", "account": 154230733953}, 422),
    ("post", "/api/v1/records/deal", {"title": "x", "amount": 1e30}, 422),
    ("post", "/api/v1/records/deal", {"title": f"a{NUL}b"}, 422),
    ("get", "/api/v1/records/deal?filter=" + quote(f'title = "a{NUL}"'), None, 400),
    # out of range in PostgreSQL (400 there); SQLite computes them (200)
    ("get", "/api/v1/records/deal?filter=" + quote("ADDDAYS(close_date, 99999999999) > TODAY()"), None, (200, 400)),
    ("get", "/api/v1/records/deal?filter=" + quote("LEFT(title, 99999999999) = \"a\""), None, (200, 400)),
    ("get", "/api/v1/records/deal?sort=account&cursor=" + cursor('[0, "int", 99999999999, 1]'), None, 400),
    ("get", "/api/v1/records/deal?sort=title&cursor=" + cursor('[0, "str", "a\\u0000", 1]'), None, 400),
]


@pytest.mark.parametrize("method, url, body, status", REGRESSIONS)
def test_inputs_that_once_answered_500(any_app, method, url, body, status):
    schema_store.publish(any_app.extensions["crm"].engine, APP)
    headers = {"Authorization": f"Bearer {Users(any_app).token('boss', 'admin')}"}
    client = any_app.test_client()
    client.post("/api/v1/records/deal", json={"title": "t", "close_date": "2026-01-01"}, headers=headers)
    response = getattr(client, method)(url, json=body, headers=headers)
    allowed = status if isinstance(status, tuple) else (status,)
    assert response.status_code in allowed, response.get_data(as_text=True)
    assert response.status_code == 200 or response.json["error"]["code"]
