"""What part a file plays in a repository, from its path alone.

A finding in test code or a vendored copy usually matters less than the same finding in code that
ships. The classification is deliberately conservative: anything not recognised is production.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath


class FileRole(StrEnum):
    PRODUCTION = "production"
    TEST = "test"
    VENDORED = "vendored"
    GENERATED = "generated"
    EXAMPLE = "example"
    MIGRATION = "migration"
    UNKNOWN = "unknown"


_VENDORED_DIRS = frozenset(
    {"vendor", "vendored", "_vendor", "third_party", "thirdparty", "node_modules", "site-packages"}
)
_TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs"})
_EXAMPLE_DIRS = frozenset({"example", "examples", "sample", "samples", "demo", "docs", "doc"})
_MIGRATION_DIRS = frozenset({"migrations", "alembic"})
_GENERATED_MARKERS = ("_pb2.py", "_pb2_grpc.py", ".min.js", ".generated.")


def classify(path: str | None) -> FileRole:
    """The role of ``path`` (repository-relative, ``/`` or ``\\`` separated)."""
    if not path:
        return FileRole.UNKNOWN
    pure = PurePosixPath(path.replace("\\", "/").lower())
    directories = set(pure.parts[:-1])
    name = pure.name
    if directories & _VENDORED_DIRS:
        return FileRole.VENDORED
    if any(marker in name for marker in _GENERATED_MARKERS) or "generated" in directories:
        return FileRole.GENERATED
    if (
        directories & _TEST_DIRS
        or name.startswith("test_")
        or name.endswith(("_test.py", ".test.js", ".spec.js", ".test.ts", ".spec.ts"))
        or name == "conftest.py"
    ):
        return FileRole.TEST
    if directories & _MIGRATION_DIRS:
        return FileRole.MIGRATION
    if directories & _EXAMPLE_DIRS:
        return FileRole.EXAMPLE
    return FileRole.PRODUCTION
