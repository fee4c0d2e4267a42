"""Enclosing function/class: exact for Python (ast), a documented heuristic elsewhere."""

from __future__ import annotations

import pytest

from tools.repo.enclosing import enclosing_scope

PYTHON = """\
import os

class Store:
    def search(self, term):
        query = "SELECT %s" % term
        return query

    async def close(self):
        pass

def helper():
    def inner():
        return os.system("x")
    return inner
"""


@pytest.mark.parametrize(
    ("line", "scope"),
    [
        (1, None),
        (3, "Store"),
        (5, "Store.search"),
        (9, "Store.close"),
        (13, "helper.inner"),
        (14, "helper"),
    ],
)
def test_python_scopes_come_from_the_syntax_tree(line: int, scope: str | None) -> None:
    assert enclosing_scope(PYTHON, line, "python") == scope


def test_unparsable_python_falls_back_to_nothing_rather_than_guessing() -> None:
    assert enclosing_scope("def broken(:\n    x = 1\n", 2, "python") is None


@pytest.mark.parametrize(
    ("language", "source", "line", "scope"),
    [
        ("javascript", "function render(req) {\n  eval(req.q);\n}\n", 2, "render"),
        ("javascript", "const handler = async (req) => {\n  exec(req.q);\n};\n", 2, "handler"),
        ("go", "func (s *Srv) Run(cmd string) {\n\texec.Command(cmd)\n}\n", 2, "Run"),
        ("ruby", "class Users\n  def find(id)\n    eval(id)\n  end\nend\n", 3, "find"),
        (
            "java",
            "public class A {\n  public void run(String q) {\n    exec(q);\n  }\n}\n",
            3,
            "run",
        ),
        ("rust", "pub fn load(p: &str) {\n    open(p);\n}\n", 2, "load"),
        ("cobol", "anything\n", 1, None),
    ],
)
def test_other_languages_use_the_definition_heuristic(
    language: str, source: str, line: int, scope: str | None
) -> None:
    assert enclosing_scope(source, line, language) == scope
