"""The Celery application; tasks are discovered in each app's tasks.py."""

import logging
import os

from celery import Celery
from celery.signals import worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("iotmatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


@worker_init.connect
def text_segmenter_preload(**kwargs) -> None:
    """Build jieba's dictionary in the worker's main process before its pool forks.

    Otherwise each pool process builds it (0.6–0.9 s, ≈65 MiB) on its first search-index or
    matching task, which delays the first publish after a start by that much.
    """
    from apps.matching.engine.text import tokenize as engine_tokenize
    from apps.search.text import tokenize as search_tokenize

    search_tokenize("远程抄表")
    engine_tokenize("远程抄表")


@worker_init.connect
def matching_index_preload(**kwargs) -> None:
    """Load the matching market index in the worker's main process before its pool forks.

    The pool processes then share one copy (copy-on-write) instead of each building its own
    on its first task (58 s and 1.7 GiB at a million offerings), so the first publish after a
    start is matched as fast as the rest. A failure here (say, an unmigrated database) only
    logs: the first matching task loads the index instead.
    """
    if not getattr(settings, "MATCHING_PRELOAD_INDEX", True):
        return
    from django.db import connections

    from apps.matching import loader

    try:
        state = loader.market()
        logger.info(
            "matching index preloaded: %d offerings, %d open demands",
            state.offerings.live,
            state.demands.live,
        )
    except Exception:  # the worker must start regardless
        logger.exception("could not preload the matching index")
    finally:
        connections.close_all()  # the pool processes open their own
