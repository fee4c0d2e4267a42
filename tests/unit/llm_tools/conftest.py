"""A small repository in tmp_path and a toolbox over it, with a fake clock and fixed tokens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tools.intel.cvss import CvssCatalog, CvssRecord
from tools.intel.cwe import load_cwe
from tools.intel.epss import parse_epss
from tools.intel.kev import KevCatalog, KevEntry
from tools.llm.budget import ToolBudget
from tools.llm.fence import Fence
from tools.llm.toolbox import Toolbox, ToolCatalogs, build_toolbox
from tools.repo.reader import RepoReader
from tools.repo.source import RepoSource

VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingToken:
    """Deterministic fence tokens: t0001, t0002, ..."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> str:
        self.issued += 1
        return f"t{self.issued:04d}"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "views.py").write_text(
        "import yaml\n"
        "from flask import request\n"
        "\n"
        "def load(data):\n"
        "    return yaml.load(data)  # unsafe loader\n"
    )
    (root / "app" / "util.py").write_text("".join(f"line {i}\n" for i in range(1, 501)))
    (root / "web").mkdir()
    (root / "web" / "index.js").write_text("const _ = require('lodash');\n_.merge({}, {});\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("yaml.load in git metadata\n")
    (tmp_path / "secret.txt").write_text("outside the repository\n")
    return root


def catalogs() -> ToolCatalogs:
    record = CvssRecord(advisory="GHSA-8q59-q68h-6hv4", source="ghsa", vector=VECTOR, score=9.8)
    cvss = CvssCatalog(
        name="test advisories",
        date="2024-01-01",
        sources={"ghsa": "GitHub Advisory Database"},
        records={"GHSA-8Q59-Q68H-6HV4": record, "CVE-2020-1747": record},
    )
    kev = KevCatalog(
        version="2025.01.01",
        released="2025-01-01T00:00:00Z",
        source="test",
        entries={"CVE-2020-1747": KevEntry("CVE-2020-1747", "2024-05-01", ransomware=False)},
    )
    epss = parse_epss(
        "#model_version:v2025.03.14,score_date:2025-11-27T00:00:00Z\n"
        "cve,epss,percentile\nCVE-2020-1747,0.91234,0.99100\n"
    )
    return ToolCatalogs(cwe=load_cwe(), kev=kev, epss=epss, advisories=cvss)


ToolboxFactory = Callable[..., Toolbox]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_toolbox(repo: Path, clock: FakeClock) -> ToolboxFactory:
    def make(
        *,
        source: RepoSource | str | None = "repo",
        max_calls: int = 20,
        max_bytes: int = 100_000,
        max_seconds: float = 60.0,
        finding_text: str = "B506 yaml_load at app/views.py:5: Use of unsafe yaml load.",
        **options: object,
    ) -> Toolbox:
        chosen = RepoReader(repo, max_file_bytes=100_000) if source == "repo" else source
        assert not isinstance(chosen, str)
        return build_toolbox(
            finding_text=finding_text,
            source=chosen,
            catalogs=catalogs(),
            budget=ToolBudget(max_calls, max_bytes, max_seconds, clock=clock),
            fence=Fence(token=CountingToken()),
            **options,  # type: ignore[arg-type]
        )

    return make
