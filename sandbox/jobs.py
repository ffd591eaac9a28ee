"""The names of the sandbox's Celery tasks, for the services that enqueue them (by name,
so ``sandbox.services`` never imports ``sandbox.tasks``, which calls it)."""

from __future__ import annotations

#: Post a business message's statuses up to a given one (``message_status_advance``).
STATUS_ADVANCE = "sandbox.tasks.message_status_advance_task"

#: Review a submitted template and post its status webhook (``template_review``).
TEMPLATE_REVIEW = "sandbox.tasks.template_review_task"

ALL = (STATUS_ADVANCE, TEMPLATE_REVIEW)
