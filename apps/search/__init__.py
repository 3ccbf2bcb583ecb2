"""Search backends (PostgreSQL, Elasticsearch), index documents and outbox sync."""
