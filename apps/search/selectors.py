"""Search reads: one entry point whatever the backend."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from functools import lru_cache

from apps.catalog.models import Region
from apps.catalog.reference.regions import is_county, is_province
from apps.catalog.selectors import county_codes

from .backends import get_backend
from .backends.base import SearchQuery, SearchResult
from .understanding import TermGroup, minimum_match, readings, term_groups
from .vocabulary import Vocabulary

# Suffixes people leave out of a place name: 河北省 → 河北, 石家庄市 → 石家庄.
_PLACE_SUFFIX = re.compile(r"(省|市|(壮族|回族|维吾尔)?自治区|特别行政区|地区|盟)$")
# Place names are reference data (389 rows, ≈ 1 ms to read): read again after this long.
REGION_NAMES_SECONDS = 300


def region_names() -> dict[str, str]:
    """Place name (zh, with and without its suffix; a one-word English name) → region code;
    a province wins over a city of the same name. Provinces and cities only: the 2,953 county
    names repeat (朝阳区, 新华区) and hold ordinary words (城区, 开发区), so a word in a query
    would too often read as a place; counties are chosen in the region filter instead."""
    return _region_names(int(time.monotonic() // REGION_NAMES_SECONDS))


@lru_cache(maxsize=1)
def _region_names(_period: int) -> dict[str, str]:
    names: dict[str, str] = {}
    rows = Region.objects.exclude(level=Region.Level.COUNTY).values_list(
        "code", "name_zh", "name_en", "level"
    )
    for code, zh, en, _level in sorted(rows, key=lambda row: row[3] != "province"):
        short = _PLACE_SUFFIX.sub("", zh)
        for name in (zh, short if len(short) >= 2 else "", en.lower() if " " not in en else ""):
            if name:
                names.setdefault(name, code)
    return names


def with_counties(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Region codes with the counties of each city among them added: a city finds the
    listings in its counties (the backends' region filter finds the rest, see region_scope)."""
    cities = [code for code in codes if not is_province(code) and not is_county(code)]
    if not cities:
        return codes
    return tuple(dict.fromkeys([*codes, *county_codes(cities)]))


def _groups_with_counties(groups: tuple[TermGroup, ...]) -> tuple[TermGroup, ...]:
    return tuple(
        replace(group, regions=with_counties(group.regions)) if group.regions else group
        for group in groups
    )


def search_listings(*, query: SearchQuery) -> SearchResult:
    """Search published offerings or public demands with the configured backend.

    The text is understood before the backend sees it: each word with its synonyms, a place
    name also as the region it names. When nothing matches as typed, the words no listing
    holds are corrected (pinyin, initials, typos: `did_you_mean` says to what, and
    `other_readings` lists the other readings of ambiguous initials); when still
    nothing matches, listings holding most of the words are shown (`relaxed`).
    """
    backend = get_backend()
    query = replace(query, regions=with_counties(query.regions))
    if not query.has_text or query.groups is not None:
        return backend.search(query)
    regions = region_names()
    understood = replace(query, groups=_groups_with_counties(term_groups(query.text, regions)))
    result = backend.search(understood)
    if result.total or not understood.groups:
        return result
    read = readings(query.text, Vocabulary(query.entity))
    corrected = read[0] if read else None
    if corrected:
        understood = replace(query, groups=_groups_with_counties(term_groups(corrected, regions)))
        found = backend.search(understood)
        if found.total:
            found.did_you_mean = corrected
            found.other_readings = read[1:]
            return found
    least = minimum_match(understood.groups or ())
    if least is not None:
        found = backend.search(replace(understood, minimum_match=least))
        if found.total:
            found.did_you_mean = corrected
            found.relaxed = True
            return found
    return result
