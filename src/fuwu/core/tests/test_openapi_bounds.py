"""The OpenAPI document bounds every value a client can send, and documents every error answer.

A guard for the whole API, present and future: a new endpoint whose integer has no maximum, whose
text has no maximum length or whose list has no maximum number of items fails here, before
schemathesis (or an attacker) finds the 500 it would cause.
"""

from __future__ import annotations

from typing import Any

import pytest

from fuwu.api import api

STRING_FORMATS_BOUNDED_BY_VALIDATION = {"date", "date-time", "time", "binary"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1/")


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def unbounded(schema: dict[str, Any], document: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every place under ``schema`` where a client could send an unbounded value."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return unbounded(_resolve(schema, document), document, where, seen | {name})
    problems: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            problems += unbounded(option, document, where, seen)
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        return problems
    if kind == "integer" and (
        "maximum" not in schema or ("minimum" not in schema and "exclusiveMinimum" not in schema)
    ):
        problems.append(f"{where}: integer without minimum and maximum")
    elif kind == "number" and "maximum" not in schema and "exclusiveMaximum" not in schema:
        problems.append(f"{where}: number without maximum")
    elif (
        kind == "string"
        and "maxLength" not in schema
        and "pattern" not in schema
        and schema.get("format") not in STRING_FORMATS_BOUNDED_BY_VALIDATION
    ):
        problems.append(f"{where}: text without maxLength")
    elif kind == "array":
        if "maxItems" not in schema:
            problems.append(f"{where}: list without maxItems")
        problems += unbounded(schema.get("items", {}), document, f"{where}[]", seen)
    elif kind == "object":
        for name, prop in (schema.get("properties") or {}).items():
            problems += unbounded(prop, document, f"{where}.{name}", seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            problems += unbounded(extra, document, f"{where}.*", seen)
    return problems


def test_every_request_value_is_bounded(document: dict[str, Any]) -> None:
    problems: list[str] = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                problems += unbounded(
                    parameter.get("schema", {}),
                    document,
                    f"{label} {parameter['in']} {parameter['name']}",
                    set(),
                )
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                problems += unbounded(media.get("schema", {}), document, f"{label} body", set())
    assert problems == []


def test_every_operation_documents_its_error_answers(document: dict[str, Any]) -> None:
    missing = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            expected = {"400", "401", "403", "404", "422", "429"}
            if method in {"post", "put", "patch", "delete"}:
                expected |= {"409", "413"}
            absent = expected - set(map(str, operation["responses"]))
            if absent:
                missing.append(f"{method.upper()} {path}: {sorted(absent)}")
            error = operation["responses"].get("422", {}).get("content", {}).get("application/json", {})
            if error.get("schema", {}).get("$ref") != "#/components/schemas/ErrorResponse":
                missing.append(f"{method.upper()} {path}: 422 without the error body")
    assert missing == []


def test_schema_names_are_unique(document: dict[str, Any]) -> None:
    """Two schemas with one class name are merged into one by the OpenAPI generator, and the
    document then describes one of them wrongly (it happened to ``MaterialOut``)."""
    from ninja import Schema

    by_name: dict[str, set[str]] = {}
    pending = list(Schema.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        if model.__module__.startswith("fuwu."):
            by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert clashes == {}
