"""The one region rule matching and search share (apps.catalog.reference.regions)."""

from __future__ import annotations

import pytest

from apps.catalog.reference.regions import PART_CREDIT, region_ancestors, region_credit


@pytest.mark.parametrize(
    ("code", "ancestors"),
    [
        ("330000", ("330000",)),
        ("330100", ("330100", "330000")),
        ("330106", ("330106", "330100", "330000")),
        ("110101", ("110101", "110100", "110000")),  # 110100 names no region: harmless
    ],
)
def test_a_region_lists_itself_and_what_contains_it(code, ancestors):
    assert region_ancestors(code) == ancestors


@pytest.mark.parametrize(
    ("served", "wanted", "credit"),
    [
        ({"330000"}, "330106", 1.0),
        ({"330100"}, "330106", 1.0),
        ({"330106"}, "330106", 1.0),
        ({"330105"}, "330106", 0.0),
        ({"330106"}, "330100", PART_CREDIT),
        ({"330106"}, "330000", PART_CREDIT),
        ({"330100"}, "330000", PART_CREDIT),
        ({"330203"}, "330100", 0.0),
        ({"440100"}, "330000", 0.0),
        ({"330000"}, "330000", 1.0),
    ],
)
def test_serving_a_region_serves_everything_inside_it_and_part_of_what_contains_it(
    served, wanted, credit
):
    assert region_credit(served, wanted) == credit
