"""Administration of channels, routing, options; read-only views of what WhatsApp sent.

What has rules goes through the services (adding or editing a contact, closing an
interaction); what the services keep consistent is never deleted here (an interaction, an
offer, a message) and configuration still in use says why it cannot go (a queue with
waiting work, an agent with open conversations). docs/architecture.md lists each case.
"""

from conversations.admin import contacts, interactions, options, routing  # noqa: F401  (register)
from conversations.admin.base import GuardedDeleteAdmin, ReadOnlyAdmin

__all__ = ["GuardedDeleteAdmin", "ReadOnlyAdmin"]
