"""Search fixtures: the backend under test (PostgreSQL always, Elasticsearch when configured)."""

from __future__ import annotations

import os
import uuid

import pytest

from apps.search.backends import get_backend
from apps.search.documents import ENTITIES

ES_URL = os.environ.get("ELASTICSEARCH_URL", "")
ES_SKIP_REASON = (
    "ELASTICSEARCH_URL is not set: no Elasticsearch server runs on this machine. "
    "Start one (docker-compose up -d elasticsearch) and set "
    "ELASTICSEARCH_URL=http://127.0.0.1:9200 to run the contract suite against it."
)


@pytest.fixture(
    params=[
        "postgres",
        pytest.param(
            "elasticsearch",
            marks=[
                pytest.mark.elasticsearch,
                pytest.mark.skipif(not ES_URL, reason=ES_SKIP_REASON),
            ],
        ),
    ]
)
def search_backend(request, settings, db):
    """The configured backend with empty indexes; Elasticsearch gets throw-away indexes."""
    settings.SEARCH_BACKEND = request.param
    if request.param == "elasticsearch":
        settings.ELASTICSEARCH_URL = ES_URL
        settings.ELASTICSEARCH_INDEX_PREFIX = f"iotmatch-test-{uuid.uuid4().hex[:8]}"
    backend = get_backend()
    for entity in ENTITIES:
        backend.clear(entity)
    yield backend
    for entity in ENTITIES:
        backend.clear(entity)
