"""The options store (SPEC P5): every ``whatsappsession.*`` option with its default.

Administrators override a default globally, per agent group or per agent
(``OptionValue`` rows, edited in the admin); an agent's value beats their group's, which
beats the global one. Values are read through a per-process snapshot refreshed every
``SNAPSHOT_SECONDS``, so a change takes effect within that time in every server and
worker process, without a restart, and the hot paths (the webhook, the console) do not
query for options. The snapshot also knows each agent's group, so a server-side check
given only the agent applies the same group values the console shows.

Every number has bounds (:func:`coerce` enforces them for the admin). A stored value that
breaks them anyway (written before a bound existed, or straight into the database) is
clamped to the nearest bound, and one that is not a value of the option at all gives the
default: either way with a logged warning, never an exception on a hot path.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext

from conversations.models import AgentProfile, OptionValue
from whatsapp.limits import LARGEST_MEDIA_BYTES, TEXT_BODY_MAX

logger = logging.getLogger(__name__)

SNAPSHOT_SECONDS = 2.0

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
#: Upper bound of a timeout or delay: beyond this a timer is a mistake, not a policy
#: (and ``timedelta`` overflows far beyond it, which used to fail every webhook).
TIMEOUT_MAX = 30 * DAY
#: WhatsApp's largest file (a document): no agent can send more, whatever the option says.
ATTACHMENT_SIZE_MAX = LARGEST_MEDIA_BYTES
#: WhatsApp's limit of a text message body.
TEXT_MESSAGE_MAX = TEXT_BODY_MAX
#: Longest text value: options hold names, colours, URL templates, MIME-type lists.
TEXT_OPTION_MAX_LENGTH = 2000


@dataclass(frozen=True)
class OptionDefinition:
    key: str
    default: Any
    kind: type
    help: str
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""  # "seconds", "bytes", "pixels": named in the admin's error messages


_DEFINITIONS = [
    OptionDefinition(
        "whatsappsession.transcript-interactions-count",
        2,
        int,
        "How many previous interactions of the contact appear above the current one.",
        minimum=0,
        maximum=100,
    ),
    OptionDefinition(
        "whatsappsession.max-text-message-size",
        TEXT_MESSAGE_MAX,
        int,
        "Largest outbound text, in UTF-8 bytes (emoji count several).",
        minimum=1,
        maximum=TEXT_MESSAGE_MAX,
        unit="bytes",
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
        maximum=TIMEOUT_MAX,
        unit="seconds",
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
        maximum=10 * MINUTE,
        unit="seconds",
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
        maximum=DAY,  # an offer reserves the agent: longer is never a sensible wait
        unit="seconds",
    ),
    OptionDefinition(
        "whatsappsession.reply-timeout",
        86400,
        int,
        "Seconds after the customer's last message after which only a notification can be sent.",
        minimum=60,
        maximum=TIMEOUT_MAX,
        unit="seconds",
    ),
    OptionDefinition(
        "whatsappsession.attachment-max-size",
        ATTACHMENT_SIZE_MAX,
        int,
        "Largest file (bytes) an agent may send; WhatsApp's per-type limits apply too.",
        minimum=1,
        maximum=ATTACHMENT_SIZE_MAX,
        unit="bytes",
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
    OptionDefinition(
        "whatsappsession.text-size",
        14,
        int,
        "Transcript text size in pixels.",
        minimum=8,
        maximum=72,
        unit="pixels",
    ),
    OptionDefinition("whatsappsession.theme", "default", str, "Console theme: default or high-contrast."),
    OptionDefinition(
        "intercommunication.whatsappsession.queue",
        "",
        str,
        "Queue used for transfers and conferences to a skill or an agent group.",
    ),
    OptionDefinition(
        "whatsappsession.supervisor-monitor-notify-agent",
        False,
        bool,
        "Tell the agent when a supervisor starts monitoring their interaction silently (S2).",
    ),
    OptionDefinition(
        "whatsappsession.desktop-notice-sound",
        False,
        bool,
        "Play a short sound with the desktop notice of a new offer, invitation or consultation (R2b).",
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


class OptionOutOfRange(OptionError):
    """A whole number outside the option's bounds; ``bound`` is the nearest allowed value."""

    def __init__(self, message: str, *, bound: int) -> None:
        super().__init__(message)
        self.bound = bound


#: The units an option's number counts, in words of the reader's language.
_UNIT_WORDS = {
    "seconds": gettext_lazy("seconds"),
    "bytes": gettext_lazy("bytes"),
    "pixels": gettext_lazy("pixels"),
}


def _amount(number: int, unit: str) -> str:
    """``2592000 seconds (30 days)``: the unit, and a human reading of large ones, in the
    reader's language (the admin's and the API's refusals are read there)."""
    if unit == "seconds":
        text = ngettext("%(count)s second", "%(count)s seconds", number) % {"count": number}
    elif unit == "bytes":
        text = ngettext("%(count)s byte", "%(count)s bytes", number) % {"count": number}
    elif unit == "pixels":
        text = ngettext("%(count)s pixel", "%(count)s pixels", number) % {"count": number}
    else:
        text = str(number)
    if unit == "seconds" and number >= DAY and number % DAY == 0:
        days = number // DAY
        text += " " + ngettext("(%(count)s day)", "(%(count)s days)", days) % {"count": days}
    elif unit == "seconds" and number >= MINUTE and number % MINUTE == 0:
        minutes = number // MINUTE
        text += " " + ngettext("(%(count)s minute)", "(%(count)s minutes)", minutes) % {"count": minutes}
    elif unit == "bytes" and number >= 1024 * 1024 and number % (1024 * 1024) == 0:
        text += " " + gettext("(%(count)s MB)") % {"count": number // (1024 * 1024)}
    return text


def _bounds(definition: OptionDefinition) -> str:
    low, high, unit = definition.minimum, definition.maximum, definition.unit
    if low is not None and high is not None:
        return gettext("between %(low)s and %(high)s") % {
            "low": _amount(low, ""),
            "high": _amount(high, unit),
        }
    if low is not None:
        return gettext("at least %(low)s") % {"low": _amount(low, unit)}
    return gettext("at most %(high)s") % {"high": _amount(high or 0, unit)}


def coerce(key: str, value: Any) -> Any:
    """Validate ``value`` for option ``key`` and return it in the option's type.

    Raises :class:`OptionError` whose message names the option and what it accepts
    (:class:`OptionOutOfRange` for a number beyond its bounds), in the active language.
    """
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise OptionError(gettext("unknown option %(key)s") % {"key": repr(key)})
    if definition.kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
            return value.strip().lower() in {"true", "1"}
        raise OptionError(gettext("%(key)s must be true or false") % {"key": key})
    if definition.kind is int:
        return _coerce_int(definition, value)
    if not isinstance(value, str):
        raise OptionError(gettext("%(key)s must be text") % {"key": key})
    if len(value) > TEXT_OPTION_MAX_LENGTH:
        raise OptionError(
            gettext("%(key)s is limited to %(limit)s characters; %(given)s given")
            % {"key": key, "limit": TEXT_OPTION_MAX_LENGTH, "given": len(value)}
        )
    return value


def _coerce_int(definition: OptionDefinition, value: Any) -> int:
    key, unit = definition.key, definition.unit
    whole = (
        gettext("%(key)s must be a whole number of %(unit)s") % {"key": key, "unit": _UNIT_WORDS[unit]}
        if unit
        else gettext("%(key)s must be a whole number") % {"key": key}
    )
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise OptionError(whole)
    if isinstance(value, str) and not value.strip().lstrip("+-").isascii():
        raise OptionError(whole)  # int() reads other scripts' digits; nobody types them on purpose
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: float("inf")
        raise OptionError(whole) from None
    for bound, beyond in ((definition.minimum, number.__lt__), (definition.maximum, number.__gt__)):
        if bound is not None and beyond(bound):
            raise OptionOutOfRange(
                gettext("%(key)s must be %(bounds)s; %(number)s is out of range")
                % {"key": key, "bounds": _bounds(definition), "number": number},
                bound=bound,
            )
    return number


def _in_english(key: str, stored: object) -> str:
    """Why a stored value is refused, for the log (read by operators, whatever language the
    request that happened to load the options was in)."""
    with translation.override("en"):
        try:
            coerce(key, stored)
        except OptionError as exc:
            return str(exc)
    return ""


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
    then agree with what the console shows (which passes the group explicitly). A stored
    value out of bounds is clamped; one that is no value of the option is skipped, so the
    next scope's value applies (an agent's bad value falls back to the group's, then the
    global one, then the default).
    """
    definition = DEFINITIONS[key]
    values = _snapshot.values()
    if group_id is None and agent_id is not None:
        group_id = _snapshot.group_of(agent_id)
    scopes: tuple[tuple[str, int | None], ...] = (("agent", agent_id), ("group", group_id), ("global", None))
    for scope in scopes:
        if scope[1] is None and scope[0] != "global":
            continue
        if (key, *scope) in values:
            stored = values[(key, *scope)]
            try:
                return coerce(key, stored)
            except OptionOutOfRange as exc:
                _warn_once(key, scope, stored, f"{_in_english(key, stored)}; {exc.bound} is used")
                return exc.bound
            except OptionError:
                # a bad stored value never breaks the product: the next scope applies
                fallback = "the default" if scope[0] == "global" else "the next scope's value"
                _warn_once(key, scope, stored, f"{_in_english(key, stored)}; ignored, {fallback} is used")
    return definition.default


#: The bad stored values already reported by this process (one warning each, not one per read).
_warned: set[tuple[str, str, int | None, str]] = set()


def _warn_once(key: str, scope: tuple[str, int | None], stored: Any, message: str) -> None:
    seen = (key, scope[0], scope[1], repr(stored)[:200])
    if seen in _warned:
        return
    _warned.add(seen)
    where = f"{scope[0]} {scope[1]}" if scope[1] is not None else scope[0]
    logger.warning("option %s (%s) has a bad stored value %.200r: %s", key, where, stored, message)


def options_for(*, agent_id: int | None = None, group_id: int | None = None) -> dict[str, Any]:
    """Every option's effective value for one agent (what the console needs at once)."""
    return {key: get_option(key, agent_id=agent_id, group_id=group_id) for key in DEFINITIONS}
