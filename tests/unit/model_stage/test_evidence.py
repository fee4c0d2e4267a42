"""Code checks the model's evidence: every quote at its cited lines, every CWE id in the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.llm.evidence import EvidenceProblem, Quote, check_evidence
from tools.repo.reader import RepoReader

CODE = (
    "import sqlite3\n"
    "\n"
    "def find(user):   \n"
    "    query = f\"SELECT * FROM t WHERE name = '{user}'\"\n"
    "    return cur.execute(query)\r\n"
    "# end\n"
)


class _Catalog:
    def __init__(self, *ids: str) -> None:
        self.ids = set(ids)

    def exists(self, cwe_id: str) -> bool:
        return cwe_id in self.ids


@pytest.fixture
def reader(tmp_path: Path) -> RepoReader:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "db.py").write_bytes(CODE.encode())
    (tmp_path / "outside.py").write_text("secret = 1\n")
    return RepoReader(tmp_path / "app", max_file_bytes=10_000)


def _check(reader: RepoReader, *quotes: Quote, cwes: tuple[str, ...] = ()) -> list[str]:
    result = check_evidence(quotes, cwes, source=reader, cwes=_Catalog("CWE-89"))
    return [f.problem.value for f in result.failures]


def test_a_verbatim_quote_at_its_lines_is_verified(reader: RepoReader) -> None:
    result = check_evidence(
        [
            Quote("db.py", 4, 5, "    return cur.execute(query)"),
            Quote("db.py", 3, 4, 'def find(user):\n    query = f"SELECT'),  # trailing spaces
            Quote("db.py", 5, 5, "cur.execute(query)  \r\n\n"),  # a fragment, CRLF, blank edge
        ],
        ["CWE-89"],
        source=reader,
        cwes=_Catalog("CWE-89"),
    )
    assert result.ok and result.verified == (0, 1, 2)


@pytest.mark.parametrize(
    ("quote", "problem"),
    [
        (Quote("db.py", 1, 2, "return cur.execute(query)"), "quote_not_found"),  # wrong lines
        (Quote("db.py", 5, 5, "return cur.execute(query, params)"), "quote_not_found"),
        (Quote("db.py", 4, 5, "query = f\n return"), "quote_not_found"),  # indentation differs
        (Quote("db.py", 5, 5, "RETURN CUR.EXECUTE(QUERY)"), "quote_not_found"),
        (Quote("db.py", 5, 5, "  \n\t"), "empty_quote"),
        (Quote("db.py", 5, 3, "return"), "bad_range"),
        (Quote("db.py", 5, 9, "return"), "bad_range"),  # past the end of the file
        (Quote("db.py", 1, 500, "import sqlite3"), "bad_range"),  # wider than the span limit
        (Quote("../outside.py", 1, 1, "secret = 1"), "path_refused"),
        (Quote("/etc/passwd", 1, 1, "root"), "path_refused"),
        (Quote("missing.py", 1, 1, "x"), "unreadable"),
    ],
)
def test_fabricated_or_misplaced_evidence_fails(
    reader: RepoReader, quote: Quote, problem: str
) -> None:
    assert _check(reader, quote) == [problem]


def test_an_unknown_cwe_fails_and_each_failure_is_listed(reader: RepoReader) -> None:
    result = check_evidence(
        [Quote("db.py", 5, 5, "return cur.execute(query)"), Quote("db.py", 1, 1, "nope")],
        ["CWE-89", "CWE-99999"],
        source=reader,
        cwes=_Catalog("CWE-89"),
    )
    assert not result.ok and result.verified == (0,)
    assert [(f.problem, f.index) for f in result.failures] == [
        (EvidenceProblem.QUOTE_NOT_FOUND, 1),
        (EvidenceProblem.UNKNOWN_CWE, None),
    ]
    assert result.failures[1].detail == "CWE-99999 is not in the CWE catalog"


def test_without_a_repository_no_quote_counts() -> None:
    result = check_evidence([Quote("db.py", 5, 5, "return")], [], source=None, cwes=_Catalog())
    assert [f.problem for f in result.failures] == [EvidenceProblem.NO_SOURCE]


def test_failure_details_are_printable_and_capped(reader: RepoReader) -> None:
    path = "evil\u202e/" + "a" * 500
    (failure,) = check_evidence(
        [Quote(path, 1, 1, "x")], [], source=reader, cwes=_Catalog()
    ).failures
    assert "\u202e" not in failure.detail and len(failure.detail) < 200
