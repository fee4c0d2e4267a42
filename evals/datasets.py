"""Labelled datasets: which reports to ingest, the label of each finding, the test cases.

Two layouts are understood:

- ``example``: the bundled example app (project files: examples/reports/bandit.sarif and
  examples/vulnerable-app/labels.json, one label per Bandit result with a deserved severity);
- the OWASP BenchmarkPython layout, read in place from a directory (``owasp-benchmark-python``
  under ``--data``, or any directory given as a path): ``finding-labels.jsonl`` (one label per
  scanner finding), ``expectedresults-*.csv`` (the test cases), ``scans/<tool>.json`` for each tool
  the labels name, and optionally ``scanner-baseline.json``/``.md`` (the raw scanners' numbers).

That data is GPL-3.0: it is read where it lies and never copied into the project.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.demo import DEMO_REPO, DEMO_REPORT, DEMO_REPOSITORY
from evals.metrics import FALSE_POSITIVE, TRUE_POSITIVE, BenchmarkCase
from tools.findings.severity import Severity

EXAMPLE = "example"
BENCHMARK = "owasp-benchmark-python"
NAMES = (EXAMPLE, BENCHMARK)
EXAMPLE_LABELS = DEMO_REPO / "labels.json"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
"""``../shared/data`` next to the repository checkout."""

LABELS_FILE = "finding-labels.jsonl"
BASELINE_JSON = "scanner-baseline.json"
BASELINE_MD = "scanner-baseline.md"


class DatasetError(Exception):
    """The dataset is missing, or its files are not what the layout promises."""


FindingKey = tuple[str, str, str, int]
"""(tool family, rule id, repository-relative path, start line): how a label names a finding."""


def finding_key(tool: str, rule_id: str, path: str, line: int) -> FindingKey:
    """Labels say ``bandit-1.9.4``, ``./testcode/x.py``; the store ``Bandit``, ``testcode/x.py``."""
    family = tool.split("-", 1)[0].strip().lower()
    clean = path.replace("\\", "/")
    while clean.startswith("./"):
        clean = clean[2:]
    return (family, rule_id, clean, line)


@dataclass(frozen=True)
class Label:
    key: FindingKey
    truth: str | None
    """``true_positive``, ``false_positive``, or None for a finding the dataset does not score."""
    expected_severity: Severity | None = None
    test_case: str | None = None
    in_category: bool = False


@dataclass(frozen=True)
class Report:
    path: Path
    repo_root: Path | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    root: Path
    repository: str
    """The repository name findings are stored under (the throwaway store holds one dataset)."""
    reports: tuple[Report, ...]
    labels: tuple[Label, ...]
    files: tuple[Path, ...]
    """Every file the numbers depend on; hashed into the report."""
    cases: tuple[BenchmarkCase, ...] = ()
    """Benchmark test cases; empty for datasets without them."""
    licence: str = ""
    published: dict[str, Any] | None = field(default=None, compare=False)
    """The raw scanners' numbers as the dataset publishes them, for the side-by-side view."""

    def sha256(self) -> str:
        return dataset_sha256(self.root, self.files)

    def file_hashes(self) -> list[dict[str, Any]]:
        return [
            {"path": _relative(path, self.root), "sha256": file_sha256(path)}
            for path in sorted(self.files)
        ]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_sha256(root: Path, files: tuple[Path, ...]) -> str:
    """SHA-256 over ``sha256sum``-style lines (``<hash>  <relative path>``), sorted by path."""
    lines = sorted(f"{file_sha256(path)}  {_relative(path, root)}\n" for path in files)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def resolve(spec: str, data_dir: Path) -> Dataset:
    """A dataset by name (``example``, ``owasp-benchmark-python`` under ``data_dir``) or path."""
    if spec == EXAMPLE:
        return example_dataset()
    root = data_dir / spec if spec in NAMES else Path(spec)
    if not root.is_dir():
        where = f"{root} (set --data)" if spec in NAMES else str(root)
        raise DatasetError(f"dataset {spec!r} not found at {where}")
    return benchmark_dataset(root)


def example_dataset() -> Dataset:
    root = DEMO_REPO.parent
    try:
        raw = json.loads(EXAMPLE_LABELS.read_text(encoding="utf-8"))
        labels = tuple(
            Label(
                key=finding_key("bandit", str(e["rule_id"]), str(e["path"]), int(e["line"])),
                truth=_truth(e["label"], EXAMPLE_LABELS),
                expected_severity=Severity(e["expected_min_severity"]),
            )
            for e in raw
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"cannot read {EXAMPLE_LABELS}: {exc}") from exc
    return Dataset(
        name=EXAMPLE,
        root=root,
        repository=DEMO_REPOSITORY,
        reports=(Report(DEMO_REPORT, repo_root=DEMO_REPO),),
        labels=labels,
        files=(DEMO_REPORT, EXAMPLE_LABELS),
        licence="project files, see examples/vulnerable-app/LICENSE",
    )


def _truth(value: Any, source: Path) -> str | None:
    if value in (TRUE_POSITIVE, FALSE_POSITIVE):
        return str(value)
    if value == "unscored":
        return None
    raise DatasetError(f"{source}: unknown label {value!r}")


def benchmark_dataset(root: Path) -> Dataset:
    """An OWASP-Benchmark-layout directory, read in place."""
    labels_path = root / LABELS_FILE
    expected = sorted(root.glob("expectedresults-*.csv"))
    if not labels_path.is_file() or not expected:
        raise DatasetError(
            f"{root} is not a benchmark dataset: it needs {LABELS_FILE} and expectedresults-*.csv"
        )
    cases = _read_cases(expected[0])
    labels, tools = _read_labels(labels_path, {case.name for case in cases})
    reports = []
    for tool in tools:
        scan = root / "scans" / f"{tool}.json"
        if not scan.is_file():
            raise DatasetError(f"{labels_path} labels {tool!r} findings but {scan} is missing")
        reports.append(Report(scan))
    files = [labels_path, expected[0], *(r.path for r in reports)]
    files += [p for p in (root / BASELINE_JSON, root / BASELINE_MD) if p.is_file()]
    licence = "GPL-3.0: read in place, never copied" if (root / "LICENSE").is_file() else ""
    return Dataset(
        name=root.resolve().name,
        root=root,
        repository=f"benchmark/{root.resolve().name}"[:500],
        reports=tuple(reports),
        labels=labels,
        files=tuple(files),
        cases=cases,
        licence=licence,
        published=published_baseline(root, tools),
    )


def _read_cases(path: Path) -> tuple[BenchmarkCase, ...]:
    """``# header`` lines, then ``name,category,true|false,cwe`` rows."""
    cases = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if not row or row[0].lstrip().startswith("#"):
                    continue
                if len(row) < 3 or row[2].strip() not in ("true", "false"):
                    raise DatasetError(f"{path}:{number}: expected name,category,true|false,cwe")
                cases.append(
                    BenchmarkCase(row[0].strip(), row[1].strip(), row[2].strip() == "true")
                )
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror}") from exc
    if not cases:
        raise DatasetError(f"{path} lists no test cases")
    return tuple(cases)


def _read_labels(path: Path, case_names: set[str]) -> tuple[tuple[Label, ...], list[str]]:
    labels: list[Label] = []
    tools: list[str] = []
    seen: set[FindingKey] = set()
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                entry = json.loads(line)
                tool = str(entry["tool"])
                key = finding_key(
                    tool, str(entry["rule_id"]), str(entry["path"]), int(entry["line"])
                )
                if key in seen:
                    raise DatasetError(f"{path}:{number}: a second label for {key}")
                seen.add(key)
                test_case = entry.get("test_case")
                if test_case is not None and test_case not in case_names:
                    raise DatasetError(f"{path}:{number}: unknown test case {test_case!r}")
                labels.append(
                    Label(
                        key=key,
                        truth=_truth(entry["label"], path),
                        test_case=test_case,
                        in_category=int(entry["expected_cwe"]) in entry["mapped_cwes"],
                    )
                )
                if tool not in tools:
                    tools.append(tool)
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: malformed label: {exc}") from exc
    return tuple(labels), sorted(tools)


def published_baseline(root: Path, tools: list[str]) -> dict[str, Any] | None:
    """The raw scanners' per-test-case numbers (``mapped`` mode) as the dataset publishes them.

    ``per_tool`` comes from ``scanner-baseline.json`` (the first entry named after the tool that
    is not a SARIF or upstream run); ``union`` from the ``Union …`` table of the Markdown file.
    """
    published: dict[str, Any] = {"per_tool": {}, "union": None}
    json_path = root / BASELINE_JSON
    if json_path.is_file():
        try:
            entries = json.loads(json_path.read_text(encoding="utf-8"))
            for tool in tools:
                name = next(
                    (
                        key
                        for key in entries
                        if key.startswith(tool) and not re.search(r"sarif|upstream", key)
                    ),
                    None,
                )
                if name is not None:
                    overall = entries[name]["mapped"]["overall"]
                    published["per_tool"][tool] = {"entry": name} | {
                        k: overall[k] for k in ("TP", "FP", "TN", "FN", "precision", "recall")
                    }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"{json_path}: unexpected layout: {exc}") from exc
    md_path = root / BASELINE_MD
    if md_path.is_file():
        published["union"] = _union_row(md_path.read_text(encoding="utf-8"))
    if not published["per_tool"] and published["union"] is None:
        return None
    return published


_ROW = re.compile(
    r"^\|\s*mapped\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|"
    r"\s*([0-9.]+|n/a)\s*\|\s*([0-9.]+|n/a)\s*\|"
)


def _union_row(markdown: str) -> dict[str, Any] | None:
    """The ``mapped`` row of the first table under a ``## Union`` heading."""
    in_union = False
    for line in markdown.splitlines():
        if line.startswith("## "):
            in_union = line.lower().startswith("## union")
            continue
        match = _ROW.match(line) if in_union else None
        if match:
            tp, fp, tn, fn = (int(match.group(i)) for i in range(1, 5))
            precision, recall = (
                None if match.group(i) == "n/a" else float(match.group(i)) for i in (5, 6)
            )
            return {
                "TP": tp,
                "FP": fp,
                "TN": tn,
                "FN": fn,
                "precision": precision,
                "recall": recall,
            }
    return None
