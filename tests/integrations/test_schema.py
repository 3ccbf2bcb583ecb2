"""The OpenAPI schema documents the webhook endpoints and Idempotency-Key on POSTs."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.integrations.schema import add_idempotency_key


@pytest.fixture
def schema() -> dict:
    generator = SchemaGenerator(urlconf="tests.integrations.urls")
    return add_idempotency_key(
        generator.get_schema(request=None, public=True), generator, None, True
    )


def test_every_api_post_documents_the_idempotency_key(schema):
    posts = {path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops}
    assert "/api/v1/webhooks/" in posts or "/api/v1/webhooks" in posts
    for path, post in posts.items():
        names = [p["name"] for p in post.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        assert "422" in post["responses"], path


def test_webhook_creation_documents_its_secret_and_errors(schema):
    path = next(p for p in schema["paths"] if p.rstrip("/") == "/api/v1/webhooks")
    post = schema["paths"][path]["post"]
    created = post["responses"]["201"]["content"]["application/json"]
    assert "secret" in str(schema["components"]["schemas"]["WebhookSubscriptionCreated"])
    assert created["examples"]
    assert {"400", "401", "403", "409", "422"} <= set(post["responses"])
