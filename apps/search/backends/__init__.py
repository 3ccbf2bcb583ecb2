"""Search backends behind one interface; `get_backend()` returns the configured one."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from .base import SearchBackend


@cache
def _backend(name: str, url: str) -> SearchBackend:
    if name == "postgres":
        from .postgres import PostgresBackend

        return PostgresBackend()
    if name == "elasticsearch":
        from .elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(url)
    raise ValueError(f"SEARCH_BACKEND must be 'postgres' or 'elasticsearch', not {name!r}")


def get_backend() -> SearchBackend:
    """The backend chosen by settings.SEARCH_BACKEND (one instance per process)."""
    return _backend(settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL)
