"""Runs ``appsec-triage`` in fresh processes forked from one that has already imported it.

Every CLI test runs the real entry point in its own process, as a user would: its own globals,
its own exit code, crashpoints that kill it for real. What a new interpreter adds on top is
about 1.5 s of imports per call, and the suite makes hundreds of calls. So one helper process per
test worker (the zygote) imports the CLI once and forks a child for each call; the child takes
the call's working directory, environment and argv, writes to files standing in for stdout and
stderr, and exits with the code ``python -m agent`` would have. The zygote itself never runs a
command, opens a database or starts a thread, so each fork starts from the same clean state.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class Call:
    args: tuple[str, ...]
    env: dict[str, str]
    cwd: str
    timeout: float


@dataclass(frozen=True)
class Exited:
    code: int
    stdout: bytes
    stderr: bytes


class CallTimedOut(Exception):
    pass


class Zygote:
    """A process that has imported the CLI and forks one child per call."""

    def __init__(self, base_env: dict[str, str]) -> None:
        # A fresh interpreter (not a fork of pytest, which has threads), started with the
        # environment the calls share, so whatever reads it at import time sees the same values.
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(base_env)
        try:
            self._process = context.Process(target=_serve, args=(theirs,), daemon=True)
            self._process.start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        theirs.close()

    def run(self, call: Call) -> Exited:
        self._conn.send(call)
        answer: Exited | CallTimedOut = self._conn.recv()
        if isinstance(answer, CallTimedOut):
            raise answer
        return answer

    def close(self) -> None:
        self._conn.close()
        self._process.join(timeout=10)


def decode(output: bytes) -> str:
    """Bytes as ``subprocess.run(text=True)`` decodes them (UTF-8, universal newlines)."""
    return io.TextIOWrapper(io.BytesIO(output), encoding="utf-8", newline=None).read()


def _serve(conn: Connection) -> None:
    import agent.cli  # noqa: F401 - the import every call would otherwise pay for

    while True:
        try:
            call: Call = conn.recv()
        except EOFError:
            return
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _child(call, out, err)
            conn.send(_wait(pid, call.timeout, out, err))


def _child(call: Call, out: BinaryIO, err: BinaryIO) -> None:
    code = 1
    try:
        os.chdir(call.cwd)
        os.environ.clear()
        os.environ.update(call.env)
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.argv = [str(Path(sys.executable).parent / "appsec-triage"), *call.args]
        from agent.cli import main

        try:
            main()
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _exit_code(code: object) -> int:
    """What the interpreter would exit with for ``SystemExit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _wait(pid: int, timeout: float, out: BinaryIO, err: BinaryIO) -> Exited | CallTimedOut:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return CallTimedOut(f"appsec-triage did not finish within {timeout} s")
        time.sleep(0.005)
    out.seek(0)
    err.seek(0)
    return Exited(os.waitstatus_to_exitcode(status), out.read(), err.read())
