"""The import scan: Python via ast (with the alias table), JS/TS via regex, Go import blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.repo.deps_support import MAX_FILE_BYTES, context, has_note, make_repo
from tools.repo.dependencies import imports
from tools.repo.dependencies.names import python_import_names
from tools.repo.dependencies.walk import MAX_SOURCE_FILES

PY_CASES: list[tuple[str, str, dict[str, str], bool, tuple[str, ...]]] = [
    (
        "PyYAML -> yaml",
        "PyYAML",
        {"app/cfg.py": "import os\nimport yaml\n"},
        True,
        ("app/cfg.py:2",),
    ),
    (
        "Pillow -> PIL, from-import",
        "pillow",
        {"app/img.py": "from PIL import Image\n"},
        True,
        ("app/img.py:1",),
    ),
    (
        "beautifulsoup4 -> bs4, submodule",
        "beautifulsoup4",
        {"app/s.py": "\n\nimport bs4.element as el\n"},
        True,
        ("app/s.py:3",),
    ),
    (
        "protobuf -> google.protobuf via 'from google import protobuf'",
        "protobuf",
        {"app/p.py": "from google import protobuf\n"},
        True,
        ("app/p.py:1",),
    ),
    (
        "protobuf: another google package is not a match",
        "protobuf",
        {"app/p.py": "from google import auth\nimport google.cloud\n"},
        False,
        (),
    ),
    (
        "scikit-learn -> sklearn",
        "scikit-learn",
        {"m.py": "from sklearn.linear_model import LinearRegression\n"},
        True,
        ("m.py:1",),
    ),
    (
        "default rule: - becomes _",
        "typing-extensions",
        {"m.py": "from typing_extensions import Self\n"},
        True,
        ("m.py:1",),
    ),
    (
        "the distribution name itself is not the import name",
        "PyYAML",
        {"m.py": "import pyyaml_helpers\nimport PyYAML_x\n"},
        False,
        (),
    ),
    (
        "importlib.import_module with a literal",
        "PyYAML",
        {"m.py": "import importlib\nmod = importlib.import_module('yaml')\n"},
        True,
        ("m.py:2",),
    ),
    (
        "relative imports are the project's own",
        "utils",
        {"pkg/m.py": "from . import utils\nfrom .utils import x\n"},
        False,
        (),
    ),
    (
        "a file that does not parse falls back to a regex",
        "PyYAML",
        {"legacy.py": 'import yaml\nprint "python 2"\n'},
        True,
        ("legacy.py:1",),
    ),
    (
        "production sites first, at most five",
        "requests",
        {
            "tests/test_a.py": "import requests\n",
            **{f"app/m{i}.py": "import requests\n" for i in range(7)},
        },
        True,
        ("app/m0.py:1", "app/m1.py:1", "app/m2.py:1", "app/m3.py:1", "app/m4.py:1"),
    ),
]


@pytest.mark.parametrize(
    ("package", "files", "imported", "sites"),
    [case[1:] for case in PY_CASES],
    ids=[case[0] for case in PY_CASES],
)
def test_python_imports(
    tmp_path: Path, package: str, files: dict[str, str], imported: bool, sites: tuple[str, ...]
) -> None:
    found = context(make_repo(tmp_path / "repo", files), "PyPI", package)
    assert (found.imported, found.import_sites) == (imported, sites)


def test_the_alias_table_and_the_guess_are_said(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"requirements.txt": "PyYAML\nfoo-bar\n", "a.py": ""})
    assert "guessed" not in context(reader, "PyPI", "PyYAML").sources_of("imported")[0]
    assert "'yaml'" in context(reader, "PyPI", "PyYAML").sources_of("imported")[0]
    assert "'foo_bar' (guessed" in context(reader, "PyPI", "foo-bar").sources_of("imported")[0]


@pytest.mark.parametrize(
    ("distribution", "names"),
    [
        ("zope.interface", ("zope_interface", "zope.interface")),
        ("google-cloud-storage", ("google_cloud_storage", "google.cloud.storage")),
        ("azure-storage-blob", ("azure_storage_blob", "azure.storage.blob")),
        ("python-dateutil", ("dateutil",)),
        ("opencv-python-headless", ("cv2",)),
        ("PyJWT", ("jwt",)),
    ],
)
def test_python_import_names(distribution: str, names: tuple[str, ...]) -> None:
    assert python_import_names(distribution)[0] == names


def test_imported_only_from_test_code_is_a_note(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {
            "requirements-dev.txt": "responses\n",
            "tests/test_api.py": "import responses\n",
            "app/main.py": "import os\n",
        },
    )
    found = context(reader, "PyPI", "responses")
    assert found.imported is True
    assert found.import_sites == ("tests/test_api.py:1",)
    assert has_note(found, "imported only from test code")


def test_production_import_has_no_test_only_note(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {"tests/test_api.py": "import responses\n", "app/main.py": "import responses\n"},
    )
    found = context(reader, "PyPI", "responses")
    assert found.import_sites == ("app/main.py:1", "tests/test_api.py:1")
    assert not has_note(found, "imported only")


def test_imports_only_from_examples_are_non_production(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"examples/demo.py": "import rich\n"})
    assert has_note(context(reader, "PyPI", "rich"), "non-production code (example)")


JS_CASES: list[tuple[str, str, str, bool, tuple[str, ...]]] = [
    ("require", "lodash", "const _ = require('lodash');\n", True, ("src/a.js:1",)),
    ("subpath", "lodash", '\nconst fp = require("lodash/fp")\n', True, ("src/a.js:2",)),
    ("import from", "lodash", "import { merge } from 'lodash';\n", True, ("src/a.js:1",)),
    (
        "multi-line import",
        "@scope/ui",
        "import {\n  Button,\n  Card,\n} from '@scope/ui/components';\n",
        True,
        ("src/a.js:4",),
    ),
    ("side-effect import", "core-js", "import 'core-js/stable';\n", True, ("src/a.js:1",)),
    ("dynamic import", "chart.js", "const c = await import('chart.js');\n", True, ("src/a.js:1",)),
    ("export from", "lodash", "export { merge } from 'lodash';\n", True, ("src/a.js:1",)),
    ("a longer name is not a match", "lodash", "import x from 'lodash-es';\n", False, ()),
    ("a relative path is not a match", "lodash", "import x from './lodash';\n", False, ()),
]


@pytest.mark.parametrize(
    ("package", "source", "imported", "sites"),
    [case[1:] for case in JS_CASES],
    ids=[case[0] for case in JS_CASES],
)
def test_javascript_imports(
    tmp_path: Path, package: str, source: str, imported: bool, sites: tuple[str, ...]
) -> None:
    reader = make_repo(tmp_path / "repo", {"src/a.js": source})
    found = context(reader, "npm", package)
    assert (found.imported, found.import_sites) == (imported, sites)


def test_typescript_spec_files_are_test_code(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {"src/button.test.tsx": "import { render } from '@testing-library/react';\n"},
    )
    found = context(reader, "npm", "@testing-library/react")
    assert found.import_sites == ("src/button.test.tsx:1",)
    assert has_note(found, "imported only from test code")


GO_SOURCE = """\
package main

import (
\t"fmt"
\tgin "github.com/gin-gonic/gin"
\t_ "github.com/lib/pq" // driver
)

import "golang.org/x/crypto/bcrypt"
"""


@pytest.mark.parametrize(
    ("module", "sites"),
    [
        ("github.com/gin-gonic/gin", ("main.go:5",)),
        ("github.com/lib/pq", ("main.go:6",)),
        ("golang.org/x/crypto", ("main.go:9",)),
        ("github.com/gin-gonic/gin-contrib", ()),
    ],
)
def test_go_imports(tmp_path: Path, module: str, sites: tuple[str, ...]) -> None:
    found = context(make_repo(tmp_path / "repo", {"main.go": GO_SOURCE}), "Go", module)
    assert (found.imported, found.import_sites) == (bool(sites), sites)


def test_go_test_files_are_test_code(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {"h_test.go": 'package h\n\nimport "github.com/stretchr/testify/assert"\n'},
    )
    found = context(reader, "Go", "github.com/stretchr/testify")
    assert found.import_sites == ("h_test.go:3",)
    assert has_note(found, "imported only from test code")


def test_the_source_walk_bound_makes_not_found_unknown(tmp_path: Path) -> None:
    files = {f"d{i // 500}/m{i}.py": "" for i in range(MAX_SOURCE_FILES + 1)}
    found = context(make_repo(tmp_path / "repo", files), "PyPI", "requests")
    assert found.imported is None
    assert has_note(found, f"stopped at {MAX_SOURCE_FILES} files")
    assert "incomplete" in found.sources_of("imported")[0]


def test_within_the_walk_bound_not_found_is_false(tmp_path: Path) -> None:
    files = {f"d{i // 500}/m{i}.py": "" for i in range(MAX_SOURCE_FILES)}
    found = context(make_repo(tmp_path / "repo", files), "PyPI", "requests")
    assert found.imported is False
    assert "5000 source file(s)" in found.sources_of("imported")[0]


def test_an_unreadable_source_file_makes_not_found_unknown(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"big.py": "#" * (MAX_FILE_BYTES + 1), "ok.py": ""})
    found = context(reader, "PyPI", "requests")
    assert found.imported is None
    assert has_note(found, "1 source file(s) could not be read")


def test_vendored_and_installed_code_is_not_scanned(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {
            "node_modules/x/index.js": "require('lodash')\n",
            "vendor/y.js": "require('lodash')\n",
            ".venv/lib/z.py": "",
            "src/a.js": "",
        },
    )
    assert context(reader, "npm", "lodash").imported is False


def test_an_import_found_before_the_bound_is_still_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "MAX_SOURCE_FILES", 3)
    files = {f"m{i}.py": "" for i in range(5)}
    files["a.py"] = "import requests\n"  # sorts first: scanned before the bound
    found = context(make_repo(tmp_path / "repo", files), "PyPI", "requests")
    assert (found.imported, found.import_sites) == (True, ("a.py:1",))
    assert has_note(found, "the import scan stopped at 3 files")


def test_the_total_bytes_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_SOURCE_BYTES", 100)
    files = {"a.py": "x = 1\n" * 10, "b.py": "x = 1\n" * 10, "c.py": "import requests\n"}
    found = context(make_repo(tmp_path / "repo", files), "PyPI", "requests")
    assert found.imported is None
    assert has_note(found, "stopped after reading 100 bytes of source")
