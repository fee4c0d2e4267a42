"""GitHub alerts of the three kinds as the REST API sends them, built from checked-in fixtures.

Code scanning and secret scanning come from DefectDojo's unit-test exports of GitHub's API
(tests/fixtures/defectdojo, see its SOURCE); Dependabot from the example in GitHub's OpenAPI
description (tests/fixtures/github-openapi). Each is patched only where the export or example
breaks GitHub's own schema, so the stub's validation holds.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import FIXTURES


def _nulls(value: Any) -> Any:
    # DefectDojo's export wrote Python's None as the string "None"; GitHub sends null.
    if value == "None":
        return None
    if isinstance(value, dict):
        return {key: _nulls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulls(item) for item in value]
    return value


def code_scanning_alerts(count: int) -> list[dict[str, Any]]:
    template = _nulls(
        json.loads((FIXTURES / "defectdojo/github_sast/github_sast_one_vul.json").read_text())
    )[0]
    alerts = []
    for number in range(1, count + 1):
        alert = copy.deepcopy(template)
        alert["number"] = number
        alert["most_recent_instance"]["location"]["start_line"] = number
        alert["most_recent_instance"]["location"]["end_line"] = number
        alerts.append(alert)
    return alerts


def dependabot_alerts() -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = json.loads(
        (FIXTURES / "github-openapi/dependabot-alerts-for-repository.json").read_text()
    )
    for alert in alerts:  # the OpenAPI example writes this number as a string; its schema says no
        epss = alert["security_advisory"].get("epss")
        if epss:
            epss["percentile"] = float(epss["percentile"])
    return alerts


def secret_scanning_alerts(secret: str) -> list[dict[str, Any]]:
    path = FIXTURES / "defectdojo/github_secrets_detection_report"
    alerts: list[dict[str, Any]] = json.loads(
        (path / "github_secrets_detection_report_many_vul.json").read_text()
    )
    for alert in alerts:
        alert["secret"] = secret
    return alerts
