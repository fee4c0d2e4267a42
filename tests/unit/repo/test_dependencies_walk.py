"""Which manifests are read, the walk bounds, hostile manifests, and the model's contract."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.unit.repo.deps_support import context, has_note, make_repo
from tools.repo.dependencies import DependencyContext, FieldSource, ManifestError
from tools.repo.dependencies import dependency_context as lookup
from tools.repo.dependencies.lookup import format_of
from tools.repo.dependencies.walk import MAX_MANIFESTS
from tools.repo.reader import RepoReader, RepoReadError


def test_a_manifest_four_directories_down_is_found(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"a/b/c/d/requirements.txt": "requests\n"})
    assert context(reader, "PyPI", "requests").manifest == "a/b/c/d/requirements.txt"


def test_a_manifest_five_directories_down_is_not_and_the_bound_is_said(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"a/b/c/d/e/requirements.txt": "requests\n"})
    found = context(reader, "PyPI", "requests")
    assert found.manifest is None
    assert has_note(found, "does not enter directories deeper than 4")


def test_the_manifest_count_bound(tmp_path: Path) -> None:
    files = {f"requirements-{i:03}.txt": "six\n" for i in range(MAX_MANIFESTS)}
    files[f"requirements-{MAX_MANIFESTS:03}.txt"] = "requests\n"  # sorts last: the 201st
    found = context(make_repo(tmp_path / "repo", files), "PyPI", "requests")
    assert found.manifest is None
    assert has_note(found, f"the manifest search stopped at {MAX_MANIFESTS} files")
    assert context(make_repo(tmp_path / "repo", files), "PyPI", "six").direct is True


@pytest.mark.parametrize("skipped", ["node_modules", ".git", "vendor", ".venv", "site-packages"])
def test_skipped_directories(tmp_path: Path, skipped: str) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {f"{skipped}/pkg/requirements.txt": "requests\n", "requirements.txt": "flask\n"},
    )
    found = context(reader, "PyPI", "requests")
    assert found.manifest is None
    assert "requirements.txt" in found.sources_of("manifest")[0]


def test_a_symlinked_directory_is_not_entered(tmp_path: Path) -> None:
    outside = make_repo(tmp_path / "outside", {"requirements.txt": "requests\n"})
    reader = make_repo(tmp_path / "repo", {"app.py": ""})
    (tmp_path / "repo" / "linked").symlink_to(outside.root, target_is_directory=True)
    assert context(reader, "PyPI", "requests").manifest is None


@pytest.mark.parametrize("manifest_path", [None, "requirements.txt"])
def test_a_symlinked_manifest_pointing_outside_is_refused(
    tmp_path: Path, manifest_path: str | None
) -> None:
    secret = tmp_path / "outside" / "requirements.txt"
    secret.parent.mkdir()
    secret.write_text("requests==2.0\n")
    reader = make_repo(tmp_path / "repo", {"app.py": "import requests\n"})
    (tmp_path / "repo" / "requirements.txt").symlink_to(secret)
    found = context(reader, "PyPI", "requests", manifest_path)
    assert found.manifest is None
    assert found.declared_version is None
    assert has_note(found, "resolves outside the repository")
    assert found.imported is True  # the code itself was still scanned


def test_a_symlinked_source_file_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("import requests\n")
    reader = make_repo(tmp_path / "repo", {"app.py": ""})
    (tmp_path / "repo" / "link.py").symlink_to(outside)
    found = context(reader, "PyPI", "requests")
    assert found.imported is None
    assert found.import_sites == ()


MALFORMED: list[tuple[str, str, str, str]] = [
    ("pyproject.toml", "[project\nname = ", "PyPI", "not valid TOML"),
    ("pyproject.toml", '[project]\ndependencies = "requests"\n', "PyPI", "expected an array"),
    ("poetry.lock", "package = 3\n", "PyPI", "expected an array"),
    ("uv.lock", '[[package]]\nversion = "1"\n', "PyPI", "has no name"),
    ("Pipfile", "[packages\n", "PyPI", "not valid TOML"),
    ("Pipfile.lock", '{"default": []}', "PyPI", "expected a table"),
    ("Pipfile.lock", "[" * 40_000, "PyPI", "not valid JSON"),
    ("package.json", "{", "npm", "not valid JSON"),
    ("package.json", '{"dependencies": {"requests": 3}}', "npm", "expected a version string"),
    ("package-lock.json", "[1, 2]", "npm", "expected a JSON object"),
    ("package-lock.json", '{"packages": {"node_modules/x": {}}}', "npm", "no root entry"),
    ("yarn.lock", "this is not\na lock file\n", "npm", "no yarn.lock entries"),
    ("go.mod", "\x00\x01 garbage\n", "Go", "no module directive"),
]


@pytest.mark.parametrize(("name", "text", "ecosystem", "message"), MALFORMED)
def test_a_malformed_manifest_is_a_note(
    tmp_path: Path, name: str, text: str, ecosystem: str, message: str
) -> None:
    reader = make_repo(tmp_path / "repo", {name: text})
    found = context(reader, ecosystem, "requests", name)
    assert found.manifest is None
    assert any(
        note.startswith(name) and message in note and note.endswith("this file was not used")
        for note in found.notes
    ), found.notes


def test_a_bad_line_is_a_note_and_the_rest_is_used(tmp_path: Path) -> None:
    text = "requests>=2\n<<<garbage>>>\nflask ==  'x'\nsix\n"
    found = context(make_repo(tmp_path / "repo", {"requirements.txt": text}), "PyPI", "six")
    assert found.direct is True
    assert has_note(found, "requirements.txt:2: not a requirement line")
    assert has_note(found, "requirements.txt:3: not a requirement line")


def test_an_oversized_manifest_is_a_note(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"requirements.txt": "requests\n" + "#" * 60_000})
    found = context(reader, "PyPI", "requests")
    assert found.manifest is None
    assert has_note(found, "over the read limit")


def test_a_yarn_lock_with_a_bad_line_still_gives_its_entries(tmp_path: Path) -> None:
    text = 'ms@^2.0.0:\n  version "2.1.3"\ngarbage line\nother@^1:\n  resolved "x"\n'
    found = context(make_repo(tmp_path / "repo", {"yarn.lock": text}), "npm", "ms")
    assert found.locked_version == "2.1.3"
    assert has_note(found, "yarn.lock:3: not an entry header")


def test_manifest_strings_are_clipped_and_cleaned(tmp_path: Path) -> None:
    spec = "1" * 1000 + "\x1b[31m"
    reader = make_repo(
        tmp_path / "repo", {"package.json": json.dumps({"dependencies": {"x": spec}})}
    )
    found = context(reader, "npm", "x")
    assert found.declared_version is not None
    assert len(found.declared_version) == 300
    assert "\x1b" not in found.model_dump_json()


# --- which manifests: the named file and its directory --------------------------------------


def test_the_named_directory_is_searched_not_the_rest(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {
            "api/requirements.txt": "requests==2.0\n",
            "api/poetry.lock": '[[package]]\nname = "requests"\nversion = "2.0.1"\n',
            "worker/requirements.txt": "requests==1.0\n",
        },
    )
    found = context(reader, "PyPI", "requests", "api/poetry.lock")
    assert (found.manifest, found.declared_version, found.locked_version) == (
        "api/requirements.txt",
        "==2.0",
        "2.0.1",
    )
    assert not has_note(found, "==1.0")


def test_without_a_named_path_every_manifest_counts(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {"api/requirements.txt": "requests==2.0\n", "worker/requirements-dev.txt": "requests\n"},
    )
    found = context(reader, "PyPI", "requests")
    assert (found.manifest, found.scope) == ("api/requirements.txt", "runtime")
    assert has_note(found, "also listed as dev in worker/requirements-dev.txt:1")


def test_a_named_directory_without_manifests_falls_back_to_the_walk(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"svc/requirements.txt": "requests\n"})
    found = context(reader, "PyPI", "requests", "Dockerfile")
    assert found.manifest == "svc/requirements.txt"
    assert has_note(found, "no readable PyPI manifest beside Dockerfile")


@pytest.mark.parametrize("path", ["/src/app/requirements.txt", "../requirements.txt"])
def test_a_named_path_outside_the_repository_is_a_note(tmp_path: Path, path: str) -> None:
    reader = make_repo(tmp_path / "repo", {"requirements.txt": "requests\n"})
    found = context(reader, "PyPI", "requests", path)
    assert found.manifest == "requirements.txt"
    assert has_note(found, "is not inside the repository")


# --- ecosystems --------------------------------------------------------------------------------


def test_the_ecosystem_is_inferred_from_the_named_file(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo", {"go.mod": "module m\n\nrequire example.com/x v1.0.0\n", "go.sum": ""}
    )
    found = context(reader, None, "example.com/x", "go.sum")
    assert (found.ecosystem, found.direct) == ("Go", True)


def test_an_unknown_ecosystem_searches_all_and_takes_the_declared_one(tmp_path: Path) -> None:
    reader = make_repo(
        tmp_path / "repo",
        {
            "package.json": json.dumps({"dependencies": {"debug": "^4"}}),
            "poetry.lock": '[[package]]\nname = "debug"\nversion = "0.1"\n',
        },
    )
    found = context(reader, None, "debug")
    assert (found.ecosystem, found.manifest) == ("npm", "package.json")
    assert has_note(found, "also found as a PyPI package in poetry.lock")


def test_unsupported_blank_or_unknown_and_absent_give_none(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"requirements.txt": "requests\n"})
    assert lookup(reader, ecosystem="Maven", package="requests", manifest_path=None) is None
    assert lookup(reader, ecosystem="PyPI", package="  ", manifest_path=None) is None
    assert lookup(reader, ecosystem=None, package="absent", manifest_path=None) is None
    assert lookup(reader, ecosystem="pip", package="requests", manifest_path=None) is not None


def test_a_supported_package_found_nowhere_still_gets_a_context(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"requirements.txt": "flask\n", "app.py": ""})
    found = context(reader, "PyPI", "requests")
    assert (found.manifest, found.direct, found.imported) == (None, None, False)
    assert has_note(found, "requests was not found in any PyPI manifest read")


@pytest.mark.parametrize(
    ("path", "ecosystem"),
    [
        ("requirements.txt", "PyPI"),
        ("dev-requirements.in", "PyPI"),
        ("requirements/base.txt", "PyPI"),
        ("npm-shrinkwrap.json", "npm"),
        ("svc/go.mod", "Go"),
        ("notes.txt", None),
        ("package.json.bak", None),
    ],
)
def test_format_of(path: str, ecosystem: str | None) -> None:
    fmt = format_of(path)
    assert (fmt.ecosystem if fmt else None) == ecosystem


# --- the model ---------------------------------------------------------------------------------


def test_the_model_is_frozen_and_needs_a_source_per_field(tmp_path: Path) -> None:
    found = context(
        make_repo(tmp_path / "repo", {"requirements.txt": "requests\n"}), "PyPI", "requests"
    )
    with pytest.raises(ValidationError):
        found.direct = False  # type: ignore[misc]
    data = found.model_dump()
    data["sources"] = [s for s in data["sources"] if s["field"] != "scope"]
    with pytest.raises(ValidationError, match="no source for scope"):
        DependencyContext.model_validate(data)
    with pytest.raises(ValidationError):
        FieldSource.model_validate({"field": "owner", "origin": "x"})


# --- hostile input: every parser raises only its documented errors ---------------------------

_PARSED_NAMES = [
    "requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile",
    "Pipfile.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "go.mod",
]
_FRAGMENTS = st.sampled_from(
    [
        "[[package]]\n",
        'name = "requests"\n',
        "version = 1\n",
        "[project]\n",
        "dependencies = [\n",
        '{"packages": {"": {}, "node_modules/requests": ',
        '"dependencies": {"requests": ',
        "}",
        "]",
        "requests@^1:\n",
        '  version "1"\n',
        "require (\n",
        "requests v1 // indirect\n",
        "-r requirements.txt\n",
        "-r ../x\n",
        "requests==1 \\\n",
        "    # via x\n",
        "[tool.poetry.dependencies]\nrequests = ",
        "[packages]\n",
        '{"default": {"requests": ',
        "null",
        "[]",
        "3",
    ]
)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    name=st.sampled_from(_PARSED_NAMES),
    text=st.one_of(st.text(max_size=300), st.lists(_FRAGMENTS, max_size=12).map("".join)),
)
def test_parsers_raise_nothing_on_arbitrary_input(name: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / name).write_text(text, errors="surrogatepass")
        reader = RepoReader(root, max_file_bytes=10_000)
        fmt = format_of(name)
        assert fmt is not None
        with contextlib.suppress(ManifestError, RepoReadError):
            fmt.parse(reader, name, "requests")
        found = lookup(reader, ecosystem=fmt.ecosystem, package="requests", manifest_path=name)
        assert found is not None


def test_a_fifo_named_like_a_manifest_is_refused(tmp_path: Path) -> None:
    reader = make_repo(tmp_path / "repo", {"src/package.json": '{"dependencies": {"x": "1"}}'})
    os.mkfifo(tmp_path / "repo" / "package.json")
    found = context(reader, "npm", "x", "package.json")
    assert has_note(found, "not a regular file")
    assert found.manifest == "src/package.json"  # the walk does not list it: only the named read
