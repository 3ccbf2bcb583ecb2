"""Partner integration: webhooks and idempotent requests."""
