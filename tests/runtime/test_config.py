"""Bad configuration stops start-up with one clear line, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from runtime.config import ConfigError, load_settings


@pytest.mark.parametrize("env, fragment", [
    ({"DATABASE_URL": "mysql://root@localhost/crm"}, "supported: sqlite, postgresql"),
    ({"DATABASE_URL": "::not a url::"}, "is not a database URL"),
    ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must start with redis://"),
    ({"CRM_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
    ({"SECRET_KEY": "short"}, "at least 16 characters"),
])
def test_bad_settings_are_one_clear_line(tmp_path, env, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(env={"CRM_INSTANCE_PATH": str(tmp_path), **env})
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_defaults_are_embedded_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings(env={"CRM_INSTANCE_PATH": str(tmp_path / "inst")})
    assert settings.database_url == f"sqlite:///{tmp_path / 'inst' / 'crm.sqlite3'}"
    assert settings.redis_url is None and settings.embedded
    assert settings.timezone == "Asia/Shanghai"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings(env={"CRM_INSTANCE_PATH": str(tmp_path)}).secret_key
    second = load_settings(env={"CRM_INSTANCE_PATH": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_scheme_is_mapped_to_psycopg(tmp_path):
    settings = load_settings(env={"CRM_INSTANCE_PATH": str(tmp_path),
                                  "DATABASE_URL": "postgresql://u@db.example/crm"})
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_cli_prints_the_problem_without_a_traceback(tmp_path):
    env = {**os.environ, "CRM_INSTANCE_PATH": str(tmp_path), "CRM_TIMEZONE": "Nowhere/City"}
    result = subprocess.run([sys.executable, "-c", "import wsgi; wsgi.main()", "init"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip() == ("crm: configuration error: CRM_TIMEZONE 'Nowhere/City' "
                                     "is not a known time zone (e.g. Asia/Shanghai)")
    assert "Traceback" not in result.stderr
