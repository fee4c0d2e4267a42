import pytest

from tools.repo.file_role import FileRole, classify


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("app/db.py", FileRole.PRODUCTION),
        ("tests/test_app.py", FileRole.TEST),
        ("src/pkg/conftest.py", FileRole.TEST),
        ("web/button.spec.ts", FileRole.TEST),
        ("vendor/minitemplate.py", FileRole.VENDORED),
        ("frontend/node_modules/lodash/index.js", FileRole.VENDORED),
        ("api/service_pb2.py", FileRole.GENERATED),
        ("docs/conf.py", FileRole.EXAMPLE),
        ("app/migrations/0001_initial.py", FileRole.MIGRATION),
        ("src\\Tests\\Helper.cs", FileRole.TEST),
        (None, FileRole.UNKNOWN),
    ],
)
def test_classify(path: str | None, role: FileRole) -> None:
    assert classify(path) == role
