"""What a query means: its words, the words that count as each (synonyms, places), and the
query as the index would understand it when some words are in no listing (pinyin, initials,
typos).

Plain Python over a `Lexicon` (the vocabulary of the index, see apps.search.vocabulary), so
both backends get the same groups and the rules can be tested without a database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import jieba

from apps.catalog.reference.functions import FUNCTIONS, TERMINAL_WORDS
from apps.catalog.reference.kinds import SUPPLY_KINDS
from apps.catalog.reference.synonyms import SEARCH_SYNONYMS, SYNONYMS

from .text import _ensure_jieba, normalize, query_tokens, tokenize

# A query of n ≥ 3 groups that finds nothing as typed may drop n // 3 of them (at least one):
# '冷链 温度 记录仪' finds the 冷链温湿度记录仪. Two words stay both required.
RELAX_FROM_GROUPS = 3
# Initials are ambiguous (sb: 设备, 水表, 手表 …); beyond four letters nobody types them.
MAX_INITIALS = 4
# Readings of an ambiguous query offered: the one searched and the others as links.
MAX_READINGS = 3
# Words with the typed initials weighed against each other (a two-letter query has a dozen
# named candidates at most in a 10,000-listing index).
MAX_INITIALS_CANDIDATES = 20
# Pinyin typed for several words is split into at most this many words of the index, each
# spelled by at most MAX_PINYIN_PIECE letters (zhuang: 6; a three-syllable word ≈ 15).
MAX_PINYIN_WORDS = 4
MAX_PINYIN_PIECE = 18
# Edit distance allowed for a Latin word of this length (swapped letters count as one).
_LATIN_DISTANCE = ((8, 2), (4, 1))

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"^[a-z0-9]+$")
_LETTERS = re.compile(r"^[a-z]+$")
# Words that take an English plural 's' (shorter ones are codes: iot, gas, cat).
_ENGLISH_WORD = re.compile(r"^[a-z]{4,}$")


@dataclass(frozen=True)
class TermGroup:
    """One word of the query and what else counts as it. A listing matches the group when it
    holds every token of one alternative ('nbiot' | 'nb iot'), or, for a place name, when it
    serves one of `regions` (or serves the whole country)."""

    word: str
    alternatives: tuple[tuple[str, ...], ...]
    regions: tuple[str, ...] = ()

    @property
    def tokens(self) -> list[str]:
        return [token for alternative in self.alternatives for token in alternative]


def _synonym_table() -> dict[str, set[tuple[str, ...]]]:
    """Token -> the alternatives that count as it: its canonical forms, and every token
    sharing one (SYNONYMS maps 电能表 → 电表, so 电表 also finds 电能表)."""
    table: dict[str, set[tuple[str, ...]]] = {}
    for source in (SYNONYMS, SEARCH_SYNONYMS):
        for token, canonical in source.items():
            forms = [tuple(canonical)] if len(canonical) > 1 else [(c,) for c in canonical]
            for form in forms:
                table.setdefault(token, set()).add(form)
                if len(form) == 1:
                    table.setdefault(form[0], set()).add((token,))
    return table


_SYNONYMS = _synonym_table()


def alternatives_of(token: str) -> tuple[tuple[str, ...], ...]:
    """The token itself first, then what counts as it: its synonyms, and an English word's
    singular or plural (meter | meters: the index has no stemmer)."""
    others = set(_SYNONYMS.get(token, ()))
    if _ENGLISH_WORD.match(token):
        others.add((token[:-1],) if token.endswith("s") else (token + "s",))
    ordered = sorted(others, key=lambda form: (len(form), form))
    return ((token,), *(form for form in ordered if form != (token,)))


def term_groups(
    text: str, regions: dict[str, tuple[str, ...]] | None = None
) -> tuple[TermGroup, ...]:
    """The groups of `text`: one per query word (see text.query_tokens), with its synonyms,
    and for a place name in `regions` (name → region codes) the regions it names."""
    regions = regions or {}
    tokens = _places_joined(query_tokens(text), regions)
    # A word with synonyms, or a place, stands for its parts: 消防栓 (| 消火栓) needs no 消防
    # of its own, 石家庄 no 石家 or 家庄, 正定县 no 正定.
    whole = [t for t in tokens if t in _SYNONYMS or t in regions]
    tokens = [t for t in tokens if not any(t != w and t in w for w in whole)]
    return tuple(
        TermGroup(word=token, alternatives=alternatives_of(token), regions=regions.get(token, ()))
        for token in tokens
    )


def _places_joined(tokens: list[str], regions: dict[str, tuple[str, ...]]) -> list[str]:
    """Neighbouring words that together name a place, as that one word: the tokenizer cuts
    平安区 into 平安 | 区 and 滨海新区 into 滨海 | 新区."""
    joined: list[str] = []
    i = 0
    while i < len(tokens):
        end = next(
            (
                j
                for j in range(min(len(tokens), i + 3), i + 1, -1)
                if "".join(tokens[i:j]) in regions
            ),
            i + 1,
        )
        joined.append("".join(tokens[i:end]))
        i = end
    return joined


def minimum_match(groups: Iterable[TermGroup]) -> int | None:
    """How many groups a relaxed search requires, or None when the query cannot relax."""
    n = len(list(groups))
    if n < RELAX_FROM_GROUPS:
        return None
    return n - max(1, n // 3)


class Lexicon(Protocol):
    """What the index holds, as query understanding asks it (apps.search.vocabulary)."""

    def known(self, words: Iterable[str]) -> set[str]:
        """The words some listing holds."""

    def by_pinyin(self, pinyins: Iterable[str]) -> dict[str, str]:
        """Pinyin → the best-named word with exactly that pinyin."""

    def by_initials(self, initials: str) -> list[tuple[str, int]]:
        """(word, listings named by it) for the named words with these initials, best-named
        first (at most MAX_INITIALS_CANDIDATES)."""

    def similar_latin(self, word: str) -> list[str]:
        """Latin words of the index that look like `word` (trigrams), best-named first."""

    def one_character_off(self, word: str) -> list[str]:
        """Named Chinese words of the same length differing from `word` in one character,
        best-named first."""


@lru_cache(maxsize=1)
def _reference_functions() -> dict[str, frozenset[str]]:
    """Word → the reference functions it names: the words of each function's and each kind's
    Chinese name (a kind's word names all its functions), the words a terminal's text says
    what it is with (TERMINAL_WORDS), and their synonyms. 水表 names one function, 设备 three
    (wearables, medical monitors, device management), 终端 every terminal."""
    names: dict[str, set[str]] = {}
    for code, _kind, name_zh, _name_en, _general in FUNCTIONS:
        for token in tokenize(name_zh):
            names.setdefault(token, set()).add(code)
    for kind in SUPPLY_KINDS:
        codes = {code for code, of_kind, *_rest in FUNCTIONS if of_kind == kind["code"]}
        for token in tokenize(kind["name_zh"]):
            names.setdefault(token, set()).update(codes)
    for word, code in TERMINAL_WORDS:
        names.setdefault(word.lower(), set()).add(code)
    for source in (SYNONYMS, SEARCH_SYNONYMS):
        for token, canonical in source.items():
            if len(canonical) == 1 and (token in names or canonical[0] in names):
                shared = names.get(token, set()) | names.get(canonical[0], set())
                names[token] = names[canonical[0]] = shared
    return {word: frozenset(codes) for word, codes in names.items()}


def initials_weight(word: str, named: int) -> float:
    """How likely typed initials stand for `word`: the listings that are it by function or
    kind, times how specifically it names a product among the reference functions (an inverse
    document frequency: 水表 names one function, 设备 three, so with as many listings each,
    sb reads 水表). A word naming no reference function counts as naming them all."""
    total = len(FUNCTIONS)
    functions = len(_reference_functions().get(word, ())) or total
    return named * math.log(1 + total / functions)


def initials_readings(candidates: list[tuple[str, int]]) -> list[str]:
    """The words initials may stand for, likeliest first (by `initials_weight`; among equals,
    the lexicon's order), at most MAX_READINGS."""
    ranked = sorted(candidates, key=lambda candidate: -initials_weight(*candidate))
    return [word for word, _named in ranked[:MAX_READINGS]]


@lru_cache(maxsize=50_000)
def pinyin_of(word: str) -> tuple[str, str]:
    """(toneless pinyin joined, initials) of a word with Chinese characters; ('', '')
    otherwise. Characters other than Chinese ones are left out."""
    if not _HAN.search(word):
        return "", ""
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def damerau_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of a and b (a swap of neighbours counts one), or
    limit + 1 when it is larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@dataclass
class _Word:
    text: str
    start: int
    end: int

    @property
    def han(self) -> bool:
        return bool(_HAN.search(self.text))


def _words(text: str) -> list[_Word]:
    """The query's words as jieba cuts them (precise mode), with their places in `text`."""
    _ensure_jieba()
    return [
        _Word(word.lower(), start, end)
        for word, start, end in jieba.tokenize(text)
        if tokenize(word)
    ]


def correct(text: str, lexicon: Lexicon) -> str | None:
    """`text` with each word no listing holds replaced by the likeliest word the index holds
    — the Chinese meant by pinyin or initials (shuibiao, sb → 水表), a homophone or a
    one-character slip (水标 → 水表, 检侧器 → 检测器), a Latin word within a typo, or two known
    words typed as one (tbox → t box); None when nothing was replaced."""
    found = readings(text, lexicon)
    return found[0] if found else None


def readings(text: str, lexicon: Lexicon) -> list[str]:
    """The corrected queries of `text`, likeliest first (see `correct`); more than one when a
    word is ambiguous (initials: sb → 设备, 水表, 手表), at most MAX_READINGS. Empty when
    nothing was replaced."""
    text = normalize(text)
    words = _words(text)
    tokens = {token for word in words for token in tokenize(word.text)}
    known = lexicon.known(tokens) | {t for t in tokens if t in _SYNONYMS}
    replacements: dict[tuple[int, int], list[str]] = {}
    skip: set[int] = set()
    for i, word in enumerate(words):
        if i in skip or all(token in known for token in tokenize(word.text)):
            continue
        if word.han:
            fix = _correct_han(words, i, lexicon)
            if fix:
                (start, end), replacement, used = fix
                replacements[(start, end)] = [replacement]
                skip |= used
        else:
            candidates = _correct_latin(word.text, lexicon)
            if candidates:
                replacements[(word.start, word.end)] = candidates
    if not replacements:
        return []
    spans = sorted(replacements)
    # The likeliest reading, then the other candidates of the first ambiguous word.
    choices = [{span: replacements[span][0] for span in spans}]
    ambiguous = next((span for span in spans if len(replacements[span]) > 1), None)
    if ambiguous:
        for other in replacements[ambiguous][1:MAX_READINGS]:
            choices.append({**choices[0], ambiguous: other})
    return [_replaced(text, choice) for choice in choices]


def _replaced(text: str, replacements: dict[tuple[int, int], str]) -> str:
    parts, last = [], 0
    for (start, end), replacement in sorted(replacements.items()):
        parts.append(text[last:start])
        # Keep a Latin replacement apart from its neighbours ('nbiot水表' → 'nb iot 水表').
        parts.append(replacement if _HAN.search(replacement) else f" {replacement} ")
        last = end
    parts.append(text[last:])
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _correct_han(
    words: list[_Word], i: int, lexicon: Lexicon
) -> tuple[tuple[int, int], str, set[int]] | None:
    """A homophone (same pinyin, same length) of the unknown word, alone or with a one-
    character neighbour (报警气 → 报警器); else a named word one character off."""
    word = words[i]
    # The longest span first: 检侧器 (jianceqi) is only 检测器, 检侧 alone is 检测 or 监测.
    spans: list[tuple[int, int]] = []
    nxt = i + 1
    if (
        nxt < len(words)
        and words[nxt].han
        and len(words[nxt].text) == 1
        and words[nxt].start == word.end
    ):
        spans.append((i, nxt))
    if len(word.text) == 1 and i > 0 and words[i - 1].han and words[i - 1].end == word.start:
        spans.append((i - 1, i))
    spans.append((i, i))
    candidates = {}
    for first, last in spans:
        text = "".join(w.text for w in words[first : last + 1])
        candidates[(first, last)] = (text, pinyin_of(text)[0])
    found = lexicon.by_pinyin(p for _text, p in candidates.values() if p)
    for (first, last), (text, pinyin) in candidates.items():
        replacement = found.get(pinyin)
        if replacement and len(replacement) == len(text) and replacement != text:
            return (
                (words[first].start, words[last].end),
                replacement,
                set(range(first, last + 1)),
            )
    if len(word.text) >= 2:
        for replacement in lexicon.one_character_off(word.text):
            return (word.start, word.end), replacement, {i}
    return None


def _pinyin_words(word: str, lexicon: Lexicon) -> str | None:
    """The fewest words of the index whose pinyin spells `word` (wulianwangka → 物 联网 卡 →
    物联网卡), at most MAX_PINYIN_WORDS of them."""
    pieces = {
        word[start:end]
        for start in range(len(word))
        for end in range(start + 2, min(len(word), start + MAX_PINYIN_PIECE) + 1)
    }
    found = lexicon.by_pinyin(pieces)
    if not found:
        return None
    # best[end]: the fewest words spelling word[:end]
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - MAX_PINYIN_PIECE), end - 1):
            head = best[start]
            piece = word[start:end]
            if head is not None and piece in found:
                candidate = [*head, found[piece]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    spelled = best[-1]
    return "".join(spelled) if spelled and len(spelled) <= MAX_PINYIN_WORDS else None


def _correct_latin(word: str, lexicon: Lexicon) -> list[str]:
    """What a Latin word no listing holds may stand for, likeliest first: pinyin (of one word
    or several), initials (several candidates), two known words run together, or a Latin
    word of the index within an edit or two."""
    if not _LATIN.match(word):
        return []
    if _LETTERS.match(word):
        spelled = _pinyin_words(word, lexicon)
        if spelled:
            return [spelled]
        if 2 <= len(word) <= MAX_INITIALS:
            named = initials_readings(lexicon.by_initials(word))
            if named:
                return named
    halves = [(word[:k], word[k:]) for k in range(1, len(word))]
    known = lexicon.known(part for half in halves for part in half)
    if len(word) >= 4:
        for head, tail in halves:
            if head in known and tail in known:
                return [f"{head} {tail}"]
    limit = next((d for length, d in _LATIN_DISTANCE if len(word) >= length), 0)
    if limit:
        for candidate in lexicon.similar_latin(word):
            if damerau_distance(word, candidate, limit) <= limit:
                return [candidate]
    return []
