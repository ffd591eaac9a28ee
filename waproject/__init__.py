"""Project package: settings, ASGI/WSGI entry points, URL root and the Celery app."""

from .celery import app as celery_app

__all__ = ("celery_app",)
