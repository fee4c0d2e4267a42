"""Typed access to untrusted JSON, raising ReportRejected with the JSON path of the problem."""

from __future__ import annotations

from typing import Any

from tools.ingest.errors import ReportRejected

JsonObject = dict[str, Any]


def obj(value: Any, where: str, suffix: str = "") -> JsonObject:
    if not isinstance(value, dict):
        raise ReportRejected(f"{where}{suffix}: expected an object, found {_kind(value)}")
    return value


# Every result of a report goes through these, several times over: the happy path builds no
# string. ``where`` plus a constant ``suffix`` name the parent; they are joined only for an error.


def opt_obj(parent: JsonObject, key: str, where: str, suffix: str = "") -> JsonObject | None:
    value = parent.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise ReportRejected(f"{where}{suffix}.{key}: expected an object, found {_kind(value)}")


def opt_arr(parent: JsonObject, key: str, where: str, suffix: str = "") -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReportRejected(f"{where}{suffix}.{key}: expected an array, found {_kind(value)}")
    return value


def opt_str(parent: JsonObject, key: str, where: str, suffix: str = "") -> str | None:
    value = parent.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ReportRejected(f"{where}{suffix}.{key}: expected a string, found {_kind(value)}")


def opt_int(
    parent: JsonObject, key: str, where: str, suffix: str = "", *, minimum: int
) -> int | None:
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReportRejected(f"{where}{suffix}.{key}: expected an integer, found {_kind(value)}")
    if value < minimum:
        raise ReportRejected(f"{where}{suffix}.{key}: {value} is below the minimum {minimum}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
