"""Request body parsers that refuse text no store or answer can carry.

A JSON string may hold a lone surrogate (``"\\ud800"``) or a NUL (``"\\u0000"``). Neither
is text: a lone surrogate cannot be encoded as UTF-8, so the first answer echoing it
crashed the renderer — after the value was saved, and then every later read of the row
crashed too; PostgreSQL's text and jsonb refuse NUL. So the body is checked once, here,
before any view runs: every string and every object key, at any depth. The 400 names
the offending path (``case_data.k``) with the bad key escaped, never echoing it. Numbers
beyond a double's range (``1e999`` parses to infinity) are refused the same way: JSON
cannot carry them back out.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

#: Lone surrogates and NUL: what UTF-8, PostgreSQL or both refuse.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Bodies nest objects and lists at most this deep (case data, template parameters…).
MAX_DEPTH = 32


def _segment(key: Any) -> str:
    """A path segment that is safe to echo: a key holding bad characters is escaped."""
    text = str(key)
    return ascii(text)[1:-1] if _UNSTORABLE.search(text) else text


def _problem(value: Any, *, key: bool = False) -> str | None:
    """What is wrong with ``value`` (a key of an object when ``key``), in the request's
    language; None when nothing is."""
    if isinstance(value, str):
        if "\x00" in value:
            return (
                gettext("this key must not contain NUL characters")
                if key
                else gettext("text must not contain NUL characters")
            )
        if _UNSTORABLE.search(value):
            return (
                gettext("this key must be valid Unicode (it holds a lone surrogate)")
                if key
                else gettext("text must be valid Unicode (it holds a lone surrogate)")
            )
    elif isinstance(value, float) and not math.isfinite(value):
        return gettext("number out of range")
    return None


def _refuse(path: list[str], message: str) -> serializers.ValidationError:
    """A validation error at ``path``, nested the way DRF nests field errors, so the
    error handler's message reads ``case_data.k: …``."""
    detail: Any = [message]
    for segment in reversed(path):
        detail = {segment: detail}
    if not path:
        detail = {"non_field_errors": [gettext("the request body: %(problem)s") % {"problem": message}]}
    return serializers.ValidationError(detail)


def check_text(data: Any) -> None:
    """Raise a 400 naming the first string, key or number in ``data`` that cannot be stored
    or sent back (iterative: a deep body cannot exhaust the stack)."""
    stack: list[tuple[list[str], Any]] = [([], data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_DEPTH:
            raise _refuse(
                path[:MAX_DEPTH], gettext("nested deeper than %(limit)s levels") % {"limit": MAX_DEPTH}
            )
        if isinstance(value, dict):
            items = list(value.items())
            for key, _ in items:
                if problem := _problem(key, key=True):
                    raise _refuse([*path, _segment(key)], problem)
            stack.extend(([*path, _segment(key)], item) for key, item in reversed(items))
        elif isinstance(value, list):
            stack.extend(([*path, str(index)], item) for index, item in reversed(list(enumerate(value))))
        elif problem := _problem(value):
            raise _refuse(path, problem)


def _check_form(data: QueryDict) -> None:
    check_text({key: data.getlist(key) if len(data.getlist(key)) > 1 else data[key] for key in data})


class JSONParser(parsers.JSONParser):
    """DRF's strict JSON parser, plus the text check above."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(gettext("JSON parse error - nested too deeply")) from exc
        check_text(data)
        return data


class FormParser(parsers.FormParser):
    """Form posts: the same check on every field (a NUL arrives as ``%00``)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Multipart posts: the same check on the plain fields (files are vetted by content)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        _check_form(result.data)
        return result
