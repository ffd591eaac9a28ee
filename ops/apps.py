from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations (issue 11): readiness and metrics (X2), structured logs, secrets at rest
    (X3). Infrastructure: it imports no domain module at import time."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Lazy, Django's rule: the checks read models, which load only once the app
        # registry is ready.
        from ops import checks, signals  # noqa: F401  (register the checks and Celery hooks)
