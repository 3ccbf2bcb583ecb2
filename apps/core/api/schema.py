"""OpenAPI postprocessing: the one error shape, documented on every API operation."""

from __future__ import annotations

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "stable machine code"},
                "message": {"type": "string", "description": "translated message"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
_DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not authenticated, or an invalid/revoked API key",
    "403": "Not allowed (role, ownership or API-key scope)",
    "404": "Not found, or not visible to the caller",
    "405": "Method not allowed",
    "409": "Conflict with the current state",
    "413": "Request body too large",
    "429": "Throttled; see Retry-After",
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry; keeps whatever the views declared."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorOut", _ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = ["400", "401", "403", "405", "429"]
            if "{" in path:
                codes.append("404")
            if method in ("post", "put", "patch"):
                codes += ["409", "413"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": _DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
