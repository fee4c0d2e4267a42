"""Work claims on the store, with explicit clocks: who may take a case, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from agent.grouping import flagged_code, root_cause_key
from agent.intake import open_untriaged
from tests.support.ingesting import ingest
from tests.support.many_findings import write_many
from tests.support.sarif import write_log
from tools.store.claims import claim_cases, release, renew
from tools.store.database import Database
from tools.store.tables import (
    ApprovalRow,
    ApprovalStatus,
    CaseFindingRow,
    CaseRow,
    CaseStatus,
    FindingRow,
)

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def _store_with_cases(database: Database, tmp_path: Path, count: int) -> list[int]:
    ingest(database, write_many(tmp_path / "many.sarif", count))
    return open_untriaged(database, now=T0, limit=count)


def _claim(database: Database, worker: str, now: datetime, limit: int = 10) -> list[int]:
    with database.session() as session:
        return [
            c.case_id
            for c in claim_cases(session, worker=worker, now=now, lease=LEASE, limit=limit)
        ]


def test_each_finding_gets_one_case_and_a_second_opening_finds_nothing(
    database: Database, tmp_path: Path
) -> None:
    opened = _store_with_cases(database, tmp_path, 7)
    assert len(opened) == 7
    assert open_untriaged(database, now=T0, limit=100) == []
    with database.session() as session:
        links = session.exec(select(CaseFindingRow)).all()
    assert sorted(link.case_id for link in links) == sorted(opened)
    assert len({link.finding_id for link in links}) == 7


def test_a_claimed_case_is_not_claimed_again_until_its_lease_passes(
    database: Database, tmp_path: Path
) -> None:
    cases = _store_with_cases(database, tmp_path, 3)
    assert _claim(database, "a", T0, limit=2) == cases[:2]
    assert _claim(database, "b", T0 + timedelta(seconds=30)) == cases[2:]
    assert _claim(database, "c", T0 + timedelta(seconds=59)) == []
    # a stopped renewing; its lease passed at T0 + 60 s: c takes a's cases over.
    assert _claim(database, "c", T0 + timedelta(seconds=61)) == cases[:2]
    with database.session() as session:
        holders = {row.id: row.claimed_by for row in session.exec(select(CaseRow))}
    assert holders == {cases[0]: "c", cases[1]: "c", cases[2]: "b"}


def test_renewal_keeps_a_claim_and_reports_the_ones_taken_over(
    database: Database, tmp_path: Path
) -> None:
    cases = _store_with_cases(database, tmp_path, 2)
    _claim(database, "a", T0)
    with database.session() as session:
        kept = renew(session, worker="a", case_ids=[cases[0]], now=T0 + LEASE / 2, lease=LEASE)
    assert kept == {cases[0]}
    # Only the renewed case is still held at T0 + 70 s.
    assert _claim(database, "b", T0 + timedelta(seconds=70)) == [cases[1]]
    with database.session() as session:
        kept = renew(
            session, worker="a", case_ids=cases, now=T0 + timedelta(seconds=71), lease=LEASE
        )
    assert kept == {cases[0]}


def test_release_frees_a_case_and_a_failure_delays_it_longer_each_time(
    database: Database, tmp_path: Path
) -> None:
    (case,) = _store_with_cases(database, tmp_path, 1)
    retry = timedelta(seconds=10)
    _claim(database, "a", T0)
    with database.session() as session:
        assert release(session, worker="a", case_id=case, failed=True, now=T0, retry_after=retry)
    assert _claim(database, "b", T0 + timedelta(seconds=9)) == []
    assert _claim(database, "b", T0 + timedelta(seconds=10)) == [case]
    with database.session() as session:
        assert release(session, worker="b", case_id=case, failed=True, now=T0, retry_after=retry)
    assert _claim(database, "c", T0 + timedelta(seconds=19)) == []  # second failure: 20 s
    assert _claim(database, "c", T0 + timedelta(seconds=20)) == [case]
    with database.session() as session:
        assert not release(
            session, worker="a", case_id=case, failed=False, now=T0, retry_after=retry
        )
        assert release(session, worker="c", case_id=case, failed=False, now=T0, retry_after=retry)
        row = session.get(CaseRow, case)
        assert row is not None
        assert (row.claimed_by, row.lease_expires_at, row.failures) == (None, None, 0)


def test_a_case_awaiting_a_human_is_claimable_only_after_the_decision_and_its_grace(
    database: Database, tmp_path: Path
) -> None:
    (case,) = _store_with_cases(database, tmp_path, 1)
    grace = timedelta(minutes=2)
    with database.session() as session:
        row = session.get(CaseRow, case)
        assert row is not None
        row.status = CaseStatus.AWAITING_APPROVAL
        session.add(row)
        session.add(
            ApprovalRow(
                id="apv_test",
                case_id=case,
                thread_id=f"case-{case}",
                action="create_issue",
                payload={},
                content_hash="0" * 64,
                created_at=T0,
                expires_at=T0 + timedelta(days=1),
            )
        )

    def claim(now: datetime) -> list[int]:
        with database.session() as session:
            claims = claim_cases(
                session, worker="w", now=now, lease=LEASE, limit=5, decision_grace=grace
            )
        return [c.case_id for c in claims]

    assert claim(T0) == []  # pending: waits for a human
    with database.session() as session:
        approval = session.get(ApprovalRow, "apv_test")
        assert approval is not None
        approval.status, approval.decided_at = ApprovalStatus.APPROVED, T0
        session.add(approval)
    assert claim(T0 + timedelta(minutes=1)) == []  # the deciding process resumes it itself
    assert claim(T0 + timedelta(minutes=2)) == [case]


def test_claims_are_limited_to_the_repositories_asked_for(
    database: Database, tmp_path: Path
) -> None:
    cases = _store_with_cases(database, tmp_path, 2)
    with database.session() as session:
        only_other = claim_cases(
            session, worker="w", now=T0, lease=LEASE, limit=5, repositories=["acme/other"]
        )
        mine = claim_cases(
            session, worker="w", now=T0, lease=LEASE, limit=5, repositories=["example/notesvc"]
        )
    assert only_other == []
    assert [c.case_id for c in mine] == cases


def test_decided_only_claims_just_the_cases_a_human_decided(
    database: Database, tmp_path: Path
) -> None:
    triaging, decided = _store_with_cases(database, tmp_path, 2)
    with database.session() as session:
        row = session.get(CaseRow, decided)
        assert row is not None
        row.status = CaseStatus.AWAITING_APPROVAL
        session.add(row)
        session.add(
            ApprovalRow(
                id="apv_decided",
                case_id=decided,
                thread_id=f"case-{decided}",
                action="create_issue",
                payload={},
                content_hash="1" * 64,
                status=ApprovalStatus.REJECTED,
                created_at=T0,
                expires_at=T0 + timedelta(days=1),
                decided_at=T0,
            )
        )
    with database.session() as session:
        claims = claim_cases(
            session, worker="publisher", now=T0, lease=LEASE, limit=5, decided_only=True
        )
    assert [c.case_id for c in claims] == [decided]
    assert _claim(database, "triager", T0) == [triaging]


def _snippet_log(*files: tuple[str, str]) -> dict[str, Any]:
    results = [
        {
            "ruleId": "R1",
            "level": "warning",
            "message": {"text": "Dangerous call."},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": path},
                        "region": {"startLine": 3, "snippet": {"text": code}},
                    }
                }
            ],
        }
        for path, code in files
    ]
    return {
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": {"name": "Scanner", "rules": [{"id": "R1"}]}}, "results": results}
        ],
    }


def _root_cause(finding: FindingRow) -> str | None:
    return root_cause_key(finding, flagged_code(finding, max_file_bytes=1_000_000))


def _case_by_path(database: Database) -> dict[str, int]:
    with database.session() as session:
        rows = session.exec(
            select(FindingRow.path, CaseFindingRow.case_id).join(
                CaseFindingRow, col(CaseFindingRow.finding_id) == col(FindingRow.id)
            )
        ).all()
    return {str(path): case_id for path, case_id in rows}


def test_findings_with_one_root_cause_share_a_case_unless_a_worker_holds_it(
    database: Database, tmp_path: Path
) -> None:
    first = write_log(
        tmp_path,
        "first.sarif",
        _snippet_log(("app/a.py", "eval(data)"), ("app/b.py", "eval(data)"), ("app/c.py", "run()")),
    )
    ingest(database, first)
    opened = open_untriaged(database, now=T0, limit=10, group_key=_root_cause)
    cases = _case_by_path(database)
    assert len(opened) == 2 and sorted(set(cases.values())) == sorted(opened)
    assert cases["app/a.py"] == cases["app/b.py"] != cases["app/c.py"]

    # The same root cause again, while a worker advances the shared case: a case of its own.
    assert _claim(database, "w", T0, limit=1) == [cases["app/a.py"]]
    ingest(database, write_log(tmp_path, "second.sarif", _snippet_log(("app/d.py", "eval(data)"))))
    (own,) = open_untriaged(database, now=T0, limit=10, group_key=_root_cause)
    assert _case_by_path(database)["app/d.py"] == own != cases["app/a.py"]
