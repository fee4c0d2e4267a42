"""Where the code behind GitHub's alerts can be read: the repository, at the commit scanned.

A code-scanning alert names the commit its most recent instance was found at
(``most_recent_instance.commit_sha``): its lines are that commit's lines, so that is where its
code is read, even after the branch has moved on. Every other finding of ``ingest --github``
(Dependabot, secret scanning, an alert without a commit) is read at the default branch's head
commit as it was when the alerts were fetched. Both are stored as ``github:OWNER/REPO@SHA``
(tools.repo.location) and read later through GithubSource.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import requests
from github import Github, GithubException

from agent.ingest import CodeLocations, IngestOptions
from tools.ingest import registry
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import github_code_scanning
from tools.repo.location import github_commit, is_commit_sha


class CommitUnknown(Exception):
    """The default branch's head commit could not be read; the message says why."""


def default_branch_commit(client: Github, repository: str) -> str:
    """The sha the repository's default branch points at now; CommitUnknown otherwise."""
    try:
        _, repo = client.requester.requestJsonAndCheck("GET", f"/repos/{repository}")
        branch = repo.get("default_branch") if isinstance(repo, dict) else None
        if not isinstance(branch, str) or not branch:
            raise CommitUnknown("GitHub named no default branch")
        _, commit = client.requester.requestJsonAndCheck(
            "GET", f"/repos/{repository}/commits/{quote(branch)}"
        )
    except GithubException as exc:
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        raise CommitUnknown(f"{exc.status} {str(message or '')[:200]}") from exc
    except requests.RequestException as exc:
        raise CommitUnknown(f"cannot reach GitHub: {type(exc).__name__}") from exc
    sha = commit.get("sha") if isinstance(commit, dict) else None
    if not is_commit_sha(sha):
        raise CommitUnknown(f"GitHub gave no commit sha for branch {branch!r}")
    return str(sha)


def alert_locations(
    alerts: Sequence[Any],
    *,
    format_name: str,
    repository: str,
    default_commit: str | None,
    options: IngestOptions,
) -> CodeLocations:
    """Where each finding of one alert list can be read.

    For code-scanning alerts, the alerts of each commit are parsed again on their own, with the
    same parser and context as the whole list: an alert's identity is its number, so its finding
    gets the same fingerprint either way, and that fingerprint is mapped to the alert's commit.
    """
    default = github_commit(repository, default_commit).descriptor if default_commit else None
    if format_name != github_code_scanning.FORMAT:
        return CodeLocations(default=default)
    by_commit: dict[str, list[Any]] = {}
    for alert in alerts:
        commit = _alert_commit(alert)
        if commit is not None:
            by_commit.setdefault(commit, []).append(alert)
    parser = registry.format_named(format_name)
    by_fingerprint: dict[str, str] = {}
    for commit, group in sorted(by_commit.items()):
        try:
            parsed = parser.parse(group, options.context)
        except ReportRejected:
            continue  # the whole list is parsed on its own too, and says what is wrong
        descriptor = github_commit(repository, commit).descriptor
        by_fingerprint.update({finding.fingerprint: descriptor for finding in parsed.findings})
    return CodeLocations(default=default, by_fingerprint=by_fingerprint)


def _alert_commit(alert: Any) -> str | None:
    """The alert's commit, when it has a number (its identity) and a well-formed sha."""
    if not isinstance(alert, dict) or not isinstance(alert.get("number"), int):
        return None
    instance = alert.get("most_recent_instance")
    commit = instance.get("commit_sha") if isinstance(instance, dict) else None
    return commit if is_commit_sha(commit) else None
