"""The options store (SPEC P5): every ``whatsappsession.*`` option with its default.

Administrators override a default globally, per agent group or per agent
(``OptionValue`` rows, edited in the admin); an agent's value beats their group's, which
beats the global one. Values are read through a per-process snapshot refreshed every
``SNAPSHOT_SECONDS``, so a change takes effect within that time in every server and
worker process, without a restart, and the hot paths (the webhook, the console) do not
query for options. The snapshot also knows each agent's group, so a server-side check
given only the agent applies the same group values the console shows.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

SNAPSHOT_SECONDS = 2.0


@dataclass(frozen=True)
class OptionDefinition:
    key: str
    default: Any
    kind: type
    help: str
    minimum: float | None = None


_DEFINITIONS = [
    OptionDefinition(
        "whatsappsession.transcript-interactions-count",
        2,
        int,
        "How many previous interactions of the contact appear above the current one.",
        minimum=0,
    ),
    OptionDefinition(
        "whatsappsession.max-text-message-size",
        4096,
        int,
        "Largest outbound text, in UTF-8 bytes (emoji count several).",
        minimum=1,
    ),
    OptionDefinition(
        "whatsappsession.show-cross-channel-messages",
        False,
        bool,
        "Show the contact's messages from every WhatsApp number, not only the current one.",
    ),
    OptionDefinition(
        "whatsappsession.message-delay-timespan",
        60,
        int,
        "Seconds between origination and arrival above which a message counts as delayed.",
        minimum=0,
    ),
    OptionDefinition(
        "whatsappsession.pending-response-to-customer",
        "30,50",
        str,
        "Seconds after which the pending response indicator turns yellow, then red.",
    ),
    OptionDefinition(
        "whatsappsession.new-message-blinking", True, bool, "New messages blink when they arrive."
    ),
    OptionDefinition(
        "whatsappsession.new-message-blinking-duration",
        3,
        int,
        "How long (seconds) a new message blinks.",
        minimum=0,
    ),
    OptionDefinition(
        "whatsappsession.focus-on-new-messages",
        True,
        bool,
        "Scroll the transcript to each new message.",
    ),
    OptionDefinition(
        "whatsappsession.two-step-attachment-upload",
        True,
        bool,
        "Preview a file and confirm before it is sent (false: sent on selection).",
    ),
    OptionDefinition(
        "whatsappsession.emojis-business-attribute",
        "",
        str,
        "Business attribute whose values are the emoji picker's set (empty: default set).",
    ),
    OptionDefinition(
        "whatsappsession.disposition-business-attribute",
        "DispositionCode",
        str,
        "Business attribute whose values are the disposition codes offered at Done.",
    ),
    OptionDefinition(
        "whatsappsession.location-map-url-template",
        "",
        str,
        "Static map image URL with {latitude}, {longitude} (and {zoom}); empty: text and link.",
    ),
    OptionDefinition(
        "whatsappsession.offer-accept-timeout",
        30,
        int,
        "Seconds an agent has to accept an offered interaction before it is redirected.",
        minimum=5,
    ),
    OptionDefinition(
        "whatsappsession.reply-timeout",
        86400,
        int,
        "Seconds after the customer's last message after which only a notification can be sent.",
        minimum=60,
    ),
    OptionDefinition(
        "whatsappsession.attachment-max-size",
        100 * 1024 * 1024,
        int,
        "Largest file (bytes) an agent may send; WhatsApp's per-type limits apply too.",
        minimum=1,
    ),
    OptionDefinition(
        "whatsappsession.attachment-allowed-types",
        "",
        str,
        "Comma-separated MIME types agents may send (empty: every type WhatsApp accepts).",
    ),
    OptionDefinition("whatsappsession.agent-message-color", "#d9fdd3", str, "Background of agent messages."),
    OptionDefinition(
        "whatsappsession.customer-message-color",
        "#ffffff",
        str,
        "Background of customer messages.",
    ),
    OptionDefinition("whatsappsession.text-size", 14, int, "Transcript text size in pixels.", minimum=8),
    OptionDefinition("whatsappsession.theme", "default", str, "Console theme: default or high-contrast."),
    OptionDefinition(
        "intercommunication.whatsappsession.queue",
        "",
        str,
        "Queue used for transfers and conferences to a skill or an agent group.",
    ),
    OptionDefinition(
        "whatsappsession.outbound-session-config",
        "",
        str,
        "Which channel and template start an outbound session from another media.",
    ),
]
DEFINITIONS: dict[str, OptionDefinition] = {d.key: d for d in _DEFINITIONS}


class OptionError(ValueError):
    pass


def coerce(key: str, value: Any) -> Any:
    """Validate ``value`` for option ``key`` and return it in the option's type."""
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise OptionError(f"unknown option {key!r}")
    if definition.kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
            return value.strip().lower() in {"true", "1"}
        raise OptionError(f"{key} must be true or false")
    if definition.kind is int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise OptionError(f"{key} must be a whole number") from None
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise OptionError(f"{key} must be a whole number")
        if definition.minimum is not None and number < definition.minimum:
            raise OptionError(f"{key} must be at least {definition.minimum:g}")
        return number
    if not isinstance(value, str):
        raise OptionError(f"{key} must be text")
    return value


class _Snapshot:
    """All option rows of the database, and (when some option has a group value) each
    agent's group, reloaded when older than ``SNAPSHOT_SECONDS``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at = float("-inf")
        self._values: dict[tuple[str, str, int | None], Any] = {}
        self._groups: dict[int, int] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = float("-inf")

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded_at <= SNAPSHOT_SECONDS:
            return
        from conversations.models import AgentProfile, OptionValue

        values: dict[tuple[str, str, int | None], Any] = {}
        for key, value, group_id, agent_id in OptionValue.objects.values_list(
            "key", "value", "agent_group_id", "agent_id"
        ):
            scope = ("agent", agent_id) if agent_id else ("group", group_id) if group_id else ("global", None)
            values[(key, *scope)] = value
        groups: dict[int, int] = {}
        if any(scope == "group" for _, scope, _ in values):  # else nobody's group matters
            groups = dict(AgentProfile.objects.filter(group__isnull=False).values_list("user_id", "group_id"))
        with self._lock:
            self._values, self._groups, self._loaded_at = values, groups, time.monotonic()

    def values(self) -> dict[tuple[str, str, int | None], Any]:
        self._refresh()
        return self._values

    def group_of(self, agent_id: int) -> int | None:
        """The agent's group as of the last refresh (a move applies within the refresh)."""
        self._refresh()
        return self._groups.get(agent_id)


_snapshot = _Snapshot()
invalidate = _snapshot.invalidate


def get_option(key: str, *, agent_id: int | None = None, group_id: int | None = None) -> Any:
    """The effective value of ``key`` for an agent, else their group, else the global one.

    Given only ``agent_id``, the agent's group comes from the snapshot: the server's checks
    then agree with what the console shows (which passes the group explicitly).
    """
    definition = DEFINITIONS[key]
    values = _snapshot.values()
    if group_id is None and agent_id is not None:
        group_id = _snapshot.group_of(agent_id)
    for scope in (("agent", agent_id), ("group", group_id), ("global", None)):
        if scope[1] is None and scope[0] != "global":
            continue
        if (key, *scope) in values:
            try:
                return coerce(key, values[(key, *scope)])
            except OptionError:
                break  # a bad stored value never breaks the product: use the default
    return definition.default


def options_for(*, agent_id: int | None = None, group_id: int | None = None) -> dict[str, Any]:
    """Every option's effective value for one agent (what the console needs at once)."""
    return {key: get_option(key, agent_id=agent_id, group_id=group_id) for key in DEFINITIONS}
