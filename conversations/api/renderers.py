"""The API's JSON renderer: an answer is always sent, even about text that is not valid.

The parsers keep lone surrogates and non-finite numbers out of new data, but a row may
hold one from before (or from another path in), and DRF's renderer raised on it —
UnicodeEncodeError or ValueError — on every read of that row, for everyone. Here such an
answer is rendered again with lone surrogates replaced by U+FFFD and non-finite numbers by
null: the reader sees the rest of the data, and the row can be repaired.
"""

from __future__ import annotations

import math
import re
from typing import Any

from rest_framework import renderers

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(data: Any) -> Any:
    """``data`` with what UTF-8 JSON cannot carry replaced (strings, keys, floats; deep)."""
    if isinstance(data, str):
        return _LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {scrub(key): scrub(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [scrub(item) for item in data]
    return data


class SafeJSONRenderer(renderers.JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except (UnicodeEncodeError, ValueError):
            return super().render(scrub(data), accepted_media_type, renderer_context)
