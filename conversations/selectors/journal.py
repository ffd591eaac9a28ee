"""Reads about the webhook journal's drainer (``conversations.webhooks.drainer``)."""

from __future__ import annotations

import zlib

from django.db import connection

#: The advisory lock the active drainer holds (PostgreSQL); the retry sweep and ``/readyz/``
#: leave the journal's events to a drainer while one holds it.
DRAINER_LOCK = zlib.crc32(b"wa-webhook-drainer")


def journal_drainer_alive() -> bool:
    """Whether a drainer holds its lock now (a bigint advisory key below 2³² shows in
    ``pg_locks`` as class 0, object the key, sub-object 1). Always False on SQLite."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
            "AND objid = %s AND objsubid = 1 AND granted)",
            [DRAINER_LOCK],
        )
        (alive,) = cursor.fetchone()
    return bool(alive)
