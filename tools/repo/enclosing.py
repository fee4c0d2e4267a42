"""The function or class that encloses a line: Python via ``ast``, other languages by heuristic.

The heuristic (documented in docs/architecture.md) walks up from the line to the nearest line that
looks like a definition in that language and is indented less than or as much as the flagged
line. It is a hint for the reader, never an input to a decision.
"""

from __future__ import annotations

import ast
import re

_DEFINITION = {
    "javascript": re.compile(
        r"^\s*(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*([\w$]+)|class\s+([\w$]+)"
        r"|(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\s*)?(?:function|\([^)]*\)\s*=>|[\w$]+\s*=>))"
    ),
    "go": re.compile(r"^\s*func\s+(?:\([^)]*\)\s*)?([\w]+)\s*\(|^\s*type\s+(\w+)\s+struct"),
    "ruby": re.compile(r"^\s*(?:def\s+(?:self\.)?([\w?!]+)|class\s+([\w:]+)|module\s+([\w:]+))"),
    "java": re.compile(
        r"^\s*(?:(?:public|private|protected|static|final|abstract|synchronized|async|override|"
        r"virtual|internal)\s+)*(?:class|interface|record|enum)\s+(\w+)"
        r"|^\s*(?:(?:public|private|protected|static|final|abstract|synchronized|async|override|"
        r"virtual|internal)\s+)+[\w<>\[\],\s]+\s+(\w+)\s*\([^;]*$"
    ),
}
_DEFINITION["typescript"] = _DEFINITION["javascript"]
_DEFINITION["csharp"] = _DEFINITION["java"]
_DEFINITION["kotlin"] = re.compile(
    r"^\s*(?:[\w]+\s+)*(?:fun\s+([\w]+)|class\s+(\w+)|object\s+(\w+))"
)
_DEFINITION["php"] = re.compile(r"^\s*(?:[\w]+\s+)*(?:function\s+(\w+)|class\s+(\w+))")
_DEFINITION["rust"] = re.compile(
    r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:fn\s+(\w+)|impl(?:<[^>]*>)?\s+([\w:]+)|struct\s+(\w+))"
)


def enclosing_scope(source: str, line: int, language: str | None) -> str | None:
    """A dotted name such as ``Store.search_notes``, or None when the line is at module level."""
    if language == "python":
        try:
            return _python_scope(ast.parse(source), line)
        except (SyntaxError, ValueError, RecursionError):
            pass  # not valid Python after all: fall through to the heuristic
    return _heuristic_scope(source.splitlines(), line, _DEFINITION.get(language or ""))


def _python_scope(tree: ast.AST, line: int) -> str | None:
    names: list[str] = []
    node: ast.AST = tree
    while True:
        inner = next(
            (
                child
                for child in ast.iter_child_nodes(node)
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and child.lineno <= line <= (child.end_lineno or child.lineno)
            ),
            None,
        )
        if inner is None:
            return ".".join(names) or None
        names.append(inner.name)
        node = inner


def _heuristic_scope(lines: list[str], line: int, pattern: re.Pattern[str] | None) -> str | None:
    if pattern is None or not 1 <= line <= len(lines):
        return None
    flagged_indent = _indent(lines[line - 1])
    for text in reversed(lines[:line]):
        match = pattern.match(text)
        if match and _indent(text) <= flagged_indent:
            return next((group for group in match.groups() if group), None)
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())
