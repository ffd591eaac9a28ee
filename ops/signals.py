"""Celery task hooks (X2): log context and sweep metrics for every task, with no change
to the tasks themselves.

Celery sends ``task_prerun`` / ``task_postrun`` around every task body, on a worker and
for ``task.apply`` (the embedded runner) alike. Before: bind the task's name, id and the
ids it was given (``interaction_id``, ``event_id``…) to the log context. After: for the
tasks the beat schedules, observe the sweep's duration and add what it returned (timers
fired, retries made, rows purged) to ``wa_beat_sweep_items``.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from typing import Any

from celery.signals import task_postrun, task_prerun
from django.conf import settings

from ops import logs, metrics

_state = threading.local()


@functools.cache
def _beat_tasks() -> dict[str, str]:
    """Task name → the short label of its beat entry (read once: settings do not change)."""
    return {entry["task"]: name for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}


_parameters: dict[str, list[str]] = {}


def _named_ids(task: Any, args: Any, kwargs: Any) -> dict[str, Any]:
    """The task's id-like arguments by name (positional ones mapped through its signature)."""
    names = _parameters.get(task.name)
    if names is None:
        try:
            names = list(inspect.signature(task.run).parameters)
        except (TypeError, ValueError):
            names = []
        _parameters[task.name] = names
    found = {}
    for name, value in [*zip(names, args or (), strict=False), *(kwargs or {}).items()]:
        if name.endswith("_id") and isinstance(value, int | str):
            found["webhook_event_id" if name == "event_id" else name] = value
    return found


@task_prerun.connect(weak=False, dispatch_uid="ops.task_prerun")
def _before(
    task_id: str | None = None, task: Any = None, args: Any = None, kwargs: Any = None, **_: Any
) -> None:
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    token = logs.bind(task=task.name.rsplit(".", 1)[-1], task_id=task_id, **_named_ids(task, args, kwargs))
    stack.append((token, time.perf_counter()))


@task_postrun.connect(weak=False, dispatch_uid="ops.task_postrun")
def _after(task: Any = None, retval: Any = None, **_: Any) -> None:
    stack = getattr(_state, "stack", None)
    if not stack:
        return
    token, started = stack.pop()
    logs.reset(token)
    label = _beat_tasks().get(task.name)
    if label is None:
        return
    metrics.SWEEP_SECONDS.labels(label).observe(time.perf_counter() - started)
    if isinstance(retval, int) and not isinstance(retval, bool) and retval > 0:
        metrics.SWEEP_ITEMS.labels(label).inc(retval)
