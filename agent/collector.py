"""Fewer garbage-collector passes while a report is ingested.

CPython runs a young-generation collection every 700 net container allocations. Ingest allocates
and frees a few dicts and tuples per result, so a 100,000-result report triggered thousands of
passes that found nothing to free (parsed results are acyclic and die young): about a tenth of
the ingest's time. Raising the young threshold for the ingest's duration keeps collections, just
fewer of them; the old thresholds come back when the last concurrent ingest ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_INGEST_THRESHOLD = 50_000
"""Young-generation allocations between passes while ingesting (CPython's default: 700)."""

_lock = threading.Lock()
_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young generation's threshold until the block ends (re-entrant, thread-safe)."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            young, middle, old = _saved
            gc.set_threshold(max(young, _INGEST_THRESHOLD), middle, old)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
