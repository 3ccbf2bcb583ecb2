"""Query-filter fields shared by the API's list endpoints."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class UTCDateTimeField(forms.DateTimeField):
    """An ISO 8601 timestamp, normalised to UTC so any offset Python accepts is valid SQL."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(_("时间超出范围。"), code="invalid") from None


class SinceFilter(django_filters.Filter):
    """`?updated_since=2026-11-01T00:00:00+08:00`: rows changed at or after that moment."""

    field_class = UTCDateTimeField

    def __init__(self, field_name: str = "updated_at", **kwargs) -> None:
        super().__init__(field_name=field_name, lookup_expr="gte", **kwargs)
