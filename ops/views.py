"""``/readyz/`` and ``/metrics/`` (X2). Thin: the checks are in ``ops.health``, the
metrics in ``ops.metrics`` and ``ops.collectors``."""

from __future__ import annotations

import glob
import hmac
import os
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from ops import metrics
from ops.collectors import DatabaseCollector
from ops.health import readiness

_database_registry = CollectorRegistry(auto_describe=False)
_database_registry.register(DatabaseCollector())


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, else 503 naming what is wrong. ``?checks=database,redis``
    runs only those (e.g. a load balancer that should not take web hosts out of rotation
    because the beat stopped)."""
    only = [n for n in request.GET.get("checks", "").split(",") if n] or None
    results = readiness(only)
    failing = [r.name for r in results if not r.ok]
    return JsonResponse(
        {
            "status": "unavailable" if failing else "ready",
            "failing": failing,
            "checks": {r.name: r.as_dict() for r in results},
        },
        status=503 if failing else 200,
    )


def _authorized(request: HttpRequest) -> int:
    """200, or the status refusing the scrape: 401 without (or with wrong) credentials, 403
    for a signed-in user who is not staff."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = settings.METRICS_TOKEN
        given = header[len("Bearer ") :].strip()
        return 200 if token and hmac.compare_digest(given.encode(), token.encode()) else 401
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 401
    return 200 if user.is_staff else 403


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    status = _authorized(request)
    if status != 200:
        response = HttpResponse(
            "metrics need `Authorization: Bearer <METRICS_TOKEN>` or a staff session"
            if status == 401
            else "metrics are for staff",
            status=status,
            content_type="text/plain",
        )
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if metrics.MULTIPROCESS:
        directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        _forget_dead_processes(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_database_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


_LIVE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db$")


def _forget_dead_processes(directory: str) -> None:
    """Drop the live gauges (open sockets) of server processes that died without saying
    so (a kill -9): their counters stay, as Prometheus expects, but a dead process holds
    no sockets. One directory per host, so a pid names a process of this host."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        match = _LIVE_FILE.search(path)
        if match and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), path=directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
