"""The ``crm`` command as an operator uses it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CRM = str(Path(sys.executable).with_name("crm"))


def crm(tmp_path, *args, env=None):
    environ = {**os.environ, "CRM_INSTANCE_PATH": str(tmp_path / "instance"), **(env or {})}
    environ.pop("DATABASE_URL", None) if not env or "DATABASE_URL" not in env else None
    return subprocess.run([CRM, *args], env=environ, capture_output=True, text=True, timeout=120)


def test_init_user_add_and_token(tmp_path):
    init = crm(tmp_path, "init", "--admin-password", "admin-pass-1")
    assert init.returncode == 0, init.stderr
    assert "Admin login: admin / admin-pass-1" in init.stdout
    assert (tmp_path / "instance" / "crm.sqlite3").exists()
    assert crm(tmp_path, "user", "add", "dir1", "--role", "manager").returncode == 0
    added = crm(tmp_path, "user", "add", "mgr1", "--role", "manager", "--team", "骨科产品组",
                "--manager", "dir1", "--password", "pw-123456")
    assert added.returncode == 0 and "mgr1 (manager) created" in added.stdout
    token = crm(tmp_path, "user", "token", "mgr1")
    assert token.returncode == 0 and token.stdout.strip().splitlines()[-1].startswith("crm_")
    again = crm(tmp_path, "init")
    assert "password unchanged" in again.stdout


def test_a_generated_admin_password_is_shown_again_until_it_is_changed(tmp_path):
    small = {"CRM_DEMO_SCALE": "0.01"}
    first = crm(tmp_path, "demo", env=small)
    assert first.returncode == 0, first.stderr
    login = next(line for line in first.stdout.splitlines() if line.startswith("Admin login: admin / "))
    second = crm(tmp_path, "demo", env=small)
    assert login in second.stdout.splitlines()
    crm(tmp_path, "init", "--admin-password", "changed-123")
    assert "password unchanged" in crm(tmp_path, "init").stdout


@pytest.mark.parametrize("args, message", [
    (("user", "add", "x", "--role", "pope"),
     "unknown role 'pope'; roles: admin, analyst, manager, rep, consultant"),
    (("user", "add", "y", "--role", "rep", "--manager", "ghost"), "manager 'ghost' does not exist"),
    (("user", "token", "ghost"), "user 'ghost' does not exist"),
])
def test_mistakes_are_one_line_with_exit_code_2(tmp_path, args, message):
    result = crm(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {message}"


def test_init_on_postgres(tmp_path, pg_url):
    result = crm(tmp_path, "init", "--admin-password", "admin-pass-1", env={"DATABASE_URL": pg_url})
    assert result.returncode == 0, result.stderr
    assert "Database: postgresql+psycopg://" in result.stdout


def test_serve_answers_on_the_port_it_prints(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert crm(tmp_path, "init", "--admin-password", "admin-pass-1").returncode == 0
    env = {**os.environ, "CRM_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([CRM, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "crm serve did not answer within 30 s"
                time.sleep(0.2)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"Serving on http://127.0.0.1:{port}/" in out
