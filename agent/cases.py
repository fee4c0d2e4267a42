"""Cases in the store: opening them for new findings, reading their finding, moving their status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.errors import AgentError
from agent.ticket import FindingSummary
from tools.store.tables import CaseFindingRow, CaseRow, CaseStatus, FindingRow, ProposalRow

OPEN_STATUSES = (CaseStatus.TRIAGING, CaseStatus.AWAITING_APPROVAL)


class CaseNotFound(AgentError):
    pass


def open_case(
    session: Session, finding: FindingRow, now: datetime, *, group_key: str | None = None
) -> CaseRow | None:
    """A new case for one finding, committed; None if it joined a case or another run won.

    With a ``group_key`` (agent/grouping.py), a finding joins the case already open under that key
    while that case has not been drafted yet, so its ticket lists the finding too. A case already
    drafted keeps the ticket its approver sees: the finding then gets a case of its own.
    """
    assert finding.id is not None
    if group_key is not None:
        existing = session.exec(select(CaseRow).where(CaseRow.group_key == group_key)).first()
        if existing is not None and existing.id is not None:
            if existing.status != CaseStatus.TRIAGING:
                group_key = None
            else:
                session.add(CaseFindingRow(case_id=existing.id, finding_id=finding.id))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                return None
    case = CaseRow(
        group_key=group_key or f"finding:{finding.id}",
        repository=finding.repository,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    try:
        session.flush()
        assert case.id is not None
        session.add(CaseFindingRow(case_id=case.id, finding_id=finding.id))
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return case


def open_cases(session: Session) -> Sequence[CaseRow]:
    return session.exec(
        select(CaseRow).where(col(CaseRow.status).in_(OPEN_STATUSES)).order_by(col(CaseRow.id))
    ).all()


def get_case(session: Session, case_id: int) -> CaseRow:
    case = session.get(CaseRow, case_id)
    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    return case


def finding_of(session: Session, case_id: int) -> FindingSummary:
    """The finding a case was opened for, as the summary the workflow carries."""
    row = session.exec(
        select(FindingRow)
        .join(CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id))
        .where(CaseFindingRow.case_id == case_id)
        .order_by(col(FindingRow.id))
    ).first()
    if row is None or row.id is None:
        raise CaseNotFound(f"case {case_id} has no finding")
    return summary_of(row)


def other_findings_of(session: Session, case_id: int) -> list[FindingSummary]:
    """The case's findings after the first (the one its workflow carries), in id order."""
    rows = session.exec(
        select(FindingRow)
        .join(CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id))
        .where(CaseFindingRow.case_id == case_id)
        .order_by(col(FindingRow.id))
    ).all()
    return [summary_of(row) for row in rows[1:]]


def summary_of(row: FindingRow) -> FindingSummary:
    assert row.id is not None
    sca = (row.details or {}) if row.kind == "sca" else {}
    return FindingSummary(
        id=row.id,
        repository=row.repository,
        tool=row.tool,
        rule_id=row.rule_id,
        rule_name=row.rule_name,
        cwe_ids=tuple(row.cwe_ids),
        message=row.message,
        tool_severity=row.tool_severity,
        path=row.path,
        start_line=row.start_line,
        end_line=row.end_line,
        fingerprint=row.fingerprint,
        kind=row.kind,
        cve_ids=tuple(
            advisory
            for advisory in (row.details or {}).get("advisory_ids", ())
            if str(advisory).upper().startswith("CVE-")
        ),
        secret_verified=(row.details or {}).get("verified") if row.kind == "secret" else None,
        ai_details=row.details if row.kind in ("llm", "model_artifact") else None,
        advisory_ids=tuple(str(a) for a in sca.get("advisory_ids") or ()),
        cvss_score=_number(sca.get("cvss_score")),
        cvss_vector=str(sca["cvss_vector"]) if sca.get("cvss_vector") else None,
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def set_status(session: Session, case_id: int, status: CaseStatus, now: datetime) -> None:
    case = get_case(session, case_id)
    case.status = status
    case.updated_at = now
    session.add(case)


def latest_verdicts(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """Case id → verdict of its most recent proposal."""
    rows = session.exec(
        select(ProposalRow)
        .where(col(ProposalRow.case_id).in_(list(case_ids)))
        .order_by(col(ProposalRow.id))
    ).all()
    return {row.case_id: row.verdict for row in rows}
