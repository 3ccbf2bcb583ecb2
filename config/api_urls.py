"""REST API v1: each app contributes its routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.demands.api.urls")),
    path("", include("apps.matching.api.urls")),
    path("", include("apps.coordination.api.urls")),
    path("", include("apps.search.api.urls")),
    path("", include("apps.integrations.api.urls")),
    path("", include("apps.imports.api.urls")),
]
