"""The reader's language, as code that picks between stored zh and en texts asks it."""

from __future__ import annotations

from django.utils.translation import get_language


def reads_english() -> bool:
    """Whether the active language is English (any en-* variant); zh-Hans otherwise."""
    return (get_language() or "").startswith("en")
