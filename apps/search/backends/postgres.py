"""PostgreSQL backend: jieba tokens in a GIN-indexed tsvector, pg_trgm for typos, SQL facets.

Each entity has its own index table (apps.search.models) holding the listing's searchable
fields and facet arrays, so a search never joins the catalogue. Pages are keyset-paginated on
(sort key, id). Every value from the user travels as a query parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction

from ..documents import DEMAND, OFFERING, PRICE_BANDS
from ..models import DemandIndexEntry, OfferingIndexEntry
from ..text import typo_terms
from .base import (
    FACETS,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResult,
    decode_cursor,
    encode_cursor,
    highlights_for,
    invalid_cursor,
    region_buckets,
    sorted_buckets,
)

TABLES = {
    OFFERING: OfferingIndexEntry._meta.db_table,
    DEMAND: DemandIndexEntry._meta.db_table,
}
_COMMON_COLUMNS = [
    "id",
    "title",
    "summary",
    "organization_id",
    "organization_name",
    "verified",
    "sectors",
    "technologies",
    "kinds",
    "certifications",
    "regions",
    "region_provinces",
    "nationwide",
    "price",
    "capacity",
    "title_tokens",
    "vendor_tokens",
    "body_tokens",
    "updated_at",
    "source_hash",
]
COLUMNS = {
    OFFERING: [*_COMMON_COLUMNS, "model_number", "price_max"],
    DEMAND: [*_COMMON_COLUMNS, "volume_band"],
}
# Columns a hit shows (tokens stay inside the index).
_RESULT_COLUMNS = {
    entity: [c for c in columns if not c.endswith("_tokens") and c != "source_hash"]
    for entity, columns in COLUMNS.items()
}
_ARRAY_COLUMNS = {
    "sectors",
    "technologies",
    "kinds",
    "certifications",
    "regions",
    "region_provinces",
}
# Missing prices sort last in both directions (a sentinel keeps the keyset comparison simple).
_PRICE_LAST_ASC = "COALESCE(e.price, 1e13)"
_PRICE_LAST_DESC = "COALESCE(e.price, -1)"
# sort -> (key expression, descending, cursor value cast)
_SORTS = {
    "relevance": ("score", True, "float8"),
    "price": (_PRICE_LAST_ASC, False, "numeric"),
    "-price": (_PRICE_LAST_DESC, True, "numeric"),
    "capacity": ("e.capacity", True, "bigint"),
    "recent": ("e.updated_at", True, "timestamptz"),
}
# A trigram match weighs like a title-word match, so a typo in a model number still ranks.
_TRIGRAM_WEIGHT = 0.5


class PostgresBackend(SearchBackend):
    name = "postgres"

    # --- searching --------------------------------------------------------------------------

    def _match(self, query: SearchQuery) -> tuple[str, str, list, str, list]:
        """(CTE, WHERE, params, score expression) for the text part of `query`: every query
        word in the listing's tokens, or a model number / name word within a typo of one."""
        cte = "q AS (SELECT plainto_tsquery('simple', %s) AS tsq)"
        params: list = [" ".join(query.tokens)]
        conditions = ["e.search_vector @@ q.tsq"]
        similarities = []
        fields = ["e.title", "e.model_number"] if query.entity == OFFERING else ["e.title"]
        for term in typo_terms(query.text):
            for field in fields:
                conditions.append(f"%s <%% {field}")
                similarities.append(f"word_similarity(%s, {field})")
                params.append(term)
        similarity_params = params[1:]
        where = f"({' OR '.join(conditions)})"
        score = "ts_rank(e.search_vector, q.tsq)"
        if similarities:
            score += f" + {_TRIGRAM_WEIGHT} * GREATEST({', '.join(similarities)})"
        return cte, where, params, f"({score})::float8", similarity_params

    def _filters(self, query: SearchQuery) -> tuple[list[str], list]:
        clauses: list[str] = []
        params: list = []
        for column, values in (
            ("kinds", query.kinds),
            ("sectors", query.sectors),
            ("technologies", query.technologies),
            ("certifications", query.certifications),
        ):
            if values:
                clauses.append(f"e.{column} && %s::varchar[]")
                params.append(list(values))
        if query.regions:
            clauses.append(
                "(e.nationwide OR e.region_provinces && %s::varchar[]"
                " OR e.regions && %s::varchar[])"
            )
            params += [query.province_filters, query.city_filters]
        if query.volume_bands and query.entity == DEMAND:
            clauses.append("e.volume_band = ANY(%s::varchar[])")
            params.append(list(query.volume_bands))
        if query.price_min is not None:
            clauses.append("e.price >= %s")
            params.append(query.price_min)
        if query.price_max is not None:
            clauses.append("e.price <= %s")
            params.append(query.price_max)
        if query.verified is not None:
            clauses.append("e.verified = %s")
            params.append(query.verified)
        return clauses, params

    def _matches_sql(self, query: SearchQuery, select: str) -> tuple[str, list]:
        """`WITH … SELECT {select} FROM <table> e … WHERE <text and filters>`."""
        table = TABLES[query.entity]
        clauses, filter_params = self._filters(query)
        if query.tokens:
            cte, match, match_params, score, score_params = self._match(query)
            has_score = "{score}" in select
            select = select.replace("{score}", score)
            sql = f"WITH {cte} SELECT {select} FROM {table} e, q"
            clauses.insert(0, match)
            # Parameters in text order: the CTE's, the score's (in SELECT), then WHERE's.
            params = match_params[:1] + (score_params if has_score else []) + match_params[1:]
        else:
            params = []
            sql = f"SELECT {select.replace('{score}', 'NULL::float8')} FROM {table} e"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return sql, params + filter_params

    def search(self, query: SearchQuery) -> SearchResult:
        if query.has_text and not query.tokens:
            # Only punctuation, emoji or symbols: nothing a listing could contain.
            return SearchResult(hits=[], total=0, facets={k: [] for k in FACETS[query.entity]})
        sort = query.effective_sort
        key_sql, descending, cast = _SORTS[sort]
        direction = "DESC" if descending else "ASC"
        # One scan of the matching rows feeds both the page and the facet counts: the matches
        # are materialised with only their sort key and facet columns (narrow), the page's
        # display columns are read afterwards for its few ids.
        facet_columns = (
            "e.kinds, e.sectors, e.technologies, e.certifications, e.region_provinces,"
            " e.nationwide, e.price, e.verified"
            + (", e.volume_band" if query.entity == DEMAND else "")
        )
        # Relevance sorts by the score itself: computed once, as the sort key.
        scored = (
            "NULL::float8 AS score, {score}"
            if key_sql == "score"
            else f"{{score}} AS score, {key_sql}"
        )
        inner, params = self._matches_sql(query, f"e.id, {scored} AS sort_key, {facet_columns}")
        page_score = "m.sort_key" if key_sql == "score" else "m.score"
        page_where = ""
        if query.cursor:
            key = decode_cursor(query.cursor, sort, 2)
            page_where = f"WHERE (m.sort_key, m.id) {'<' if descending else '>'} (%s::{cast}, %s)"
            params += [_cursor_value(key[0], cast), key[1]]
        params.append(query.page_size + 1)
        nulls = f"NULL::bigint, NULL::float8, NULL::{cast}"
        parts = [
            "SELECT 'hit', '', 0::bigint, p.id, p.score, p.sort_key FROM p",
            f"SELECT 'total', '', count(*), {nulls} FROM m",
            *(
                f"SELECT '{name}', x, count(*), {nulls}"
                f" FROM (SELECT unnest(m.{column}) AS x FROM m) s GROUP BY x"
                for name, column in (
                    ("kind", "kinds"),
                    ("sector", "sectors"),
                    ("technology", "technologies"),
                    ("certification", "certifications"),
                )
            ),
            f"SELECT 'region', x, count(*), {nulls}"
            " FROM (SELECT unnest(m.region_provinces) AS x FROM m WHERE NOT m.nationwide) s"
            " GROUP BY x",
            f"SELECT 'nationwide', '', count(*), {nulls} FROM m WHERE m.nationwide",
            "SELECT 'verified', CASE WHEN m.verified THEN 'true' ELSE 'false' END, count(*),"
            f" {nulls} FROM m GROUP BY 2",
        ]
        if query.entity == OFFERING:
            cases = " ".join(
                f"WHEN m.price < {high} THEN '{code}'" for code, _low, high in PRICE_BANDS if high
            )
            parts.append(
                f"SELECT 'price', CASE {cases} ELSE '{PRICE_BANDS[-1][0]}' END, count(*),"
                f" {nulls} FROM m WHERE m.price IS NOT NULL GROUP BY 2"
            )
        else:
            parts.append(f"SELECT 'volume', m.volume_band, count(*), {nulls} FROM m GROUP BY 2")
        sql = (
            f"WITH m AS MATERIALIZED ({inner}), "
            f"p AS (SELECT m.id, {page_score} AS score, m.sort_key FROM m {page_where}"
            f" ORDER BY m.sort_key {direction}, m.id {direction} LIMIT %s) "
            + " UNION ALL ".join(parts)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()

        page: list[tuple] = []
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS[query.entity]}
        total = nationwide = 0
        regions: dict[str, int] = {}
        for facet, key, count, pk, score, sort_key in rows:
            if facet == "hit":
                page.append((sort_key, pk, score))
            elif facet == "total":
                total = count
            elif facet == "nationwide":
                nationwide = count
            elif facet == "region":
                regions[key] = count
            else:
                counts[facet][key] = count
        facets = {name: sorted_buckets(values) for name, values in counts.items()}
        facets["region"] = region_buckets(regions, nationwide)

        page.sort(key=lambda item: (item[0], item[1]), reverse=descending)
        next_cursor = None
        if len(page) > query.page_size:
            page = page[: query.page_size]
            next_cursor = encode_cursor(sort, [_plain(page[-1][0]), page[-1][1]])
        documents = self._documents(query.entity, [pk for _key, pk, _score in page])
        tokens = query.tokens
        hits = [
            SearchHit(
                id=pk,
                score=score,
                document=documents[pk],
                highlights=highlights_for(documents[pk], tokens),
            )
            for _key, pk, score in page
        ]
        return SearchResult(hits=hits, total=total, facets=facets, next_cursor=next_cursor)

    def _documents(self, entity: str, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        columns = _RESULT_COLUMNS[entity]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {TABLES[entity]} WHERE id = ANY(%s)", [ids]
            )
            return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}

    # --- writing ----------------------------------------------------------------------------

    def upsert(self, entity: str, documents: list[dict]) -> None:
        if not documents:
            return
        table, columns = TABLES[entity], COLUMNS[entity]
        names = ", ".join(columns)
        values = ", ".join(
            "%s::varchar[]" if column in _ARRAY_COLUMNS else "%s" for column in columns
        )
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "id")
        # `<=`: an equal version re-indexes (the vendor's name may have changed); only an
        # older version is refused, so a stale event never overwrites a newer document.
        sql = (
            f"INSERT INTO {table} ({names}, indexed_at) VALUES ({values}, clock_timestamp()) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}, indexed_at = clock_timestamp() "
            f"WHERE {table}.updated_at <= EXCLUDED.updated_at"
        )
        rows = [[_column_value(doc, c) for c in columns] for doc in documents]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def delete(self, entity: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLES[entity]} WHERE id = ANY(%s)", [ids])

    def versions(self, entity: str) -> Iterator[tuple[int, str]]:
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, source_hash FROM {TABLES[entity]} WHERE id > %s"
                    " ORDER BY id LIMIT 10000",
                    [last],
                )
                rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def rebuild(self, entity: str, batches: Iterable[list[dict]]) -> int:
        # Upsert everything, then drop what the pass did not touch: searches keep answering
        # from the same table throughout (no TRUNCATE, no exclusive lock).
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            started = cursor.fetchone()[0]
        count = 0
        for batch in batches:
            with transaction.atomic():
                self.upsert(entity, batch)
            count += len(batch)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLES[entity]} WHERE indexed_at < %s", [started])
        return count

    def clear(self, entity: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLES[entity]}")


def _column_value(document: dict, column: str) -> object:
    value = document.get(column)
    if value is None and column in _ARRAY_COLUMNS:
        return []
    if value is None and column in (
        "title",
        "summary",
        "organization_name",
        "model_number",
        "volume_band",
    ):
        return ""
    if value is None and column in ("capacity",):
        return 0
    return value


def _cursor_value(value: object, cast: str) -> object:
    """A cursor's sort value as the type PostgreSQL compares; invalid_cursor if it is not."""
    try:
        if cast == "timestamptz":
            return datetime.fromisoformat(str(value))
        if cast == "numeric":
            number = Decimal(str(value))
            if not number.is_finite():
                raise ValueError(value)
            return number
        if cast == "bigint":
            if not isinstance(value, int):
                raise ValueError(value)
            return value
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(value)
        return number
    except (ValueError, ArithmeticError) as exc:
        raise invalid_cursor() from exc


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
