"""Answers made of several entities: a transcript page, a catch-up, a started session."""

from __future__ import annotations

from typing import TypedDict

from conversations.payloads.interactions import InteractionHistoryEntry, InteractionSummary, TranscriptSession
from conversations.payloads.messages import Message


class TranscriptPage(TypedDict):
    """W3: a page of the contact's transcript, newest last; ``older`` is the cursor of the
    page before it (None: nothing older), ``interactions`` the conversations its messages
    belong to, by id."""

    messages: list[Message]
    older: str | None
    interactions: dict[str, TranscriptSession]


class CatchUp(TypedDict):
    """After a reconnect: the messages newer than the last one seen, and the ones named
    again (``ids``) with their current state."""

    messages: list[Message]
    refreshed: list[Message]


class StartedSession(TypedDict):
    """A conversation opened with a template (O3-O5): the interaction and the template message."""

    interaction: InteractionSummary
    message: Message


class ContactHistory(TypedDict):
    """W11: every conversation of the contact, on every number, newest first."""

    interactions: list[InteractionHistoryEntry]
