"""Bulk inserts and updates through the driver's executemany, with SQLAlchemy's type conversion.

SQLAlchemy's executemany converts every parameter of every row through generic machinery (and the
ORM's bulk update by primary key builds a parameter dict per row on top); on a 100,000-finding
report that was most of the store's time. Here the statement is compiled once, each column's bind
processor (the conversion SQLAlchemy would apply: JSON, UTC datetimes) is looked up once and
applied only where one exists, values shared by all rows are converted once, and the rows go to
the driver in one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.sql.compiler import SQLCompiler

_Processors = Mapping[str, Callable[[Any], Any] | None]


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (values in ``columns`` order) plus ``constants`` (the same in every row)."""
    if not rows:
        return
    constants = constants or {}
    dialect = connection.dialect
    keys = [*columns, *constants]
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    # The column types' own processors, as inserts have always been converted here: on SQLite a
    # UTC datetime reaches the driver as a datetime and is stored with its offset.
    processors = {name: table.c[name].type.bind_processor(dialect) for name in keys}
    _execute_many(connection, compiled, columns, rows, constants, processors)


def bulk_update(
    connection: Connection,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Set ``columns`` plus ``constants`` on each row identified by column ``key``.

    Each of ``rows`` is the key's value followed by the values of ``columns``, in order.
    """
    if not rows:
        return
    constants = constants or {}
    dialect = connection.dialect
    # The key is not among the columns set, so its parameter may take the column's own name.
    statement = update(table).where(table.c[key] == bindparam(key, type_=table.c[key].type))
    compiled = statement.compile(dialect=dialect, column_keys=[*columns, *constants])
    # The dialect's processors, as the ORM's bulk update applied them (this replaces it): on
    # SQLite a datetime is stored in SQLAlchemy's own text form, as updated rows always were.
    names = [key, *columns]
    processors = {
        name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in [*names, *constants]
    }
    _execute_many(connection, compiled, names, rows, constants, processors)


def _as_driver_adapts(value: Any, connection: Connection) -> Any:
    """A shared datetime in the text sqlite3 would make of it in every row, made once."""
    if isinstance(value, datetime) and connection.dialect.name == "sqlite":
        return value.isoformat(" ")  # exactly sqlite3's default datetime adapter
    return value


def _execute_many(
    connection: Connection,
    compiled: SQLCompiler,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: Mapping[str, Any],
    processors: _Processors,
) -> None:
    """Run ``compiled`` once per row: ``rows`` hold the values of ``columns``, in order."""
    keys = [*columns, *constants]
    per_row = [
        (index, processor)
        for index, name in enumerate(columns)
        if (processor := processors[name]) is not None
    ]
    fixed = tuple(
        _as_driver_adapts(
            processor(value) if (processor := processors[name]) else value, connection
        )
        for name, value in constants.items()
    )

    def converted(row: tuple[Any, ...]) -> tuple[Any, ...]:
        if per_row:
            values = list(row)
            for index, processor in per_row:
                values[index] = processor(values[index])
            row = tuple(values)
        return row + fixed

    params: list[Any]
    if compiled.positional:
        ordered = itemgetter(*(keys.index(name) for name in compiled.positiontup or ()))
        params = [ordered(converted(row)) for row in rows]
    else:
        params = [dict(zip(keys, converted(row), strict=True)) for row in rows]
    connection.exec_driver_sql(compiled.string, params)
