"""REST routes: catalogue import jobs, template and export."""

from apps.core.api.routers import OptionalSlashRouter

from .views import ImportJobViewSet

router = OptionalSlashRouter()
router.register("imports", ImportJobViewSet, basename="import")

urlpatterns = router.urls
