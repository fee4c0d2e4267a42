"""Bulk inserts through the driver's executemany, with SQLAlchemy's own type conversion.

SQLAlchemy's executemany converts every parameter of every row through generic machinery; on a
100,000-finding report that was half of the ingest time. Here the statement is compiled once, each
column's bind processor (the conversion SQLAlchemy would apply: JSON, UTC datetimes) is looked up
once and applied only where one exists, values shared by all rows are converted once, and the
rows go to the driver in one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert


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
    processors = [
        (index, processor)
        for index, name in enumerate(columns)
        if (processor := table.c[name].type.bind_processor(dialect)) is not None
    ]
    fixed = tuple(
        processor(value) if (processor := table.c[name].type.bind_processor(dialect)) else value
        for name, value in constants.items()
    )

    def converted(row: tuple[Any, ...]) -> tuple[Any, ...]:
        if processors:
            values = list(row)
            for index, processor in processors:
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
