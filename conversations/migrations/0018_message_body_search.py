"""O6: the full-text index of message text on PostgreSQL; nothing on SQLite (the embedded
default searches with icontains: conversations/selectors/search.py).

Built CONCURRENTLY (outside a transaction): a large messages table stays writable while
the index is built."""

from django.db import migrations

INDEX = "message_body_fts_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON conversations_message "
        "USING gin (to_tsvector('simple'::regconfig, body))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("conversations", "0017_message_automated")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
