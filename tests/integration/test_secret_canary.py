"""Secret scanners' reports through the real CLI, searched afterwards for the secrets they carry.

Every secret-bearing format gets a report holding a fresh random canary. The reports are ingested,
triaged, shown, approved (so tickets are rendered and written to the outbox) and the demo is run,
all at DEBUG; then stdout, stderr, every file the run left (the SQLite file, the outbox, the key
file) and every column of every table are searched for each canary, raw and encoded.

The canaries avoid the token shapes the log masker knows (``ghp_…``, ``xoxb-…``): a secret must
not reach a log line at all, rather than be caught there by the masker.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.integration.test_canary_secrets import _forms, _store_dump

_ALPHABET = string.ascii_letters + string.digits


def _canary(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(36))


def _search_forms(secret: str) -> list[bytes]:
    """The canary raw, hex and base64 (standard and urlsafe), also base64 inside longer data.

    A secret base64-encoded as part of a larger value appears at one of three alignments; the
    characters that depend on its bytes alone are searched for each.
    """
    raw = secret.encode()
    forms = [*_forms(secret), raw.hex().upper().encode()]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for offset in range(3):
            encoded = encode(bytes(offset) + raw)
            forms.append(encoded[4 if offset else 0 : -4])  # drop groups mixed with other bytes
    return forms


def _gitleaks(first: str, second: str) -> list[dict[str, Any]]:
    return [
        {  # Gitleaks 8
            "RuleID": "gitlab-pat",
            "Description": "GitLab Personal Access Token",
            "StartLine": 3,
            "EndLine": 3,
            "StartColumn": 9,
            "EndColumn": 50,
            "Match": f'token = "{first}"',
            "Secret": first,
            "File": "deploy/settings.py",
            "SymlinkFile": "",
            "Commit": "3f1c2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
            "Entropy": 4.8,
            "Author": "dev",
            "Email": "dev@example.com",
            "Date": "2026-01-02T03:04:05Z",
            "Message": f"temporary: {first}",
            "Tags": [],
            "Fingerprint": "3f1c2a9d8e7b:deploy/settings.py:gitlab-pat:3",
        },
        {  # Gitleaks 7
            "line": f"export API_TOKEN={second}",
            "lineNumber": 8,
            "offender": second,
            "commit": "9afb561b348d59eceb6dc82c0061fb07bee09f7b",
            "repo": ".",
            "rule": "Generic API Token",
            "commitMessage": f"add {second}",
            "author": "dev",
            "email": "dev@example.com",
            "file": "scripts/env.sh",
            "date": "2026-01-02T03:04:05Z",
            "tags": "key, API",
        },
    ]


def _gitleaks_sarif(secret: str) -> dict[str, Any]:
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gitleaks",
                        "semanticVersion": "v8.18.0",
                        "informationUri": "https://github.com/gitleaks/gitleaks",
                        "rules": [
                            {
                                "id": "stripe-access-token",
                                "name": "Stripe Access Token",
                                "shortDescription": {"text": "Stripe Access Token"},
                            }
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": "stripe-access-token",
                        "message": {
                            "text": "stripe-access-token has detected secret for file billing.py."
                        },
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "billing.py"},
                                    "region": {
                                        "startLine": 12,
                                        "startColumn": 10,
                                        "endLine": 12,
                                        "endColumn": 58,
                                        "snippet": {"text": secret},
                                    },
                                }
                            }
                        ],
                        "partialFingerprints": {
                            "commitSha": "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
                            "email": "dev@example.com",
                            "author": "dev",
                            "date": "2026-01-02T03:04:05Z",
                            "commitMessage": "billing",
                        },
                    }
                ],
            }
        ],
    }


def _trufflehog_line(raw: str, *, legacy: bool, line: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "SourceMetadata": {
            "Data": {"Git": {"commit": "77b2a3e5", "file": "svc/keys.env", "line": line}}
        },
        "SourceID": 1,
        "SourceType": 16,
        "SourceName": "trufflehog - git",
        "DetectorType": 19,
        "DetectorName": "Stripe",
        "Verified": True,
        "Redacted": "",
        "ExtraData": None,
        "StructuredData": None,
    }
    if legacy:  # early Trufflehog 3: Raw is Go bytes, so base64 in the JSON
        return record | {"Raw": base64.b64encode(raw.encode()).decode()}
    return record | {"DecoderName": "PLAIN", "Raw": raw, "RawV2": raw + ":acct_1Hq8Zt"}


def _trufflehog(current: str, legacy: str) -> str:
    lines = [
        _trufflehog_line(current, legacy=False, line=2),
        _trufflehog_line(legacy, legacy=True, line=5),
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


def _trufflehog3(secret: str) -> list[dict[str, Any]]:
    return [
        {
            "rule": {"id": "high-entropy", "message": "High Entropy", "severity": "HIGH"},
            "path": "conf/app.ini",
            "line": "4",
            "secret": secret,
            "context": {"3": "[db]", "4": f"password = {secret}", "5": ""},
            "id": "0a1b2c3d-0000-3000-8000-000000000000",
            "branch": None,
            "message": None,
            "author": None,
            "commit": None,
            "date": None,
        }
    ]


def _detect_secrets(hashed: str) -> dict[str, Any]:
    return {
        "version": "1.5.0",
        "plugins_used": [{"name": "KeywordDetector"}],
        "filters_used": [],
        "results": {
            "app/db.py": [
                {
                    "type": "Secret Keyword",
                    "filename": "app/db.py",
                    "hashed_secret": hashed,
                    "is_verified": False,
                    "line_number": 21,
                }
            ]
        },
        "generated_at": "2026-01-02T03:04:05Z",
    }


def _github_alerts(open_secret: str, resolved_secret: str) -> list[dict[str, Any]]:
    def alert(number: int, secret: str, state: str) -> dict[str, Any]:
        return {
            "number": number,
            "created_at": "2026-01-02T03:04:05Z",
            "url": f"https://api.github.com/repos/example/shop/secret-scanning/alerts/{number}",
            "html_url": f"https://github.com/example/shop/security/secret-scanning/{number}",
            "state": state,
            "resolution": None if state == "open" else "revoked",
            "resolution_comment": None if state == "open" else f"rotated {secret}",
            "secret_type": "npm_access_token",
            "secret_type_display_name": "npm Access Token",
            "secret": secret,
            "validity": "active",
            "first_location_detected": {
                "path": "/.npmrc",
                "start_line": 1,
                "end_line": 1,
                "start_column": 20,
                "end_column": 60,
                "blob_sha": "af5626b4a114abcb82d63db7c8082c3c4756e51b",
                "blob_url": "https://api.github.com/repos/example/shop/git/blobs/af56",
                "commit_sha": "f14d7debf9775f957cf4f1e8176da0786431f72b",
                "commit_url": "https://api.github.com/repos/example/shop/git/commits/f14d",
            },
            "has_more_locations": False,
        }

    return [alert(11, open_secret, "open"), alert(12, resolved_secret, "resolved")]


def _reports(directory: Path) -> tuple[dict[str, str], list[Path]]:
    """Writes one report per format; returns each canary by a name for messages, and the files."""
    canaries = {
        "gitleaks 8": _canary("glpat-"),
        "gitleaks 7": _canary("tok_"),
        "gitleaks SARIF": _canary("sk_live_"),
        "trufflehog 3": _canary("rk_live_"),
        "trufflehog 3 (base64 Raw)": _canary("sk_test_"),
        "trufflehog3": _canary("pw_"),
        "github open alert": _canary("npm_"),
        "github resolved alert": _canary("npm_"),
    }
    # detect-secrets never holds the secret, only its unsalted SHA-1: that must not leak either.
    hidden = _canary("db_")
    canaries["detect-secrets hashed_secret"] = hashlib.sha1(hidden.encode()).hexdigest()  # noqa: S324
    contents = {
        "gitleaks.json": json.dumps(_gitleaks(canaries["gitleaks 8"], canaries["gitleaks 7"])),
        "gitleaks.sarif": json.dumps(_gitleaks_sarif(canaries["gitleaks SARIF"])),
        "trufflehog.jsonl": _trufflehog(
            canaries["trufflehog 3"], canaries["trufflehog 3 (base64 Raw)"]
        ),
        "trufflehog3.json": json.dumps(_trufflehog3(canaries["trufflehog3"])),
        "detect-secrets.baseline": json.dumps(
            _detect_secrets(canaries["detect-secrets hashed_secret"])
        ),
        "github-alerts.json": json.dumps(
            _github_alerts(canaries["github open alert"], canaries["github resolved alert"])
        ),
    }
    directory.mkdir()
    paths = []
    for name, text in contents.items():
        path = directory / name
        path.write_text(text)
        paths.append(path)
    return canaries, paths


def test_no_scanner_secret_reaches_any_output(cli: Cli, db_url: str, tmp_path: Path) -> None:
    env = {"APPSEC_TRIAGE_LOG_LEVEL": "DEBUG"}
    reports_dir = tmp_path / "reports"
    canaries, reports = _reports(reports_dir)
    outputs: list[bytes] = []

    def run(*args: str) -> str:
        result = cli(*args, extra_env=env)
        assert result.code == 0, (args, result.stderr[-2000:])
        outputs.extend([result.stdout.encode(), result.stderr.encode()])
        return result.stdout

    ingested = json.loads(run("ingest", "--json", *map(str, reports)))
    assert [(r["format"], r["status"]) for r in ingested] == [
        ("gitleaks", "ok"),
        ("sarif", "ok"),
        ("trufflehog", "ok"),
        ("trufflehog3", "ok"),
        ("detect-secrets", "ok"),
        ("github-secret-scanning", "ok"),
    ]
    assert [r["findings"] for r in ingested] == [2, 1, 2, 1, 1, 1]
    run("triage")
    findings = json.loads(run("findings", "list", "--json"))
    assert len(findings) == 8
    assert {f["tool"] for f in findings} == {
        "Gitleaks",
        "gitleaks",
        "Trufflehog",
        "trufflehog3",
        "detect-secrets",
        "GitHub secret scanning",
    }
    for finding in findings:
        shown = json.loads(run("findings", "show", str(finding["id"]), "--json"))
        assert shown["snippet"] is None  # a secret finding keeps no flagged line
    pending = json.loads(run("approvals", "list", "--status", "pending", "--json"))
    assert pending, "triage proposed nothing to approve: the tickets were never rendered"
    run("approvals", "show", str(pending[0]["id"]), "--slack-json")  # the Slack card, once
    for approval in pending:
        run("approvals", "approve", str(approval["id"]))  # renders and writes each ticket
    run("demo")
    run("audit", "verify")
    assert b"DEBUG" in b"".join(outputs)  # the logs did run at the most verbose level

    outputs.append(_store_dump(db_url))
    left_behind = [
        p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(reports_dir)
    ]
    assert any(p.parent.name == "outbox" for p in left_behind)  # tickets were written
    outputs += [p.read_bytes() for p in left_behind]
    everything = b"\n".join(outputs)
    for name, canary in canaries.items():
        for form in _search_forms(canary):
            assert form not in everything, f"the {name} canary leaked as {form[:12]!r}…"


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_the_search_finds_a_canary_base64_encoded_inside_other_data(offset: int) -> None:
    canary = _canary("probe_")
    blob = base64.urlsafe_b64encode(b"x" * offset + canary.encode() + b'","more":1}')
    assert any(form in blob for form in _search_forms(canary))
    assert not any(form in blob for form in _search_forms(_canary("probe_")))
