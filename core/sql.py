"""Lean statements for the hot paths (a redemption writes a dozen rows; the ORM spends most of its CPU
compiling SQL for them). Each helper builds its SQL once per model from the model's own metadata and
converts values with the fields' own `get_db_prep_save`, so what lands in the row is exactly what
`Model.save()` would write, on SQLite as on PostgreSQL. They share one cursor per connection.
"""
import hashlib
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

M = TypeVar("M", bound=models.Model)


def _stamped(field: models.Field):
    """The field's `pre_save` where it computes the value saved (auto_now, files…); None where that is the attribute."""
    if type(field).pre_save is models.Field.pre_save:
        return None
    if isinstance(field, models.DateField) and not (field.auto_now or field.auto_now_add):
        return None
    return field.pre_save


@cache
def _insert_sql(model: type[models.Model], vendor: str, rows: int) -> tuple[str, tuple]:
    """The statement, and per column: the attribute, its `pre_save` when it computes the value, its conversion."""
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, tuple((f.attname, _stamped(f), f.get_db_prep_save) for f in fields)


def insert(objs: Sequence[M]) -> Sequence[M]:
    """INSERT unsaved instances of one model with an auto primary key in one statement; sets their keys.

    No signals are sent and `save()` is not called: for append-only rows (ledger, movements, logs, outbox).
    """
    if not objs:
        return objs
    model, db = type(objs[0]), connections[DEFAULT_DB_ALIAS]  # the connection itself, not its per-context proxy
    sql, columns = _insert_sql(model, db.vendor, len(objs))
    params: list[Any] = []
    for obj in objs:
        values = obj.__dict__
        for attname, stamped, prepare in columns:
            value = stamped(obj, True) if stamped else values[attname]
            params.append(None if value is None else prepare(value, db))  # every field saves None as NULL
    cursor = _cursor(db)
    cursor.execute(sql, params)
    keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, db.alias
    return objs


def _cursor(db):
    """The connection's cursor for these statements, made once per database session (a cursor costs about as much
    Python as the statement run on it), and anew when queries start or stop being captured (tests, debug)."""
    db.ensure_connection()
    cached = getattr(db, "_lean_cursor", None)
    if cached is None or cached[0] is not db.connection or cached[1] != db.queries_logged:
        cached = (db.connection, db.queries_logged, db.cursor())
        db._lean_cursor = cached
    return cached[2]


def fetch(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Rows of one statement (`%s` placeholders, table names through `table()`)."""
    cursor = _cursor(connections[DEFAULT_DB_ALIAS])
    cursor.execute(sql, params)
    return cursor.fetchall()


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def for_update(of: str = "") -> str:
    """` FOR UPDATE [OF alias]` where the database locks rows (PostgreSQL), nothing on SQLite."""
    if not connection.features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {of}" if of and connection.features.has_select_for_update_of else " FOR UPDATE"


def advisory_key(name: str) -> int:
    """The 64-bit key of PostgreSQL's advisory lock on `name`."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def hold_lock_on(name: str) -> None:
    """Wait for PostgreSQL's advisory lock on `name` and hold it until the transaction ends, serialising the
    transactions that name it; nothing on SQLite, whose writing transactions run one at a time anyway."""
    if connection.vendor == "postgresql":
        fetch("SELECT pg_advisory_xact_lock(%s)", [advisory_key(name)])


def execute(sql: str, params: Sequence[Any]) -> int:
    """Run one statement; the number of rows it changed."""
    cursor = _cursor(connections[DEFAULT_DB_ALIAS])
    cursor.execute(sql, params)
    return cursor.rowcount


def moment(value):
    """A datetime as a parameter of a hand-written statement (naive UTC text on SQLite, as the ORM stores it)."""
    return connection.ops.adapt_datetimefield_value(value)


@cache
def _fields(model: type[models.Model], attnames: tuple[str, ...]) -> tuple[models.Field, ...]:
    """The fields named, in the model's own order (the order `from_db` takes values in)."""
    fields = tuple(f for f in model._meta.concrete_fields if f.attname in attnames)
    if len(fields) != len(set(attnames)):
        raise ValueError(f"{model.__name__} has no field among {sorted(set(attnames) - {f.attname for f in fields})}")
    return fields


@cache
def _attnames(model: type[models.Model], attnames: tuple[str, ...]) -> list[str]:
    return [f.attname for f in _fields(model, attnames)]


@cache
def _loaders(model: type[models.Model], attnames: tuple[str, ...]) -> tuple:
    loaders = []
    for field in _fields(model, attnames):
        column = field.get_col(model._meta.db_table)
        loaders.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return tuple(loaders)


@cache
def columns(model: type[models.Model], attnames: tuple[str, ...], alias: str) -> str:
    """The select list for `load`: `alias.column, …` of the fields named by attname, in the model's order."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in _fields(model, attnames))


def load(model: type[M], attnames: tuple[str, ...], values: Sequence[Any]) -> M:
    """An instance from the values of a `columns()` select list, converted as the ORM converts them (decimals,
    JSON, aware times); the fields not named are deferred and load on first access, as with `.only()`."""
    db, converted = connections[DEFAULT_DB_ALIAS], []
    for value, (column, converters) in zip(values, _loaders(model, attnames), strict=True):
        for converter in converters:
            value = converter(value, column, db)
        converted.append(value)
    return model.from_db(db.alias, _attnames(model, attnames), converted)
