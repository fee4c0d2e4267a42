"""A small OpenAPI 3.0 validator for the operations in ``tests/fixtures/github-openapi``.

``jsonschema`` and ``openapi-core`` are not installed, so this covers what GitHub's schemas for
our operations use, and refuses (``SchemaError``) any keyword it does not know, so nothing is
silently skipped: ``$ref`` (into ``components.schemas``), ``type`` (a name or a list),
``nullable``, ``enum``, ``properties``, ``required``, ``items``, ``additionalProperties``,
``allOf``/``anyOf``/``oneOf``/``not``, ``minimum``/``maximum``, ``minLength``/``maxLength``,
``minItems``/``maxItems``, ``pattern``. ``format``, ``readOnly``, ``discriminator`` and other
annotations are ignored.

One deliberate reading of OpenAPI 3.0: ``nullable: true`` admits ``null`` even when the schema
also has an ``enum`` without ``null``. GitHub's description relies on it (``issue.state_reason``
is a nullable enum and is ``null`` on every open issue); the strict reading would reject the
real API's answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

OPERATIONS_FILE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "github-openapi" / "operations.json"
)

_APPLIED = frozenset(
    {
        "$ref",
        "type",
        "nullable",
        "enum",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "pattern",
    }
)
_IGNORED = frozenset(
    {
        "format",
        "default",
        "readOnly",
        "writeOnly",
        "title",
        "description",
        "deprecated",
        "discriminator",
        "example",
        "examples",
        "externalDocs",
    }
)
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
}
_MAX_ERRORS = 20
# GitHub answers these on any operation (bad token, rate limits, outages) whether or not the
# operation's description lists them; their body is a basic-error.
GENERIC_ERROR_STATUSES = frozenset({401, 403, 429, 500, 502, 503})


class SchemaError(Exception):
    """The description uses something this validator does not implement."""


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_type(value: object, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name not in _TYPES:
        raise SchemaError(f"unknown type {name!r}")
    return isinstance(value, _TYPES[name])


def _short(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class SchemaValidator:
    """Validates JSON values against schemas that may ``$ref`` ``components.schemas``."""

    def __init__(self, schemas: Mapping[str, Any]) -> None:
        self.schemas = schemas

    def deref(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/components/schemas/"):
                raise SchemaError(f"unsupported $ref {ref!r}")
            name = ref.removeprefix("#/components/schemas/")
            if name not in self.schemas:
                raise SchemaError(f"$ref to a schema that was not extracted: {name!r}")
            schema = self.schemas[name]
            seen += 1
            if seen > 50:
                raise SchemaError(f"$ref loop at {ref!r}")
        return schema

    def errors(self, schema: Any, value: Any, where: str = "$") -> list[str]:
        """Every reason ``value`` does not match ``schema`` (at most a few dozen); [] if it does."""
        out: list[str] = []
        self._check(schema, value, where, out)
        return out[:_MAX_ERRORS]

    def _check(self, schema: Any, value: Any, where: str, out: list[str]) -> None:
        if len(out) >= _MAX_ERRORS:
            return
        if schema is True or schema == {}:
            return
        if schema is False:
            out.append(f"{where}: no value is allowed here")
            return
        if not isinstance(schema, dict):
            raise SchemaError(f"{where}: schema is not an object: {schema!r}")
        if "$ref" in schema:
            # OpenAPI 3.0: siblings of $ref are ignored.
            self._check(self.deref(schema), value, where, out)
            return
        for key in schema:
            if key not in _APPLIED and key not in _IGNORED and not key.startswith("x-"):
                raise SchemaError(f"{where}: unsupported keyword {key!r}")
        if value is None and schema.get("nullable") is True:
            return
        declared = schema.get("type")
        if declared is not None:
            names = [declared] if isinstance(declared, str) else list(declared)
            if not any(_is_type(value, name) for name in names):
                out.append(f"{where}: expected {' or '.join(names)}, got {_type_name(value)}")
                return
        if "enum" in schema and value not in schema["enum"]:
            out.append(f"{where}: {_short(value)} is not one of {_short(schema['enum'])}")
        self._check_combinators(schema, value, where, out)
        if isinstance(value, dict):
            self._check_object(schema, value, where, out)
        elif isinstance(value, list):
            self._check_array(schema, value, where, out)
        elif isinstance(value, str):
            self._check_string(schema, value, where, out)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                out.append(f"{where}: {value} is below the minimum {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                out.append(f"{where}: {value} is above the maximum {schema['maximum']}")

    def _check_combinators(
        self, schema: dict[str, Any], value: Any, where: str, out: list[str]
    ) -> None:
        for sub in schema.get("allOf", ()):
            self._check(sub, value, where, out)
        if "anyOf" in schema:
            branches = [self.errors(sub, value, where) for sub in schema["anyOf"]]
            if all(branches):
                out.append(f"{where}: matches none of anyOf ({self._summary(branches)})")
        if "oneOf" in schema:
            branches = [self.errors(sub, value, where) for sub in schema["oneOf"]]
            matched = [i for i, errs in enumerate(branches) if not errs]
            if not matched:
                out.append(f"{where}: matches none of oneOf ({self._summary(branches)})")
            elif len(matched) > 1:
                out.append(f"{where}: matches oneOf branches {matched}, exactly one is allowed")
        if "not" in schema and not self.errors(schema["not"], value, where):
            out.append(f"{where}: matches a schema it must not match")

    def _summary(self, branches: Sequence[list[str]]) -> str:
        return "; ".join(f"[{i}] {errs[0]}" for i, errs in enumerate(branches) if errs)

    def _check_object(
        self, schema: dict[str, Any], value: dict[str, Any], where: str, out: list[str]
    ) -> None:
        for name in schema.get("required", ()):
            if name not in value:
                out.append(f"{where}: missing required property {name!r}")
        properties: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            path = f"{where}.{name}"
            if name in properties:
                self._check(properties[name], item, path, out)
            elif extra is False:
                out.append(f"{where}: property {name!r} is not allowed")
            elif extra is not True:
                self._check(extra, item, path, out)

    def _check_array(
        self, schema: dict[str, Any], value: list[Any], where: str, out: list[str]
    ) -> None:
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{where}: more than {schema['maxItems']} items")
        if "items" in schema:
            for index, item in enumerate(value):
                self._check(schema["items"], item, f"{where}[{index}]", out)

    def _check_string(self, schema: dict[str, Any], value: str, where: str, out: list[str]) -> None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(f"{where}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{where}: longer than {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: does not match the pattern {schema['pattern']!r}")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Mapping[str, Any]

    def parameters(self, location: str) -> list[Mapping[str, Any]]:
        return [p for p in self.spec["parameters"] if p["in"] == location]


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class OpenApi:
    """The extracted operations: routing, and request/response checks that return reasons."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.schemas = SchemaValidator(document["components"]["schemas"])
        self.operations: list[Operation] = []
        for op_id, spec in document["operations"].items():
            multi = {
                p["name"]
                for p in spec["parameters"]
                if p["in"] == "path" and p.get("x-multi-segment")
            }

            def group(match: re.Match[str], multi: set[str] = multi) -> str:
                name = match.group(1)
                return f"(?P<{name}>.+)" if name in multi else f"(?P<{name}>[^/]+)"

            regex = re.sub(r"\\\{(\w+)\\\}", group, re.escape(spec["path"]))
            self.operations.append(
                Operation(op_id, spec["method"], spec["path"], re.compile(f"^{regex}$"), spec)
            )
        # Most literal text first: /issues/{n}/comments before a template whose {x} could eat it.
        self.operations.sort(key=lambda op: -len(re.sub(r"\{\w+\}", "", op.template)))

    def match(self, method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for ``method`` and a still percent-encoded path, and its path values."""
        for op in self.operations:
            if op.method != method.upper():
                continue
            found = op.pattern.match(raw_path)
            if found:
                return op, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def _parameter_errors(self, param: Mapping[str, Any], raw: list[str], where: str) -> list[str]:
        schema = param.get("schema", {})
        resolved = self.schemas.deref(schema)
        kind = resolved.get("type") if isinstance(resolved, dict) else None
        if kind == "array":
            values: Any = [v for item in raw for v in item.split(",")]
        else:
            if len(raw) > 1:
                return [f"{where}: given {len(raw)} times"]
            values = raw[0]
            if kind == "integer":
                if not re.fullmatch(r"-?\d+", values):
                    return [f"{where}: {values!r} is not an integer"]
                values = int(values)
            elif kind == "number":
                try:
                    values = float(values)
                except ValueError:
                    return [f"{where}: {values!r} is not a number"]
            elif kind == "boolean":
                if values not in ("true", "false"):
                    return [f"{where}: {values!r} is not true/false"]
                values = values == "true"
        return self.schemas.errors(schema, values, where)

    def request_errors(
        self,
        op: Operation,
        path_values: Mapping[str, str],
        query: Mapping[str, list[str]],
        content_type: str | None,
        body: bytes,
    ) -> list[str]:
        """Why this request does not follow the operation's description; [] if it does."""
        errors: list[str] = []
        for param in op.parameters("path"):
            errors += self._parameter_errors(
                param, [path_values[param["name"]]], f"path {param['name']}"
            )
        declared = {p["name"]: p for p in op.parameters("query")}
        for name in query:
            if name not in declared:
                errors.append(f"query {name}: not a parameter of {op.operation_id}")
        for name, param in declared.items():
            if name in query:
                errors += self._parameter_errors(param, query[name], f"query {name}")
            elif param.get("required"):
                errors.append(f"query {name}: required")
        request_body = op.spec.get("requestBody")
        if request_body is None:
            if body:
                errors.append(f"{op.operation_id} takes no request body")
            return errors
        if not body:
            if request_body["required"]:
                errors.append("request body: required")
            return errors
        media = _media(content_type)
        if media not in request_body["content"]:
            allowed = sorted(request_body["content"])
            return [*errors, f"request body: content type {media!r}, expected one of {allowed}"]
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            return [*errors, f"request body: not JSON ({exc})"]
        schema = request_body["content"][media]["schema"]
        return errors + self.schemas.errors(schema, parsed, "request body")

    def response_errors(
        self, op: Operation, status: int, content_type: str | None, body: bytes
    ) -> list[str]:
        """Why this response does not follow the operation's description; [] if it does."""
        responses = op.spec["responses"]
        if str(status) in responses:
            content = responses[str(status)]["content"]
        elif "default" in responses:
            content = responses["default"]["content"]
        elif status in GENERIC_ERROR_STATUSES:
            content = {"application/json": {"schema": {"$ref": "#/components/schemas/basic-error"}}}
        else:
            return [f"status {status} is not a documented answer of {op.operation_id}"]
        if not content:
            return []
        media = _media(content_type)
        if media not in content:
            return [f"response: content type {media!r}, expected one of {sorted(content)}"]
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            return [f"response: not JSON ({exc})"]
        return self.schemas.errors(content[media]["schema"], parsed, "response")


@cache
def github_operations(path: Path = OPERATIONS_FILE) -> OpenApi:
    """The extracted GitHub operations, loaded once per process."""
    return OpenApi(json.loads(path.read_text(encoding="utf-8")))
