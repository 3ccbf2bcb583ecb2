"""Figures and lists read the reader's way: 1,350,000 and "NB-IoT, LTE Cat.1" in English,
1,350,000 and "NB-IoT、LTE Cat.1" in Chinese."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

LINE = Template(
    "{% load i18n frontend %}{{ capacity|number }} · ¥{{ price|number }} · {{ names|enumeration }}"
    '{% translate "：" %}{{ empty|number }}'
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1,350,000 · ¥5,714.24 · NB-IoT, LTE Cat.1: "),
        ("zh-hans", "1,350,000 · ¥5,714.24 · NB-IoT、LTE Cat.1："),
    ],
)
def test_figures_and_lists_follow_the_language(language, expected):
    with translation.override(language):
        rendered = LINE.render(
            Context(
                {
                    "capacity": 1_350_000,
                    "price": Decimal("5714.24"),
                    "names": ["NB-IoT", "LTE Cat.1"],
                    "empty": None,
                }
            )
        )
    assert rendered == expected
