"""Chinese-aware text handling shared by every backend: normalising, jieba tokens, highlights.

Both backends index and query the same tokens, so a query matches the same listings whichever
engine answers it. User text only ever becomes a list of word tokens: no operator, quote or
bracket survives to reach a query language.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata
from functools import lru_cache

import jieba

# A query longer than this is not a search but a paste; the API answers 400 instead.
MAX_QUERY_LENGTH = 200
# Tokens beyond this add recall nobody notices and cost one index probe each.
MAX_QUERY_TOKENS = 32
# Each typo-tolerant term costs a trigram index probe per field.
MAX_TYPO_TERMS = 3

# Letters and digits; underscores and punctuation separate words.
_WORD = re.compile(r"[^\W_]+")
_jieba_lock = threading.Lock()
_jieba_ready = False


def _ensure_jieba() -> None:
    """Build jieba's dictionary once per process (≈0.5 s), not on the first user's request."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True


def normalize(text: str) -> str:
    """NFKC-fold `text`, drop format characters (zero-width joiners/spaces, BOM) and turn other
    control, private-use and unassigned characters into spaces."""
    folded = unicodedata.normalize("NFKC", text or "")
    if folded.isprintable():
        # No character of any C* category (all are non-printable): nothing to drop. The
        # common case, and 20× faster than looking at each character.
        return folded
    return "".join(
        " " if category[0] == "C" else ch
        for ch in folded
        if (category := unicodedata.category(ch)) != "Cf"
    )


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens of `text` in jieba search mode (words and their sub-words).

    Punctuation, emoji and symbols are dropped; 'NB-IoT' becomes ['nb', 'iot'].
    """
    _ensure_jieba()
    tokens: list[str] = []
    # jieba segments each run of its word characters on its own (its `cut` splits the text
    # on jieba.re_han_default first), so tokenising run by run gives the same tokens; the
    # runs repeat a lot across listings (templates, vendor names), and the cache turns a
    # full reindex from jieba-bound into I/O-bound.
    for run in jieba.re_han_default.split(normalize(text)):
        if run:
            tokens.extend(_run_tokens(run))
    return tokens


@lru_cache(maxsize=200_000)
def _run_tokens(run: str) -> tuple[str, ...]:
    return tuple(
        token for piece in jieba.lcut_for_search(run) for token in _WORD.findall(piece.lower())
    )


def token_string(*texts: str) -> str:
    """The space-joined tokens of `texts`, as stored in an index."""
    return " ".join(token for text in texts for token in tokenize(text))


def query_tokens(text: str) -> list[str]:
    """The words a listing must all contain to match `text`, in order, at most MAX_QUERY_TOKENS.

    Search mode yields a compound and its parts ('智能水表' → 智能, 水表, 智能水表); the compound
    is dropped when its parts cover it, so '智能水表' also finds '智能 水表'. A document with
    the compound always holds its parts too (jieba indexes both).
    """
    tokens = list(dict.fromkeys(tokenize(text)))
    kept = [t for t in tokens if not _covered(t, [o for o in tokens if len(o) < len(t)])]
    return kept[:MAX_QUERY_TOKENS]


def _covered(token: str, parts: list[str]) -> bool:
    """Whether `token` is an exact concatenation of `parts` (with repetition)."""
    if not parts:
        return False
    reachable = [True] + [False] * len(token)
    for end in range(1, len(token) + 1):
        reachable[end] = any(
            reachable[end - len(p)] and token.endswith(p, 0, end) for p in parts if len(p) <= end
        )
    return reachable[-1]


_TYPO_TERM = re.compile(r"[a-z0-9]{4,}")


def typo_terms(text: str) -> list[str]:
    """Latin/digit words of four or more characters in `text` (model numbers, brand names):
    the ones trigram similarity can match despite a typo. Chinese words are too short for it."""
    words = _TYPO_TERM.findall(normalize(text).lower())
    return list(dict.fromkeys(words))[:MAX_TYPO_TERMS]


def highlight(text: str, tokens: list[str], *, tag: str = "em") -> str | None:
    """`text` HTML-escaped with each occurrence of a token wrapped in <tag>; None if none occurs.

    Longer tokens win where tokens overlap ('智能水表' over '水表').
    """
    if not text or not tokens:
        return None
    ordered = sorted({t for t in tokens if t}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f"<{tag}>{html.escape(match.group(0))}</{tag}>")
        last = match.end()
    if last == 0:
        return None
    parts.append(html.escape(text[last:]))
    return "".join(parts)
