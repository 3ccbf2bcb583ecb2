"""Settings for the Celery worker the integration test starts: the project's, with short
timeouts so a killed worker's task is redelivered and its lease lapses within seconds."""

from config.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4}
MATCHING_LEASE_SECONDS = 3
MATCHING_FULL_REMATCH_CHUNK = 10
