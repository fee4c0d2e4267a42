"""Loading datasets: labels, test cases, published scanner numbers, hashes, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.datasets import (
    DatasetError,
    benchmark_dataset,
    dataset_sha256,
    example_dataset,
    finding_key,
    resolve,
)
from tests.unit.evals import synthetic


@pytest.mark.parametrize(
    ("tool", "path", "expected"),
    [
        ("bandit-1.9.4", "./testcode/a.py", ("bandit", "R", "testcode/a.py", 3)),
        ("Bandit", "testcode/a.py", ("bandit", "R", "testcode/a.py", 3)),
        ("semgrep-1.185.0", "././x\\y.py", ("semgrep", "R", "x/y.py", 3)),
        ("Semgrep", "x/y.py", ("semgrep", "R", "x/y.py", 3)),
    ],
)
def test_labels_and_stored_findings_meet_on_one_key(
    tool: str, path: str, expected: tuple[str, str, str, int]
) -> None:
    assert finding_key(tool, "R", path, 3) == expected


def test_a_benchmark_layout_folder_is_read_in_place(tmp_path: Path) -> None:
    root = synthetic.write(tmp_path / "bench")
    dataset = benchmark_dataset(root)
    assert dataset.name == "bench"
    assert [r.path for r in dataset.reports] == [root / "scans" / "bandit-1.9.4.json"]
    assert len(dataset.labels) == 5 and len(dataset.cases) == 5
    truths = [label.truth for label in dataset.labels]
    assert truths == ["true_positive", "false_positive", "true_positive", "false_positive", None]
    assert [label.in_category for label in dataset.labels] == [True, True, True, True, False]
    assert dataset.labels[0].key == ("bandit", "B608", "testcode/BenchmarkTest00001.py", 10)
    assert sum(case.real for case in dataset.cases) == 3
    assert len(dataset.files) == 5  # labels, test cases, one scan, the two published baselines
    published = dataset.published
    assert published is not None
    # The SARIF entry comes first in the file and must be skipped.
    assert published["per_tool"]["bandit-1.9.4"]["entry"] == "bandit-1.9.4 (ours, json)"
    assert published["per_tool"]["bandit-1.9.4"]["TP"] == 2
    # The mapped row of the Union table, not of an earlier table nor the strict row.
    assert published["union"] == {
        "TP": 2,
        "FP": 2,
        "TN": 0,
        "FN": 1,
        "precision": 0.5,
        "recall": 0.667,
    }


def test_published_numbers_are_optional(tmp_path: Path) -> None:
    dataset = benchmark_dataset(synthetic.write(tmp_path / "bench", published=False))
    assert dataset.published is None
    assert len(dataset.files) == 3


def test_resolve_finds_names_under_data_and_paths_as_given(tmp_path: Path) -> None:
    synthetic.write(tmp_path / "owasp-benchmark-python")
    assert resolve("owasp-benchmark-python", tmp_path).name == "owasp-benchmark-python"
    assert resolve(str(tmp_path / "owasp-benchmark-python"), Path("/nowhere")).labels
    assert resolve("example", Path("/nowhere")).name == "example"


def test_a_missing_dataset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"not found at .*owasp-benchmark-python \(set --data\)"):
        resolve("owasp-benchmark-python", tmp_path)
    with pytest.raises(DatasetError, match="not found"):
        resolve(str(tmp_path / "absent"), tmp_path)


def _edit_labels(root: Path, edit: str) -> None:
    rows = [json.loads(line) for line in (root / "finding-labels.jsonl").read_text().splitlines()]
    if edit == "unknown label":
        rows[0]["label"] = "maybe"
    elif edit == "second label":
        rows.append(rows[0])
    elif edit == "unknown test case":
        rows[0]["test_case"] = "BenchmarkTest99999"
    elif edit == "missing field":
        del rows[0]["mapped_cwes"]
    elif edit == "unknown tool":
        rows[0]["tool"] = "other-1.0"
    (root / "finding-labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("unknown label", "unknown label 'maybe'"),
        ("second label", "a second label"),
        ("unknown test case", "unknown test case"),
        ("missing field", "malformed label"),
        ("unknown tool", "other-1.0.json is missing"),
    ],
)
def test_inconsistent_labels_are_refused(tmp_path: Path, edit: str, message: str) -> None:
    root = synthetic.write(tmp_path / "bench")
    _edit_labels(root, edit)
    with pytest.raises(DatasetError, match=message):
        benchmark_dataset(root)


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("# only a header\n", "lists no test cases"),
        ("BenchmarkTest00001,sqli,perhaps,89\n", "expected name,category,true|false,cwe"),
    ],
)
def test_a_bad_test_case_list_is_refused(tmp_path: Path, csv: str, message: str) -> None:
    root = synthetic.write(tmp_path / "bench")
    (root / "expectedresults-0.1.csv").write_text(csv)
    with pytest.raises(DatasetError, match=message):
        benchmark_dataset(root)


def test_a_folder_without_labels_is_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a benchmark dataset"):
        benchmark_dataset(tmp_path)


def test_the_dataset_hash_covers_every_file_and_not_their_order(tmp_path: Path) -> None:
    root = synthetic.write(tmp_path / "bench")
    dataset = benchmark_dataset(root)
    before = dataset.sha256()
    assert dataset_sha256(root, tuple(reversed(dataset.files))) == before
    assert [entry["path"] for entry in dataset.file_hashes()] == sorted(
        entry["path"] for entry in dataset.file_hashes()
    )
    (root / "scanner-baseline.md").write_text("# changed\n")
    assert benchmark_dataset(root).sha256() != before


def test_the_example_dataset_is_the_bundled_app() -> None:
    dataset = example_dataset()
    assert len(dataset.labels) == 19
    assert sum(label.truth == "true_positive" for label in dataset.labels) == 9
    assert all(label.expected_severity is not None for label in dataset.labels)
    assert not dataset.cases
    assert [entry["path"] for entry in dataset.file_hashes()] == [
        "reports/bandit.sarif",
        "vulnerable-app/labels.json",
    ]
