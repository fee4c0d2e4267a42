"""Findings that share a root cause, and so one fix, one case and one ticket.

Two kinds of root cause are recognised:

- the same rule firing on the same code: same repository, tool, rule, scanner severity and file
  role, and the same flagged lines once each line is stripped and blank lines dropped (a helper
  copied into several files, a pattern repeated across a codebase);
- the same advisory in the same package: same repository, ecosystem, package, advisory ids,
  scanner severity and manifest role (one upgrade fixes every manifest that names it).

Severity and file role are part of the key so that every finding of a case gets the proposal the
case gets: the policy would have decided each of them the same way on its own. Secrets, dynamic
and AI findings are never grouped, nor is a finding whose code cannot be read.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from agent.llm.cache import slice_hash
from tools.errors import ToolError
from tools.findings.finding import FindingKind
from tools.repo.file_role import classify
from tools.repo.location import LocalCheckout, parse_location
from tools.repo.reader import RepoReader
from tools.store.tables import FindingRow

_CODE_KINDS = frozenset({FindingKind.SAST, FindingKind.IAC})
MAX_SLICE_LINES = 40


def root_cause_key(row: FindingRow, code: str | None) -> str | None:
    """The group key findings with this root cause share; None when the finding stands alone.

    ``code`` is the flagged code (see ``flagged_code``); only code findings need it.
    """
    role = classify(row.path).value
    if row.kind in _CODE_KINDS:
        if not code or not code.strip() or not row.path:
            return None
        parts = ["code", row.tool.lower(), row.rule_id, row.tool_severity, role, slice_hash(code)]
    elif row.kind == FindingKind.SCA:
        details = row.details or {}
        package = details.get("package")
        advisories = sorted(str(a) for a in details.get("advisory_ids") or ())
        if not package or not advisories:
            return None
        ecosystem = str(details.get("ecosystem") or "")
        parts = ["advisory", ecosystem, str(package), *advisories, row.tool_severity, role]
    else:
        return None
    digest = hashlib.sha256(json.dumps([row.repository, *parts]).encode()).hexdigest()
    return f"root:{parts[0]}:{digest}"


def flagged_code(row: FindingRow, *, max_file_bytes: int) -> str | None:
    """The flagged lines: the report's snippet, else read from a local checkout; None if neither.

    Code on GitHub is not fetched here (one request per finding just to group): such findings
    group only when their report carries a snippet.
    """
    if row.kind not in _CODE_KINDS:
        return None
    if row.snippet and row.snippet.strip():
        return row.snippet
    if not row.path or row.start_line is None or not row.repo_source:
        return None
    try:
        location = parse_location(row.repo_source)
        if not isinstance(location, LocalCheckout) or not Path(location.root).is_dir():
            return None
        reader = RepoReader(Path(location.root), max_file_bytes=max_file_bytes)
        end = max(row.end_line or row.start_line, row.start_line)
        end = min(end, row.start_line + MAX_SLICE_LINES - 1)
        return "\n".join(reader.read_lines(row.path, row.start_line, end).text)
    except (ValueError, OSError, ToolError):  # unreadable: the finding is simply not grouped
        return None
