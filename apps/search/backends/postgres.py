"""PostgreSQL backend: jieba tokens in a GIN-indexed tsvector, pg_trgm for typos, SQL facets.

Each entity has two tables (apps.search.models): a narrow *ranking* table that every search
reads for each match (vectors, facet terms and bitmasks, sort keys) and an *entry* table with
what a hit shows, read only for the page's ids. A search never joins the catalogue. Pages are
keyset-paginated on (sort key, id). Every value from the user travels as a query parameter.

Broad searches are capped: at most MATCH_CAP matches are counted, faceted and ranked (like
Elasticsearch's `track_total_hits` default), and the result says so (`total_exact` False:
`total` and the facet counts are then lower bounds). Pages sorted by price, capacity or
recency stay exact; relevance ranks title matches and the first matches found.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ..documents import DEMAND, OFFERING, PRICE_BANDS
from ..models import (
    DemandIndexEntry,
    DemandRanking,
    FacetTerm,
    OfferingIndexEntry,
    OfferingRanking,
)
from ..text import typo_terms
from ..understanding import TermGroup
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
    region_scope,
    sorted_buckets,
)

TABLES = {
    OFFERING: OfferingIndexEntry._meta.db_table,
    DEMAND: DemandIndexEntry._meta.db_table,
}
RANKING_TABLES = {
    OFFERING: OfferingRanking._meta.db_table,
    DEMAND: DemandRanking._meta.db_table,
}
FACET_TERM_TABLE = FacetTerm._meta.db_table

# A search counts, facets and ranks at most this many matches. Reading a match costs ≈ 1 µs
# from shared buffers and 2–4 µs from the OS cache (measured at 1M offerings, docs/benchmarks.md
# "Search"), so 10,000 keeps the worst case within ≈ 40 ms; Elasticsearch's default total is
# capped at the same number.
MATCH_CAP = 10_000

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
    "functions",
    "scenarios",
    "certifications",
    "regions",
    "region_provinces",
    "nationwide",
    "price",
    "capacity",
    "updated_at",
    "source_hash",
]
COLUMNS = {
    OFFERING: [*_COMMON_COLUMNS, "model_number", "price_max"],
    DEMAND: [*_COMMON_COLUMNS, "volume_band"],
}
# Columns a hit shows.
_RESULT_COLUMNS = {
    entity: [c for c in columns if c != "source_hash"] for entity, columns in COLUMNS.items()
}
_ARRAY_COLUMNS = {
    "sectors",
    "technologies",
    "kinds",
    "functions",
    "scenarios",
    "certifications",
    "regions",
    "region_provinces",
}
RANKING_COLUMNS = [
    "id",
    "search_vector",
    "title_vector",
    "typo_text",
    "terms",
    "function_terms",
    "scenario_terms",
    "kind_bits",
    "sector_bits",
    "technology_bits",
    "certification_bits",
    "province_bits",
    "nationwide",
    "verified",
    "price",
    "capacity",
    "volume_band",
    "updated_at",
]
# Facets counted through bitmasks: facet name -> (document field, ranking column).
_BIT_FACETS = {
    "kind": ("kinds", "kind_bits"),
    "sector": ("sectors", "sector_bits"),
    "technology": ("technologies", "technology_bits"),
    "certification": ("certifications", "certification_bits"),
    "province": ("region_provinces", "province_bits"),
}
# Facets with more values than a bitmask holds, counted by grouping on their array of term ids
# (a listing has one or a few, so there are few distinct arrays; split into codes in Python):
# facet name -> (document field, ranking column). Measured on 10,000 matches (p50): +3 ms for
# grouping by the array, +4 ms for one more bigint column, +9 ms for unnesting the arrays.
_LIST_FACETS = {
    "function": ("functions", "function_terms"),
    "scenario": ("scenarios", "scenario_terms"),
}
# Filter-only terms: each city or province-level code a listing serves, and nationwide.
_REGION = "region"
_NATIONWIDE = "nationwide"
# A bigint holds 63 usable bits; a facet with more values than this must fail loudly.
_MAX_BITS = 63

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
# Vectors are built in SQL from the jieba tokens (which are not stored). The labels: A the
# name and model number, B what the product is (its function and kind, from the reference
# names, zh and en), C the vendor and the declared scenarios, D the description.
_VECTOR_SQL = (
    "setweight(to_tsvector('simple', {t}), 'A') || setweight(to_tsvector('simple', {f}), 'B')"
    " || setweight(to_tsvector('simple', {v}), 'C')"
    " || setweight(to_tsvector('simple', {s}), 'C')"
    " || setweight(to_tsvector('simple', {b}), 'D')"
)
# ts_rank's weights of labels D, C, B, A: a word in the name or the function is a strong
# match, one in the description a passing mention (measured on eval/search: NDCG@10, see
# docs/benchmarks.md "Search quality").
_RANK_WEIGHTS = "'{0.05, 0.15, 0.6, 1.0}'::float4[]"
_TITLE_VECTOR_SQL = "setweight(to_tsvector('simple', {t}), 'A')"


class _FacetTerms:
    """A snapshot of the FacetTerm table: (facet, code) -> (id, bit).

    Read afresh for every search and write batch (a few hundred rows, ≈ 0.3 ms): a cache kept
    across transactions could hold numbers that a rolled-back transaction gave out.
    """

    def __init__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT facet, code, id, bit FROM {FACET_TERM_TABLE}")
            rows = cursor.fetchall()
        self._by_key = {(facet, code): (pk, bit) for facet, code, pk, bit in rows}
        self._by_bit = {(facet, bit): code for facet, code, _pk, bit in rows if bit is not None}
        self._by_id = {pk: code for _facet, code, pk, _bit in rows}

    def ids(self, keys: Iterable[tuple[str, str]]) -> list[int]:
        """Ids of known terms (unknown ones match nothing, so they are simply left out)."""
        return [self._by_key[key][0] for key in keys if key in self._by_key]

    def code(self, facet: str, bit: int) -> str | None:
        return self._by_bit.get((facet, bit))

    def code_of(self, term_id: int) -> str | None:
        return self._by_id.get(term_id)

    @classmethod
    def ensure(cls, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int | None]]:
        """(id, bit) of each term, numbering new ones (under a lock: bits stay unique)."""
        terms = cls()
        missing = keys - terms._by_key.keys()
        if missing:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [FACET_TERM_TABLE]
                )
                for facet, code in sorted(missing):
                    bitmask = facet in _BIT_FACETS
                    cursor.execute(
                        f"INSERT INTO {FACET_TERM_TABLE} (facet, code, bit) SELECT %s, %s, "
                        + (
                            f"(SELECT COALESCE(MAX(bit) + 1, 0) FROM {FACET_TERM_TABLE}"
                            " WHERE facet = %s)"
                            if bitmask
                            else "NULL"
                        )
                        + " ON CONFLICT (facet, code) DO NOTHING",
                        [facet, code, facet] if bitmask else [facet, code],
                    )
                cursor.execute(f"SELECT max(bit) FROM {FACET_TERM_TABLE}")
                highest = cursor.fetchone()[0]
            if highest is not None and highest >= _MAX_BITS:
                raise RuntimeError(
                    f"a search facet has more than {_MAX_BITS} values; the ranking table's "
                    "bitmasks cannot count it"
                )
            terms = cls()
        return {key: terms._by_key[key] for key in keys}


# Facet -> the names its counts come under (facet_parts' first column; volume bands come as
# 'volume:<band>').
_COUNT_NAMES = {"region": ("province", "nationwide")}
# The ranking columns a chosen facet's own count reads (narrow rows: less to materialise).
_CHOSEN_COLUMNS = {
    "kind": "e.kind_bits",
    "sector": "e.sector_bits",
    "technology": "e.technology_bits",
    "certification": "e.certification_bits",
    "region": "e.province_bits, e.nationwide",
    "function": "e.function_terms",
    "scenario": "e.scenario_terms",
    "volume": "e.volume_band",
}
# The ranking columns every facet count reads.
_FACET_COLUMNS = (
    "e.kind_bits, e.sector_bits, e.technology_bits, e.certification_bits, e.province_bits,"
    " e.function_terms, e.scenario_terms, e.nationwide, e.price, e.verified, e.volume_band"
)


def _facet_parts(entity: str, cast: str, only: Iterable[str] | None = None) -> list[str]:
    """`SELECT`s of the facet counts over the matches `f` (rows: facet, key, count, id, score,
    sort key, and the term ids of a list facet); `only` these facets when given ('province'
    and 'nationwide' make the region facet, 'volume' the demands' volume bands)."""
    wanted = set(only) if only is not None else None

    def keep(name: str) -> bool:
        return wanted is None or name in wanted

    nulls = f"NULL::bigint, NULL::float8, NULL::{cast}, NULL::int[]"
    parts = [
        f"SELECT '{facet}', m.{column}, count(*), {nulls} FROM f m"
        + (" WHERE NOT m.nationwide" if facet == "province" else "")
        + " GROUP BY 2"
        for facet, (_field, column) in _BIT_FACETS.items()
        if keep(facet)
    ]
    parts += [
        f"SELECT '{facet}', 0::bigint, count(*), NULL::bigint, NULL::float8,"
        f" NULL::{cast}, m.{column} FROM f m WHERE m.{column} <> '{{}}' GROUP BY 7"
        for facet, (_field, column) in _LIST_FACETS.items()
        if keep(facet)
    ]
    if keep("nationwide"):
        parts.append(
            f"SELECT 'nationwide', 0::bigint, count(*), {nulls} FROM f m WHERE m.nationwide"
        )
    if keep("verified"):
        parts.append(
            "SELECT 'verified', CASE WHEN m.verified THEN 1 ELSE 0 END::bigint, count(*),"
            f" {nulls} FROM f m GROUP BY 2"
        )
    if entity == OFFERING and keep("price"):
        cases = " ".join(
            f"WHEN m.price < {high} THEN {i}"
            for i, (_code, _low, high) in enumerate(PRICE_BANDS)
            if high
        )
        parts.append(
            f"SELECT 'price', (CASE {cases} ELSE {len(PRICE_BANDS) - 1} END)::bigint,"
            f" count(*), {nulls} FROM f m WHERE m.price IS NOT NULL GROUP BY 2"
        )
    if entity == DEMAND and keep("volume"):
        parts.append(
            f"SELECT 'volume:' || m.volume_band, 0::bigint, count(*), {nulls} FROM f m GROUP BY 1"
        )
    return parts


def _region_keys(codes: Iterable[str]) -> list[tuple[str, str]]:
    """Facet terms of the listings in any of these regions (see base.region_scope), nationwide
    ones included. Empty for no codes."""
    provinces, cities = region_scope(codes)
    if not provinces and not cities:
        return []
    keys = [("province", code) for code in provinces] + [(_REGION, code) for code in cities]
    keys.append((_REGION, _NATIONWIDE))
    return keys


def _quoted(token: str) -> str:
    """A token as a tsquery lexeme: tokens are letters and digits only (text._WORD), quoted
    all the same so no character can act as an operator."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _alternatives_tsquery(group: TermGroup) -> str:
    return " | ".join(
        "(" + " & ".join(_quoted(t) for t in alternative) + ")"
        for alternative in group.alternatives
    )


def _tsquery(groups: Iterable[TermGroup], *, any_of: bool = False) -> str:
    """The tsquery text of `groups`: every group (one of its alternatives), or any of them."""
    joiner = " | " if any_of else " & "
    return joiner.join(f"({_alternatives_tsquery(group)})" for group in groups)


def _group_condition(vector: str, group: TermGroup, terms: _FacetTerms) -> tuple[str, list]:
    """SQL true when a listing matches `group`: its words, or serving the place it names."""
    condition = f"e.{vector} @@ to_tsquery('simple', %s)"
    params: list = [_tsquery([group])]
    if group.regions:
        condition = f"({condition} OR e.terms && %s::int[])"
        params.append(terms.ids(_region_keys(group.regions)))
    return condition, params


def _document_terms(document: dict) -> set[tuple[str, str]]:
    keys = {
        (facet, code)
        for facet, (field, _column) in (_BIT_FACETS | _LIST_FACETS).items()
        for code in document.get(field) or []
    }
    keys |= {(_REGION, code) for code in document.get("regions") or []}
    if document.get("nationwide"):
        keys.add((_REGION, _NATIONWIDE))
    return keys


def _ranking_values(document: dict, numbers: dict) -> dict:
    """The ranking row of `document` (vectors as token texts; SQL builds them)."""
    row = {
        "id": document["id"],
        "title_tokens": document.get("title_tokens") or "",
        "vendor_tokens": document.get("vendor_tokens") or "",
        "body_tokens": document.get("body_tokens") or "",
        "function_tokens": document.get("function_tokens") or "",
        "scenario_tokens": document.get("scenario_tokens") or "",
        "typo_text": " ".join(
            part for part in (document.get("title"), document.get("model_number")) if part
        )[:320],
        "terms": sorted(numbers[key][0] for key in _document_terms(document)),
        "nationwide": bool(document.get("nationwide")),
        "verified": bool(document.get("verified")),
        "price": document.get("price"),
        "capacity": document.get("capacity") or 0,
        "volume_band": document.get("volume_band") or "",
        "updated_at": document["updated_at"],
    }
    for facet, (field, column) in _LIST_FACETS.items():
        row[column] = sorted(numbers[(facet, code)][0] for code in document.get(field) or [])
    for facet, (field, column) in _BIT_FACETS.items():
        bits = 0
        for code in document.get(field) or []:
            bits |= 1 << numbers[(facet, code)][1]
        row[column] = bits
    return row


# The ranking row as Python builds it (token texts; SQL turns them into vectors), with each
# column's type. The types are spelled out because a `VALUES` row has no target column to
# take them from: a NULL parameter (a demand without a budget) would otherwise be `text`.
_RANKING_INPUT_TYPES = {
    "id": "bigint",
    "title_tokens": "text",
    "vendor_tokens": "text",
    "body_tokens": "text",
    "function_tokens": "text",
    "scenario_tokens": "text",
    "typo_text": "varchar(320)",
    "terms": "int[]",
    "function_terms": "int[]",
    "scenario_terms": "int[]",
    "kind_bits": "bigint",
    "sector_bits": "bigint",
    "technology_bits": "bigint",
    "certification_bits": "bigint",
    "province_bits": "bigint",
    "nationwide": "boolean",
    "verified": "boolean",
    "price": "numeric(12, 2)",
    "capacity": "bigint",
    "volume_band": "varchar(12)",
    "updated_at": "timestamptz",
}
_RANKING_INPUT = list(_RANKING_INPUT_TYPES)


def _ranking_select(source: str) -> str:
    """SELECT list turning _RANKING_INPUT columns of `source` into RANKING_COLUMNS."""
    vector = _VECTOR_SQL.format(
        t=f"{source}.title_tokens",
        v=f"{source}.vendor_tokens",
        f=f"{source}.function_tokens",
        s=f"{source}.scenario_tokens",
        b=f"{source}.body_tokens",
    )
    title = _TITLE_VECTOR_SQL.format(t=f"{source}.title_tokens")
    rest = [c for c in RANKING_COLUMNS if c not in ("id", "search_vector", "title_vector")]
    return f"{source}.id, {vector}, {title}, " + ", ".join(f"{source}.{c}" for c in rest)


@dataclass(frozen=True)
class _SearchContext:
    """What one search reads once and its statements share."""

    terms: _FacetTerms
    typos: list[str]


class PostgresBackend(SearchBackend):
    name = "postgres"

    # --- searching --------------------------------------------------------------------------

    def _match(
        self, query: SearchQuery, vector: str, typos: list[str], terms: _FacetTerms
    ) -> tuple[str, list, str, list]:
        """(WHERE, params, score expression, score params) for the text part of `query`: every
        group (a query word or one of its alternatives; a place name also matches the listings
        serving it) in the listing's tokens — or, relaxed, `minimum_match` of them — or a name
        / model word within a typo of one."""
        groups = query.term_groups
        conditions: list[str] = []
        params: list = []
        if query.minimum_match is None:
            plain = [g for g in groups if not g.regions]
            if plain:
                conditions.append(f"e.{vector} @@ to_tsquery('simple', %s)")
                params.append(_tsquery(plain))
            for group in groups:
                if group.regions:
                    condition, group_params = _group_condition(vector, group, terms)
                    conditions.append(condition)
                    params += group_params
            text = " AND ".join(conditions)
        else:
            matched, matched_params = [], []
            for group in groups:
                condition, group_params = _group_condition(vector, group, terms)
                matched.append(f"({condition})::int")
                matched_params += group_params
            any_group = [f"e.{vector} @@ to_tsquery('simple', %s)"]
            any_params: list = [_tsquery(groups, any_of=True)]
            region_keys = _region_keys([code for g in groups for code in g.regions])
            if region_keys:
                any_group.append("e.terms && %s::int[]")
                any_params.append(terms.ids(region_keys))
            text = f"({' OR '.join(any_group)}) AND ({' + '.join(matched)}) >= %s"
            params = any_params + matched_params + [query.minimum_match]
        similarities = []
        typo_params = []
        for term in typos:
            similarities.append("word_similarity(%s, e.typo_text)")
            typo_params.append(term)
        where = f"({text}" + "".join(" OR %s <%% e.typo_text" for _t in typos) + ")"
        where_params = params + typo_params
        score = f"ts_rank({_RANK_WEIGHTS}, e.search_vector, to_tsquery('simple', %s))"
        score_params: list = [_tsquery(groups, any_of=True)]
        if query.minimum_match is not None:
            # Listings holding more of the words first.
            score += (
                " + ("
                + " + ".join("(e.search_vector @@ to_tsquery('simple', %s))::int" for _g in groups)
                + ")"
            )
            score_params += [_tsquery([g]) for g in groups]
        if similarities:
            score += f" + {_TRIGRAM_WEIGHT} * GREATEST({', '.join(similarities)})"
            score_params += typo_params
        return where, where_params, f"({score})::float8", score_params

    def _filters(self, query: SearchQuery, terms: _FacetTerms) -> tuple[list[str], list]:
        clauses: list[str] = []
        params: list = []
        for facet, values in (
            ("kind", query.kinds),
            ("function", query.functions),
            ("scenario", query.scenarios),
            ("sector", query.sectors),
            ("technology", query.technologies),
            ("certification", query.certifications),
        ):
            if values:
                clauses.append("e.terms && %s::int[]")
                params.append(terms.ids((facet, code) for code in values))
        if query.regions:
            clauses.append("e.terms && %s::int[]")
            params.append(terms.ids(_region_keys(query.regions)))
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

    def _matches(
        self,
        query: SearchQuery,
        ctx: _SearchContext,
        select: str,
        *,
        vector: str = "search_vector",
        where: str = "",
        where_params: list | None = None,
        tail: str = "",
    ) -> tuple[str, list]:
        """`[WITH q …] SELECT {select} FROM <ranking> e … WHERE <text, filters, where> {tail}`;
        `{score}` in `select` becomes the relevance expression."""
        table = RANKING_TABLES[query.entity]
        clauses, filter_params = self._filters(query, ctx.terms)
        if where:
            clauses.append(where)
            filter_params += where_params or []
        select_params: list = []
        if query.term_groups:
            match, match_params, score, score_params = self._match(
                query, vector, ctx.typos, ctx.terms
            )
            if "{score}" in select:
                select_params = score_params
            select = select.replace("{score}", score)
            clauses.insert(0, match)
            filter_params = match_params + filter_params
        else:
            select = select.replace("{score}", "NULL::float8")
        sql = f"SELECT {select} FROM {table} e"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        # Parameters in text order: the score's (in SELECT), then WHERE's.
        return f"{sql} {tail}", select_params + filter_params

    def search(self, query: SearchQuery) -> SearchResult:
        if query.has_text and not query.term_groups:
            # Only punctuation, emoji or symbols: nothing a listing could contain.
            return SearchResult(hits=[], total=0, facets={k: [] for k in FACETS[query.entity]})
        sort = query.effective_sort
        key_sql, descending, cast = _SORTS[sort]
        cursor_key = decode_cursor(query.cursor, sort, 2) if query.cursor else None
        with transaction.atomic(), connection.cursor() as cursor:
            # JIT compiles these short queries for longer than they run (10–100 ms).
            cursor.execute("SET LOCAL jit = off")
            ctx = _SearchContext(_FacetTerms(), self._typos(cursor, query))
            rows = self._first_matches(cursor, query, ctx, key_sql, descending, cast, cursor_key)
            page, counts, total = self._read(rows, query)
            # Multi-select: a chosen facet's counts ignore its own filter, so its other
            # values stay visible with what choosing them would add (one statement each).
            for facet in query.chosen_facets:
                chosen = self._counts_without(cursor, query, ctx, facet)
                names = _COUNT_NAMES.get(facet, (facet,))
                counts = {
                    name: values
                    for name, values in counts.items()
                    if name.split(":")[0] not in names
                } | chosen
            capped = total > MATCH_CAP
            if capped:
                total = MATCH_CAP
                # The first MATCH_CAP matches hold only some of the best: take the page from
                # the index order itself (exact), or for relevance also from title matches.
                page = self._capped_page(
                    cursor, query, ctx, key_sql, descending, cast, cursor_key, page
                )
        facets = self._facets(query, counts, ctx.terms)
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
            if pk in documents
        ]
        return SearchResult(
            hits=hits,
            total=total,
            facets=facets,
            next_cursor=next_cursor,
            total_exact=not capped,
        )

    def _typos(self, cursor, query: SearchQuery) -> list[str]:
        """The query's typo-tolerant words that no listing contains as a word: a word the
        catalogue holds is no typo, and matching it by trigrams too would only re-check every
        listing whose name contains it (≈ 20 µs each)."""
        candidates = typo_terms(query.text)
        if not candidates:
            return []
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) AS t WHERE NOT EXISTS (SELECT 1 FROM"
            f" {RANKING_TABLES[query.entity]} e"
            " WHERE e.search_vector @@ plainto_tsquery('simple', t))",
            [candidates],
        )
        unknown = {row[0] for row in cursor.fetchall()}
        return [term for term in candidates if term in unknown]

    def _keyset(
        self, descending: bool, cast: str, cursor_key: list | None, column: str, id_column: str
    ) -> tuple[str, list]:
        if cursor_key is None:
            return "", []
        clause = f"({column}, {id_column}) {'<' if descending else '>'} (%s::{cast}, %s)"
        return clause, [_cursor_value(cursor_key[0], cast), cursor_key[1]]

    def _first_matches(self, cursor, query, ctx, key_sql, descending, cast, cursor_key) -> list:
        """One statement: the first MATCH_CAP + 1 matches (narrow columns only) feed the page,
        the total and every facet count."""
        direction = "DESC" if descending else "ASC"
        scored = (
            "{score} AS sort_key, NULL::float8 AS score"
            if key_sql == "score"
            else f"{key_sql} AS sort_key, {{score}} AS score"
        )
        inner, params = self._matches(
            query, ctx, f"e.id, {scored}, {_FACET_COLUMNS}", tail=f"LIMIT {MATCH_CAP + 1}"
        )
        where, keyset_params = self._keyset(descending, cast, cursor_key, "m.sort_key", "m.id")
        page_score = "m.sort_key" if key_sql == "score" else "m.score"
        nulls = f"NULL::bigint, NULL::float8, NULL::{cast}, NULL::int[]"
        parts = [
            "SELECT 'hit', 0::bigint, 0::bigint, p.id, p.score, p.sort_key, NULL::int[] FROM p",
            f"SELECT 'total', 0::bigint, count(*), {nulls} FROM m",
            *_facet_parts(query.entity, cast),
        ]
        sql = (
            f"WITH m AS MATERIALIZED ({inner}), f AS (SELECT * FROM m LIMIT {MATCH_CAP}), "
            f"p AS (SELECT m.id, {page_score} AS score, m.sort_key FROM m"
            f" {'WHERE ' + where if where else ''}"
            f" ORDER BY m.sort_key {direction}, m.id {direction} LIMIT %s) "
            + " UNION ALL ".join(parts)
        )
        cursor.execute(sql, params + keyset_params + [query.page_size + 1])
        return cursor.fetchall()

    def _counts_without(self, cursor, query: SearchQuery, ctx, facet: str) -> dict[str, dict]:
        """Counts of `facet` over the matches of `query` without its own filter: in a
        multi-select facet, what choosing another value of the group would add."""
        inner, params = self._matches(
            query.without(facet), ctx, _CHOSEN_COLUMNS[facet], tail=f"LIMIT {MATCH_CAP}"
        )
        parts = _facet_parts(query.entity, "float8", _COUNT_NAMES.get(facet, (facet,)))
        cursor.execute(f"WITH f AS MATERIALIZED ({inner}) " + " UNION ALL ".join(parts), params)
        return self._read(cursor.fetchall(), query)[1]

    def _capped_page(self, cursor, query, ctx, key_sql, descending, cast, cursor_key, page) -> list:
        direction = "DESC" if descending else "ASC"
        limit = query.page_size + 1
        if key_sql != "score":
            # Exact: walk the matches in sort order (the planner picks the sort-key B-tree or
            # the match bitmap, whichever is cheaper).
            where, keyset_params = self._keyset(descending, cast, cursor_key, key_sql, "e.id")
            sql, params = self._matches(
                query,
                ctx,
                f"e.id, {key_sql} AS sort_key, {{score}} AS score",
                where=where,
                where_params=keyset_params,
                tail=f"ORDER BY {key_sql} {direction}, e.id {direction} LIMIT %s",
            )
            cursor.execute(sql, [*params, limit])
            return [(key, pk, score) for pk, key, score in cursor.fetchall()]
        # Relevance: title matches rank highest (weight A), so the first MATCH_CAP of them
        # join the first matches found, and the best of both make the page.
        inner, params = self._matches(
            query,
            ctx,
            "e.id, {score} AS sort_key",
            vector="title_vector",
            tail=f"LIMIT {MATCH_CAP}",
        )
        where, keyset_params = self._keyset(descending, cast, cursor_key, "t.sort_key", "t.id")
        sql = (
            f"WITH t AS MATERIALIZED ({inner}) SELECT t.id, t.sort_key FROM t"
            f" {'WHERE ' + where if where else ''}"
            f" ORDER BY t.sort_key DESC, t.id DESC LIMIT %s"
        )
        cursor.execute(sql, params + keyset_params + [limit])
        best = {pk: (key, pk, key) for key, pk, _score in page}
        for pk, key in cursor.fetchall():
            best[pk] = (key, pk, key)
        return sorted(best.values(), key=lambda item: (item[0], item[1]), reverse=True)[:limit]

    def _read(self, rows: list, query: SearchQuery):
        page: list[tuple] = []
        counts: dict[str, dict] = {}
        total = 0
        for facet, key, count, pk, score, sort_key, term_ids in rows:
            if facet == "hit":
                page.append((sort_key, pk, score))
            elif facet == "total":
                total = count
            elif facet in _LIST_FACETS:
                counts.setdefault(facet, {})[tuple(term_ids)] = count
            else:
                counts.setdefault(facet, {})[key] = count
        return page, counts, total

    def _facets(self, query: SearchQuery, counts: dict[str, dict], terms: _FacetTerms) -> dict:
        by_code: dict[str, dict[str, int]] = {name: {} for name in FACETS[query.entity]}
        provinces: dict[str, int] = {}
        for facet in _BIT_FACETS:
            target = provinces if facet == "province" else by_code[facet]
            for bits, count in counts.get(facet, {}).items():
                bit = 0
                while bits:
                    if bits & 1:
                        code = terms.code(facet, bit)
                        if code is not None:
                            target[code] = target.get(code, 0) + count
                    bits >>= 1
                    bit += 1
        for facet in _LIST_FACETS:
            target = by_code[facet]
            for term_ids, count in counts.get(facet, {}).items():
                for term_id in term_ids:
                    code = terms.code_of(term_id)
                    if code is not None:
                        target[code] = target.get(code, 0) + count
        for value, count in counts.get("verified", {}).items():
            by_code["verified"]["true" if value else "false"] = count
        if query.entity == OFFERING:
            for band, count in counts.get("price", {}).items():
                by_code["price"][PRICE_BANDS[band][0]] = count
        else:
            for facet, values in counts.items():
                if facet.startswith("volume:"):
                    by_code["volume"][facet.removeprefix("volume:")] = sum(values.values())
        nationwide = sum(counts.get("nationwide", {}).values())
        facets = {name: sorted_buckets(values) for name, values in by_code.items()}
        facets["region"] = region_buckets(provinces, nationwide)
        return facets

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
        ranking = RANKING_TABLES[entity]
        numbers = _FacetTerms.ensure(set().union(*(_document_terms(d) for d in documents)))
        placeholders = ", ".join(f"%s::{kind}" for kind in _RANKING_INPUT_TYPES.values())
        ranking_updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in RANKING_COLUMNS if c != "id")
        ranking_sql = (
            f"INSERT INTO {ranking} ({', '.join(RANKING_COLUMNS)}) "
            f"SELECT {_ranking_select('s')} FROM (VALUES ({placeholders})) "
            f"AS s ({', '.join(_RANKING_INPUT)}) "
            f"ON CONFLICT (id) DO UPDATE SET {ranking_updates} "
            f"WHERE {ranking}.updated_at <= EXCLUDED.updated_at"
        )
        ranking_rows = [
            [_ranking_values(doc, numbers)[c] for c in _RANKING_INPUT] for doc in documents
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            cursor.executemany(ranking_sql, ranking_rows)

    def delete(self, entity: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLES[entity]} WHERE id = ANY(%s)", [ids])
                cursor.execute(f"DELETE FROM {RANKING_TABLES[entity]} WHERE id = ANY(%s)", [ids])

    def versions(self, entity: str) -> Iterator[tuple[int, str]]:
        # An entry without its ranking row cannot be found: report it as missing.
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT e.id, e.source_hash FROM {TABLES[entity]} e"
                    f" JOIN {RANKING_TABLES[entity]} r USING (id)"
                    " WHERE e.id > %s ORDER BY e.id LIMIT 10000",
                    [last],
                )
                rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def rebuild(self, entity: str, batches: Iterable[list[dict]]) -> int:
        """Fill fresh copies of both tables with COPY, index them, then swap them in within one
        short transaction: searches answer from the old tables until the swap."""
        tables = [TABLES[entity], RANKING_TABLES[entity]]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {table}__new")
                cursor.execute(f"CREATE TABLE {table}__new (LIKE {table} INCLUDING DEFAULTS)")
            cursor.execute("DROP TABLE IF EXISTS search_rebuild_ranking")
            cursor.execute(
                "CREATE TEMP TABLE search_rebuild_ranking ("
                + ", ".join(f"{c} {kind}" for c, kind in _RANKING_INPUT_TYPES.items())
                + ")"
            )
        count = 0
        columns = COLUMNS[entity]
        try:
            for batch in batches:
                if not batch:
                    continue
                numbers = _FacetTerms.ensure(set().union(*(_document_terms(d) for d in batch)))
                now = timezone.now()
                with connection.cursor() as cursor:
                    raw = cursor.cursor
                    with raw.copy(
                        f"COPY {tables[0]}__new ({', '.join(columns)}, indexed_at) FROM STDIN"
                    ) as copy:
                        for document in batch:
                            copy.write_row([_column_value(document, c) for c in columns] + [now])
                    with raw.copy(
                        f"COPY search_rebuild_ranking ({', '.join(_RANKING_INPUT)}) FROM STDIN"
                    ) as copy:
                        for document in batch:
                            values = _ranking_values(document, numbers)
                            copy.write_row([values[c] for c in _RANKING_INPUT])
                count += len(batch)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                cursor.execute(
                    f"INSERT INTO {tables[1]}__new ({', '.join(RANKING_COLUMNS)}) "
                    f"SELECT {_ranking_select('s')} FROM search_rebuild_ranking s"
                    # Listings of one sector, kind and technology side by side: a search's
                    # matches (words follow the scenario, filters the facets) then share heap
                    # pages, and a match costs a fraction of a random page read.
                    " ORDER BY s.sector_bits, s.kind_bits, s.technology_bits, s.id"
                )
                cursor.execute("DROP TABLE search_rebuild_ranking")
                renames = []
                for table in tables:
                    cursor.execute(
                        "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary"
                        " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                        " WHERE i.indrelid = %s::regclass",
                        [table],
                    )
                    for name, ddl, primary in cursor.fetchall():
                        temporary = f"{name[:55]}__new"
                        if primary:
                            cursor.execute(
                                f"ALTER TABLE {table}__new ADD CONSTRAINT {temporary}"
                                " PRIMARY KEY (id)"
                            )
                        else:
                            ddl = ddl.replace(f"INDEX {name} ON", f"INDEX {temporary} ON", 1)
                            ddl = ddl.replace(f" {table} USING", f" {table}__new USING", 1)
                            ddl = ddl.replace(
                                f" public.{table} USING", f" public.{table}__new USING", 1
                            )
                            cursor.execute(ddl)
                        renames.append((temporary, name))
                    cursor.execute(f"ANALYZE {table}__new")
                # The swap: a moment of exclusive lock, then searches read the new tables.
                for table in tables:
                    cursor.execute(f"DROP TABLE {table}")
                    cursor.execute(f"ALTER TABLE {table}__new RENAME TO {table}")
                for temporary, name in renames:
                    cursor.execute(f"ALTER INDEX {temporary} RENAME TO {name}")
        except BaseException:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"DROP TABLE IF EXISTS {table}__new")
                cursor.execute("DROP TABLE IF EXISTS search_rebuild_ranking")
            raise
        return count

    def clear(self, entity: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLES[entity]}")
            cursor.execute(f"DELETE FROM {RANKING_TABLES[entity]}")


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
