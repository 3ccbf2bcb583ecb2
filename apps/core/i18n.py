"""The reader's language, as code that picks between stored zh and en texts asks it."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language


def reads_english() -> bool:
    """Whether the active language is English (any en-* variant); zh-Hans otherwise."""
    return (get_language() or "").startswith("en")


def sentences_joined(sentences: Iterable[str]) -> str:
    """Whole sentences run together the reader's way: back to back in Chinese, one space
    apart in English; one that lacks its full stop gets one (。 or .)."""
    english = reads_english()
    stops, stop, gap = (".!?", ".", " ") if english else ("。！？", "。", "")
    whole = (s if s.endswith(tuple(stops)) else s + stop for s in map(str.strip, sentences) if s)
    return gap.join(whole)
