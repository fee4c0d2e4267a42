"""Credential files are never shown to the model, and well-known token shapes are masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.llm_tools.conftest import ToolboxFactory
from tools.llm.sensitive import is_credential_file

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (".env", True),
        ("deploy/.env.production", True),
        ("keys/server.PEM", True),
        ("home/.ssh/id_ed25519", True),
        (".npmrc", True),
        ("certs\\tls.key", True),
        (".env.example", False),
        ("app/env.py", False),
        ("docs/keys.md", False),
    ],
)
def test_credential_files_are_recognised_by_name(path: str, refused: bool) -> None:
    assert is_credential_file(path) is refused


def test_read_code_refuses_credential_files_even_through_a_symlink(
    repo: Path, make_toolbox: ToolboxFactory
) -> None:
    (repo / ".env").write_text("DB_PASSWORD=hunter2-but-longer\n")
    (repo / "settings.txt").symlink_to(repo / ".env")
    toolbox = make_toolbox()
    for path in (".env", "settings.txt"):
        answer = toolbox.call("read_code", {"path": path, "start_line": 1, "end_line": 1})
        assert "credential files are not shown" in answer
        assert "hunter2" not in answer
    assert [r.violation for r in toolbox.records] == ["path_refused", "path_refused"]


def test_search_skips_credential_files(repo: Path, make_toolbox: ToolboxFactory) -> None:
    (repo / ".env").write_text("yaml.load=secret-value\n")
    answer = make_toolbox().call("search_repo", {"text": "yaml.load"})
    assert "secret-value" not in answer
    assert "app/views.py:5:" in answer


def test_token_shapes_are_masked_in_tool_output(repo: Path, make_toolbox: ToolboxFactory) -> None:
    (repo / "app" / "client.py").write_text(f'TOKEN = "{GITHUB_TOKEN}"\n')
    toolbox = make_toolbox(finding_text=f"hard-coded token {GITHUB_TOKEN}")
    read = toolbox.call("read_code", {"path": "app/client.py", "start_line": 1, "end_line": 1})
    found = toolbox.call("search_repo", {"text": "ghp_"})
    finding = toolbox.call("finding_context", {})
    for answer in (read, found, finding):
        assert GITHUB_TOKEN not in answer
        assert "[REDACTED]" in answer
