"""Celery entry points for webhook delivery and housekeeping; the work is in services."""

from celery import shared_task

from . import services


@shared_task(name="integrations.deliver_webhooks", acks_late=True, ignore_result=True)
def deliver_webhooks() -> int:
    """Send the deliveries that are due (woken after each emit and run every few seconds)."""
    return services.webhook_deliveries_send_due()


@shared_task(name="integrations.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    return services.idempotency_records_purge()


@shared_task(name="integrations.purge_webhook_history", ignore_result=True)
def purge_webhook_history() -> int:
    return services.webhook_history_purge()
