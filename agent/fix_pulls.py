"""Mechanical fixes as draft pull requests: bump a vulnerable dependency to its fixed version.

``propose_fix_pr`` reads the manifest at the base branch, rewrites the one pin
(tools/publish/dependency_bump.py, which refuses anything ambiguous) and opens an approval whose
payload is the whole new file, the blob it replaces, the branch and the PR's text.
``open_approved_fix`` writes it once, through the same checks as a publish; the PR body links
the case's issue when one was published.
"""

from __future__ import annotations

import re
from typing import Protocol

from agent.approved_writes import check_target, load_approved, request_write_approval, write_once
from agent.deps import WorkflowDeps
from agent.followups import published_issue
from agent.publishing import PublishRefused
from tools.publish.dependency_bump import bump_manifest
from tools.publish.fix_pull_request import FixPullRequest
from tools.publish.markdown import inline_code

ACTION_OPEN_FIX_PR = "open_fix_pr"


class FixWriter(Protocol):
    @property
    def destination(self) -> str: ...

    def read_manifest(self, repository: str, ref: str, path: str) -> tuple[str, str]: ...

    def find(self, fix: FixPullRequest) -> str | None: ...

    def open(self, fix: FixPullRequest) -> str: ...


def propose_fix_pr(
    deps: WorkflowDeps,
    writer: FixWriter,
    *,
    case_id: int,
    repository: str,
    base_branch: str,
    manifest: str,
    ecosystem: str,
    package: str,
    fixed_version: str,
    advisory: str | None = None,
) -> str:
    """Compute the bump and open (once) the approval for exactly that PR; returns its id.

    BumpRefused (nothing proposed) when the manifest does not pin the package exactly once.
    """
    text, blob = writer.read_manifest(repository, base_branch, manifest)
    bump = bump_manifest(
        manifest, text, ecosystem=ecosystem, package=package, version=fixed_version
    )
    slug = re.sub(r"[^a-z0-9.]+", "-", f"{package}-{fixed_version}".lower()).strip("-")[:60]
    with deps.database.session() as session:
        issue = published_issue(session, case_id)
    link = f"Refs #{issue.number}" if issue and issue.repository == repository else ""
    why = f" ({inline_code(advisory, max_length=80)})" if advisory else ""
    lines = [
        f"Bumps {inline_code(package)} from {inline_code(bump.from_version)} to "
        f"{inline_code(fixed_version)} in {inline_code(manifest)}{why}.",
        "",
        "Only that one pin changes. Opened as a draft by appsec-triage after approval; check the "
        "build and the changelog before merging.",
    ]
    if link:
        lines += ["", link]
    body = "\n".join(lines)
    fix = FixPullRequest(
        repository=repository,
        base_branch=base_branch,
        branch=f"appsec-triage/case-{case_id}-{slug}",
        path=manifest,
        base_blob=blob,
        content=bump.text,
        commit_message=f"Bump {package} from {bump.from_version} to {fixed_version}",
        title=f"Bump {package} to {fixed_version}",
        body=body,
        marker=f"<!-- appsec-triage:case={case_id}:fix={slug} -->",
    )
    payload = {"fix": fix.model_dump(mode="json")}
    return request_write_approval(deps, case_id=case_id, action=ACTION_OPEN_FIX_PR, payload=payload)


def open_approved_fix(
    deps: WorkflowDeps,
    writer: FixWriter,
    approval_id: str,
    *,
    case_id: int,
    resolve_doubt: bool = False,
) -> str:
    """Open the approved fix PR once; returns its URL."""
    approved = load_approved(deps, approval_id, case_id=case_id, action=ACTION_OPEN_FIX_PR)
    fix = FixPullRequest.model_validate(approved.payload.get("fix"))
    if not fix.marker.startswith(f"<!-- appsec-triage:case={case_id}:"):
        raise PublishRefused(f"approval {approval_id} carries another case's marker")
    check_target(deps, fix.repository, approved)
    return write_once(
        deps,
        approved,
        destination=writer.destination,
        write=lambda: writer.open(fix),
        find=lambda: writer.find(fix),
        event="fix.opened",
        resolve_doubt=resolve_doubt,
    )
