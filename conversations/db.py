"""Two statements the ORM lacks, built from its own compilers: UPDATE … RETURNING and
INSERT … ON CONFLICT DO NOTHING … RETURNING.

The webhook's hot path uses them so that a single-message webhook costs three SQL
statements (the event row, the interaction update that also finds it, the message
insert). Values are still prepared by Django's fields, so SQLite (3.35+) and PostgreSQL
get the same, correctly typed SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery


def update_returning(
    queryset: models.QuerySet[Any],
    values: dict[str, Any],
    returning: Sequence[str],
    extra_returning_sql: str = "",
) -> list[tuple[Any, ...]]:
    """``queryset.update(**values)`` that returns ``returning`` columns of updated rows.

    ``extra_returning_sql`` is appended verbatim to the RETURNING list (for a scalar
    subquery); it must not contain user input.
    """
    model = queryset.model
    query = queryset.query.chain(models.sql.UpdateQuery)
    query.add_update_values(values)
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    if not sql:
        return []
    connection = connections[queryset.db]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [f"{table}.{qn(model._meta.get_field(name).column)}" for name in returning]
    if extra_returning_sql:
        columns.append(extra_returning_sql)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {', '.join(columns)}", params)
        return list(cursor.fetchall())


def insert_ignore_returning(
    model: type[models.Model], objs: Iterable[models.Model], returning: Sequence[str], using: str = "default"
) -> list[tuple[Any, ...]]:
    """Insert ``objs`` in one statement, skip rows that hit a unique constraint, and return
    ``returning`` columns of the rows actually inserted."""
    objs = list(objs)
    if not objs:
        return []
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated and not (f.primary_key and f.auto_created)]
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE)
    query.insert_values(fields, objs, raw=False)
    compiler = query.get_compiler(using)
    compiler.returning_fields = [opts.get_field(name) for name in returning]
    [(sql, params)] = compiler.as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
