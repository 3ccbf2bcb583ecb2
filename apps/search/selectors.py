"""Search reads: one entry point whatever the backend."""

from __future__ import annotations

from .backends import get_backend
from .backends.base import SearchQuery, SearchResult


def search_listings(*, query: SearchQuery) -> SearchResult:
    """Search published offerings or public demands with the configured backend."""
    return get_backend().search(query)
