"""The API routes alone, so these tests do not depend on the web UI's URL module."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("config.api_urls"))]
