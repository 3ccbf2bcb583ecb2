"""Serializer fields shared by the API."""

from rest_framework import serializers


def code_list(*, max_items: int = 50, max_length: int = 40, **kwargs) -> serializers.ListField:
    """A list of reference codes; their existence is checked by the services."""
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length),
        max_length=max_items,
        **kwargs,
    )


def money(**kwargs) -> serializers.DecimalField:
    """A CNY amount: non-negative, two decimals, below one hundred million."""
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=10**8, **kwargs
    )
