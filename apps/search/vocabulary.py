"""The words each index holds, with their pinyin: what query understanding corrects towards.

Kept beside the index by the same service calls (apps.search.services) whatever the backend:
`vocabulary_add` for listings synced one by one, `vocabulary_replace` when the index is
rebuilt (exact counts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction

from .models import VocabularyTerm
from .understanding import MAX_INITIALS_CANDIDATES, damerau_distance, pinyin_of

TABLE = VocabularyTerm._meta.db_table
# Longer tokens are model numbers or URLs, not words anyone mistypes into another word.
MAX_TERM_LENGTH = 64
# Trigram candidates read for a Latin typo (then filtered by edit distance in Python).
SIMILAR_CANDIDATES = 30
# Below this, a Latin candidate shares too few trigrams to be the same word mistyped.
SIMILARITY_FLOOR = 0.2


def document_words(document: dict) -> tuple[set[str], set[str]]:
    """(every word of the document's token fields, the words of its function's and kind's
    reference names: what the listing *is*, the words corrections prefer — 设备 is in more
    names than 水表, but fewer listings are 设备 by function)."""
    named = set((document.get("function_tokens") or "").split())
    every = set(named)
    for field in ("title_tokens", "vendor_tokens", "body_tokens", "scenario_tokens"):
        every |= set((document.get(field) or "").split())
    return every, named


class WordCounts:
    """Counts of words over documents as a rebuild streams them past."""

    def __init__(self) -> None:
        self.listings: Counter[str] = Counter()
        self.named: Counter[str] = Counter()

    def add(self, documents: Iterable[dict]) -> None:
        for document in documents:
            every, named = document_words(document)
            self.listings.update(every)
            self.named.update(named)


def _rows(entity: str, listings: Counter[str], named: Counter[str]) -> list[tuple]:
    rows = []
    for term, count in listings.items():
        if len(term) > MAX_TERM_LENGTH:
            continue
        pinyin, initials = pinyin_of(term)
        rows.append((entity, term, pinyin[:255], initials[:64], count, named.get(term, 0)))
    return rows


def vocabulary_add(*, entity: str, documents: list[dict]) -> None:
    """Add the words of `documents` the vocabulary does not hold yet (counted once)."""
    if not documents:
        return
    counts = WordCounts()
    counts.add(documents)
    # In term order: two drains adding overlapping words wait on each other in the same order
    # and cannot deadlock.
    rows = sorted(_rows(entity, counts.listings, counts.named), key=lambda row: row[1])
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (entity, term, pinyin, initials, listings, named)"
            " SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[],"
            " %s::varchar[], %s::int[], %s::int[])"
            " ON CONFLICT (entity, term) DO NOTHING",
            [list(column) for column in columns],
        )


def vocabulary_replace(*, entity: str, counts: WordCounts) -> int:
    """Replace the entity's vocabulary with `counts` (a rebuilt index); the number of words."""
    rows = _rows(entity, counts.listings, counts.named)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE entity = %s", [entity])
        with cursor.cursor.copy(
            f"COPY {TABLE} (entity, term, pinyin, initials, listings, named) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


class Vocabulary:
    """One entity's vocabulary as query understanding asks it (a `Lexicon`)."""

    def __init__(self, entity: str) -> None:
        self.entity = entity

    def _fetch(self, sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def known(self, words: Iterable[str]) -> set[str]:
        words = sorted(set(words))
        if not words:
            return set()
        rows = self._fetch(
            f"SELECT term FROM {TABLE} WHERE entity = %s AND term = ANY(%s::varchar[])",
            [self.entity, words],
        )
        return {row[0] for row in rows}

    def by_pinyin(self, pinyins: Iterable[str]) -> dict[str, str]:
        pinyins = sorted(set(pinyins))
        if not pinyins:
            return {}
        rows = self._fetch(
            f"SELECT DISTINCT ON (pinyin) pinyin, term FROM {TABLE}"
            " WHERE entity = %s AND pinyin = ANY(%s::varchar[])"
            " ORDER BY pinyin, named DESC, listings DESC, term",
            [self.entity, pinyins],
        )
        return dict(rows)

    def by_initials(self, initials: str) -> list[tuple[str, int]]:
        rows = self._fetch(
            f"SELECT term, named FROM {TABLE} WHERE entity = %s AND initials = %s AND named > 0"
            " AND char_length(term) = char_length(%s)"
            " ORDER BY named DESC, listings DESC, term LIMIT %s",
            [self.entity, initials, initials, MAX_INITIALS_CANDIDATES],
        )
        return [(term, named) for term, named in rows]

    def similar_latin(self, word: str) -> list[str]:
        with transaction.atomic(), connection.cursor() as cursor:
            # `%` (not `similarity() >=`) so the trigram index answers; its threshold is
            # this transaction's only.
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                [str(SIMILARITY_FLOOR)],
            )
            cursor.execute(
                f"SELECT term FROM {TABLE} WHERE entity = %s AND pinyin = '' AND term %% %s"
                " ORDER BY similarity(term, %s) DESC, named DESC, listings DESC, term"
                " LIMIT %s",
                [self.entity, word, word, SIMILAR_CANDIDATES],
            )
            rows = cursor.fetchall()
        candidates = [row[0] for row in rows if row[0] != word]
        # Closest first; among equals, the one more listings are named with (rows' order).
        return sorted(candidates, key=lambda term: damerau_distance(word, term, 3))

    def one_character_off(self, word: str) -> list[str]:
        patterns = [word[:i] + "_" + word[i + 1 :] for i in range(len(word))]
        rows = self._fetch(
            f"SELECT term FROM {TABLE} WHERE entity = %s AND named > 0 AND term <> %s"
            " AND term LIKE ANY(%s::text[]) ORDER BY named DESC, listings DESC, term LIMIT 5",
            [self.entity, word, patterns],
        )
        return [row[0] for row in rows]
