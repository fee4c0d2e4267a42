"""CODEOWNERS with GitHub's semantics: the first file found wins, the last matching rule wins.

GitHub reads ``.github/CODEOWNERS``, then ``CODEOWNERS`` at the root, then ``docs/CODEOWNERS``.
Patterns follow gitignore rules (with GitHub's exceptions: no ``!`` negation, no ``[ ]`` ranges):
a leading ``/`` anchors to the root, a pattern without a ``/`` elsewhere matches at any depth, a
trailing ``/`` or a directory match covers everything below, ``*`` stays within one path segment
and ``**`` crosses segments. A matching rule with no owners means "nobody owns this".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.repo.reader import RepoReadError
from tools.repo.source import RepoSource

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_OWNER = re.compile(r"^(?:@[\w.-]+(?:/[\w.-]+)?|[\w.+-]+@[\w.-]+)$")


@dataclass(frozen=True)
class Rule:
    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]


@dataclass(frozen=True)
class CodeOwners:
    source: str | None
    rules: tuple[Rule, ...]

    def owners_of(self, path: str) -> tuple[str, ...]:
        owners: tuple[str, ...] = ()
        for rule in self.rules:
            if rule.regex.match(path.lstrip("/")):
                owners = rule.owners  # the last matching rule wins
        return owners


def load_codeowners(reader: RepoSource) -> CodeOwners:
    for location in LOCATIONS:
        try:
            return CodeOwners(location, parse(reader.read_text(location)))
        except RepoReadError:
            continue
    return CodeOwners(None, ())


def parse(text: str) -> tuple[Rule, ...]:
    rules = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        if pattern.startswith("!") or "[" in pattern:
            continue  # unsupported by GitHub: the rule is ignored there too
        rules.append(Rule(pattern, _compile(pattern), tuple(o for o in owners if _OWNER.match(o))))
    return tuple(rules)


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = []
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif body.startswith("/**", index) and index + 3 == len(body):
            out.append("/.*")
            index += 3
        elif body.startswith("**", index):
            out.append(".*")
            index += 2
        elif body[index] == "*":
            out.append("[^/]*")
            index += 1
        elif body[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(body[index]))
            index += 1
    prefix = "" if anchored else "(?:.*/)?"
    # A match on a directory covers everything below it, except that GitHub reads "dir/*" as
    # "the files directly in dir", not its subdirectories.
    below = "" if body.endswith("/*") else "(?:/.*)?"
    return re.compile(f"^{prefix}{''.join(out)}{below}$")
