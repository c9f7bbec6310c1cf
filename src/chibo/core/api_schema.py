"""OpenAPI post-processing: every operation documents the errors it can answer with."""

from __future__ import annotations

from typing import Any

from .api import INT64

ERROR = {
    "type": "object",
    "description": "An error: `detail` for general errors, or a message list per field.",
    "additionalProperties": True,
    "properties": {"detail": {"type": "string"}},
}
STANDARD = {
    "400": "The request is invalid (a field or parameter could not be accepted).",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but this action is not allowed.",
    "404": "Not found, or outside your scope (the same answer, on purpose).",
    "405": "Method not allowed.",
    "406": "The requested format is not available.",
    "415": "Unsupported media type.",
    "429": "Too many requests.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in STANDARD.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result


NO_NUL = "^[^\\x00]*$"


def _constrain(schema: dict[str, Any], *, non_empty: bool) -> None:
    """A string holds no NUL character (PostgreSQL text cannot, and the API refuses it); a query
    parameter's string is not empty (`core.api.check_query_parameters`)."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _constrain(schema["items"], non_empty=non_empty)
        return
    if schema.get("type") == "object":
        for prop in schema.get("properties", {}).values():
            if isinstance(prop, dict):
                _constrain(prop, non_empty=non_empty)
        return
    if schema.get("type") != "string" or "enum" in schema:
        return
    if non_empty:
        schema["minLength"] = max(1, schema.get("minLength", 0))
    if "format" not in schema and "pattern" not in schema:
        schema["pattern"] = NO_NUL


def constrain_strings(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """The API contract in the schema: query parameters are never empty and no text holds a NUL
    (architecture.md, "The API contract")."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema")
                if parameter.get("in") != "query" or not isinstance(schema, dict):
                    continue
                _constrain(schema, non_empty=True)
                if schema.get("type") == "integer":  # what the database's integers hold
                    schema.setdefault("minimum", INT64[0])  # core.api.db_int
                    schema.setdefault("maximum", INT64[1])
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and isinstance(schema, dict):
            _constrain(schema, non_empty=False)
    return result
