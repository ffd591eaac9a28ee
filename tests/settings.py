"""Test settings: the project's settings, plus what makes tests fast and deterministic.

The same suite runs on the embedded default (SQLite, in-memory layer) and, with
``DATABASE_URL`` / ``REDIS_URL`` set, on PostgreSQL and channels_redis.
"""

import os
import tempfile
from pathlib import Path

from waproject.settings import *  # noqa: F403
from waproject.settings import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASK_EXECUTION = "inline"  # tasks run at once, in the test's thread
WEBHOOK_INGEST_THREADS = 0  # webhooks processed in the test's thread (its open transaction)
EMBEDDED_BEAT = False
WHATSAPP_SANDBOX_ENABLED = True
WHATSAPP_MEDIA_AUTO_DOWNLOAD = False  # tests that need it turn it on (and provide a Graph API)
MEDIA_ROOT = VAR_DIR / "test-media"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test database is a file with the embedded default's settings (WAL, a 30 s busy
    # timeout, BEGIN IMMEDIATE), not Django's default in-memory database. That one is a
    # shared-cache database: SQLite then locks whole tables between connections, and a
    # statement that meets another connection's lock fails at once with "database table
    # is locked" (SQLITE_LOCKED, which the busy timeout does not cover). Tests with a live
    # server have such a second connection: the embedded task runner's threads (the
    # sandbox's delayed status webhooks) write while the test and the live server, which
    # shares the test's connection, read and write; whether they met depended on thread
    # timing, about one run in six under load. With a file, readers never block and a
    # writer waits its turn, as in production; the live server gets its own connection.
    # RAM-backed where possible; one file per test process, so runs can go side by side.
    _tmp = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / f"waproject-test-{os.getpid()}.sqlite3")}

# Static files straight from the apps' folders, in both passes (the scaled default serves
# collectstatic's hashed output, which unit tests do not build).
STATIC_FILES = "finders"
WHITENOISE_USE_FINDERS = True
# Look files up per request instead of listing them all when a test client starts (31 ms
# for each of the suite's clients); the servers the e2e tests start list them as deployed.
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# S1: no board pushes (``board.changed``) unless a test turns them on: they would add a
# query after the commits of tests that count them.
BOARD_PUSH_INTERVAL = None
