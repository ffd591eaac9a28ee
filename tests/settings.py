"""Test settings: the project's settings, plus what makes tests fast and deterministic.

The same suite runs on the embedded default (SQLite, in-memory layer) and, with
``DATABASE_URL`` / ``REDIS_URL`` set, on PostgreSQL and channels_redis.
"""

from waproject.settings import *  # noqa: F403
from waproject.settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASK_EXECUTION = "inline"  # tasks run at once, in the test's thread
WEBHOOK_INGEST_THREADS = 0  # webhooks processed in the test's thread (its open transaction)
EMBEDDED_BEAT = False
WHATSAPP_SANDBOX_ENABLED = True
WHATSAPP_MEDIA_AUTO_DOWNLOAD = False  # tests that need it turn it on (and provide a Graph API)
MEDIA_ROOT = VAR_DIR / "test-media"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
