"""Status webhooks (reference §5): each ``statuses[]`` item as a :class:`StatusUpdate`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whatsapp.errors import int_or_none
from whatsapp.records import StatusUpdate, StorageLimits, dict_of, list_of, parse_timestamp, text_of

STATUS_VALUES = ("sent", "delivered", "read", "played", "failed")


def parse_status(
    raw: Any,
    received_at: datetime,
    *,
    limits: StorageLimits,
    where: str = "status",
    problems: list[str] | None = None,
) -> StatusUpdate | None:
    """One ``statuses[]`` item; None (and a problem) when it cannot be applied."""
    problems = problems if problems is not None else []
    if not isinstance(raw, dict):
        problems.append(f"{where} lacks an id or a known status; skipped")
        return None
    wamid, status = text_of(raw.get("id")), text_of(raw.get("status"))
    if not wamid or status not in STATUS_VALUES:
        problems.append(f"{where} lacks an id or a known status; skipped")
        return None
    if not limits.fits(wamid, "status.id"):
        problems.append(
            f"{where}: {limits.too_long(wamid, 'status.id')}; the status is kept in the event only"
        )
        return None
    where = f"{where} ({status} of {wamid})"
    timestamp, problem = parse_timestamp(raw.get("timestamp"), received_at=received_at)
    if problem:
        problems.append(f"{where}: {problem}")
    pricing = dict_of(raw.get("pricing"))
    conversation = dict_of(raw.get("conversation"))
    if conversation:
        pricing = {**pricing, "conversation": conversation}
    return StatusUpdate(
        wamid=wamid,
        status=status,
        timestamp=timestamp,
        recipient_id=text_of(raw.get("recipient_id")),
        recipient_user_id=text_of(raw.get("recipient_user_id")),
        errors=_status_errors(raw.get("errors"), where, problems, limits),
        pricing=pricing,
        raw=raw,
    )


def _status_errors(
    raw_errors: Any, where: str, problems: list[str], limits: StorageLimits
) -> list[dict[str, Any]]:
    """The status's errors; a code the error column cannot hold is left out (flagged)."""
    low, high = limits.error_code_range
    errors = []
    for error in list_of(raw_errors):
        if not isinstance(error, dict):
            continue
        code = int_or_none(error.get("code"))
        if code is not None and not low <= code <= high:
            problems.append(f"{where}: error code {str(code)[:40]} is out of range; left out")
            error = {k: v for k, v in error.items() if k != "code"}
        errors.append(error)
    return errors
