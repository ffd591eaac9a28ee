"""What remains of a message whose file was deleted says so (X4). Kept free of imports:
the payload builders call it for every attachment."""

from __future__ import annotations

from typing import Any


def attachment_notice(attachment: Any) -> str | None:
    """The text the transcript shows instead of a deleted file; None while the file is there."""
    if attachment.state != "purged":
        return None
    if attachment.purge_reason == "erasure":
        return "The file was erased with the contact's data."
    when = f" on {attachment.purged_at:%Y-%m-%d}" if attachment.purged_at else ""
    return f"The file was deleted{when}: media are kept for a limited time (retention policy)."
