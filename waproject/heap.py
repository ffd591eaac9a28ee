"""Keep the start-up heap out of the garbage collector's full collections.

A server process holds ~130,000 container objects once Django, the apps, the URL
configuration and their libraries are loaded, and they live as long as the process. Every
full (generation 2) collection walks all of them: 116–124 ms on this project's 2-core
machine, a stall of every request, webhook and socket of the process, which shows as the
tail of the latencies. ``gc.freeze()`` moves them to the permanent generation, which no
collection walks: a full collection right after costs well under a millisecond. Only
start-up objects are frozen (after a collection of start-up's garbage), never a request's,
so nothing that should be freed is kept. (Instagram's well-known fix for forked servers;
here each process freezes its own heap once it has loaded.)

``GC_FREEZE=0`` turns it off (to compare, or to debug a leak with ``gc.get_objects()``).
"""

from __future__ import annotations

import gc
import logging

from django.conf import settings
from django.urls import get_resolver

logger = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Load what the first requests would (every view and URL pattern), collect start-up's
    garbage, freeze what is left; returns how many objects are frozen (0 when off)."""
    if not settings.GC_FREEZE:
        return 0
    _ = get_resolver().url_patterns  # imports the views, their forms, serializers, templates tags
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info("start-up heap frozen: %s objects out of the collector's way", frozen)
    return frozen
