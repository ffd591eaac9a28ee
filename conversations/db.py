"""A fast INSERT … ON CONFLICT DO NOTHING … RETURNING for the webhook's hot path.

The ORM cannot return the rows a conflict-ignoring bulk insert really inserted, and
compiling an insert costs more than running it on SQLite. This builds the statement
once per (model, row count, database) and prepares each value with the model field's
own ``get_db_prep_save``, so SQLite (3.35+) and PostgreSQL get the same, correctly typed
SQL that Django would send.

On PostgreSQL the statement goes through a psycopg ``RawCursor`` (``$1``-style
placeholders, values bound by the server) instead of Django's client-side binding: the
driver composes a statement of more than 50 values in Python on every call (its cache
stops there), which cost the journal's group commit about a quarter of the web process's
interpreter time (docs/benchmarks.md). The cursor is still Django's wrapper (errors
translated, queries logged and counted, execute wrappers run) and the statement is not
prepared on the server (Django connects with ``prepare_threshold`` None: a pooler in
transaction mode works).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import psycopg
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg import pq
from psycopg.rows import TupleRow

M = TypeVar("M", bound=models.Model)
#: A row as the database driver returns it.
Row = TupleRow


@functools.cache
def _insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(
        f for f in model._meta.concrete_fields if not f.generated and not (f.primary_key and f.auto_created)
    )


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is no column")
    return field.column


@functools.cache
def _insert_sql(model: type[models.Model], rows: int, returning: tuple[str, ...], using: str) -> str:
    connection = connections[using]
    qn = connection.ops.quote_name
    fields = _insert_fields(model)
    width = len(fields)
    if connection.vendor == "postgresql":  # numbered placeholders, for the raw cursor
        values = ", ".join(
            "(" + ", ".join(f"${row * width + i + 1}" for i in range(width)) + ")" for row in range(rows)
        )
    else:
        values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * rows)
    columns = ", ".join(qn(f.column) for f in fields)
    returned = ", ".join(qn(_column(model, name)) for name in returning)
    return (
        f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {values} "
        f"ON CONFLICT DO NOTHING RETURNING {returned}"
    )


def _cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor for the statement of :func:`_insert_sql` on ``connection``: on PostgreSQL a
    psycopg ``RawCursor`` (never prepared: Django connects with ``prepare_threshold``
    None) in Django's wrapper, as ``connection.cursor()`` would wrap its own."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = psycopg.RawCursor(connection.connection)
    return (
        CursorDebugWrapper(raw, connection) if connection.queries_logged else CursorWrapper(raw, connection)
    )


_PLAIN = (str, int, bool)


def _prepare(field: models.Field, value: Any, connection: Any) -> Any:
    """``field.get_db_prep_save(value)``, skipping the work for values the database driver
    takes as they are (text, numbers, booleans, NULL outside JSON columns)."""
    if type(value) in _PLAIN and not isinstance(field, models.JSONField):
        return value
    if value is None and not isinstance(field, models.JSONField):
        return None
    return field.get_db_prep_save(value, connection)


def insert_ignore_returning(
    model: type[models.Model],
    objs: Iterable[models.Model],
    returning: Sequence[str] = ("id",),
    using: str = "default",
) -> list[Row]:
    """Insert ``objs`` in one statement, skip rows that hit a unique constraint, and return
    the ``returning`` columns of the rows actually inserted (in no guaranteed order)."""
    return insert_ignore_later(model, objs, returning, using)()


#: The most values one statement may carry: PostgreSQL's protocol counts its parameters in
#: 16 bits, SQLite (3.32+) stops at 32 766. A longer insert goes as several statements.
MOST_VALUES = {"postgresql": 65535, "sqlite": 32766}


def insert_ignore_later(
    model: type[models.Model],
    objs: Iterable[models.Model],
    returning: Sequence[str] = ("id",),
    using: str = "default",
) -> Callable[[], list[Row]]:
    """:func:`insert_ignore_returning`, whose returned rows are read when the result is
    called: inside :func:`pipeline`, after the statements queued with it have gone to the
    server in one round trip (call it after the transaction's commit); elsewhere they are
    read at once. An error of the statement shows when the pipeline syncs (the commit)."""
    objs = list(objs)
    if not objs:
        return list
    connection = connections[using]
    fields = _insert_fields(model)
    rows = max(MOST_VALUES.get(connection.vendor, 999) // len(fields), 1)
    fetches = [
        _insert_later(model, objs[start : start + rows], fields, tuple(returning), connection, using)
        for start in range(0, len(objs), rows)
    ]
    if len(fetches) == 1:
        return fetches[0]
    return lambda: [row for fetch in fetches for row in fetch()]


def _insert_later(
    model: type[models.Model],
    objs: list[models.Model],
    fields: tuple[models.Field, ...],
    returning: tuple[str, ...],
    connection: BaseDatabaseWrapper,
    using: str,
) -> Callable[[], list[Row]]:
    params = [_prepare(f, f.pre_save(obj, True), connection) for obj in objs for f in fields]
    cursor = _cursor(connection)
    pipelined = False
    try:
        cursor.execute(_insert_sql(model, len(objs), returning, using), params)
        pipelined = _pipelined(connection)
        if not pipelined:
            rows = list(cursor.fetchall())
            return lambda: rows
    finally:
        if not pipelined:
            cursor.close()

    def fetch() -> list[Row]:
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    return fetch


def execute_later(sql: str, params: Sequence[int | str | None], using: str = "default") -> None:
    """Run a statement whose result nobody reads (``$1``-style placeholders on PostgreSQL,
    ``%s`` elsewhere); inside :func:`pipeline` it is only queued."""
    connection = connections[using]
    cursor = _cursor(connection)
    cursor.execute(sql, params)
    if not _pipelined(connection):
        cursor.close()
    # In a pipeline the cursor stays open for its result to arrive; nothing refers to it after.


@contextlib.contextmanager
def pipeline(using: str = "default") -> Iterator[None]:
    """psycopg's pipeline mode on PostgreSQL (nothing elsewhere): the statements run in it
    are queued and sent together when the block ends (or a result is read), in one round
    trip; their errors show there, as Django's. Enter it inside ``transaction.atomic()``
    (changing the autocommit inside a pipeline costs a round trip of its own). A group
    commit of the webhook journal is then two round trips (its statements, the ``COMMIT``)
    instead of one a statement: under load each one also costs the appender thread a wait
    for the interpreter lock, held by the event loop."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def _pipelined(connection: BaseDatabaseWrapper) -> bool:
    raw = connection.connection if connection.vendor == "postgresql" else None
    return raw is not None and raw.pgconn.pipeline_status != pq.PipelineStatus.OFF


def fast_create(obj: M, using: str = "default") -> M:
    """``Model.objects.create`` for a hot path: the same row, without compiling a query."""
    [(obj.pk,)] = insert_ignore_returning(type(obj), [obj], ("id",), using)
    obj._state.adding, obj._state.db = False, using
    return obj
