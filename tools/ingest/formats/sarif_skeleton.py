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

_RUN = ["runs", "item"]
"""Where a run's value starts, as a path of keys (``item``: an array's element)."""
_RESULTS = ["runs", "item", "results", "item"]
"""Inside a run's results array."""
_STARTS = frozenset({"start_map", "start_array"})
_NESTING = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}


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


def read_skeleton(path: Path, *, head_only: bool = False) -> Skeleton:
    """The log without its results, and each run's result count.

    ``head_only``: stop where the first run's results begin, with what came before them: enough
    to start reading results while another pass reads the rest.
    """
    builder = ObjectBuilder()
    counts: list[int] = []
    # The parser's raw events, with the path of keys kept here: ijson's own prefixes cost a
    # string per event, and most events are inside results, where only the nesting matters.
    # A path is a list of keys, never a dotted string: a key holding a dot names nothing else.
    keys: list[str | None] = []
    inside: int | None = None
    """While in a run's results array: how deep inside its current element (0: between)."""
    nesting = _NESTING.get
    try:
        with path.open("rb") as handle:
            for event, value in ijson.basic_parse(handle, use_float=True):
                if inside:  # within a result: most events, so the shortest path
                    inside += nesting(event, 0)
                    continue
                if inside is not None:  # between two results
                    if event == "end_array":  # the end of the results array
                        inside = None
                        keys.pop()
                        builder.event(event, value)
                        continue
                    counts[-1] += 1  # a result starts
                    inside += nesting(event, 0)
                    continue
                if event == "map_key":
                    keys[-1] = value
                    if "." in value:
                        _refuse_alias(keys)
                elif event in _NESTING:
                    if event in _STARTS:
                        _count_run(keys, counts)
                        keys.append("item" if event == "start_array" else None)
                        if keys == _RESULTS:
                            inside = 0
                            if head_only:
                                builder.event(event, value)
                                return Skeleton(log=builder.value, result_counts=tuple(counts))
                    else:
                        keys.pop()
                else:
                    _count_run(keys, counts)
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


_RESULTS_PREFIX = ".".join(_RESULTS)


def _refuse_alias(keys: list[str | None]) -> None:
    """The second pass finds results by ijson's dotted prefix: a key with a dot in it could
    spell the same prefix (``{"runs.item.results": [...]}``) and pass for results."""
    dotted = ".".join(key or "" for key in keys)
    if dotted == _RESULTS_PREFIX or _RESULTS_PREFIX.startswith(dotted + "."):
        raise ReportRejected(
            f"the key {keys[-1]!r} spells the path of a run's results; "
            "a key with a dot in that place is refused"
        )


def _count_run(keys: list[str | None], counts: list[int]) -> None:
    """A value starting directly in ``runs`` is a run, with no results counted yet."""
    if keys == _RUN:
        counts.append(0)


def _first_line(error: Exception) -> str:
    """The parser's reason without the excerpt of the file it appends (it may quote a secret)."""
    text = str(error.args[0] if error.args else error)
    if text.startswith(("b'", 'b"')):
        text = text[2:]
    return text.split("\n", 1)[0].split("\\n", 1)[0].strip() or "malformed JSON"
