"""The dependency bump rewrites exactly one pin, or refuses with a reason."""

from __future__ import annotations

import json

import pytest

from tools.publish.dependency_bump import BumpRefused, bump_manifest

REQUIREMENTS = """\
# web app
Django==4.2.1  # LTS
requests[socks] == 2.31.0 ; python_version >= "3.9"
urllib3>=1.26,<3
"""


def _py(path: str, text: str, package: str, version: str) -> str:
    return bump_manifest(path, text, ecosystem="PyPI", package=package, version=version).text


def test_requirements_pin_changes_and_nothing_else() -> None:
    out = _py("requirements.txt", REQUIREMENTS, "django", "4.2.17")
    assert out == REQUIREMENTS.replace("Django==4.2.1 ", "Django==4.2.17 ")
    out = _py("requirements-dev.txt", REQUIREMENTS, "Requests", "2.32.3")
    assert 'requests[socks] == 2.32.3 ; python_version >= "3.9"\n' in out
    assert out.replace("2.32.3", "2.31.0") == REQUIREMENTS


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("urllib3>=1.26,<3\n", "not one exact"),
        ("urllib3~=1.26.5\n", "not one exact"),
        ("urllib3==1.26.*\n", "not one exact"),
        ("urllib3\n", "not pinned"),
        ("urllib3==1.26.5 \\\n    --hash=sha256:abc\n", "hash-checking"),
        ("urllib3==1.26.5\nurllib3==1.26.6 ; python_version < '3'\n", "more than once"),
        ("-e git+https://example.com/urllib3.git#egg=urllib3\n", "URL or editable"),
        ("urllib3 @ https://example.com/urllib3.whl\n", "URL or editable"),
        ("django==4.2.1\n", "does not list"),
    ],
)
def test_requirements_refuse_what_is_not_one_exact_pin(text: str, reason: str) -> None:
    with pytest.raises(BumpRefused, match=reason):
        _py("requirements.txt", text, "urllib3", "1.26.19")


PYPROJECT = """\
[project]
name = "app"
dependencies = [
    "jinja2==3.1.2",
    "pyyaml == 6.0 ; sys_platform != 'win32'",
    "click>=8",
]
"""


def test_pyproject_pin_changes_and_nothing_else() -> None:
    out = _py("pyproject.toml", PYPROJECT, "Jinja2", "3.1.6")
    assert out == PYPROJECT.replace("jinja2==3.1.2", "jinja2==3.1.6")
    out = _py("pyproject.toml", PYPROJECT, "PyYAML", "6.0.2")
    assert "\"pyyaml == 6.0.2 ; sys_platform != 'win32'\"" in out


def test_pyproject_refuses_a_range_and_an_already_fixed_pin() -> None:
    with pytest.raises(BumpRefused, match="not one exact"):
        _py("pyproject.toml", PYPROJECT, "click", "8.1.8")
    with pytest.raises(BumpRefused, match="already pins"):
        _py("pyproject.toml", PYPROJECT, "jinja2", "3.1.2")


PACKAGE_JSON = """{
  "name": "web",
  "dependencies": {
    "lodash": "4.17.20",
    "express": "^4.18.0"
  },
  "devDependencies": {
    "jest": "29.7.0"
  }
}
"""


def _npm(package: str, version: str) -> str:
    return bump_manifest(
        "web/package.json", PACKAGE_JSON, ecosystem="npm", package=package, version=version
    ).text


def test_package_json_pin_changes_and_nothing_else() -> None:
    out = _npm("lodash", "4.17.21")
    assert out == PACKAGE_JSON.replace('"lodash": "4.17.20"', '"lodash": "4.17.21"')
    assert json.loads(out)["dependencies"]["lodash"] == "4.17.21"


@pytest.mark.parametrize(
    ("package", "version", "reason"),
    [
        ("express", "4.21.2", "not one exact version"),
        ("left-pad", "1.3.0", "0 dependency sections"),
        ("lodash", "^4.17.21", "not a version"),
        ("lodash", '4.17.21", "evil": "1', "not a version"),
    ],
)
def test_package_json_refuses_ranges_and_odd_input(package: str, version: str, reason: str) -> None:
    with pytest.raises(BumpRefused, match=reason):
        _npm(package, version)


def test_a_manifest_of_another_ecosystem_or_an_unknown_file_is_refused() -> None:
    with pytest.raises(BumpRefused, match="lists npm packages"):
        bump_manifest("package.json", PACKAGE_JSON, ecosystem="PyPI", package="x", version="1.0")
    with pytest.raises(BumpRefused, match="not a manifest"):
        bump_manifest("Pipfile", "", ecosystem="PyPI", package="x", version="1.0")
    with pytest.raises(BumpRefused, match="not a version"):
        _py("requirements.txt", "x==1.0\n", "x", "1.0\nevil==6")
