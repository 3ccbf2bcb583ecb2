"""zh-Hans number formats: thousands grouped with commas (120,000), as mainland business
documents write them; Django's own zh_Hans formats do not group at all."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
