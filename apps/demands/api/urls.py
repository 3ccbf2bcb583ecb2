"""REST routes: demands."""

from rest_framework.routers import SimpleRouter

from .views import DemandViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("demands", DemandViewSet, basename="demand")

urlpatterns = router.urls
