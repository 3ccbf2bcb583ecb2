"""REST routes: demands."""

from apps.core.api.routers import OptionalSlashRouter

from .views import DemandViewSet

router = OptionalSlashRouter()
router.register("demands", DemandViewSet, basename="demand")

urlpatterns = router.urls
