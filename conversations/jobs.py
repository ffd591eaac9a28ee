"""The names of the conversations app's Celery tasks, for the services that enqueue them.

A service enqueues a task by its registered name (``waproject.embedded.enqueue`` resolves
it through the Celery app) instead of importing ``conversations.tasks``: the tasks call the
services, so importing them back would close a cycle (docs/architecture.md). Each name is
the task's ``<module>.<function>``; ``tests/test_project.py`` checks that each resolves.
"""

from __future__ import annotations

#: Send an interaction's queued messages in order (``interaction_outbox_flush``).
OUTBOX_FLUSH = "conversations.tasks.interaction_outbox_flush_task"
#: Download an inbound media file (``attachment_download``).
ATTACHMENT_DOWNLOAD = "conversations.tasks.attachment_download_task"
#: Blue ticks (and "typing…") on the customer's phone (``message_mark_read``).
MESSAGE_MARK_READ = "conversations.tasks.message_mark_read_task"

#: U1: send the business's reaction to a customer's message (``reaction_send``).
REACTION_SEND = "conversations.tasks.reaction_send_task"

#: S1: read the whole board once and push it to the supervisors watching it (``board_publish``).
BOARD_PUBLISH = "conversations.tasks.board_publish_task"

ALL = (OUTBOX_FLUSH, ATTACHMENT_DOWNLOAD, MESSAGE_MARK_READ, REACTION_SEND, BOARD_PUBLISH)
