"""The Celery app. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waproject.settings")

app = Celery("waproject")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _freeze_startup_heap(**_kwargs: object) -> None:
    """A worker's loaded heap out of the collector's way too (``waproject.heap``), before
    its pool runs any task."""
    # Lazy: this module is imported before Django's settings are configured.
    from waproject.heap import freeze_startup_heap

    freeze_startup_heap()
