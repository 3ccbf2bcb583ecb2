"""REST routes: webhook subscriptions, their deliveries, and API keys."""

from apps.core.api.routers import OptionalSlashRouter

from .views import APIKeyViewSet, WebhookDeliveryViewSet, WebhookSubscriptionViewSet

router = OptionalSlashRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("api-keys", APIKeyViewSet, basename="api-key")

urlpatterns = router.urls
