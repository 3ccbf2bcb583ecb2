"""What the web UI shows from the matching app: matches, bundles, flags, introductions, the
mismatch dashboard and typical cases.

Pages call only this module for matching data and actions. Until the matching app's models
and services exist, reads are empty and actions answer with a clear business error.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.core.exceptions import BusinessError


def _unavailable() -> BusinessError:
    return BusinessError("matching_unavailable", _("匹配服务尚未就绪。"), status=503)


def headline_figures() -> dict[str, int]:
    return {"introductions": 0, "cases": 0}


def demand_panels(*, principal: Any, demand: Any) -> dict[str, Any]:
    return {"matches": [], "bundles": [], "flags": [], "introductions": []}


def vendor_demand_panels(*, principal: Any, organization: Any) -> dict[str, Any]:
    return {"demand_matches": []}


def interest_express(**kwargs: Any) -> None:
    raise _unavailable()


def partner_suggestions(*, principal: Any, organization: Any) -> list[dict]:
    return []


def review_queue_count() -> int:
    return 0


def coordinator_match_panels(*, status: str) -> dict[str, Any]:
    return {"matches": [], "statuses": []}


def match_transition(**kwargs: Any) -> None:
    raise _unavailable()


def introductions_for(*, principal: Any, organization: Any) -> list[dict]:
    return []


def introduction_respond(**kwargs: Any) -> None:
    raise _unavailable()


def mismatch_dashboard() -> dict[str, Any]:
    return {
        "summary": {},
        "provinces": [],
        "charts": {"heatmap": {"sectors": [], "technologies": [], "cells": [], "labels": {}}},
    }


def mismatch_cell(*, sector: str, technology: str, province: str) -> dict[str, Any]:
    return {"title": "", "demands": [], "flags": []}


def mismatch_workbook() -> bytes:
    raise _unavailable()


def case_candidates() -> list[dict]:
    return []


def published_cases() -> list[dict]:
    return []


def case_publish(**kwargs: Any) -> None:
    raise _unavailable()
