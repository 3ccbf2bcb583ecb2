"""REST routes: organisations."""

from apps.core.api.routers import OptionalSlashRouter

from .views import OrganizationViewSet

router = OptionalSlashRouter()
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = router.urls
