"""REST routes: organisations."""

from rest_framework.routers import SimpleRouter

from .views import OrganizationViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = router.urls
