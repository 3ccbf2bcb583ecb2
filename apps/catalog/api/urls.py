"""REST routes: offerings and reference data."""

from django.urls import path

from apps.core.api.routers import OptionalSlashRouter

from ..selectors import REFERENCE_MODELS
from .views import OfferingViewSet, reference_view

router = OptionalSlashRouter()
router.register("offerings", OfferingViewSet, basename="offering")

urlpatterns = [
    *router.urls,
    *[
        path(f"reference/{name}", reference_view(name), name=f"reference-{name}")
        for name in REFERENCE_MODELS
    ],
]
