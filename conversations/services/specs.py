"""What an agent (or integrator) asks to send, before the services check it: plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OutboundSpec:
    """What an agent (or integrator) asks to send; validated by :func:`message_send`."""

    type: str
    body: str = ""
    content: dict[str, Any] | None = None
    attachment_id: int | None = None
    reply_to_message_id: int | None = None
    client_ref: str = ""


@dataclass(frozen=True)
class TemplateSpec:
    """A stored template (notification or interactive) to fill with ``parameters`` and send;
    ``attachment_id``: the agent's file for a media header (else the template's own)."""

    template_id: int
    parameters: dict[str, Any] | None = None
    attachment_id: int | None = None
    client_ref: str = ""
