"""OpenAPI postprocessing: document `Idempotency-Key` and its 409/422 answers on every POST."""

from __future__ import annotations

from .idempotency import API_PREFIX, HEADER, MAX_KEY_LENGTH

_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Retry-safe POST: the first response is stored for 24 h and replayed "
    "(with `Idempotent-Replayed: true`) for the same key and body; the same key with another "
    "body gives 422 `idempotency_key_reused`, and while the first is running 409 "
    "`idempotency_request_in_progress`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}
_ERROR = {"$ref": "#/components/schemas/ErrorOut"}


def add_idempotency_key(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry; keeps whatever the views declared."""
    for path, operations in result.get("paths", {}).items():
        post = operations.get("post")
        if not path.startswith(API_PREFIX) or post is None:
            continue
        parameters = post.setdefault("parameters", [])
        if not any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters):
            parameters.append(dict(_PARAMETER))
        if "ErrorOut" in result.get("components", {}).get("schemas", {}):
            responses = post.setdefault("responses", {})
            for code in ("409", "422"):
                responses.setdefault(
                    code,
                    {
                        "description": "Idempotency-Key conflict",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                )
    return result
