"""O6: on PostgreSQL, contacts are searched by the words of their names and username
(prefixes, a GIN full-text index) and by the start of their number (a pattern index);
nothing on SQLite (icontains: conversations/selectors/search.py). Built CONCURRENTLY."""

from django.db import migrations

INDEXES = {
    "contact_names_fts_idx": "USING gin (to_tsvector('simple'::regconfig, "
    "name || ' ' || profile_name || ' ' || username))",
    "contact_wa_id_prefix_idx": "(wa_id varchar_pattern_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON conversations_contact {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("conversations", "0019_message_tallied")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
