"""Settings for the Celery worker and beat the integration tests start: the project's, with
short leases and sweeps so a killed worker's rematch and a lost message are recovered within
seconds. The broker's visibility timeout stays the production one (an hour): recovery must not
depend on it."""

from config.settings import *  # noqa: F403

MATCHING_LEASE_SECONDS = 3
MATCHING_FULL_REMATCH_CHUNK = 10
# Beat runs matching's sweeps only (nothing else's work in the tests' broker), every second.
MATCHING_OUTBOX_SWEEP_SECONDS = 1.0
MATCHING_REMATCH_RESUME_SECONDS = 1.0
CELERY_BEAT_SCHEDULE = {
    name: entry | {"schedule": 1.0, "options": {"expires": 1.0}}
    for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
    if name in ("matching-drain-outbox", "matching-full-rematch-resume")
}
