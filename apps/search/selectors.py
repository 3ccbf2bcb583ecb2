"""Search reads: one entry point whatever the backend."""

from __future__ import annotations

import time
from dataclasses import replace
from functools import lru_cache

from apps.catalog.models import Region
from apps.catalog.reference.regions import is_county, is_province, short_place_name
from apps.catalog.selectors import county_codes

from .backends import get_backend
from .backends.base import SearchQuery, SearchResult
from .understanding import TermGroup, minimum_match, readings, term_groups
from .vocabulary import Vocabulary

# Place names are reference data (3,342 rows with the counties): read again after this long.
REGION_NAMES_SECONDS = 300


def region_names() -> dict[str, tuple[str, ...]]:
    """Place name → the region codes it names. A province or city by its zh name, with and
    without its suffix, or a one-word English name (a province wins over a city of the same
    name); a county by its full zh name of three characters or more (正定县; 朝阳区 names both
    of its counties). Not a county's name without its suffix: 2,953 counties, many of them
    ordinary words (平安, 新华, 长安), so a word in a query would too often read as a place."""
    return _region_names(int(time.monotonic() // REGION_NAMES_SECONDS))


@lru_cache(maxsize=1)
def _region_names(_period: int) -> dict[str, tuple[str, ...]]:
    names: dict[str, tuple[str, ...]] = {}
    counties: dict[str, tuple[str, ...]] = {}
    rows = Region.objects.values_list("code", "name_zh", "name_en", "level")
    for code, zh, en, level in sorted(rows, key=lambda row: row[3] != "province"):
        if level == Region.Level.COUNTY:
            if len(zh) >= 3:
                counties[zh] = (*counties.get(zh, ()), code)
            continue
        for name in (zh, short_place_name(zh), en.lower() if " " not in en else ""):
            if name:
                names.setdefault(name, (code,))
    for zh, codes in counties.items():
        names.setdefault(zh, codes)
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
