"""The names of the integrations app's Celery tasks, for the modules that enqueue them
(by name, through ``waproject.embedded.enqueue``: no service imports the tasks)."""

from __future__ import annotations

#: Deliver one subscription's due events, in order (``subscription_deliver``).
SUBSCRIPTION_DELIVER = "integrations.tasks.subscription_deliver_task"

ALL = (SUBSCRIPTION_DELIVER,)
