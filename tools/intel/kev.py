"""CISA's Known Exploited Vulnerabilities catalogue: is this CVE exploited in the wild?"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tools.errors import ToolError

DEFAULT_SNAPSHOT = Path(__file__).with_name("snapshots") / "kev.json"


class IntelError(ToolError):
    """An intelligence snapshot is missing or malformed."""


@dataclass(frozen=True)
class KevEntry:
    cve: str
    date_added: str
    ransomware: bool


@dataclass(frozen=True)
class KevCatalog:
    version: str
    released: str
    source: str
    entries: dict[str, KevEntry]

    def lookup(self, cve: str) -> KevEntry | None:
        return self.entries.get(cve.upper())

    @property
    def provenance(self) -> str:
        return f"CISA KEV {self.version} (released {self.released[:10]})"


def load_kev(path: Path = DEFAULT_SNAPSHOT) -> KevCatalog:
    """Read a KEV snapshot: the official feed's JSON, or our reduced copy of it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {
            v["cveID"].upper(): KevEntry(
                cve=v["cveID"].upper(),
                date_added=str(v.get("dateAdded", "")),
                ransomware=str(v.get("knownRansomwareCampaignUse", "")).lower() == "known",
            )
            for v in data["vulnerabilities"]
        }
        return KevCatalog(
            version=str(data["catalogVersion"]),
            released=str(data["dateReleased"]),
            source=str(data.get("source", path.name)),
            entries=entries,
        )
    except OSError as exc:
        raise IntelError(f"cannot read KEV snapshot {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise IntelError(f"malformed KEV snapshot {path}: {exc}") from exc
