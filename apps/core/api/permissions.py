"""Permission classes shared by the API: API-key scopes and coordinator-only actions.

Object-level visibility is enforced by scoping querysets in each app's selectors (an object a
caller may not see is a 404, never a 403 that would confirm it exists).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scopes import SCOPE_FAMILIES


def is_api_key(user: object) -> bool:
    return hasattr(user, "has_scope")


class HasScope(BasePermission):
    """API keys need `<family>:read` for safe methods and `<family>:write` otherwise.

    The family is the view's `scope_family`, one of SCOPE_FAMILIES; sessions are not scoped.
    """

    message = _("该 API 密钥没有访问此资源所需的权限范围。")

    def has_permission(self, request, view) -> bool:
        if not is_api_key(request.user):
            return True
        family = getattr(view, "scope_family", None)
        if family is None:
            return False
        if family not in SCOPE_FAMILIES:
            raise ImproperlyConfigured(f"{type(view).__name__}.scope_family {family!r} is unknown")
        action = "read" if request.method in SAFE_METHODS else "write"
        return request.user.has_scope(f"{family}:{action}")


class IsCoordinator(BasePermission):
    message = _("只有平台协调员可以执行此操作。")

    def has_permission(self, request, view) -> bool:
        return bool(getattr(request.user, "is_coordinator", False))
