"""CVE ids mentioned by a finding (rule id, message): the key into exploit intelligence."""

from __future__ import annotations

import re

_CVE = re.compile(r"\bCVE-(\d{4})-(\d{4,7})\b", re.IGNORECASE)


def cve_ids_in(*texts: str | None) -> tuple[str, ...]:
    found = (f"CVE-{y}-{n}" for text in texts if text for y, n in _CVE.findall(text))
    return tuple(dict.fromkeys(found))
