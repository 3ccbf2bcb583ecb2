"""The coordinator navigation's badges: what waits in each work queue."""

from __future__ import annotations

from django import template

from apps.coordination.selectors import coordinator_waiting_counts

register = template.Library()


@register.simple_tag
def coordinator_badges() -> dict[str, int]:
    """Offerings, demands and vendor interest waiting on coordinators (one COUNT each)."""
    return coordinator_waiting_counts()
