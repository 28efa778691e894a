"""Sign-in, sign-out, lockout, API tokens and role checks."""
from __future__ import annotations

import datetime as dt

from runtime.clock import FixedClock
from tests.fixtures_app import Users, csrf_from


def test_every_page_needs_a_signed_in_user(app):
    client = app.test_client()
    response = client.get("/app")
    assert response.status_code == 302 and "/login?next=/app" in response.headers["Location"]
    api = client.get("/api/v1/nothing-here")
    assert api.status_code in (401, 404)


def test_sign_in_and_out(app, users):
    users.add("lihua", "rep", display_name="李华")
    client = app.test_client()
    assert users.login(client, "lihua").status_code == 302
    home = client.get("/app", headers={"Accept-Language": "zh-CN"})
    assert "欢迎，李华" in home.get_data(as_text=True)
    token = csrf_from(home.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/app").status_code == 302


def test_logout_without_csrf_token_is_refused(app, users):
    client = users.client("rep")
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/app").status_code == 200  # still signed in


def test_bad_password_gets_one_generic_message(app, users):
    users.add("wang", "rep")
    client = app.test_client()
    for name in ("wang", "nobody"):
        response = users.login(client, name, password="wrong-password")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Wrong user name or password" in html or "用户名或密码错误" in html
    assert client.get("/app").status_code == 302


def test_repeated_failures_lock_the_account_for_a_while(make_app):
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc))
    app = make_app(clock=clock)
    users = Users(app)
    users.add("zhao", "rep")
    client = app.test_client()
    for _ in range(5):
        users.login(client, "zhao", password="nope-nope")
    # even the right password is refused while locked
    assert users.login(client, "zhao").status_code == 200
    later = FixedClock(clock.at + dt.timedelta(minutes=16))
    app.extensions["crm"] = app.extensions["crm"].__class__(
        settings=app.extensions["crm"].settings, engine=app.extensions["crm"].engine, clock=later)
    assert users.login(client, "zhao").status_code == 302


def test_open_redirect_after_login_is_refused(app, users):
    users.add("sun", "rep")
    client = app.test_client()
    page = client.get("/login?next=https://evil.example/")
    response = client.post("/login?next=https://evil.example/", data={
        "username": "sun", "password": "password-123",
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"].endswith("/app")


def test_api_token_authenticates_and_can_be_revoked(app, users):
    from runtime import users as service
    token = users.token("api-user", role="analyst")
    client = app.test_client()
    ok = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json["username"] == "api-user" and ok.json["role"] == "analyst"
    assert "Set-Cookie" not in ok.headers
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer crm_wrong"}).status_code == 401
    with app.extensions["crm"].engine.begin() as conn:
        service.revoke_tokens(conn, service.find_user_id(conn, "api-user"))
    denied = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert denied.status_code == 401 and denied.json["error"]["code"] == "unauthorized"


def test_tokens_are_stored_hashed(app, users):
    import sqlalchemy as sa
    from runtime.system_tables import api_tokens
    token = users.token("hash-check")
    with app.extensions["crm"].engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens.c.token_hash)).scalars().all()
    assert token not in stored and len(stored[0]) == 64


def test_api_writes_with_a_cookie_need_the_csrf_header(app, users):
    client = users.client("rep")
    response = client.post("/api/v1/me/locale", json={"locale": "en"})
    assert response.status_code == 400 and response.json["error"]["code"] == "csrf"
    token = csrf_from(client.get("/app").get_data(as_text=True))
    ok = client.post("/api/v1/me/locale", json={"locale": "en"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.json["locale"] == "en"


def test_role_checks(app, users):
    rep = users.client("rep")
    analyst = users.client("analyst")
    admin = users.client("admin")
    denied = rep.get("/api/v1/admin/users")
    assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    assert analyst.get("/api/v1/admin/users").status_code == 403
    listing = admin.get("/api/v1/admin/users")
    assert listing.status_code == 200
    assert {u["username"] for u in listing.json["users"]} >= {"rep", "analyst", "admin"}


def test_language_follows_accept_language_then_the_users_choice(app, users):
    client = users.client("rep", locale=None)
    assert "退出登录" in client.get("/app", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "Sign out" in client.get("/app", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    token = csrf_from(client.get("/app").get_data(as_text=True))
    client.post("/lang/en", data={"csrf_token": token, "next": "/app"})
    assert "Sign out" in client.get("/app", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_api_errors_have_one_shape_and_never_500(app, users):
    token = users.token("shape", role="rep")
    client = app.test_client()
    missing = client.get("/api/v1/no/such/route", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404 and set(missing.json["error"]) == {"code", "message"}
    wrong_method = client.delete("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert wrong_method.status_code == 405
    bad_json = client.post("/api/v1/me/locale", data="{not json", content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert bad_json.status_code == 400 and bad_json.json["error"]["code"] == "bad_request"
