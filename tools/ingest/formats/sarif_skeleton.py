"""The first pass over a SARIF file too big to load: the log without its results, and their count.

Everything but ``runs[].results`` is small even in a gigabyte report (tool, rules, artifacts,
invocations), so it is built in memory. Results are only counted here; the second pass reads them
one at a time. A result's place in the skeleton holds :data:`UNREAD`, so ``sarif:`` pointers into
results still resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
from ijson.common import ObjectBuilder

from tools.ingest.errors import ReportRejected

_RUN = "runs.item"
_RESULT = "runs.item.results.item"
_INSIDE_RESULT = _RESULT + "."
_VALUE_STARTS = frozenset({"start_map", "start_array", "string", "number", "boolean", "null"})


class _Unread:
    def __repr__(self) -> str:
        return "UNREAD"

    def __reduce__(self) -> str:
        return "UNREAD"  # unpickled as this module's one instance: readers test ``is UNREAD``


UNREAD: Any = _Unread()


@dataclass(frozen=True)
class Skeleton:
    log: Any
    result_counts: tuple[int, ...]
    """Results per run, in file order; a run whose ``results`` is not an array counts 0."""


def read_skeleton(path: Path) -> Skeleton:
    builder = ObjectBuilder()
    counts: list[int] = []
    try:
        with path.open("rb") as handle:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if prefix == _RESULT:
                    if event in _VALUE_STARTS:
                        counts[-1] += 1
                    continue
                if prefix.startswith(_INSIDE_RESULT):
                    continue
                if prefix == _RUN and event in _VALUE_STARTS:
                    counts.append(0)
                builder.event(event, value)
    except ijson.JSONError as exc:
        raise ReportRejected(f"not valid JSON: {_first_line(exc)}") from exc
    except UnicodeDecodeError as exc:
        # yajl refuses some escaped lone surrogates; the in-memory reader replaces them instead.
        raise ReportRejected(
            "JSON escapes encode invalid Unicode (lone surrogates); the streaming reader refuses "
            "them (a file under APPSEC_TRIAGE_IN_MEMORY_REPORT_BYTES is read in memory instead)"
        ) from exc
    log = builder.value
    runs = log.get("runs") if isinstance(log, dict) else None
    for run, count in zip(runs if isinstance(runs, list) else [], counts, strict=False):
        if isinstance(run, dict) and isinstance(run.get("results"), list):
            run["results"] = [UNREAD] * count
    return Skeleton(log=log, result_counts=tuple(counts))


def _first_line(error: Exception) -> str:
    """The parser's reason without the excerpt of the file it appends (it may quote a secret)."""
    text = str(error.args[0] if error.args else error)
    if text.startswith(("b'", 'b"')):
        text = text[2:]
    return text.split("\n", 1)[0].split("\\n", 1)[0].strip() or "malformed JSON"
