"""docs/partners.md tells partners the truth: its scope table is the code's, and each scope
opens exactly the endpoints it lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.core.api.scopes import SCOPE_FAMILIES
from config import api_urls

GUIDE = Path(settings.BASE_DIR) / "docs" / "partners.md"
METHODS = ("get", "post", "patch", "delete")


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _path(route: str) -> str:
    route = route.removeprefix("^").removesuffix("$").removesuffix("/?")
    parameter = r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>"
    route = re.sub(parameter, lambda m: "{%s}" % (m[1] or m[2]), route)
    return "/" + route.replace("{pk}", "{id}")


def _methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:
        return [m.upper() for m in METHODS if m in actions]
    return [m.upper() for m in METHODS if hasattr(callback.cls, m)]


def scoped_endpoints() -> dict[str, list[tuple[str, str]]]:
    """family → [(method, path)], from the URLconf and each view's scope_family."""
    found: dict[str, list[tuple[str, str]]] = {}
    for route, callback in _routes(api_urls.urlpatterns):
        family = getattr(getattr(callback, "cls", None), "scope_family", None)
        if family is not None:
            found.setdefault(family, []).extend(
                (method, _path(route)) for method in _methods(callback)
            )
    return {family: sorted(set(rows), key=lambda r: (r[1], r[0])) for family, rows in found.items()}


def expected_table() -> str:
    endpoints = scoped_endpoints()
    lines = ["| scope family | what it opens | endpoints |", "|---|---|---|"]
    for family, opens in SCOPE_FAMILIES.items():
        cell = ", ".join(f"`{method} {path}`" for method, path in endpoints.get(family, []))
        lines.append(f"| `{family}` | {opens} | {cell} |")
    return "\n".join(lines)


def test_every_endpoint_checks_a_scope_family_the_code_defines():
    assert set(scoped_endpoints()) == set(SCOPE_FAMILIES)


def test_the_guides_scope_table_is_the_codes():
    assert expected_table() in GUIDE.read_text(), (
        "docs/partners.md's scope table differs from the code; it should read:\n\n"
        + expected_table()
    )


def test_the_guide_documents_an_endpoint_for_every_family():
    assert {family for family, _method, _path in _documented()} == set(SCOPE_FAMILIES)


def _documented() -> list[tuple[str, str, str]]:
    rows = []
    for line in GUIDE.read_text().splitlines():
        match = re.match(r"^\| `(\w+)` \| .* \| (.*) \|$", line)
        if match:
            for method, path in re.findall(r"`(GET|POST|PATCH|DELETE) (/[^`]*)`", match[2]):
                rows.append((match[1], method, path))
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(("family", "method", "path"), _documented())
def test_each_documented_scope_opens_its_endpoint_and_no_other_scope_does(family, method, path):
    # given a key holding only the documented scope, and one holding every other family
    # (platform keys, so that coordinator-only endpoints test the scope and not the role)
    action = "read" if method == "GET" else "write"
    _key, right = account_services.apikey_create(
        actor=None, name="right", is_platform=True, scopes=[f"{family}:{action}"]
    )
    _key, others = account_services.apikey_create(
        actor=None,
        name="others",
        is_platform=True,
        scopes=[f"{other}:*" for other in SCOPE_FAMILIES if other != family]
        + ([f"{family}:read"] if action == "write" else []),
    )
    url = "/api/v1" + path.replace("{id}", "999999").replace("{prefix}", "zz")

    def call(secret: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}", HTTP_ACCEPT_LANGUAGE="en")
        return client.generic(method, url, "{}", content_type="application/json")

    # then the documented scope gets past the scope check (whatever the endpoint answers next)
    assert not scope_refused(call(right))
    # and the other scopes are refused by it
    assert scope_refused(call(others))


SCOPE_REFUSED = "This API key lacks the scope this resource needs."


def scope_refused(response) -> bool:
    return response.status_code == 403 and response.json()["error"]["message"] == SCOPE_REFUSED
