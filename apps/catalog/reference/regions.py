"""What a GB/T 2260 region code contains and what serving it covers: the one rule that
matching (engine and its naive oracle) and search both follow. Plain Python, no Django.

Codes have 6 digits: a province xx0000, a prefecture city xxyy00, a county xxyyzz. The level
is read from the code. A county's city is xxyy00; where no city stands above a county (a
municipality's districts, 定安县) that code names no region, so the county hangs from its
province only. A county-level city directly under its province (济源市 419001, listed at
city level) reads as a county here, which changes nothing: nothing lies inside it.

Serving a region serves everything inside it: a province every city and county in it, a city
its counties, a county itself only. A demand region is covered in full by an offering serving
it or a division containing it, and partly (PART_CREDIT) by one serving only divisions inside
it (a city of a wanted province, a county of a wanted city).
"""

from __future__ import annotations

from collections.abc import Collection

# A wanted region served in some of its parts counts half: better than nothing, never as good
# as serving all of it.
PART_CREDIT = 0.5
# What people leave out of a province's or city's name: 河北省 → 河北, 石家庄市 → 石家庄.
PLACE_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "省",
    "市",
    "地区",
    "盟",
)


def short_place_name(name: str) -> str:
    """A province's or city's name as people say it (河北省 → 河北); the name itself when
    fewer than two characters would be left."""
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) >= len(suffix) + 2:
            return name[: -len(suffix)]
    return name


def province_of(code: str) -> str:
    """The province-level code containing a region (xx0000)."""
    return code[:2] + "0000"


def is_province(code: str) -> bool:
    return code.endswith("0000")


def is_county(code: str) -> bool:
    return not code.endswith("00")


def city_of(code: str) -> str | None:
    """The prefecture-level code containing a county (xxyy00, which may name no region), the
    city itself for a city, None for a province."""
    if is_province(code):
        return None
    return code[:4] + "00"


def region_ancestors(code: str) -> tuple[str, ...]:
    """The region and every division containing it, itself first: a listing naming any of
    these serves `code`."""
    if is_province(code):
        return (code,)
    if is_county(code):
        return (code, code[:4] + "00", province_of(code))
    return (code, province_of(code))


def region_credit(served: Collection[str], wanted: str) -> float:
    """How much an offering serving the regions `served` (not nationwide) covers the demand
    region `wanted`: 1.0 in full, PART_CREDIT for some of its parts, else 0.0."""
    if any(code in served for code in region_ancestors(wanted)):
        return 1.0
    if is_county(wanted):
        return 0.0
    if is_province(wanted):
        inside = any(province_of(code) == wanted and code != wanted for code in served)
    else:
        inside = any(is_county(code) and code[:4] + "00" == wanted for code in served)
    return PART_CREDIT if inside else 0.0
