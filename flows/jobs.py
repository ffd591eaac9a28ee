"""The names of the flows app's Celery tasks, for the services that enqueue them (by name,
through ``waproject.embedded.enqueue``: no service imports the tasks)."""

from __future__ import annotations

#: Tell the supervisors that a flow broke on an interaction (``notices.flow_error_record``).
FLOW_ERROR_RECORD = "flows.tasks.flow_error_record_task"

ALL = (FLOW_ERROR_RECORD,)
