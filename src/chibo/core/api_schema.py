"""OpenAPI post-processing: every operation documents the errors it can answer with."""

from __future__ import annotations

from typing import Any

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
