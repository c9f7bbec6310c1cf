"""Settings: the database really in use, SQLite's pragmas, the deploy checks, the Content
Security Policy and the refusal to run without a secret key."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

SRC = Path(__file__).resolve().parent.parent / "src"


_NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "SECRET_KEY",
    "CHIBO_AUDIT_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # Django's deploy check refuses it
}


def _env(**extra: str) -> dict[str, str]:
    """A clean environment for a subprocess: none of the caller's Django settings leak in."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.django_db
def test_the_expected_database_is_in_use() -> None:
    """CI sets CHIBO_EXPECT_DB (`sqlite` for `make test`, `postgresql` for `make test-pg`), so a
    run that silently fell back to another database fails here."""
    expected = os.environ.get("CHIBO_EXPECT_DB")
    if not expected:
        pytest.skip("CHIBO_EXPECT_DB is not set (make test and make test-pg set it)")
    assert connection.vendor == expected
    with connection.cursor() as cursor:  # and it answers
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_sqlite_settings_carry_the_pragmas() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("not running on SQLite")
    init = settings.DATABASES["default"]["OPTIONS"]["init_command"].replace(" ", "").upper()
    for pragma in ("JOURNAL_MODE=WAL", "SYNCHRONOUS=FULL", "FOREIGN_KEYS=ON"):
        assert f"PRAGMA{pragma}" in init, init


@pytest.mark.parametrize("database_url", [None, ""], ids=["unset", "empty"])
def test_default_sqlite_file_is_wal_full_with_foreign_keys(tmp_path: Path, database_url: str | None) -> None:
    """The default database (no DATABASE_URL, or an empty one): var/chibo.sqlite3 in WAL mode,
    synchronous=FULL, foreign keys enforced. Checked on a real file through Django's own connection."""
    (tmp_path / "var").mkdir()
    code = (
        "import json, django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor();"
        "out = {p: c.execute('PRAGMA ' + p).fetchone()[0]"
        " for p in ('journal_mode', 'foreign_keys', 'synchronous')};"
        "out['name'] = str(connection.settings_dict['NAME']);"
        "print(json.dumps(out))"
    )
    env = _env(DJANGO_SETTINGS_MODULE="chibo.settings.dev", CHIBO_HOME=str(tmp_path))
    env.pop("CHIBO_VAR_DIR", None)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    result = _run(["-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    pragmas = json.loads(result.stdout.strip().splitlines()[-1])
    assert pragmas["name"] == str(tmp_path / "var" / "chibo.sqlite3")
    assert str(pragmas["journal_mode"]).lower() == "wal"
    assert pragmas["foreign_keys"] == 1
    assert pragmas["synchronous"] == 2  # FULL
    assert (tmp_path / "var" / "chibo.sqlite3").exists()


def test_deploy_checks_pass_with_production_settings(tmp_path: Path) -> None:
    env = _env(
        DJANGO_SETTINGS_MODULE="chibo.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(45),
        CHIBO_AUDIT_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="chibo.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )
    result = _run(["-m", "chibo", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


def test_production_settings_refuse_a_missing_audit_key(tmp_path: Path) -> None:
    """The audit chain's HMAC key comes from the environment, never the database (issue 18)."""
    env = _env(DJANGO_SETTINGS_MODULE="chibo.settings.prod", SECRET_KEY=secrets.token_urlsafe(45),
               ALLOWED_HOSTS="chibo.example", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    result = _run(["-m", "chibo", "check"], env, tmp_path)
    assert result.returncode != 0
    assert "CHIBO_AUDIT_KEY" in result.stderr
    # a short or development key passes start-up but fails the deploy check (chibo.W008)
    env["CHIBO_AUDIT_KEY"] = "chibo-development-audit-key-not-secret"
    result = _run(["-m", "chibo", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "chibo.W008" in result.stdout + result.stderr


@pytest.mark.parametrize("key", ["", "too-short-for-production"])
def test_production_settings_refuse_a_missing_or_short_secret_key(tmp_path: Path, key: str) -> None:
    env = _env(DJANGO_SETTINGS_MODULE="chibo.settings.prod", SECRET_KEY=key)
    result = _run(["-m", "chibo", "check"], env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_dev_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path: Path) -> None:
    env = _env(DJANGO_SETTINGS_MODULE="chibo.settings.dev", DEBUG="0")
    result = _run(["-m", "chibo", "check"], env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    # ...and start with DEBUG on (the development default).
    ok = _run(["-m", "chibo", "check"], _env(DJANGO_SETTINGS_MODULE="chibo.settings.dev"), tmp_path)
    assert ok.returncode == 0, ok.stderr


def _csp_directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            out[tokens[0].lower()] = tokens[1:]
    return out


ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/orgs/", "/api/v1/"])
def test_responses_carry_a_strict_content_security_policy(client, path: str) -> None:
    response = client.get(path)
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"{path}: no Content-Security-Policy header"
    directives = _csp_directives(header)
    assert directives.get("frame-ancestors") == ["'none'"], header
    assert directives.get("default-src") == ["'self'"], header
    assert directives.get("object-src") == ["'none'"], header
    for name, sources in directives.items():
        foreign = [s for s in sources if s not in ALLOWED_SOURCES]
        assert not foreign, f"{path}: {name} allows {foreign} (no external host, no unsafe-*)"


DEMO_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
missing = client.get("/no-such-page/")
static = client.get("/static/web/chibo.css")
print(json.dumps({"debug": settings.DEBUG, "status": missing.status_code,
                  "debug_page": b"URLconf" in missing.content or b"Traceback" in missing.content,
                  "static": static.status_code}))
"""


def test_the_demo_is_served_as_production_would(tmp_path):
    """`chibo demo` serves with `chibo.settings.demo`: DEBUG off (a mistyped address shows no URL
    map), static files through WhiteNoise, a secret key made once in the data directory."""
    env = _env(DJANGO_SETTINGS_MODULE="chibo.settings.demo", CHIBO_VAR_DIR=str(tmp_path / "var"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    result = _run(["-c", DEMO_PROBE], env, tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"debug": False, "status": 404, "debug_page": False, "static": 200}
    key = (tmp_path / "var" / "demo-secret-key")
    assert len(key.read_text()) >= 50 and oct(key.stat().st_mode & 0o777) == "0o600"


SENDER_PROBE = """
import django, sys
django.setup()
from chibo.supervision.secrecy import decrypt_text, encrypt
if sys.argv[1] == "encrypt":
    print(encrypt("Nguyễn Văn Người Gửi").decode())
else:
    print(decrypt_text(sys.argv[2].encode()))
"""


def test_the_demo_builds_and_serves_senders_under_one_key(tmp_path):
    """`chibo demo` builds with the development settings (DEBUG switched off while building) and
    serves with `chibo.settings.demo`: both hold the same development key for senders."""
    env = _env(CHIBO_VAR_DIR=str(tmp_path / "var"))
    built = _run(["-c", SENDER_PROBE, "encrypt"], dict(env, DJANGO_SETTINGS_MODULE="chibo.settings.dev", DEBUG="0",
                                                      SECRET_KEY="x" * 50), tmp_path)
    assert built.returncode == 0, built.stderr
    token = built.stdout.strip().splitlines()[-1]
    served = _run(["-c", SENDER_PROBE, "decrypt", token], dict(env, DJANGO_SETTINGS_MODULE="chibo.settings.demo"),
                  tmp_path)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip().splitlines()[-1] == "Nguyễn Văn Người Gửi"
