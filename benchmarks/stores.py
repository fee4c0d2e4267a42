"""A fresh store for one measurement: a new SQLite file, or a new PostgreSQL schema.

Each round starts empty, so a later round does not insert into the tables an earlier one
filled, and nothing is left behind in the shared database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


@contextmanager
def fresh_store(base_url: str | None, root: Path) -> Iterator[str]:
    """A store URL: ``root``/store-….db without ``base_url``, else a schema dropped on exit."""
    name = secrets.token_hex(4)
    if base_url is None:
        yield f"sqlite:///{root / f'store-{name}.db'}"
        return
    url = make_url(base_url)
    schema = f"bench_{name}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
