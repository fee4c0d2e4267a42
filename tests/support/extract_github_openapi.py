"""Extract the GitHub REST operations this project uses from GitHub's OpenAPI description.

Usage::

    python -m tests.support.extract_github_openapi /path/to/api.github.com.json [--out DIR]

Writes ``operations.json`` (the operations below, their parameters, request bodies and response
schemas, plus every component schema they reference, transitively) into ``DIR`` (default
``tests/fixtures/github-openapi``), puts the description's MIT LICENSE next to it if it is not
there yet, and appends a section to ``SOURCE.md`` unless one for this exact input is present.

Component ``parameters``, ``responses``, ``requestBodies`` and ``headers`` are inlined; component
``schemas`` stay ``$ref``s into ``components.schemas``. Annotations that do not constrain a value
(``description``, ``example``, ``examples``) are dropped from schemas, and response headers are
not kept: the stub validates bodies, parameters and status codes only. The output is
deterministic (sorted keys, no timestamps), so re-running it on the same input changes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "github-openapi"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/rate_limit"),
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/contents/{path}"),
    ("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
    ("get", "/repos/{owner}/{repo}/git/blobs/{file_sha}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}"),
    ("get", "/repos/{owner}/{repo}/issues"),
    ("post", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/search/issues"),
    ("get", "/repos/{owner}/{repo}/code-scanning/alerts"),
    ("get", "/repos/{owner}/{repo}/dependabot/alerts"),
    ("get", "/repos/{owner}/{repo}/secret-scanning/alerts"),
    # GitHub App installation tokens (tools/github/app_tokens.py)
    ("post", "/app/installations/{installation_id}/access_tokens"),
    # alert dismissals (tools/publish/alert_dismissal.py)
    ("patch", "/repos/{owner}/{repo}/code-scanning/alerts/{alert_number}"),
    ("patch", "/repos/{owner}/{repo}/dependabot/alerts/{alert_number}"),
    ("patch", "/repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}"),
    # follow-ups on a published issue (tools/publish/issue_followups.py)
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    # fix pull requests (tools/publish/fix_pull_request.py)
    ("get", "/repos/{owner}/{repo}/git/ref/{ref}"),
    ("post", "/repos/{owner}/{repo}/git/refs"),
    ("put", "/repos/{owner}/{repo}/contents/{path}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls"),
)

# Keywords whose value is a schema, a list of schemas, or a name -> schema map.
_SCHEMA_VALUED = ("items", "not", "additionalProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_ANNOTATIONS = frozenset({"description", "example", "examples"})
_SCHEMA_PREFIX = "#/components/schemas/"


class Extractor:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components: dict[str, Any] = spec["components"]
        self.schema_names: set[str] = set()
        self.pending: list[str] = []

    def _component(self, ref: str) -> Any:
        parts = ref.removeprefix("#/").split("/")
        if len(parts) != 3 or parts[0] != "components":
            raise ValueError(f"unsupported $ref {ref!r}")
        return self.components[parts[1]][parts[2]]

    def _inline(self, node: Any) -> Any:
        """Follows a non-schema component $ref (parameter, response, ...)."""
        while isinstance(node, dict) and "$ref" in node:
            node = self._component(node["$ref"])
        return node

    def schema(self, node: Any) -> Any:
        """A copy of a schema without annotations; records the component schemas it names."""
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            raise ValueError(f"not a schema: {node!r}")
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith(_SCHEMA_PREFIX):
                return self.schema(self._component(ref))
            name = ref.removeprefix(_SCHEMA_PREFIX)
            if name not in self.schema_names:
                self.schema_names.add(name)
                self.pending.append(name)
            return {"$ref": ref}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _ANNOTATIONS:
                continue
            if key == "properties":
                out[key] = {name: self.schema(sub) for name, sub in value.items()}
            elif key in _SCHEMA_VALUED:
                out[key] = self.schema(value)
            elif key in _SCHEMA_LISTS:
                out[key] = [self.schema(sub) for sub in value]
            else:
                out[key] = value
        return out

    def operation(self, method: str, path: str) -> dict[str, Any]:
        item = self.spec["paths"][path]
        op = item[method]
        params = [self._inline(p) for p in (*item.get("parameters", ()), *op.get("parameters", ()))]
        out: dict[str, Any] = {
            "operationId": op["operationId"],
            "method": method.upper(),
            "path": path,
            "parameters": [
                {
                    key: (self.schema(value) if key == "schema" else value)
                    for key, value in param.items()
                    if key in {"name", "in", "required", "schema", "style", "explode"}
                    or key.startswith("x-multi")
                }
                for param in params
            ],
            "responses": {},
        }
        if "requestBody" in op:
            body = self._inline(op["requestBody"])
            out["requestBody"] = {
                "required": bool(body.get("required", False)),
                "content": {
                    media: {"schema": self.schema(entry["schema"])}
                    for media, entry in body.get("content", {}).items()
                    if "schema" in entry
                },
            }
        for status, response in op["responses"].items():
            resolved = self._inline(response)
            out["responses"][status] = {
                "content": {
                    media: {"schema": self.schema(entry["schema"])}
                    for media, entry in resolved.get("content", {}).items()
                    if "schema" in entry
                }
            }
        return out

    def extract(self, operations: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        ops = [self.operation(method, path) for method, path in operations]
        # basic-error answers undocumented generic failures (401, 403/429 rate limits) in the stub.
        self.schema({"$ref": _SCHEMA_PREFIX + "basic-error"})
        schemas: dict[str, Any] = {}
        while self.pending:
            name = self.pending.pop()
            schemas[name] = self.schema(self.components["schemas"][name])
        return {
            "openapi": self.spec["openapi"],
            "info": {"title": self.spec["info"]["title"], "version": self.spec["info"]["version"]},
            "operations": {op["operationId"]: op for op in ops},
            "components": {"schemas": dict(sorted(schemas.items()))},
        }


def _source_section(spec_path: Path, digest: str, result: dict[str, Any]) -> str:
    lines = [
        "",
        f"## operations.json (sha256 of the input: {digest})",
        "",
        f"Extracted from `{spec_path.name}` (`info.version` {result['info']['version']},"
        f" OpenAPI {result['openapi']}; `@octokit/openapi` ships it as"
        " `generated/api.github.com.json`, MIT, see LICENSE here) by",
        "`python -m tests.support.extract_github_openapi <that file>`.",
        "Only the operations below, their inlined parameters/responses and the"
        f" {len(result['components']['schemas'])} component schemas they reference;",
        "`description`/`example(s)` annotations and response headers dropped. Operations:",
        "",
    ]
    for op_id, op in result["operations"].items():
        lines.append(f"- `{op['method']} {op['path']}` ({op_id})")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("spec", type=Path, help="api.github.com.json from @octokit/openapi")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    spec_path: Path = args.spec
    out_dir: Path = args.out
    raw = spec_path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    result = Extractor(json.loads(raw)).extract(OPERATIONS)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (out_dir / "operations.json").write_text(text, encoding="utf-8")

    license_src = spec_path.parent / "LICENSE"
    license_dst = out_dir / "LICENSE"
    if not license_dst.exists():
        if not license_src.exists():
            print(f"no LICENSE next to {spec_path}; add the MIT licence by hand", file=sys.stderr)
            return 1
        shutil.copyfile(license_src, license_dst)
    elif license_src.exists() and license_src.read_bytes() != license_dst.read_bytes():
        print(
            f"{license_dst} differs from {license_src}; check which licence applies",
            file=sys.stderr,
        )
        return 1

    source = out_dir / "SOURCE.md"
    existing = source.read_text(encoding="utf-8") if source.exists() else ""
    if digest not in existing:
        header = "" if existing else "# Fixtures from GitHub's REST API description\n"
        with source.open("a", encoding="utf-8") as handle:
            handle.write(header + _source_section(spec_path, digest, result))
    print(
        f"wrote {len(result['operations'])} operations and"
        f" {len(result['components']['schemas'])} schemas to {out_dir / 'operations.json'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
