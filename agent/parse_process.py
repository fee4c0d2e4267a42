"""Reading a large SARIF file's results in a second process while this one stores them.

Ingesting a big report is two jobs of similar size: reading its results (JSON, checks,
fingerprints, redaction) and storing them (SQL). In one process they take turns; here a parser
process reads while the ingesting process stores, so on a machine with two cores they overlap.
The parser process holds no database connection and no token, and what it sends back is plain
rows (:mod:`tools.store.rows`), cheap to pickle.

The protocol, over one duplex pipe: this process sends the job (the file, the parse context, the
CWE families) as soon as the parser starts, and the checked outline of its first pass when that
pass ends; the parser reads ahead meanwhile (:func:`_answer`). It answers with batches of rows,
then the report's tally, or the reason the report was rejected, or the traceback of a bug.
docs/architecture.md ("Ingest in two processes") tells the whole story.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import subprocess  # nosec B404
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from agent.collector import fewer_collections
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import sarif
from tools.ingest.report import ParseContext, ReportStream, ReportTally
from tools.store.rows import BATCH_SIZE, Row, finding_batches

ROWS_PER_MESSAGE = 1000
"""Small enough that the store starts early and memory stays flat, large enough to amortise."""
BATCHES_AHEAD = 16
"""Batches the parser reads ahead of the first pass and holds until it ends (about 10 MB)."""
BATCHES_IN_FLIGHT = 16
"""Batches received and not yet stored (a few MB): enough to ride out a slow statement."""
_EXIT_WAIT_SECONDS = 5.0


class ParserProcessFailed(RuntimeError):
    """The parser process hit a bug (not a bad report): its traceback, for the bug report."""


@dataclass(frozen=True)
class _Job:
    path: Path
    context: ParseContext
    cwe_families: Mapping[str, str]


class ParserProcess:
    """One parser process for one report: :meth:`read`, :meth:`follow`, :meth:`batches`; always
    close it.

    Start it before the first pass, so its start-up and reading ahead run while that pass does.
    A thread here receives the parser's batches into a bounded inbox: the parser keeps working
    while this process runs a statement, instead of waiting for it with one batch in the pipe.
    """

    def __init__(self) -> None:
        # A new interpreter running this module, not a fork: the ingesting process may have
        # threads (a worker's pool, a database pool), and a fork copies their locks in whatever
        # state they are in. Not multiprocessing's spawn either: that imports the parent's main
        # module again, and the CLI's is the whole application (2 s and 150 MB before the
        # first result). It gets no APPSEC_TRIAGE_* variable: no token, no key, no database.
        self._conn, theirs = multiprocessing.Pipe(duplex=True)
        # Our own interpreter running our own module, with no shell.
        self._process = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            env=_parser_environment(),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._inbox: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=BATCHES_IN_FLIGHT)
        self._stopping = threading.Event()
        self._receiver: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self._process.pid

    def read(self, path: Path, context: ParseContext, cwe_families: Mapping[str, str]) -> None:
        """Hand the parser its report before the first pass: it reads ahead from the file's
        head while that pass runs, and keeps what it read if :meth:`follow` agrees."""
        self._send(_Job(path, context, dict(cwe_families)))

    def follow(self, outline: sarif.Outline) -> None:
        """The first pass's outline, checked (result cap included): from here on, rows flow."""
        self._send(outline)
        self._receiver = threading.Thread(
            target=self._receive, name="appsec-parser-inbox", daemon=True
        )
        self._receiver.start()

    def _send(self, message: object) -> None:
        try:
            self._conn.send(message)
        except OSError:
            raise self._ended() from None

    def batches(self, tally: ReportTally) -> Iterator[list[Row]]:
        """The report's rows as the parser sends them; ``tally`` is complete after the last.

        Each batch is what has arrived since the last one, up to BATCH_SIZE rows: large while
        the store is the slower side, small at the end, so little is left to store when the
        parser finishes.

        Raises ReportRejected for a report the parser refuses, or when the parser dies (a
        crash on hostile input must not take the batch down); ParserProcessFailed on a bug.
        """
        batch: list[Row] = []
        while True:
            try:
                kind, payload = self._inbox.get(block=not batch)
            except queue.Empty:
                yield batch
                batch = []
                continue
            if kind == "rows":
                batch.extend(payload)
                if len(batch) >= BATCH_SIZE:
                    yield batch
                    batch = []
                continue
            if kind == "done":
                if batch:
                    yield batch
                tally.update(payload)
                return
            if kind == "rejected":
                raise ReportRejected(payload)
            if kind == "failed":
                raise ParserProcessFailed(f"the parser process failed:\n{payload}")
            raise self._ended()

    def close(self) -> None:
        """End the parser: at once when it is still working (the ingest ended early)."""
        self._stopping.set()
        if self._receiver is None or self._receiver.is_alive():
            self._process.kill()  # its end of the pipe closes, so the receiver sees the end
        if self._receiver is not None:
            self._receiver.join()
        self._conn.close()
        try:
            self._process.wait(timeout=_EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _receive(self) -> None:
        """Move the parser's messages to the inbox until its last one, or until it is gone."""
        while True:
            try:
                message: tuple[str, Any] = self._conn.recv()
            except (EOFError, OSError):
                message = ("ended", None)
            while not self._stopping.is_set():
                try:
                    self._inbox.put(message, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if message[0] != "rows" or self._stopping.is_set():
                return

    def _ended(self) -> ReportRejected:
        try:
            code: int | None = self._process.wait(timeout=_EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            status = "still running"
        else:
            status = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return ReportRejected(f"the parser process ended without an answer ({status})")

    def __enter__(self) -> ParserProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _serve(conn: Connection) -> None:
    """The parser process: one job, answered in row batches, then its tally or its failure."""
    try:
        job: _Job = conn.recv()
        with fewer_collections():
            _answer(conn, job)
    except EOFError:
        return  # the ingest ended before it needed us (its first pass refused the file)
    except ReportRejected as exc:
        _send(conn, ("rejected", exc.reason))
    except Exception:  # a bug: the ingesting process raises it with this traceback
        _send(conn, ("failed", traceback.format_exc()))
    finally:
        conn.close()


def _answer(conn: Connection, job: _Job) -> None:
    """Read ahead with the head's outline while the first pass runs; send rows once it ends.

    What was read ahead is kept only when the whole file's outline reads results the same way
    (:meth:`sarif.Outline.reads_like`); otherwise, or when reading ahead was refused (a
    ``sarif:`` pointer past the head, say), the results are read again with the real outline.
    Nothing is sent before that outline, which the first pass has checked, arrives.
    """
    head = sarif.read_head(job.path, job.context)
    stream: ReportStream | None = None
    batches: Iterator[list[Row]] = iter(())
    ahead: list[list[Row]] = []
    if head is not None:
        stream = sarif.stream_results(job.path, head, job.context)
        batches = finding_batches(stream.findings, job.cwe_families, ROWS_PER_MESSAGE)
        try:
            for batch in batches:
                ahead.append(batch)
                if conn.poll() or len(ahead) >= BATCHES_AHEAD:
                    break
        except ReportRejected:
            stream = None
    outline: sarif.Outline = conn.recv()
    if head is not None and stream is not None and head.reads_like(outline):
        head.adopt_log(outline)
        stream.tally.results = outline.total
        for batch in ahead:
            conn.send(("rows", batch))
    else:
        stream = sarif.stream_results(job.path, outline, job.context)
        batches = finding_batches(stream.findings, job.cwe_families, ROWS_PER_MESSAGE)
    for batch in batches:
        conn.send(("rows", batch))
    tally = stream.tally
    if tally.findings + tally.merged + tally.ignored + tally.quarantined != outline.total:
        raise ReportRejected("the file changed while it was being read")
    conn.send(("done", tally))


def _parser_environment() -> dict[str, str]:
    """This environment without the product's settings, and with this interpreter's import path
    (the parser must import this same code)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("APPSEC_TRIAGE_")}
    environment["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return environment


def _send(conn: Connection, message: tuple[str, Any]) -> None:
    # When the ingesting process is gone or stopped listening, nobody is left to tell.
    with contextlib.suppress(OSError):
        conn.send(message)


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
