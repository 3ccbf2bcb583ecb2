"""The coordinator navigation's badges: what waits in each work queue."""

from __future__ import annotations

from django import template

from apps.coordination.selectors import coordinator_waiting_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def coordinator_badges(context: dict) -> dict[str, int]:
    """Offerings, demands and vendor interest waiting on coordinators (one COUNT each); the
    counts a coordinator page already put in its context as `queue_counts` are reused."""
    return context.get("queue_counts") or coordinator_waiting_counts()
