"""Tests: SQLite by default (DATABASE_URL selects PostgreSQL), fast hashing."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only
if "DATABASE_URL" not in os.environ:
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # SQLite's test flush deletes rows (PostgreSQL's truncates, which row triggers ignore);
    # the triggers are installed and tested explicitly in tests/access/test_audit_guard.py.
    CHIBO_AUDIT_DB_GUARD = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
# Background jobs run at once, inside the request that submits them.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
# Never the development data directory's checkpoints (tests that write one use a tmp_path).
CHIBO_AUDIT_CHECKPOINT_FILE = Path(tempfile.gettempdir()) / f"chibo-test-audit-{os.getpid()}.jsonl"
