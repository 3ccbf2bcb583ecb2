"""API-key scopes, defined once: the families the endpoints check and what each one opens.

Keys are validated against it, the key form offers it, and `docs/partners.md` lists it (a test
compares the guide with this table and with each endpoint's `scope_family`).
"""

from __future__ import annotations

SCOPE_ACTIONS = ("read", "write")

# family → what it opens, in the guide's words (read = GET, write = any other method)
SCOPE_FAMILIES: dict[str, str] = {
    "organizations": "organisations: profiles, verification",
    "offerings": "offerings: create, edit, submit for review, archive",
    "demands": "demands: create, edit, submit for review, close",
    "matches": "recommendations, bundles, advice, matches and their transitions, interest",
    "mismatches": "mismatch flags and their summary",
    "webhooks": "webhook subscriptions, deliveries, replays, secret rotation",
    "imports": "catalogue file imports",
}


def scope_is_valid(scope: str) -> bool:
    """`*`, or `<family>:read|write|*` for a family in SCOPE_FAMILIES."""
    if scope == "*":
        return True
    family, _sep, action = scope.partition(":")
    return family in SCOPE_FAMILIES and action in (*SCOPE_ACTIONS, "*")
