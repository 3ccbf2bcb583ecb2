"""zh-Hans number formats as CLDR has them: Django's own leave large numbers ungrouped
(THOUSAND_SEPARATOR ""); CLDR's zh pattern is #,##0.### — 1,234,567 — as statistics print."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
