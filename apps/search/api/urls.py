"""REST routes: search over offerings and demands."""

from django.urls import path

from .views import DemandSearchView, OfferingSearchView

urlpatterns = [
    path("search/offerings", OfferingSearchView.as_view(), name="search-offerings"),
    path("search/demands", DemandSearchView.as_view(), name="search-demands"),
]
