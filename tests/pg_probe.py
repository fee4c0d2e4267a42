"""Exit 0 when the PostgreSQL at the URL in argv[1] answers, else 1 (used by the Makefile)."""

from __future__ import annotations

import sys

import psycopg
from sqlalchemy.engine import make_url


def main() -> int:
    url = make_url(sys.argv[1]).set(drivername="postgresql")
    try:
        with psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        print(f"PostgreSQL probe failed: {exc}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
