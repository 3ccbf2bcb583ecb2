"""Chinese-aware text relevance: jieba tokens, one shared token vocabulary, idf weights."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from apps.catalog.reference.synonyms import SYNONYMS

_jieba_lock = threading.Lock()
_jieba = None

# Tokens that say nothing about fit; single characters are dropped anyway.
_STOPWORDS_TEXT = (
    "的 了 和 与 及 或 在 是 为 对 等 我们 需要 提供 用于 支持 进行 一个 一套 以及 and or the "
    "for of to a an in with on by is are"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Words people use for the same thing (shared with search): a token also counts as its
# canonical forms, on both sides, so 电能表 meets 电表 and 消火栓 meets 消防栓. (jieba's search mode
# already yields 水表 from 远传水表 and 智能水表.) Bump TOKENIZER_VERSION whenever tokens change
# meaning: the token cache is keyed by it.
TOKENIZER_VERSION = 2
_WORD = re.compile(r"\w", re.UNICODE)


def _load_jieba():
    """Import and initialise jieba once per process (its dictionary build takes ~0.5 s)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(60)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def tokenize(text: str, limit: int | None = None) -> tuple[str, ...]:
    """Distinct lower-cased tokens of a text (jieba `cut_for_search`), in first-seen order;
    the first `limit` of them when given (the rest of the text is not segmented)."""
    if not text:
        return ()
    jieba = _load_jieba()
    seen: dict[str, None] = {}
    # jieba cuts each run of its word characters on its own (its `cut` splits the text on
    # re_han_default first), so cutting part by part gives the same tokens. The parts repeat
    # across listings (templates, model numbers, vendor names): the cache made loading 1M
    # offerings several times faster.
    for part in jieba.re_han_default.split(text.lower()):
        if part:
            seen.update(dict.fromkeys(_part_tokens(part)))
            if limit is not None and len(seen) >= limit:
                return tuple(seen)[:limit]
    return tuple(seen)


@lru_cache(maxsize=200_000)
def _part_tokens(part: str) -> tuple[str, ...]:
    tokens = []
    for raw in _jieba.cut_for_search(part):
        token = raw.strip()
        if len(token) < 2 or token in STOPWORDS or not _WORD.search(token):
            continue
        tokens.append(token)
        tokens.extend(SYNONYMS.get(token, ()))
    return tuple(dict.fromkeys(tokens))


class TokenVocabulary:
    """Token → id, shared by the offering and demand indexes so their postings line up."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._reverse: list[str] = []

    def id(self, token: str) -> int:
        found = self.ids.get(token)
        if found is None:
            found = self.ids[token] = len(self.ids)
        return found

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Distinct ids of `tokens` in order; unseen tokens join the vocabulary."""
        ids = self.ids
        out: dict[int, None] = {}
        for token in tokens:
            found = ids.get(token)
            if found is None:
                found = ids[token] = len(ids)
            out[found] = None
        return np.fromiter(out, dtype=np.int32, count=len(out))

    def words(self, ids: Iterable[int]) -> list[str]:
        """Tokens of ids (the reverse list is rebuilt when the vocabulary grew)."""
        if len(self._reverse) != len(self.ids):
            self._reverse = list(self.ids)
        return [self._reverse[i] for i in ids]

    def lookup(self, tokens: Iterable[str]) -> np.ndarray:
        """Ids of known tokens only (a query never grows the vocabulary)."""
        ids = self.ids
        return np.fromiter(dict.fromkeys(ids[t] for t in tokens if t in ids), dtype=np.int32)


def idf_weights(df: np.ndarray, documents: int) -> np.ndarray:
    """Smoothed idf per token id: log(1 + N / (1 + df)); unseen tokens weigh the most."""
    return np.log1p(max(documents, 1) / (1.0 + df.astype(np.float64))).astype(np.float32)


def max_idf(documents: int) -> float:
    return float(math.log1p(max(documents, 1)))


def exactly_summed(weights: np.ndarray, terms: int) -> bool:
    """Does float64 add up any `terms` of these float32 weights exactly, in any order?

    A float32 is an integer multiple of 2^(e - 24) for its binary exponent e (frexp), so
    `terms` of them from [lo, hi] are multiples of lo's unit summing below terms × 2^e(hi);
    float64 holds every such multiple exactly while that spans at most 53 bits of the unit
    (idf weights span under 2^5).
    """
    if weights.dtype != np.float32:
        return False
    magnitudes = np.abs(weights[weights != 0])
    if not len(magnitudes):
        return True
    low, high = np.frexp(np.array([magnitudes.min(), magnitudes.max()], dtype=np.float64))[1]
    return int(high - low) + 24 + int(terms).bit_length() <= 53


# Token signatures: a row's token ids as bits (id modulo 64 · SIGNATURE_WORDS), so an upper
# bound of its text relevance costs a few bit operations on one packed column instead of a
# gather of every token through the query's weight table. On seed_demo's market at 1M
# offerings, 2 words bounded bit by bit would leave 335 of 12,440 candidate rows to gather;
# the SIGNATURE_GROUPS bound is looser.
SIGNATURE_WORDS = 2
# Query bits are bounded in this many groups, each by its largest weight (see
# signature_groups): one more group tightens the bound and costs another pass over the rows.
# At 1M offerings 2 groups bounded a 12k-row candidate set in 211 µs (1 group: 162 µs, 4: 347 µs)
# against 1,609 µs for gathering the relevance itself.
SIGNATURE_GROUPS = 2


def token_signatures(tokens: np.ndarray) -> np.ndarray:
    """(rows, SIGNATURE_WORDS) uint64 signatures of rows of token ids (-1 pads a row)."""
    bits = np.where(tokens >= 0, tokens, 0).astype(np.int64) % (64 * SIGNATURE_WORDS)
    out = np.zeros((len(tokens), SIGNATURE_WORDS), dtype=np.uint64)
    one = (np.uint64(1) << (bits & 63).astype(np.uint64)) * (tokens >= 0)
    for word in range(SIGNATURE_WORDS):
        out[:, word] = np.bitwise_or.reduce(np.where(bits >> 6 == word, one, 0), axis=1)
    return out


def signature_groups(
    token_ids: np.ndarray, weights: np.ndarray
) -> list[tuple[tuple[np.uint64, ...], float]]:
    """A query's signature bits in up to SIGNATURE_GROUPS groups of (a mask per signature
    word, weight): a row's shared weight is at most the sum over the groups of the weight ×
    the bits its signature shares with the group's masks.

    A bit stands for the sum of the weights of the query tokens on it."""
    bits = token_ids.astype(np.int64) % (64 * SIGNATURE_WORDS)
    per_bit = np.bincount(bits, weights=weights.astype(np.float64), minlength=64 * SIGNATURE_WORDS)
    used = np.flatnonzero(per_bit > 0)
    used = used[np.argsort(per_bit[used], kind="stable")]
    groups = []
    for part in np.array_split(used, min(SIGNATURE_GROUPS, len(used))):
        words = [0] * SIGNATURE_WORDS
        for bit in part.tolist():
            words[bit >> 6] |= 1 << (bit & 63)
        groups.append((tuple(np.uint64(w) for w in words), float(per_bit[part].max())))
    return groups


def shared_weight_ceiling(
    signatures: np.ndarray, groups: list[tuple[tuple[np.uint64, ...], float]]
) -> np.ndarray:
    """Per row of `signatures` (rows, SIGNATURE_WORDS), at least the weight it shares with the
    query whose `signature_groups` these are."""
    bound = np.zeros(len(signatures))
    for masks, weight in groups:
        shared = np.zeros(len(signatures), dtype=np.uint8)
        for word, mask in enumerate(masks):
            if mask:
                shared += np.bitwise_count(signatures[:, word] & mask)
        bound += weight * shared
    return bound
