"""What every payload shares: times as ISO 8601 text, people by their name."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User


def iso(value: datetime | None) -> str | None:
    """A time as ISO 8601 text (UTC offset included); None stays None."""
    return value.isoformat() if value is not None else None


def user_name(user: User | None) -> str:
    """How the console names a user: their full name, else their username ("" for nobody)."""
    return (user.get_full_name() or user.get_username()) if user else ""
