"""The batch config: every mistake names the file and the field; paths resolve from the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.batch import BatchConfigError, load_batch_config, report_paths

REPO = Path(__file__).resolve().parents[2]


def _load_error(tmp_path: Path, text: str) -> str:
    config = tmp_path / "repos.yaml"
    config.write_text(text)
    with pytest.raises(BatchConfigError) as caught:
        load_batch_config(config)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "repositories:\n  - name: acme/api\n    github: not-a-repo\n",
            "repositories[0].github: String should match pattern",
        ),
        (
            "repositories:\n  - name: acme/api\n    report: [x.sarif]\n",
            "repositories[0].report: Extra inputs are not permitted",
        ),
        ("repositories:\n  - name: acme/api\n", "repositories[0]: Value error, give reports"),
        ("repositories: []\n", "repositories: Tuple should have at least 1 item"),
        (
            "concurrency: 0\nrepositories:\n  - {name: a/b, github: a/b}\n",
            "concurrency: Input should be greater than or equal to 1",
        ),
        (
            "budgets: {max_cases: -1}\nrepositories:\n  - {name: a/b, github: a/b}\n",
            "budgets.max_cases: Input should be greater than 0",
        ),
        (
            "repositories:\n  - {name: a/b, github: a/b}\n  - {name: a/b, reports: [x]}\n",
            "repositories listed twice: a/b",
        ),
        ("version: 2\nrepositories:\n  - {name: a/b, github: a/b}\n", "version: Input should be 1"),
        ("repositories: [\n", "not valid YAML at line 2"),
        ("- just a list\n", "expected a mapping with a 'repositories' list"),
    ],
)
def test_each_mistake_names_the_file_and_the_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = _load_error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'repos.yaml'}: ")
    assert expected in message


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(BatchConfigError, match=r"missing\.yaml: cannot read"):
        load_batch_config(tmp_path / "missing.yaml")


def test_the_shipped_example_is_valid_and_its_reports_exist() -> None:
    config = load_batch_config(REPO / "config" / "repos.example.yaml")
    (entry,) = config.repositories
    assert entry.repo_root == REPO / "config" / ".." / "examples" / "vulnerable-app"
    assert report_paths(entry, REPO / "config") == [
        (REPO / "config" / ".." / "examples" / "reports" / "bandit.sarif")
    ]


def test_globs_resolve_against_the_config_directory_and_absolute_paths_stay(
    tmp_path: Path,
) -> None:
    (tmp_path / "scans" / "deep").mkdir(parents=True)
    for name in ("scans/a.sarif", "scans/deep/b.sarif", "scans/c.json"):
        (tmp_path / name).write_text("{}")
    config = tmp_path / "repos.yaml"
    config.write_text(
        "repositories:\n"
        f"  - {{name: a/b, reports: ['scans/**/*.sarif', '{tmp_path / 'scans' / 'c.json'}']}}\n"
    )
    (entry,) = load_batch_config(config).repositories
    assert report_paths(entry, tmp_path) == sorted(
        [tmp_path / "scans/a.sarif", tmp_path / "scans/deep/b.sarif", tmp_path / "scans/c.json"]
    )
